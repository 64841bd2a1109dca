"""The supervisors' lists through the agents' API on the embedded AWS (R3.1, R6.1, R8.2): a
supervisor sees only the teams they supervise; sampling a day on demand fills the review queue."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from desk_ops.local.front import api_gateway_event

from tests.integration.conftest import agent_claims


def _call(runner: Any, method: str, path: str, claims: dict[str, str], body: Any = None) -> dict[str, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    event = api_gateway_event(method, path, {"Content-Type": "application/json"}, raw, claims, "v1")
    result: dict[str, Any] = runner.invoke("console_api", event)
    assert result["statusCode"] < 500, result["body"]
    return result


def _body(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


def test_R3_1_a_supervisor_lists_resolved_unconfirmed_of_their_own_teams_only(runner: Any) -> None:
    orders_supervisor = agent_claims("orders-supervisor", "supervisors", ("orders",))
    complaints_supervisor = agent_claims("complaints-supervisor", "supervisors", ("complaints",))
    admin = agent_claims("admin", "admins", ())
    orders_agent = agent_claims("orders-agent", "agents", ("orders",))
    made = _call(
        runner,
        "POST",
        "/api/inquiries",
        admin,
        {"channel": "phone", "contact": "138-0013-8222", "description": "refund?", "reference": "late-1"},
    )
    inquiry_id = _body(made)["inquiry_id"]
    for action in (
        {"action": "reclassify", "team": "orders"},
        {"action": "assign", "owner": "orders-agent"},
    ):
        assert _call(runner, "POST", f"/api/inquiries/{inquiry_id}/actions", admin, action)["statusCode"] == 200
    for action in ({"action": "reply", "text": "it is on its way"}, {"action": "resolve", "result": "refunded"}):
        got = _call(runner, "POST", f"/api/inquiries/{inquiry_id}/actions", orders_agent, action)
        assert got["statusCode"] == 200, got["body"]

    def unconfirmed(claims: dict[str, str]) -> tuple[list[str], set[str]]:
        got = _call(runner, "GET", "/api/supervision/late", claims)
        assert got["statusCode"] == 200, got["body"]
        body = _body(got)
        return body["teams"], {i["inquiry_id"] for i in body["awaiting_confirmation"]}

    teams, ids = unconfirmed(orders_supervisor)
    assert teams == ["orders"] and inquiry_id in ids
    teams, ids = unconfirmed(complaints_supervisor)
    assert teams == ["complaints"] and inquiry_id not in ids
    teams, ids = unconfirmed(admin)
    assert "orders" in teams and "complaints" in teams and inquiry_id in ids
    assert _call(runner, "GET", "/api/supervision/late", orders_agent)["statusCode"] == 403

    # R6.1: today's answers sampled on demand (the daily job does yesterday), twice = once
    day = datetime.now(UTC).date().isoformat()
    first = _body(_call(runner, "POST", f"/api/reviews/{day}/sample", orders_supervisor))
    again = _body(_call(runner, "POST", f"/api/reviews/{day}/sample", orders_supervisor))
    assert first["sampled"].get("orders-agent", 0) >= 1 and again == first
    queue = _body(_call(runner, "GET", f"/api/reviews/{day}", orders_supervisor))["reviews"]
    mine = [r for r in queue if r["agent"] == "orders-agent"]
    # what was sampled is queued; an earlier sampling of the same day (other tests) may have queued more
    assert len(mine) >= first["sampled"]["orders-agent"]
    assert _call(runner, "POST", "/api/reviews/2026-02-30/sample", orders_supervisor)["statusCode"] == 400
