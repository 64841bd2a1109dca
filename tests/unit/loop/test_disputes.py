"""Disputes (R2.9) on in-memory fakes: contact within 24 h (the SLA policy), liability decided from
recorded evidence with a reason, the result reported from a template with its lineage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inquiry_desk.access.rules import Principal, Role, check_action
from inquiry_desk.deadlines import InquiryFacts, compute_deadlines, load_policy, shipped_policy_path
from inquiry_desk.disputes.service import DisputeService, dispute_record
from inquiry_desk.errors import Conflict, Forbidden, InvalidTransition, PayloadError
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import EventType, Status
from inquiry_desk.surveys.policy import load_closing_loop

from tests.fakes import FakeInquiryRepository
from tests.unit.loop.builders import T0, inbound, inquiry, kinds, outbound

POLICY = load_closing_loop()


def _world(category: str = "dispute", language: str = "zh") -> tuple[FakeInquiryRepository, DisputeService]:
    repo = FakeInquiryRepository()
    repo.seed(inquiry(category=category, team="complaints", language=language), [inbound()])
    return repo, DisputeService(InquiryService(repo), POLICY.disputes, lambda: T0 + timedelta(hours=2))


def test_a_dispute_must_be_contacted_within_24_hours_by_the_sla_policy_R2_9() -> None:
    policy = load_policy(shipped_policy_path())
    facts = InquiryFacts.model_validate({"channel": "email", "category": "dispute", "received_at": T0, "events": []})
    contact = next(d for d in compute_deadlines(policy, facts) if d.kind == "detailed_reply")
    assert contact.due - T0 <= timedelta(hours=24)


def test_liability_is_decided_from_recorded_evidence_and_reported_from_a_template_R2_9() -> None:
    repo, disputes = _world()
    with pytest.raises(Conflict, match="evidence"):
        disputes.decide_liability("Q1", "sup", "carrier", "no evidence yet")
    disputes.add_evidence("Q1", "agent-1", "photo", "外箱破损照片", "customer", "s3://evidence/q1/box.jpg")
    disputes.add_evidence("Q1", "agent-1", "carrier_record", "签收时已注明外包装破损", "carrier")
    record = dispute_record(repo.timeline("Q1"))  # type: ignore[arg-type]
    assert [e.kind for e in record.evidence] == ["photo", "carrier_record"]
    with pytest.raises(Conflict, match="decide liability"):
        disputes.report_result("Q1", "agent-1", "补发新品")
    first = record.evidence[0].evidence_id
    disputes.decide_liability("Q1", "sup", "carrier", "签收记录显示运输途中破损", [first])
    with pytest.raises(PayloadError, match="no such evidence"):
        disputes.decide_liability("Q1", "sup", "shop", "x", ["E-unknown"])
    disputes.report_result("Q1", "agent-1", "我们补发新品,并向物流公司索赔")
    assert kinds(repo, "Q1")[-4:] == [
        "dispute_evidence_added",
        "dispute_evidence_added",
        "liability_decided",
        "dispute_result_reported",
    ]
    timeline = repo.timeline("Q1")
    assert timeline is not None
    decided = next(e for e in timeline.events if e.type is EventType.LIABILITY_DECIDED)
    assert decided.actor == "sup" and decided.data["evidence_ids"] == [first]
    assert decided.data["reason"] == "签收记录显示运输途中破损"
    sent = outbound(repo, "Q1")[-1]
    assert sent.content_ref == "template:dispute_result@1" and sent.delivery_status == "pending"
    assert "承运方" in sent.body and "签收记录显示运输途中破损" in sent.body and "补发新品" in sent.body
    reported = timeline.events[-1]
    assert reported.data["message_id"] == sent.message_id and reported.data["liability"] == "carrier"


def test_the_result_is_in_the_customers_language_R2_9() -> None:
    repo, disputes = _world(language="en")
    disputes.add_evidence("Q1", "agent-1", "document", "the receipt", "customer")
    disputes.decide_liability("Q1", "sup", "shop", "the wrong size was shipped")
    disputes.report_result("Q1", "agent-1", "a free exchange")
    assert "we (the shop) are responsible" in outbound(repo, "Q1")[-1].body


def test_only_disputes_take_evidence_and_bad_choices_are_refused_R2_9() -> None:
    _repo, disputes = _world(category="usage_help")
    with pytest.raises(Conflict, match="not a dispute"):
        disputes.add_evidence("Q1", "agent-1", "photo", "x", "customer")
    _repo, disputes = _world()
    with pytest.raises(PayloadError, match="evidence kind"):
        disputes.add_evidence("Q1", "agent-1", "rumour", "x", "customer")
    with pytest.raises(PayloadError, match="liability"):
        disputes.decide_liability("Q1", "sup", "the moon", "x")


def test_a_closed_dispute_is_not_changed_R2_9() -> None:
    repo, disputes = _world()
    repo.seed(inquiry(inquiry_id="Q2", category="dispute", status=Status.CLOSED), [inbound("Q2")])
    with pytest.raises(InvalidTransition):
        disputes.add_evidence("Q2", "agent-1", "photo", "x", "customer")
    InquiryService(repo).act("Q1", Action.NOTE, "agent-1", T0, text="still open")


def test_deciding_liability_needs_supervision_rights_R2_9() -> None:
    agent = Principal("a", frozenset({Role.AGENT}), frozenset({"complaints"}))
    supervisor = Principal("s", frozenset({Role.SUPERVISOR}), frozenset({"complaints"}))
    args = ({"liability": "shop", "reason": "x"}, ["complaints"], ["dispute"], {})
    with pytest.raises(Forbidden):
        check_action(agent, "complaints", "decide_liability", *args)
    check_action(supervisor, "complaints", "decide_liability", *args)
    check_action(agent, "complaints", "add_evidence", *args)
    check_action(agent, "complaints", "report_dispute_result", *args)
