"""Transfer and escalate: the lifecycle's hand-overs, their timeline events and who may do them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from inquiry_desk.access.rules import Principal, Role, check_action
from inquiry_desk.errors import InvalidTransition, PayloadError
from inquiry_desk.inquiries.lifecycle import Action, apply
from inquiry_desk.model import EVENT_DATA, Channel, EventType, Inquiry, Status

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _inquiry(**kw: object) -> Inquiry:
    fields: dict[str, object] = {"team": "orders", "owner": "ann", "status": Status.IN_PROGRESS, **kw}
    return Inquiry(
        inquiry_id="Q1",
        customer_id="C1",
        channel=Channel.CHAT,
        received_at=T0,
        description="hi",
        event_count=3,
        **fields,
    )  # type: ignore[arg-type]


def test_transfer_to_another_team_queue_records_from_and_to_with_the_reason() -> None:
    moved = apply(_inquiry(), Action.TRANSFER, T0, "ann", team="aftersales", reason="a repair, not an order")
    assert moved.inquiry.team == "aftersales" and moved.inquiry.owner is None
    (event,) = moved.events
    assert event.type is EventType.TRANSFERRED and event.seq == 4
    assert event.data == {
        "from_owner": "ann",
        "from_team": "orders",
        "owner": None,
        "team": "aftersales",
        "reason": "a repair, not an order",
    }
    assert EVENT_DATA[EventType.TRANSFERRED].model_validate(event.data).reason == "a repair, not an order"


def test_transfer_to_an_agent_of_the_same_team() -> None:
    moved = apply(_inquiry(), Action.TRANSFER, T0, "ann", owner="bob", reason="bob speaks English")
    assert (moved.inquiry.owner, moved.inquiry.team) == ("bob", "orders")


@pytest.mark.parametrize(
    "data", [{"team": "aftersales"}, {"team": "aftersales", "reason": "  "}, {"owner": "ann", "reason": "same"}]
)
def test_transfer_needs_a_reason_and_somewhere_else(data: dict[str, str]) -> None:
    with pytest.raises(InvalidTransition):
        apply(_inquiry(), Action.TRANSFER, T0, "ann", **data)


def test_escalate_hands_it_to_the_teams_supervisors_once() -> None:
    up = apply(_inquiry(), Action.ESCALATE, T0, "ann", reason="customer threatens to sue")
    assert up.inquiry.owner == "supervisors:orders" and up.inquiry.status is Status.IN_PROGRESS
    assert up.events[0].type is EventType.ESCALATED_TO_SUPERVISOR
    assert up.events[0].data["from_owner"] == "ann"
    with pytest.raises(InvalidTransition):
        apply(up.inquiry, Action.ESCALATE, T0, "ann", reason="again")


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
@pytest.mark.parametrize("action", [Action.TRANSFER, Action.ESCALATE])
def test_no_hand_over_once_resolved(status: Status, action: Action) -> None:
    with pytest.raises(InvalidTransition):
        apply(_inquiry(status=status), action, T0, "ann", team="aftersales", reason="why")


AGENT = Principal("ann", frozenset({Role.AGENT}), frozenset({"orders"}))


def _check(data: dict[str, str], agents: dict[str, frozenset[str] | None]) -> None:
    check_action(AGENT, "orders", str(data["action"]), data, ["orders", "aftersales"], ["returns"], agents)


def test_R8_2_an_agent_may_transfer_to_a_known_team_or_an_agent_in_it() -> None:
    _check({"action": "transfer", "team": "aftersales", "reason": "r"}, {})
    _check({"action": "transfer", "owner": "bob", "reason": "r"}, {"bob": frozenset({"orders"})})
    _check({"action": "escalate", "reason": "r"}, {})
    for data, agents in (
        ({"action": "transfer", "team": "nowhere", "reason": "r"}, {}),
        ({"action": "transfer", "owner": "ghost", "reason": "r"}, {"ghost": None}),
        ({"action": "transfer", "owner": "bob", "team": "aftersales", "reason": "r"}, {"bob": frozenset({"orders"})}),
    ):
        with pytest.raises(PayloadError):
            _check(data, agents)
