"""Data that spans teams (R8.2): report rows cut to a supervisor's teams, content several teams sent."""

from __future__ import annotations

import pytest
from inquiry_desk.access.rules import Principal, Role, supervises_all, visible_teams
from inquiry_desk.errors import Forbidden
from inquiry_desk.reports.building import only_teams

ORDERS_SUPERVISOR = Principal("s", frozenset({Role.SUPERVISOR}), frozenset({"orders"}))
ADMIN = Principal("a", frozenset({Role.ADMIN}), frozenset())


def test_R8_2_a_supervisors_report_rows_are_their_teams_and_their_sum() -> None:
    day = {
        "all": {"received": 5, "resolved": 3},
        "team#orders": {"received": 2, "resolved": 1},
        "team#complaints": {"received": 3, "resolved": 2},
        "channel#chat": {"received": 5},
        "agent#li": {"resolved": 3},
    }
    assert only_teams(day, frozenset({"orders"})) == {
        "all": {"received": 2, "resolved": 1},
        "team#orders": {"received": 2, "resolved": 1},
    }
    both = only_teams(day, frozenset({"orders", "complaints"}))
    assert both["all"] == day["all"] and "channel#chat" not in both


def test_R8_2_content_that_reached_several_teams_needs_rights_on_each() -> None:
    supervises_all(ORDERS_SUPERVISOR, ["orders"], "it")
    supervises_all(ORDERS_SUPERVISOR, [], "it")  # reached no one yet
    supervises_all(ADMIN, ["orders", "complaints"], "it")
    with pytest.raises(Forbidden, match="complaints"):
        supervises_all(ORDERS_SUPERVISOR, ["orders", "complaints"], "it")
    with pytest.raises(Forbidden):
        supervises_all(Principal("g", frozenset({Role.AGENT}), frozenset({"orders"})), ["orders"], "it")
    assert visible_teams(ADMIN) is None and visible_teams(ORDERS_SUPERVISOR) == {"orders"}
