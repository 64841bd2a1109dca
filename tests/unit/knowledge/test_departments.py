"""Cross-department requests (R4.3) on fakes: what is needed, the deadline from the policy in
working time, the answer, and an answer after the deadline recorded as a breach."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from inquiry_desk.access.rules import Need, Principal, Role
from inquiry_desk.departments.service import DepartmentRequests, load_departments, pending
from inquiry_desk.errors import Conflict, NotFound, PayloadError
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import EventType

from tests.fakes import FakeInquiryRepository, shipped_policy
from tests.unit.loop.builders import T0, events, inbound, inquiry

POLICY = shipped_policy()


def _world() -> tuple[FakeInquiryRepository, DepartmentRequests]:
    repo = FakeInquiryRepository()
    repo.seed(inquiry(inquiry_id="Q1"), [inbound("Q1")])
    calendar = POLICY.calendar(POLICY.defaults.calendar)
    return repo, DepartmentRequests(InquiryService(repo), load_departments(), lambda: calendar)


def test_a_request_carries_what_is_needed_and_its_deadline_in_working_time_R4_3() -> None:
    repo, requests = _world()
    _, request_id = requests.open("Q1", "warehouse", "check the stock of SKU 42", "agent-1", T0)
    asked = next(e for e in events(repo, "Q1") if e.type is EventType.DEPARTMENT_REQUESTED)
    calendar = POLICY.calendar(POLICY.defaults.calendar)
    hours = load_departments().departments["warehouse"].respond_within_hours
    due = calendar.add_business_time(T0, timedelta(hours=hours))
    assert asked.data == {
        "request_id": request_id,
        "department": "warehouse",
        "needed": "check the stock of SKU 42",
        "due": due.isoformat(),
    }
    assert [p.request_id for p in pending(events(repo, "Q1"))] == [request_id]
    with pytest.raises(PayloadError):
        requests.open("Q1", "marketing", "a banner", "agent-1", T0)


def test_an_answer_in_time_closes_it_and_a_late_one_is_a_breach_on_the_timeline_R4_3() -> None:
    repo, requests = _world()
    _, on_time = requests.open("Q1", "tech", "logs of the firmware crash", "agent-1", T0)
    _, late = requests.open("Q1", "warehouse", "is it in stock", "agent-1", T0)
    requests.answer("Q1", on_time, "known bug, fixed in 1.2", "tech-wang", T0 + timedelta(minutes=30))
    due = datetime.fromisoformat(str(pending(events(repo, "Q1"))[0].due.isoformat()))
    requests.answer("Q1", late, "yes, 3 left", "wh-li", due + timedelta(minutes=5))
    kinds = [e.type for e in events(repo, "Q1")]
    assert kinds.count(EventType.DEPARTMENT_ANSWERED) == 2 and kinds.count(EventType.DEPARTMENT_BREACHED) == 1
    breach = next(e for e in events(repo, "Q1") if e.type is EventType.DEPARTMENT_BREACHED)
    assert (breach.data["request_id"], breach.data["late_seconds"], breach.actor) == (late, 300, "wh-li")
    assert pending(events(repo, "Q1")) == []
    with pytest.raises(Conflict):
        requests.answer("Q1", late, "again", "wh-li", due)
    with pytest.raises(NotFound):
        requests.answer("Q1", "D-none", "?", "wh-li", due)


def test_product_staff_keep_the_knowledge_base_only_R7_2() -> None:
    product = Principal("lee", frozenset({Role.PRODUCT}), frozenset())
    agent = Principal("amy", frozenset({Role.AGENT}), frozenset({"orders"}))
    assert not product.works_inquiries and agent.works_inquiries
    assert Need.KNOWLEDGE.value == "knowledge"


def test_an_unanswered_request_has_its_own_timer_and_breaches_at_its_due_time_R4_3() -> None:
    from tests.fakes import Desk

    desk = Desk()
    repo = desk.repository
    repo.seed(inquiry(inquiry_id="Q1", team="orders"), [inbound("Q1")])
    calendar = desk.policy.calendar(desk.policy.defaults.calendar)
    requests = DepartmentRequests(desk.inquiries(), load_departments(), lambda: calendar)
    enforcer = desk.enforcer()
    before = repo.get("Q1")
    _, request_id = requests.open("Q1", "logistics", "where is parcel SF123", "agent-1", T0)
    enforcer.plan("Q1", before)
    named = desk.schedules.of("Q1")
    timer = named[f"Q1-dept-{request_id}"]
    due = pending(events(repo, "Q1"))[0].due
    assert timer.at >= due and timer.payload == {"department": {"inquiry_id": "Q1", "request_id": request_id}}
    assert requests.overdue("Q1", request_id, due - timedelta(minutes=1)) == "not due yet"
    assert requests.overdue("Q1", request_id, timer.at) == "breached"
    assert requests.overdue("Q1", request_id, timer.at) == "answered or recorded already"  # a repeated fire
    before = repo.get("Q1")
    requests.answer("Q1", request_id, "found, out for delivery", "logistics-zhao", timer.at + timedelta(hours=1))
    kinds = [e.type for e in events(repo, "Q1")]
    assert kinds.count(EventType.DEPARTMENT_BREACHED) == 1  # the late answer does not record it twice
    answered = next(e for e in events(repo, "Q1") if e.type is EventType.DEPARTMENT_ANSWERED)
    assert answered.data["late"] is True
    enforcer.plan("Q1", before)
    assert f"Q1-dept-{request_id}" not in desk.schedules.of("Q1")  # answered: its schedule is gone


def test_the_timer_event_reaches_sla_timer_as_its_own_contract_R4_3() -> None:
    from inquiry_desk.deadlines.contracts import DepartmentDue, sla_timer_event

    parsed = sla_timer_event.validate_python({"department": {"inquiry_id": "Q1", "request_id": "D1"}})
    assert isinstance(parsed, DepartmentDue) and parsed.department.request_id == "D1"
