"""The status lifecycle: new -> acknowledged -> in progress -> waiting -> resolved -> closed loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from inquiry_desk.errors import InvalidTransition
from inquiry_desk.inquiries.lifecycle import Action, apply
from inquiry_desk.model import Channel, Inquiry, Status

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _inquiry(**kw: object) -> Inquiry:
    return Inquiry(
        inquiry_id="Q1",
        customer_id="C1",
        channel=Channel.CHAT,
        received_at=T0,
        description="hello",
        event_count=2,
        **kw,
    )  # type: ignore[arg-type]


def test_full_loop_to_closed_records_result_satisfaction_and_archive_time() -> None:
    inquiry = _inquiry()
    steps = [
        (Action.ACKNOWLEDGE, {}, Status.ACKNOWLEDGED),
        (Action.REPLY, {"message_id": "M1"}, Status.IN_PROGRESS),
        (Action.WAIT_ON_CUSTOMER, {"reason": "photo of the damage"}, Status.WAITING_ON_CUSTOMER),
        (Action.CUSTOMER_REPLIED, {}, Status.IN_PROGRESS),
        (Action.RESOLVE, {"result": "refund issued"}, Status.RESOLVED),
        (Action.CLOSE, {"satisfaction": 5}, Status.CLOSED),
    ]
    for minute, (action, data, expected) in enumerate(steps, start=1):
        inquiry = apply(inquiry, action, T0 + timedelta(minutes=minute), "agent-1", **data).inquiry
        assert inquiry.status is expected
    assert inquiry.result == "refund issued"
    assert inquiry.satisfaction == 5
    assert inquiry.archived_at == T0 + timedelta(minutes=6)
    assert inquiry.first_response_at == T0 + timedelta(minutes=2)
    assert inquiry.owner == "agent-1"
    assert inquiry.event_count == 2 + len(steps)
    assert inquiry.version == 1 + len(steps)


def test_first_response_time_is_set_once() -> None:
    once = apply(_inquiry(), Action.REPLY, T0 + timedelta(minutes=3), "a").inquiry
    twice = apply(once, Action.REPLY, T0 + timedelta(minutes=9), "a").inquiry
    assert twice.first_response_at == T0 + timedelta(minutes=3)


def test_events_are_numbered_after_the_existing_timeline() -> None:
    transition = apply(_inquiry(), Action.ACKNOWLEDGE, T0, "a")
    assert [e.seq for e in transition.events] == [3]
    assert transition.events[0].type.value == "acknowledged"


def test_reopen_starts_a_new_episode_and_clears_the_result() -> None:
    resolved = _inquiry(status=Status.RESOLVED, result="done")
    reopened = apply(resolved, Action.REOPEN, T0, "customer", reason="still broken").inquiry
    assert (reopened.status, reopened.episode, reopened.result) == (Status.IN_PROGRESS, 2, None)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.NEW, Action.CLOSE),
        (Status.CLOSED, Action.ACKNOWLEDGE),
        (Status.RESOLVED, Action.WAIT_ON_CUSTOMER),
        (Status.NEW, Action.REOPEN),
        (Status.IN_PROGRESS, Action.ACKNOWLEDGE),
    ],
)
def test_invalid_transitions_are_refused_with_a_reason(status: Status, action: Action) -> None:
    with pytest.raises(InvalidTransition, match=f"cannot {action.value}"):
        apply(_inquiry(status=status), action, T0, "a")


def test_resolution_requires_a_result() -> None:
    with pytest.raises(InvalidTransition, match="result"):
        apply(_inquiry(), Action.RESOLVE, T0, "a", result="  ")


def test_transition_does_not_mutate_the_original() -> None:
    original = _inquiry()
    apply(original, Action.ACKNOWLEDGE, T0, "a")
    assert original.status is Status.NEW and original.version == 1
