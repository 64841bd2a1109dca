"""R2.8 on fakes: a promised completion ("3 working days", team calendar) brings the customer
progress updates at the policy's milestones, on the closing loop's named timers, from a template;
they stop when the promise is met or the inquiry closes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
from inquiry_desk.errors import Conflict
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.inquiries.resolution import milestone_instants, promised_completion
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import EventType, Inquiry
from inquiry_desk.surveys.links import LinkSigner
from inquiry_desk.surveys.policy import load_closing_loop
from inquiry_desk.surveys.service import ClosingLoopService
from inquiry_desk.surveys.timers import MILESTONE, due, loop_timers

from tests.fakes import FakeInquiryRepository
from tests.unit.loop.builders import events, inbound, inquiry, outbound

SLA = load_policy(shipped_policy_path())
CN = SLA.calendar("cn_office")
LOOP = load_closing_loop()
MONDAY_1030 = datetime(2026, 3, 2, 2, 30, tzinfo=UTC)  # Monday 10:30 Shanghai


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _milestones(_inquiry: Inquiry, at: datetime, promised: datetime) -> dict[str, datetime]:
    return milestone_instants(
        CN, at, promised, list(LOOP.milestones.points), LOOP.milestones.skip_within.to_timedelta()
    )


def _world(**resolve: object) -> tuple[FakeInquiryRepository, ClosingLoopService, Clock]:
    repo = FakeInquiryRepository()
    repo.seed(inquiry(), [inbound()])
    clock = Clock(MONDAY_1030)
    inquiries = InquiryService(
        repo,
        promise=lambda _i, at, days: promised_completion(CN, at, days),
        default_promise_days=LOOP.resolution.default_promise_working_days,
        milestones=_milestones,
    )
    inquiries.act("Q1", Action.RESOLVE, "agent-1", clock(), result="退款处理中", **resolve)
    service = ClosingLoopService(
        repo, inquiries, LOOP, lambda: LinkSigner(b"k" * 32), lambda: "https://d/v1", clock, timezone=CN.timezone
    )
    return repo, service, clock


def test_milestones_are_halfway_and_one_working_day_before_in_the_team_calendar_R2_8() -> None:
    friday_afternoon = datetime(2026, 3, 6, 7, 0, tzinfo=UTC)  # Fri 15:00 Shanghai
    promised = promised_completion(CN, friday_afternoon, 3)  # Wed 18:00 Shanghai
    at = _milestones(inquiry(), friday_afternoon, promised)
    local = {k: v.astimezone(CN._tz).strftime("%a %H:%M") for k, v in at.items()}
    assert local["day_before"] == "Tue 18:00"
    # halfway in working time, not on the clock: the weekend does not count
    before = CN.business_time_between(friday_afternoon, at["halfway"])
    assert before == CN.business_time_between(at["halfway"], promised)
    assert local["halfway"].startswith("Tue")
    assert friday_afternoon < at["halfway"] < at["day_before"] < promised


def test_an_explicit_promise_brings_progress_updates_on_named_timers_R2_8() -> None:
    repo, service, clock = _world(promise_working_days=3, customer_todos=["寄回旧耳机"])
    timeline = repo.timeline("Q1")
    assert timeline is not None
    planned = due(LOOP, timeline.inquiry, timeline.events)
    assert {k for k in planned if k.startswith(MILESTONE)} == {f"{MILESTONE}halfway", f"{MILESTONE}day_before"}
    names = {t.name for t in loop_timers(LOOP, timeline.inquiry, timeline.events, clock(), "survey-fn")}
    assert {"Q1-milestone-halfway-e1", "Q1-milestone-day_before-e1"} <= names
    # early: nothing; at the instant: one update from the template, with its lineage
    assert service.fire("Q1", f"{MILESTONE}halfway", 1)["done"] == "nothing"
    clock.at = planned[f"{MILESTONE}halfway"]
    assert service.fire("Q1", f"{MILESTONE}halfway", 1)["done"] == "milestone_notified"
    assert service.fire("Q1", f"{MILESTONE}halfway", 1)["done"] == "nothing"  # a duplicate timer
    sent = outbound(repo, "Q1")[-1]
    assert sent.content_ref == "template:promise_progress@1"
    assert "2026-03-05 18:00" in sent.body and "寄回旧耳机" in sent.body
    notified = events(repo, "Q1")[-1]
    assert notified.type is EventType.MILESTONE_NOTIFIED and notified.data["milestone"] == "halfway"
    timeline = repo.timeline("Q1")
    assert timeline is not None
    assert set(due(LOOP, timeline.inquiry, timeline.events)) >= {f"{MILESTONE}day_before"}
    assert f"{MILESTONE}halfway" not in due(LOOP, timeline.inquiry, timeline.events)


def test_the_default_promise_sends_no_updates_R2_8() -> None:
    repo, _service, _clock = _world()
    timeline = repo.timeline("Q1")
    assert timeline is not None and timeline.inquiry.promised_by is not None
    assert not [k for k in due(LOOP, timeline.inquiry, timeline.events) if k.startswith(MILESTONE)]


def test_updates_stop_when_the_promise_is_met_or_the_inquiry_closes_R2_8() -> None:
    repo, service, clock = _world(promise_working_days=3)
    service.promise_met("Q1", "agent-1", "退款已到账")
    service.promise_met("Q1", "agent-1")  # twice: recorded once
    assert [e.type for e in events(repo, "Q1")].count(EventType.PROMISE_MET) == 1
    timeline = repo.timeline("Q1")
    assert timeline is not None
    assert not [k for k in due(LOOP, timeline.inquiry, timeline.events) if k.startswith(MILESTONE)]
    clock.at += timedelta(days=1)
    assert service.fire("Q1", f"{MILESTONE}halfway", 1)["done"] == "nothing"

    repo, service, clock = _world(promise_working_days=3)
    InquiryService(repo).act("Q1", Action.CLOSE, "agent-1", clock(), result="done")
    timeline = repo.timeline("Q1")
    assert timeline is not None
    assert not [k for k in due(LOOP, timeline.inquiry, timeline.events) if k.startswith(MILESTONE)]


def test_promise_met_needs_a_promise_R2_8() -> None:
    repo = FakeInquiryRepository()
    repo.seed(inquiry(), [inbound()])
    InquiryService(repo).act("Q1", Action.RESOLVE, "agent-1", MONDAY_1030, result="answered")
    service = ClosingLoopService(
        repo, InquiryService(repo), LOOP, lambda: LinkSigner(b"k" * 32), lambda: "", Clock(MONDAY_1030)
    )
    with pytest.raises(Conflict):
        service.promise_met("Q1", "agent-1")
