"""One timer per inquiry, on the mechanism that fires it to the second (R2.1, R3.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from inquiry_desk.adapters.timers import HANDOVER, DeadlineTimers
from inquiry_desk.deadlines.contracts import (
    EscalationStep,
    Phase,
    QueueBatch,
    Reconcile,
    ScheduledEvent,
    StreamBatch,
    TimerFired,
    TimerSpec,
    sla_timer_event,
)

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


class FakeQueue:
    def __init__(self) -> None:
        self.sent: list[tuple[TimerSpec, int]] = []

    def send(self, timer: TimerSpec, delay_seconds: int) -> int:
        self.sent.append((timer, delay_seconds))
        return 1


class FakeScheduler:
    def __init__(self) -> None:
        self.schedules: dict[str, tuple[TimerSpec, datetime]] = {}

    def put(self, inquiry_id: str, timer: TimerSpec, fire_at: datetime, exists: bool) -> int:
        right_guess = exists == (inquiry_id in self.schedules)
        self.schedules[inquiry_id] = (timer, fire_at)
        return 1 if right_guess else 2

    def delete(self, inquiry_id: str) -> int:
        self.schedules.pop(inquiry_id, None)
        return 1


def _timer(after: timedelta, kind: str = "acknowledge") -> TimerSpec:
    return TimerSpec(inquiry_id="Q1", at=NOW + after, kind=kind, episode=1, phase=Phase.DUE)


def _timers() -> tuple[DeadlineTimers, FakeQueue, FakeScheduler]:
    queue, scheduler = FakeQueue(), FakeScheduler()
    return DeadlineTimers(queue, scheduler), queue, scheduler  # type: ignore[arg-type]


def test_R2_1_an_instant_within_15_minutes_is_an_sqs_message_timer_to_the_second() -> None:
    timers, queue, scheduler = _timers()
    assert timers.arm("Q1", _timer(timedelta(seconds=30)), NOW, None) == 1
    assert queue.sent == [(_timer(timedelta(seconds=30)), 30)] and not scheduler.schedules


def test_a_later_instant_is_one_schedule_per_inquiry_handed_over_ahead_of_time() -> None:
    timers, queue, scheduler = _timers()
    assert timers.arm("Q1", _timer(timedelta(hours=4)), NOW, None) == 1
    timer, fire_at = scheduler.schedules["Q1"]
    assert fire_at == timer.at - HANDOVER and not queue.sent
    # moved: the same schedule, updated in place
    assert timers.arm("Q1", _timer(timedelta(hours=5)), NOW, _timer(timedelta(hours=4))) == 1
    assert list(scheduler.schedules) == ["Q1"]


def test_at_most_two_requests_for_any_change() -> None:
    cases = [
        (timedelta(seconds=30), None),
        (timedelta(hours=4), None),
        (timedelta(hours=4), timedelta(seconds=30)),
        (timedelta(seconds=30), timedelta(hours=4)),
        (timedelta(hours=4), timedelta(hours=9)),
        (None, timedelta(hours=4)),
        (None, timedelta(seconds=30)),
        (timedelta(seconds=-5), timedelta(seconds=30)),
    ]
    for wanted, before in cases:
        timers, _, scheduler = _timers()
        if before is not None and before > timedelta(minutes=15):
            scheduler.schedules["Q1"] = (_timer(before), NOW)
        requests = timers.arm(
            "Q1", _timer(wanted) if wanted is not None else None, NOW, _timer(before) if before is not None else None
        )
        assert requests <= 2, (wanted, before, requests)


def test_switching_to_a_short_timer_deletes_the_pending_schedule() -> None:
    timers, queue, scheduler = _timers()
    timers.arm("Q1", _timer(timedelta(hours=4)), NOW, None)
    assert timers.arm("Q1", _timer(timedelta(minutes=5)), NOW, _timer(timedelta(hours=4))) == 2
    assert not scheduler.schedules and queue.sent[-1][1] == 300


def test_overdue_instant_fires_at_once() -> None:
    timers, queue, _ = _timers()
    timers.arm("Q1", _timer(timedelta(seconds=-90)), NOW, None)
    assert queue.sent[-1][1] == 0


def test_every_sla_timer_event_is_one_typed_contract() -> None:
    timer = {"inquiry_id": "Q1", "at": NOW.isoformat(), "kind": "acknowledge", "episode": 1, "phase": "due"}
    state = {"inquiry_id": "Q1", "kind": "acknowledge", "episode": 1, "ladder": "standard", "step": 0}
    body = TimerFired.model_validate({"timer": timer}).model_dump_json()
    events: list[tuple[Any, type]] = [
        ({"timer": timer}, TimerFired),
        ({"escalation": state}, EscalationStep),
        ({"reconcile": True}, Reconcile),
        ({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, ScheduledEvent),
        ({"Records": [{"eventSource": "aws:dynamodb", "dynamodb": {}}]}, StreamBatch),
        ({"Records": [{"eventSource": "aws:sqs", "body": body, "messageId": "m1"}]}, QueueBatch),
    ]
    for event, kind in events:
        assert isinstance(sla_timer_event.validate_python(event), kind)
    queued = sla_timer_event.validate_python(events[-1][0])
    assert isinstance(queued, QueueBatch) and queued.Records[0].timer().at == NOW


def test_a_malformed_event_is_refused_with_its_reason() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        sla_timer_event.validate_python({"timer": {"inquiry_id": "Q1"}})
    with pytest.raises(ValidationError):
        sla_timer_event.validate_python({"what": 1})
