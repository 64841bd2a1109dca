"""The deadline enforcer on fakes (R2 targets, R3.1 overdue raised, R3.2 escalation to a
supervisor, R2.6 progress notice): one timer per inquiry at its next due instant, armed from the
inquiry's changes (the table stream, with the old image); a delivered timer re-decides and acts
at most once; the ladder steps; the reconciler recovers a lost timer.

`FakeTimers` routes as `adapters.timers.DeadlineTimers` does (SQS for the last 15 minutes,
Scheduler before, handed over ahead of the instant), so request counts are the real ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from inquiry_desk.adapters.timers import HANDOVER
from inquiry_desk.deadlines.contracts import LadderState, Phase, TimerSpec
from inquiry_desk.errors import NotFound
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.model import Channel, Direction, EventType

from tests.fakes import T0, Desk, Pending
from tests.fakes.inbound import inbound

ACK_WARN = T0 + timedelta(seconds=15)  # chat: warned at half of the 30 s (R3.1)
ACK_DUE = T0 + timedelta(seconds=30)  # chat: acknowledged within 30 s (R2.1)


def _timer(inquiry_id: str, kind: str, phase: Phase, at: datetime, episode: int = 1) -> TimerSpec:
    return TimerSpec(inquiry_id=inquiry_id, at=at, kind=kind, episode=episode, phase=phase)


def _open(desk: Desk) -> str:
    """A chat return request at T0 (aftersales, normal: the standard ladder), planned as the
    stream's INSERT record plans it (no old image)."""
    inquiry_id = desk.intake().receive(inbound(Channel.CHAT, "web-1", "我要退货 return", T0)).inquiry_id
    desk.enforcer().plan(inquiry_id)
    return inquiry_id


def _changed(desk: Desk, inquiry_id: str, change: Callable[[], object]) -> dict[str, int]:
    """Make a change as of the desk's clock and plan it as the stream does: with the old image."""
    previous = desk.repository.get(inquiry_id)
    change()
    return desk.enforcer().plan(inquiry_id, previous)


def _act(desk: Desk, inquiry_id: str, action: Action, at: datetime, **data: Any) -> dict[str, int]:
    desk.clock.at = at
    return _changed(desk, inquiry_id, lambda: desk.inquiries().act(inquiry_id, action, "agent-7", at, **data))


def _run(desk: Desk, until: datetime) -> list[dict[str, Any]]:
    """The world until `until`: each timer reaches sla_timer when it is delivered, and whatever a
    firing changed is planned again (the stream). Returns what each firing did, in order."""
    enforcer, results = desk.enforcer(), []
    while (at := desk.timers.next_delivery()) is not None and at <= until:
        desk.clock.at = max(desk.clock.at, at)
        for timer in desk.timers.due(desk.clock.at):
            previous = desk.repository.get(timer.inquiry_id)
            results.append(enforcer.fire(timer))
            if previous is not None and desk.repository.get(timer.inquiry_id) != previous:
                enforcer.plan(timer.inquiry_id, previous)
    desk.clock.at = max(desk.clock.at, until)
    return results


def _events(desk: Desk, inquiry_id: str, kind: EventType) -> list[dict[str, Any]]:
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    return [e.data for e in timeline.events if e.type is kind]


def test_R2_planning_arms_one_timer_at_the_next_due_instant_and_replanning_sends_nothing(desk: Desk) -> None:
    inquiry_id = desk.intake().receive(inbound(Channel.CHAT, "web-1", "我要退货 return", T0)).inquiry_id
    enforcer = desk.enforcer()
    assert enforcer.plan(inquiry_id)["requests"] == 1
    warn = _timer(inquiry_id, "acknowledge", Phase.WARN, ACK_WARN)
    assert desk.timers.of(inquiry_id) == warn
    assert desk.timers.pending(inquiry_id) == [Pending(ACK_WARN, warn, "queue")]  # one SQS message, to the second
    unchanged = desk.repository.get(inquiry_id)
    assert enforcer.plan(inquiry_id, unchanged)["requests"] == 0
    assert enforcer.plan(inquiry_id, unchanged)["requests"] == 0
    assert desk.timers.requests == 1 and len(desk.timers.pending(inquiry_id)) == 1


