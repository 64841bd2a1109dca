"""Deadline enforcement decisions on the shipped policy (R3.1, R3.2, R2.6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from inquiry_desk.deadlines.decisions import Phase, Verdict, decide, due_timers, escalation_step, next_timer
from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
from inquiry_desk.model import Channel, EventType, Inquiry, InquiryEvent, Status, Urgency

POLICY = load_policy(shipped_policy_path())
T0 = datetime(2026, 3, 3, 2, 0, 10, tzinfo=UTC)  # a Tuesday, 10:00:10 in Shanghai


def _inquiry(**kw: object) -> Inquiry:
    base: dict[str, object] = dict(
        inquiry_id="QTEST",
        customer_id="C1",
        channel=Channel.CHAT,
        received_at=T0,
        description="退货",
        category="after_sales_return",
        team="aftersales",
        urgency=Urgency.NORMAL,
        event_count=2,
    )
    base.update(kw)
    return Inquiry(**base)  # type: ignore[arg-type]


def _event(seq: int, type_: EventType, at: datetime, **data: object) -> InquiryEvent:
    return InquiryEvent(inquiry_id="QTEST", seq=seq, type=type_, at=at, data=dict(data))


EVENTS = [
    _event(1, EventType.RECEIVED, T0),
    _event(2, EventType.CLASSIFIED, T0),
    _event(3, EventType.ASSIGNED, T0, team="aftersales"),
]


def test_R3_1_a_new_inquiry_has_one_timer_at_its_next_due_instant_to_the_second() -> None:
    timer = next_timer(POLICY, _inquiry(), EVENTS, T0)
    assert timer is not None
    assert (timer.kind, timer.phase, timer.episode) == ("acknowledge", Phase.WARN, 1)
    assert timer.at == T0 + timedelta(seconds=15)  # not rounded to a minute: chat is due in 30 s (R2.1)
    warned = [*EVENTS, _event(4, EventType.DEADLINE_WARNED, timer.at, kind="acknowledge", episode=1)]
    after = next_timer(POLICY, _inquiry(), warned, timer.at)
    assert after is not None and (after.kind, after.phase) == ("acknowledge", Phase.DUE)
    assert after.at == T0 + timedelta(seconds=30)


def test_the_next_instant_may_be_a_warning_before_its_deadline() -> None:
    acked = [*EVENTS, _event(4, EventType.ACKNOWLEDGED, T0 + timedelta(seconds=20))]
    timer = next_timer(POLICY, _inquiry(status=Status.ACKNOWLEDGED), acked, T0 + timedelta(seconds=20))
    assert timer is not None and timer.kind != "acknowledge"
    due = due_timers(POLICY, _inquiry(status=Status.ACKNOWLEDGED), acked, timer.at)
    assert [(t.kind, t.phase) for t in due] == [(timer.kind, timer.phase)]


def test_acknowledged_inquiry_moves_its_timer_and_resolved_has_none() -> None:
    acked = [*EVENTS, _event(4, EventType.ACKNOWLEDGED, T0 + timedelta(seconds=20))]
    timer = next_timer(POLICY, _inquiry(status=Status.ACKNOWLEDGED), acked, T0)
    assert timer is not None and timer.kind != "acknowledge"
    assert next_timer(POLICY, _inquiry(status=Status.RESOLVED), acked, T0) is None


def test_a_warning_past_its_deadline_gives_way_to_the_deadline() -> None:
    late = T0 + timedelta(hours=30)
    assert all(t.phase is Phase.DUE for t in due_timers(POLICY, _inquiry(), EVENTS, late))


def test_timer_for_a_met_deadline_does_nothing() -> None:
    acked = [*EVENTS, _event(4, EventType.ACKNOWLEDGED, T0 + timedelta(seconds=20))]
    got = decide(
        POLICY, _inquiry(status=Status.ACKNOWLEDGED), acked, "acknowledge", 1, Phase.DUE, T0 + timedelta(minutes=1)
    )
    assert got.verdict is Verdict.NOTHING and "met" in got.reason


def test_R3_1_breach_when_due_passes_unmet_names_a_ladder() -> None:
    got = decide(POLICY, _inquiry(), EVENTS, "acknowledge", 1, Phase.DUE, T0 + timedelta(minutes=1))
    assert got.verdict is Verdict.BREACH
    assert got.ladder in POLICY.escalation_ladders


def test_early_fire_or_moved_deadline_does_nothing() -> None:
    got = decide(POLICY, _inquiry(), EVENTS, "resolve", 1, Phase.DUE, T0 + timedelta(minutes=1))
    assert got.verdict is Verdict.NOTHING and "moved" in got.reason


def test_breach_is_recorded_once() -> None:
    breached = [
        *EVENTS,
        _event(4, EventType.DEADLINE_BREACHED, T0 + timedelta(minutes=1), kind="acknowledge", episode=1),
    ]
    got = decide(POLICY, _inquiry(), breached, "acknowledge", 1, Phase.DUE, T0 + timedelta(minutes=2))
    assert got.verdict is Verdict.NOTHING
    assert "acknowledge" not in [t.kind for t in due_timers(POLICY, _inquiry(), breached, T0 + timedelta(minutes=2))]


def test_R2_6_progress_notice_tells_the_customer() -> None:
    resolve_due = next(
        t for t in due_timers(POLICY, _inquiry(), EVENTS, T0 + timedelta(days=30)) if t.kind == "progress_notice"
    )
    got = decide(POLICY, _inquiry(), EVENTS, "progress_notice", 1, Phase.DUE, resolve_due.at)
    assert got.verdict is Verdict.NOTIFY_CUSTOMER_PROGRESS


def test_waiting_on_customer_pauses_resolve() -> None:
    waiting = [*EVENTS, _event(4, EventType.ACKNOWLEDGED, T0), _event(5, EventType.WAITING_ON_CUSTOMER, T0)]
    got = decide(
        POLICY, _inquiry(status=Status.WAITING_ON_CUSTOMER), waiting, "resolve", 1, Phase.DUE, T0 + timedelta(days=5)
    )
    assert got.verdict is Verdict.NOTHING and "paused" in got.reason


@pytest.mark.parametrize("ladder", sorted(POLICY.escalation_ladders))
def test_R3_2_ladder_walks_each_step_with_its_own_wait_then_finishes(ladder: str) -> None:
    steps = POLICY.escalation_ladders[ladder]
    step, actions, waits = 0, [], []
    while True:
        got = escalation_step(POLICY, _inquiry(), EVENTS, "acknowledge", 1, ladder, step)
        if got.action:
            actions.append(got.action)
        if got.done:
            break
        waits.append(got.wait_seconds)
        step = got.next_step
    assert actions == [s.action for s in steps]
    assert waits == [int(s.wait.to_timedelta().total_seconds()) for s in steps]


def test_R3_1_ladder_stops_as_soon_as_the_deadline_is_met() -> None:
    acked = [*EVENTS, _event(4, EventType.ACKNOWLEDGED, T0 + timedelta(minutes=3))]
    got = escalation_step(POLICY, _inquiry(status=Status.ACKNOWLEDGED), acked, "acknowledge", 1, "standard", 2)
    assert got.done and got.action is None and "met" in got.reason


def _breached(kind: str = "acknowledge") -> list[InquiryEvent]:
    return [*EVENTS, _event(4, EventType.DEADLINE_BREACHED, T0 + timedelta(minutes=1), kind=kind, episode=1)]


def test_R3_2_reassignment_never_takes_the_inquiry_from_an_agent_who_acted_since_the_breach() -> None:
    acted = [
        *_breached("first_reply"),
        InquiryEvent(
            inquiry_id="QTEST", seq=5, type=EventType.ACKNOWLEDGED, at=T0 + timedelta(minutes=2), actor="agent-7"
        ),
    ]
    inquiry = _inquiry(status=Status.ACKNOWLEDGED, owner="agent-7")
    got = escalation_step(POLICY, inquiry, acted, "first_reply", 1, "standard", 2)  # step 2: reassign
    assert got.action == "keep_owner" and got.extra["kept_by"] == "agent-7"
    assert "first_reply" in got.reason and "step 2" in got.reason
    # nobody acted: the supervisor takes it
    untouched = escalation_step(POLICY, _inquiry(), _breached("first_reply"), "first_reply", 1, "standard", 2)
    assert untouched.action == "reassign_to_supervisor"


def test_every_ladder_step_says_which_deadline_which_step_and_why() -> None:
    got = escalation_step(POLICY, _inquiry(), _breached(), "acknowledge", 1, "standard", 1)
    assert got.action == "notify_owner"
    assert "acknowledge" in got.reason and "step 1 of 3" in got.reason and "not met" in got.reason
