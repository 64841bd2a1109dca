"""Corrections (R6.2) and quality sampling (R6.1) on in-memory fakes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from inquiry_desk.corrections.model import Cause
from inquiry_desk.corrections.service import CorrectionService
from inquiry_desk.errors import PayloadError
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import EventType, Status
from inquiry_desk.quality.service import QualityService, choose, sample_size
from inquiry_desk.surveys.policy import Sampling, load_closing_loop

from tests.fakes import FakeExecutions, FakeInquiryRepository, FakeLoopStore, FakeNotifier
from tests.unit.loop.builders import T0, events, inbound, inquiry, kinds, outbound

POLICY = load_closing_loop()
REF = "template:returns@3"


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


def _world(
    customers: int = 3,
) -> tuple[FakeInquiryRepository, FakeLoopStore, FakeExecutions, FakeNotifier, CorrectionService, Clock]:
    repo = FakeInquiryRepository()
    inquiries = InquiryService(repo)
    for n in range(customers):
        qid = f"Q{n}"
        repo.seed(inquiry(inquiry_id=qid, customer_id=f"C{n}"), [inbound(qid)])
        inquiries.act(qid, Action.REPLY, "agent-1", T0, text="30 天无理由退货", content_ref=REF)
    # customer C0 got the template twice, in a second inquiry: corrected once, in the latest one
    repo.seed(inquiry(inquiry_id="Q0b", customer_id="C0"), [inbound("Q0b")])
    inquiries.act("Q0b", Action.REPLY, "agent-1", T0 + timedelta(hours=1), text="30 天无理由退货", content_ref=REF)
    clock = Clock()
    store, executions, notifier = FakeLoopStore(repo), FakeExecutions(), FakeNotifier()
    service = CorrectionService(store, repo, inquiries, POLICY, executions, notifier, clock)
    return repo, store, executions, notifier, service, clock


def test_every_customer_who_got_the_template_is_corrected_exactly_once_R6_2() -> None:
    repo, _store, executions, _notifier, service, _clock = _world()
    correction = service.mark_wrong("sup", "7 天无理由退货", Cause.KNOWLEDGE_GAP, content_ref=REF)
    assert correction.correction_id in executions.started
    assert correction.public and correction.fix_due_at == T0 + timedelta(hours=1)
    recipients = service.affected(correction.correction_id)
    assert sorted(r.customer_id for r in recipients) == ["C0", "C1", "C2"]
    assert next(r for r in recipients if r.customer_id == "C0").inquiry_id == "Q0b"
    outcomes = [service.correct_one(correction.correction_id, r) for r in recipients]
    again = [service.correct_one(correction.correction_id, r) for r in recipients]  # a restarted execution
    assert outcomes == ["corrected"] * 3 and again == ["already_corrected"] * 3
    sent = [
        m
        for q in ("Q0", "Q0b", "Q1", "Q2")
        for m in outbound(repo, q)
        if m.content_ref == f"correction:{correction.correction_id}"
    ]
    assert len(sent) == 3 and all("7 天无理由退货" in m.body and "抱歉" in m.body for m in sent)
    assert service.finish(correction.correction_id)["corrected"] == 3
    event = next(e for e in events(repo, "Q1") if e.type is EventType.CORRECTION_SENT)
    assert event.data["cause"] == "knowledge_gap"
    report = service.report()
    assert report["causes_by_month"] == {"2026-03": {"knowledge_gap": 1}}
    assert len(report["corrections"][0]["deliveries"]) == 3


def test_one_sent_message_can_be_marked_wrong() -> None:
    repo, _store, _e, _n, service, _clock = _world()
    wrong = outbound(repo, "Q2")[0]
    correction = service.mark_wrong("sup", "right", Cause.TRAINING, inquiry_id="Q2", message_id=wrong.message_id)
    assert not correction.public
    assert [r.customer_id for r in service.affected(correction.correction_id)] == ["C2"]
    with pytest.raises(PayloadError):
        service.mark_wrong("sup", "x", Cause.TRAINING)


def test_public_content_not_fixed_within_the_hour_escalates_once_R6_2() -> None:
    _repo, _store, _e, notifier, service, clock = _world()
    correction = service.mark_wrong("sup", "7 天", Cause.SYSTEM_FAULT, content_ref=REF)
    assert service.check_fix(correction.correction_id) == "not_due"
    clock.at += timedelta(hours=1)
    assert service.check_fix(correction.correction_id) == "escalated"
    assert service.check_fix(correction.correction_id) == "already_escalated"
    assert [n.kind for n in notifier.sent] == ["correction_fix_overdue"]
    fixed = service.mark_wrong("sup", "7 天", Cause.SYSTEM_FAULT, content_ref=REF)
    service.content_fixed(fixed.correction_id, "sup")
    clock.at += timedelta(hours=1)
    assert service.check_fix(fixed.correction_id) == "fixed"


def test_sample_size_follows_share_and_minimum_R6_1() -> None:
    sampling = Sampling(share=0.1, minimum_per_agent=2)
    assert [sample_size(n, sampling) for n in (0, 1, 5, 30)] == [0, 1, 2, 3]


def test_daily_sample_per_agent_is_stable_and_queued_once_R6_1() -> None:
    repo = FakeInquiryRepository()
    inquiries = InquiryService(repo)
    for n in range(12):
        qid = f"Q{n:02d}"
        repo.seed(inquiry(inquiry_id=qid, owner="ann" if n % 2 else "bob", status=Status.RESOLVED))
    repo.seed(inquiry(inquiry_id="Qopen", owner="ann"))  # not answered: never sampled
    store = FakeLoopStore(repo)
    clock = Clock()
    clock.at = T0 + timedelta(days=1)
    service = QualityService(store, repo, inquiries, Sampling(share=0.2, minimum_per_agent=1), clock)
    assert service.sample() == {"ann": 2, "bob": 2}
    assert service.sample() == {"ann": 2, "bob": 2}  # again: the same sample, nothing queued twice
    queue = service.queue(T0.date().isoformat())
    assert len(queue) == 4 and all(r.outcome == "pending" for r in queue)
    first = queue[0]
    done = service.record_outcome(first.day, first.agent, first.inquiry_id, "fail", "wrong return window", "sup")
    assert done.outcome == "fail"
    assert kinds(repo, first.inquiry_id)[-1] == "reviewed"
    everything = [found for q in [*(f"Q{n:02d}" for n in range(12)), "Qopen"] if (found := repo.get(q))]
    assert choose("2026-03-02", everything, Sampling(share=0.2, minimum_per_agent=1)) == choose(
        "2026-03-02", list(reversed(everything)), Sampling(share=0.2, minimum_per_agent=1)
    )
    assert date.fromisoformat(first.day) == T0.date()


def test_a_failed_review_with_the_corrected_text_opens_a_correction_candidate_R6_1_R6_2() -> None:
    from inquiry_desk.quality.model import Review
    from inquiry_desk.quality.service import FoundWrong

    repo, store, executions, _notifier, corrections, clock = _world()
    service = QualityService(
        store, repo, InquiryService(repo), Sampling(share=1.0, minimum_per_agent=1), clock, corrections
    )
    store.put_review(Review(day="2026-03-02", agent="agent-1", inquiry_id="Q1", sampled_at=T0))
    wrong = FoundWrong("7 天无理由退货", "knowledge_gap")
    done = service.record_outcome("2026-03-02", "agent-1", "Q1", "fail", "退货期限说错了", "sup", wrong)
    assert done.outcome == "fail" and done.correction_id is None and not executions.started
    timeline = repo.timeline("Q1")
    assert timeline is not None
    candidate = next(e for e in timeline.events if e.type is EventType.CORRECTION_CANDIDATE)
    assert candidate.data["via"] == "quality_review" and candidate.data["status"] == "open"
    assert candidate.data["corrected_text"] == "7 天无理由退货" and candidate.data["content_ref"] == REF
    assert candidate.data["message_id"] == outbound(repo, "Q1")[-1].message_id
    assert kinds(repo, "Q1")[-1] == "reviewed"


def test_a_failed_review_can_start_the_correction_of_the_whole_template_R6_1_R6_2() -> None:
    from inquiry_desk.quality.model import Review
    from inquiry_desk.quality.service import FoundWrong

    repo, store, executions, _notifier, corrections, clock = _world()
    service = QualityService(
        store, repo, InquiryService(repo), Sampling(share=1.0, minimum_per_agent=1), clock, corrections
    )
    store.put_review(Review(day="2026-03-02", agent="agent-1", inquiry_id="Q1", sampled_at=T0))
    wrong = FoundWrong("7 天无理由退货", "training", whole_content=True, start=True)
    done = service.record_outcome("2026-03-02", "agent-1", "Q1", "fail", None, "sup", wrong)
    assert done.correction_id is not None and done.correction_id in executions.started
    correction = store.get_correction(done.correction_id)
    assert correction is not None and correction.wrong == REF and correction.source_inquiry_id == "Q1"
    assert correction.cause is Cause.TRAINING
    # the correction reaches every customer who got the template, as any correction does
    assert sorted(r.customer_id for r in corrections.affected(done.correction_id)) == ["C0", "C1", "C2"]
    candidate = next(e for e in repo.timeline("Q1").events if e.type is EventType.CORRECTION_CANDIDATE)  # type: ignore[union-attr]
    assert candidate.data["status"] == "started" and candidate.data["correction_id"] == done.correction_id


def test_a_failed_review_of_one_message_corrects_that_customer_only_R6_2() -> None:
    from inquiry_desk.quality.model import Review
    from inquiry_desk.quality.service import FoundWrong

    repo, store, _executions, _notifier, corrections, clock = _world()
    service = QualityService(
        store, repo, InquiryService(repo), Sampling(share=1.0, minimum_per_agent=1), clock, corrections
    )
    store.put_review(Review(day="2026-03-02", agent="agent-1", inquiry_id="Q1", sampled_at=T0))
    done = service.record_outcome(
        "2026-03-02", "agent-1", "Q1", "fail", None, "sup", FoundWrong("7 天", "training", start=True)
    )
    assert done.correction_id is not None
    assert [r.customer_id for r in corrections.affected(done.correction_id)] == ["C1"]
    with pytest.raises(PayloadError):
        service.record_outcome("2026-03-02", "agent-1", "Q1", "pass", None, "sup", FoundWrong("x", "training"))
    with pytest.raises(PayloadError):
        service.record_outcome("2026-03-02", "agent-1", "Q1", "fail", None, "sup", FoundWrong("x", "gossip"))