def test_R2_a_met_deadline_moves_the_timer_and_a_resolved_inquiry_has_no_deadline_timer(desk: Desk) -> None:
    inquiry_id = _open(desk)
    assert _act(desk, inquiry_id, Action.ACKNOWLEDGE, T0 + timedelta(seconds=10))["requests"] == 1
    moved = desk.timers.of(inquiry_id)
    assert moved == _timer(inquiry_id, "contact_after_assign", Phase.WARN, T0 + timedelta(minutes=7, seconds=30))
    _act(desk, inquiry_id, Action.REPLY, T0 + timedelta(minutes=1), text="the return label is on its way")
    far = desk.timers.of(inquiry_id)
    assert far is not None and (far.kind, far.phase) == ("detailed_reply", Phase.WARN)
    assert desk.timers.schedules[inquiry_id] == Pending(far.at - HANDOVER, far, "scheduler")  # > 15 min: Scheduler
    before = desk.timers.requests
    _act(desk, inquiry_id, Action.RESOLVE, T0 + timedelta(minutes=5), result="label sent")
    assert desk.timers.of(inquiry_id) is None and inquiry_id not in desk.timers.schedules
    assert desk.timers.requests - before == 1  # the schedule deleted
    assert set(desk.schedules.of(inquiry_id)) == {f"{inquiry_id}-survey-e1", f"{inquiry_id}-confirm-timeout-e1"}


def test_R2_a_far_instant_is_handed_over_from_the_scheduler_to_the_second_precise_queue(desk: Desk) -> None:
    inquiry_id = _open(desk)
    _act(desk, inquiry_id, Action.ACKNOWLEDGE, T0 + timedelta(seconds=10))
    _act(desk, inquiry_id, Action.REPLY, T0 + timedelta(minutes=1), text="the return label is on its way")
    far = desk.timers.of(inquiry_id)
    assert far is not None
    assert [r["verdict"] for r in _run(desk, far.at - HANDOVER - timedelta(seconds=1))] == ["nothing", "nothing"]
    desk.clock.at = far.at - HANDOVER
    [delivered] = desk.timers.due(desk.clock.at)  # (the superseded SQS messages arrived and did nothing)
    assert desk.enforcer().fire(delivered) == {
        "verdict": "rearmed",
        "reason": f"due at {far.at.isoformat()}",
        "requests": 1,
    }
    assert desk.timers.pending(inquiry_id) == [Pending(far.at, far, "queue")]
    assert desk.notifier.sent == []  # nothing acted early
    [warned] = _run(desk, far.at)
    assert warned["verdict"] == "warn_owner" and desk.clock.at == far.at


