"""The deadline enforcer on fakes (R2 targets, R3.1 overdue raised, R3.2 escalation to a
supervisor, R2.6 progress notice): schedules planned from the policy, a firing timer re-decides
and acts at most once, the ladder steps, and the reconciler recovers a lost schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from inquiry_desk.errors import NotFound
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.model import Channel, Direction, EventType

from tests.fakes import T0, Desk
from tests.fakes.inbound import inbound

ACK_DUE = T0 + timedelta(seconds=30)  # chat: acknowledged within 30 s (R2.1)


def _open(desk: Desk) -> str:
    """A chat return request at T0 (aftersales, normal: the standard ladder), planned."""
    inquiry_id = desk.intake().receive(inbound(Channel.CHAT, "web-1", "我要退货 return", T0)).inquiry_id
    desk.enforcer().plan(inquiry_id)
    return inquiry_id


def _events(desk: Desk, inquiry_id: str, kind: EventType) -> list[dict[str, Any]]:
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    return [e.data for e in timeline.events if e.type is kind]


def test_R2_plan_arms_one_timer_per_pending_deadline_and_replanning_is_idempotent(desk: Desk) -> None:
    inquiry_id = desk.intake().receive(inbound(Channel.CHAT, "web-1", "我要退货 return", T0)).inquiry_id
    enforcer = desk.enforcer()
    first = enforcer.plan(inquiry_id)
    timers = desk.timers.of(inquiry_id)
    assert first == {"created": len(timers), "moved": 0, "deleted": 0}
    assert f"{inquiry_id}-acknowledge-e1-due" in timers and f"{inquiry_id}-resolve-e1-due" in timers
    assert timers[f"{inquiry_id}-acknowledge-e1-due"].at == datetime(2026, 3, 3, 2, 1, tzinfo=UTC)  # whole minute
    assert timers[f"{inquiry_id}-resolve-e1-due"].at == T0 + timedelta(hours=24)  # R4.2 returns: 24 h
    assert enforcer.plan(inquiry_id) == {"created": 0, "moved": len(timers), "deleted": 0}


def test_R2_a_met_deadline_loses_its_timers_and_a_resolved_inquiry_all_of_them(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.inquiries().act(inquiry_id, Action.ACKNOWLEDGE, "agent-7", T0 + timedelta(seconds=10))
    desk.clock.at = T0 + timedelta(seconds=10)
    counts = desk.enforcer().plan(inquiry_id)
    assert counts["deleted"] >= 1
    assert not [n for n in desk.timers.of(inquiry_id) if "-acknowledge-" in n]
    desk.inquiries().act(inquiry_id, Action.RESOLVE, "agent-7", T0 + timedelta(minutes=5), result="label sent")
    desk.enforcer().plan(inquiry_id)
    assert desk.timers.of(inquiry_id) == {}


def test_R3_1_the_warning_goes_to_the_owner_once(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.clock.at = T0 + timedelta(seconds=20)  # past the warning (half of 30 s), before the deadline
    enforcer = desk.enforcer()
    assert enforcer.fire(inquiry_id, "acknowledge", 1, "warn")["verdict"] == "warn_owner"
    [notice] = desk.notifier.sent
    assert notice.kind == "deadline_warning" and notice.body["audience"] == "owner"
    assert notice.body["inquiry_id"] == inquiry_id and notice.subject.startswith(f"[{inquiry_id}]")
    assert _events(desk, inquiry_id, EventType.DEADLINE_WARNED) == [
        {"kind": "acknowledge", "episode": 1, "due": ACK_DUE.isoformat()}
    ]
    again = enforcer.fire(inquiry_id, "acknowledge", 1, "warn")
    assert again == {"verdict": "nothing", "reason": "owner already warned"}
    assert len(desk.notifier.sent) == 1


def test_R3_1_a_breach_is_recorded_once_and_starts_its_escalation_ladder_once(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.clock.at = datetime(2026, 3, 3, 2, 1, tzinfo=UTC)
    enforcer = desk.enforcer()
    assert enforcer.fire(inquiry_id, "acknowledge", 1, "due")["verdict"] == "breach"
    [breach] = _events(desk, inquiry_id, EventType.DEADLINE_BREACHED)
    assert (breach["kind"], breach["ladder"]) == ("acknowledge", "standard")
    name = f"{inquiry_id}-acknowledge-e1-due"
    assert desk.ladders.executions == {
        name: {"inquiry_id": inquiry_id, "kind": "acknowledge", "episode": 1, "ladder": "standard", "step": 0}
    }
    assert enforcer.fire(inquiry_id, "acknowledge", 1, "due")["verdict"] == "nothing"  # a duplicate fire
    assert len(_events(desk, inquiry_id, EventType.DEADLINE_BREACHED)) == 1 and desk.ladders.starts == 1
    enforcer.plan(inquiry_id)
    assert name not in desk.timers.of(inquiry_id)  # the ladder has it now


def test_a_timer_that_fires_after_its_deadline_was_met_or_moved_does_nothing(desk: Desk) -> None:
    inquiry_id = _open(desk)
    enforcer = desk.enforcer()
    desk.clock.at = T0 + timedelta(seconds=5)
    early = enforcer.fire(inquiry_id, "acknowledge", 1, "due")
    assert early["verdict"] == "nothing" and early["reason"].startswith("moved to")
    desk.inquiries().act(inquiry_id, Action.ACKNOWLEDGE, "agent-7", T0 + timedelta(seconds=10))
    desk.clock.at = T0 + timedelta(minutes=1)
    met = enforcer.fire(inquiry_id, "acknowledge", 1, "due")
    assert met["verdict"] == "nothing" and met["reason"].startswith("met at")
    assert not _events(desk, inquiry_id, EventType.DEADLINE_BREACHED) and desk.ladders.starts == 0


def test_a_timer_of_an_earlier_episode_does_nothing_after_a_reopen(desk: Desk) -> None:
    inquiry_id = _open(desk)
    service = desk.inquiries()
    service.act(inquiry_id, Action.RESOLVE, "agent-7", T0, result="done")
    service.act(inquiry_id, Action.REOPEN, "agent-7", T0 + timedelta(hours=1), reason="not done")
    desk.clock.at = T0 + timedelta(days=3)
    assert desk.enforcer().fire(inquiry_id, "resolve", 1, "due") == {
        "verdict": "nothing",
        "reason": "episode 1 is over (now 2)",
    }


def test_R3_2_the_ladder_notifies_the_owner_then_reassigns_to_a_supervisor_then_the_manager(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.clock.at = datetime(2026, 3, 3, 2, 1, tzinfo=UTC)
    enforcer = desk.enforcer()
    enforcer.fire(inquiry_id, "acknowledge", 1, "due")
    state: dict[str, Any] = dict(desk.ladders.executions[f"{inquiry_id}-acknowledge-e1-due"])

    state = enforcer.escalate(state)  # the start: nothing done, step 1 is due at once
    assert (state["step"], state["wait_seconds"], state["done"]) == (1, 0, False)
    assert desk.notifier.sent == []
    state = enforcer.escalate(state)
    assert (state["step"], state["wait_seconds"], state["done"]) == (2, 30 * 60, False)
    assert desk.notifier.audiences() == ["owner"]
    state = enforcer.escalate(state)
    assert desk.notifier.audiences() == ["owner", "supervisor"]
    inquiry = desk.repository.get(inquiry_id)
    assert inquiry is not None and inquiry.owner == "supervisors:aftersales"
    state = enforcer.escalate(state)
    assert state["done"] and state["reason"] == "ladder finished"
    assert desk.notifier.audiences() == ["owner", "supervisor", "manager"]
    steps = _events(desk, inquiry_id, EventType.ESCALATED)
    assert [s["action"] for s in steps] == ["notify_owner", "reassign_to_supervisor", "notify_manager"]


def test_R3_2_the_ladder_stops_as_soon_as_the_deadline_is_met(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.clock.at = datetime(2026, 3, 3, 2, 1, tzinfo=UTC)
    enforcer = desk.enforcer()
    enforcer.fire(inquiry_id, "acknowledge", 1, "due")
    state = enforcer.escalate(dict(desk.ladders.executions[f"{inquiry_id}-acknowledge-e1-due"]))
    desk.inquiries().act(inquiry_id, Action.ACKNOWLEDGE, "agent-7", desk.clock.at)
    state = enforcer.escalate(state)
    assert state["done"] and state["reason"] == "acknowledge was met"
    assert desk.notifier.sent == [] and not _events(desk, inquiry_id, EventType.ESCALATED)


def test_escalating_a_missing_inquiry_is_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        desk.enforcer().escalate({"inquiry_id": "QNOPE", "kind": "resolve", "episode": 1, "ladder": "x", "step": 0})
    assert desk.enforcer().fire("QNOPE", "resolve", 1, "due")["verdict"] == "nothing"


def test_R2_6_before_the_promised_time_passes_the_customer_hears_on_their_channel_once(desk: Desk) -> None:
    inquiry_id = _open(desk)
    progress = desk.timers.of(inquiry_id)[f"{inquiry_id}-progress_notice-e1-due"]
    desk.clock.at = progress.at
    enforcer = desk.enforcer()
    assert enforcer.fire(inquiry_id, "progress_notice", 1, "due")["verdict"] == "notify_customer_progress"
    timeline = desk.repository.timeline(inquiry_id)
    assert timeline is not None
    notice = timeline.messages[-1]
    assert (notice.direction, notice.channel, notice.delivery_status) == (Direction.OUTBOUND, Channel.CHAT, "pending")
    assert "2026-03-04 10:00" in notice.body  # the promised resolution, in the policy calendar's zone
    [event] = _events(desk, inquiry_id, EventType.PROGRESS_NOTIFIED)
    assert event["message_id"] == notice.message_id
    assert enforcer.fire(inquiry_id, "progress_notice", 1, "due")["verdict"] == "nothing"
    assert len(_events(desk, inquiry_id, EventType.PROGRESS_NOTIFIED)) == 1


def test_R3_1_the_reconciler_fires_an_overdue_deadline_whose_schedule_was_lost(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.timers.schedules.clear()  # the schedules were lost
    desk.clock.at = T0 + timedelta(minutes=5)
    enforcer = desk.enforcer()
    assert enforcer.reconcile(["aftersales", "complaints"])["fired"] >= 1
    [breach] = _events(desk, inquiry_id, EventType.DEADLINE_BREACHED)
    assert breach["kind"] == "acknowledge"
    assert desk.ladders.starts == 1
    enforcer.reconcile(["aftersales"])  # again: nothing new
    assert len(_events(desk, inquiry_id, EventType.DEADLINE_BREACHED)) == 1 and desk.ladders.starts == 1


def test_the_reconciler_leaves_work_that_is_not_overdue(desk: Desk) -> None:
    inquiry_id = _open(desk)
    desk.clock.at = T0 + timedelta(seconds=10)
    assert desk.enforcer().reconcile(["aftersales"]) == {"fired": 0}
    assert not _events(desk, inquiry_id, EventType.DEADLINE_BREACHED)