def test_R2_an_inquiry_change_costs_at_most_two_timer_requests(desk: Desk) -> None:
    inquiry_id = _open(desk)
    changes: list[tuple[Action, timedelta, dict[str, Any]]] = [
        (Action.ACKNOWLEDGE, timedelta(seconds=10), {}),
        (Action.REPLY, timedelta(minutes=1), {"text": "which size?"}),  # next instant > 15 min: Scheduler
        (Action.ASSIGN, timedelta(minutes=3), {"owner": "agent-9"}),  # back within 15 min: SQS, schedule deleted
        (Action.WAIT_ON_CUSTOMER, timedelta(minutes=4), {}),
        (Action.CUSTOMER_REPLIED, timedelta(minutes=9), {}),
        (Action.NOTE, timedelta(minutes=10), {"text": "size M"}),
        (Action.RESOLVE, timedelta(minutes=11), {"result": "label sent"}),
        (Action.REOPEN, timedelta(minutes=12), {"reason": "label missing"}),
        (Action.REPLY, timedelta(minutes=40), {"text": "sent again"}),
        (Action.RESOLVE, timedelta(minutes=41), {"result": "label resent"}),
    ]
    per_change, named_syncs = [], []
    for action, after, data in changes:
        before, syncs = desk.timers.requests, desk.schedules.syncs
        planned = _act(desk, inquiry_id, action, T0 + after, **data)
        per_change.append(desk.timers.requests - before)
        named_syncs.append(desk.schedules.syncs - syncs)
        assert planned["requests"] >= per_change[-1]  # plus the closing loop's schedules, if touched
    assert max(per_change) <= 2, per_change
    assert per_change[2] == 2  # a Scheduler instant replaced by an SQS one: send, and delete the schedule
    # the closing loop's named schedules are re-made only when the status or episode changed, and
    # only when some are wanted before or after: not while the inquiry is open (resolve, reopen)
    assert named_syncs == [0, 0, 0, 0, 0, 0, 1, 1, 0, 1]
    assert desk.timers.of(inquiry_id) is None and inquiry_id not in desk.timers.schedules


def test_R3_1_the_warning_goes_to_the_owner_once(desk: Desk) -> None:
    inquiry_id = _open(desk)
    [result] = _run(desk, ACK_WARN)
    assert result["verdict"] == "warn_owner"
    [notice] = desk.notifier.sent
    assert notice.kind == "deadline_warning" and notice.body["audience"] == "owner"
    assert notice.body["inquiry_id"] == inquiry_id and notice.subject.startswith(f"[{inquiry_id}]")
    assert _events(desk, inquiry_id, EventType.DEADLINE_WARNED) == [
        {"kind": "acknowledge", "episode": 1, "due": ACK_DUE.isoformat()}
    ]
    again = desk.enforcer().fire(_timer(inquiry_id, "acknowledge", Phase.WARN, ACK_WARN))  # delivered twice
    assert again["verdict"] == "nothing"
    assert len(desk.notifier.sent) == 1 and len(_events(desk, inquiry_id, EventType.DEADLINE_WARNED)) == 1
    assert desk.timers.of(inquiry_id) == _timer(inquiry_id, "acknowledge", Phase.DUE, ACK_DUE)  # next: the deadline


def test_R3_1_a_breach_is_recorded_once_and_starts_its_escalation_ladder_once(desk: Desk) -> None:
    inquiry_id = _open(desk)
    _run(desk, ACK_WARN)
    [result] = _run(desk, ACK_DUE)
    assert result["verdict"] == "breach"
    [breach] = _events(desk, inquiry_id, EventType.DEADLINE_BREACHED)
    assert (breach["kind"], breach["ladder"]) == ("acknowledge", "standard")
    assert desk.ladders.executions == {
        f"{inquiry_id}-acknowledge-e1": LadderState(
            inquiry_id=inquiry_id, kind="acknowledge", episode=1, ladder="standard", step=0, breached_at=ACK_DUE
        )
    }
    due = _timer(inquiry_id, "acknowledge", Phase.DUE, ACK_DUE)
    assert desk.enforcer().fire(due)["verdict"] == "nothing"  # a duplicate delivery
    assert len(_events(desk, inquiry_id, EventType.DEADLINE_BREACHED)) == 1 and desk.ladders.starts == 1
    following = desk.timers.of(inquiry_id)
    assert following is not None and following.kind != "acknowledge"  # the ladder has it now


def test_a_late_or_duplicate_fire_after_the_deadline_was_met_does_nothing(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.clock.at = T0 + timedelta(seconds=5)
    early = desk.enforcer().fire(_timer(inquiry_id, "acknowledge", Phase.DUE, ACK_DUE))
    assert early == {"verdict": "nothing", "reason": "stale timer: the inquiry moved on"}
    _act(desk, inquiry_id, Action.ACKNOWLEDGE, T0 + timedelta(seconds=10))
    [superseded] = _run(desk, ACK_DUE)  # the warning's SQS message cannot be recalled: it arrives
    assert superseded["verdict"] == "nothing"
    late = desk.enforcer().fire(_timer(inquiry_id, "acknowledge", Phase.DUE, ACK_DUE))
    assert late["verdict"] == "nothing"
    assert not _events(desk, inquiry_id, EventType.DEADLINE_BREACHED) and desk.ladders.starts == 0
    assert not _events(desk, inquiry_id, EventType.DEADLINE_WARNED) and desk.notifier.sent == []


def test_a_timer_of_an_earlier_episode_does_nothing_after_a_reopen(desk: Desk) -> None:
    inquiry_id = _open(desk)
    _act(desk, inquiry_id, Action.RESOLVE, T0 + timedelta(seconds=5), result="done")
    _act(desk, inquiry_id, Action.REOPEN, T0 + timedelta(seconds=10), reason="not done")
    [old_warning] = _run(desk, ACK_WARN)  # episode 1's warning, sent before the resolution
    assert old_warning["verdict"] == "nothing"
    resolve_e1 = _timer(inquiry_id, "resolve", Phase.DUE, T0 + timedelta(hours=24))
    assert desk.enforcer().fire(resolve_e1)["verdict"] == "nothing"
    assert not _events(desk, inquiry_id, EventType.DEADLINE_WARNED) and desk.notifier.sent == []
    current = desk.timers.of(inquiry_id)
    assert current == _timer(inquiry_id, "acknowledge", Phase.WARN, T0 + timedelta(seconds=25), episode=2)


def test_R3_2_the_ladder_notifies_the_owner_then_reassigns_to_a_supervisor_then_the_manager(desk: Desk) -> None:
    inquiry_id = _open(desk)
    _run(desk, ACK_DUE)  # warned at 15 s, breached at 30 s
    assert desk.notifier.audiences() == ["owner"]
    desk.notifier.sent.clear()
    enforcer = desk.enforcer()
    state = desk.ladders.executions[f"{inquiry_id}-acknowledge-e1"]

    state = enforcer.escalate(state)  # the start: nothing done, step 1 is due at once
    assert (state.step, state.wait_seconds, state.done) == (1, 0, False)
    assert desk.notifier.sent == []
    state = enforcer.escalate(state)
    assert (state.step, state.wait_seconds, state.done) == (2, 30 * 60, False)
    assert desk.notifier.audiences() == ["owner"]
    state = enforcer.escalate(state)
    assert desk.notifier.audiences() == ["owner", "supervisor"]
    inquiry = desk.repository.get(inquiry_id)
    assert inquiry is not None and inquiry.owner == "supervisors:aftersales"
    state = enforcer.escalate(state)
    assert state.done and state.reason.endswith("ladder finished")
    assert desk.notifier.audiences() == ["owner", "supervisor", "manager"]
    steps = _events(desk, inquiry_id, EventType.ESCALATED)
    assert [s["action"] for s in steps] == ["notify_owner", "reassign_to_supervisor", "notify_manager"]


def test_R3_2_the_ladder_stops_as_soon_as_the_deadline_is_met(desk: Desk) -> None:
    inquiry_id = _open(desk)
    _run(desk, ACK_DUE)
    desk.notifier.sent.clear()
    enforcer = desk.enforcer()
    state = enforcer.escalate(desk.ladders.executions[f"{inquiry_id}-acknowledge-e1"])
    _act(desk, inquiry_id, Action.ACKNOWLEDGE, desk.clock.at)
    state = enforcer.escalate(state)
    assert state.done and f"acknowledge was met at {desk.clock.at.isoformat()}" in state.reason
    assert desk.notifier.sent == []
    [stopped] = _events(desk, inquiry_id, EventType.ESCALATED)  # the timeline says why it stopped
    assert (stopped["action"], stopped["why"]) == ("stopped", state.reason)


def test_escalating_a_missing_inquiry_is_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        desk.enforcer().escalate(LadderState(inquiry_id="QNOPE", kind="resolve", episode=1, ladder="x", step=0))
    missing = desk.enforcer().fire(_timer("QNOPE", "resolve", Phase.DUE, T0))
    assert missing == {"verdict": "nothing", "reason": "no such inquiry"}


def test_R2_6_before_the_promised_time_passes_the_customer_hears_on_their_channel_once(desk: Desk) -> None:
    inquiry_id = _open(desk)
    _act(desk, inquiry_id, Action.ACKNOWLEDGE, T0 + timedelta(seconds=10))
    _act(desk, inquiry_id, Action.REPLY, T0 + timedelta(minutes=1), text="the return label is on its way")
    progress = _timer(inquiry_id, "progress_notice", Phase.DUE, T0 + timedelta(hours=23))
    results = _run(desk, progress.at)
    acted = [a for r in results for a in r.get("acted", [])]
    assert {"kind": "progress_notice", "phase": "due", "verdict": "notify_customer_progress"} in acted
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    notice = timeline.messages[-1]
    assert (notice.direction, notice.channel, notice.delivery_status) == (Direction.OUTBOUND, Channel.CHAT, "pending")
    assert "2026-03-04 10:00" in notice.body  # the promised resolution, in the policy calendar's zone
    [event] = _events(desk, inquiry_id, EventType.PROGRESS_NOTIFIED)
    assert event["message_id"] == notice.message_id
    assert desk.enforcer().fire(progress)["verdict"] == "nothing"  # delivered again
    assert len(_events(desk, inquiry_id, EventType.PROGRESS_NOTIFIED)) == 1
    following = desk.timers.of(inquiry_id)
    assert following is not None and following.kind == "resolve"


def test_R3_1_the_reconciler_fires_an_overdue_deadline_whose_timer_was_lost(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.timers.lose()
    desk.clock.at = T0 + timedelta(minutes=5)
    assert _run(desk, desk.clock.at) == []  # nothing arrives
    enforcer = desk.enforcer()
    assert enforcer.reconcile(["aftersales", "complaints"]) == {"fired": 1}
    [breach] = _events(desk, inquiry_id, EventType.DEADLINE_BREACHED)
    assert breach["kind"] == "acknowledge"
    assert desk.ladders.starts == 1
    assert enforcer.reconcile(["aftersales"]) == {"fired": 0}  # again: nothing new
    assert len(_events(desk, inquiry_id, EventType.DEADLINE_BREACHED)) == 1 and desk.ladders.starts == 1


def test_R3_1_a_lost_timer_is_found_behind_a_page_of_long_breached_inquiries(desk: Desk) -> None:
    """A bad day: more than a page (100) of the team's inquiries breached long ago and still
    waiting for a person. The sweep reads the most recently overdue first, so a timer lost just now
    is not hidden behind them."""
    for n in range(101):
        desk.intake().receive(inbound(Channel.CHAT, f"old-{n}", "我要退货 return", T0 - timedelta(hours=2)))
    desk.timers.lose()
    desk.clock.at = T0
    inquiry_id = _open(desk)
    desk.timers.lose()
    desk.clock.at = T0 + timedelta(minutes=5)
    desk.enforcer().reconcile(["aftersales"])
    [breach] = _events(desk, inquiry_id, EventType.DEADLINE_BREACHED)
    assert breach["kind"] == "acknowledge"


def test_the_reconciler_leaves_work_that_is_not_overdue(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.clock.at = T0 + timedelta(seconds=10)
    assert desk.enforcer().reconcile(["aftersales"]) == {"fired": 0}
    assert not _events(desk, inquiry_id, EventType.DEADLINE_BREACHED)
