"""A cross-department request whose due time passes unanswered (R4.3, R3.3): the breach is recorded
when its timer fires (once), the owner and the department's escalation contact are told, and the
department's ladder (policy data) walks lead -> customer-service supervisors until the answer."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from inquiry_desk.deadlines.contracts import LadderState
from inquiry_desk.departments.service import (
    SHIPPED,
    DepartmentPolicy,
    escalation_step,
    ladder_name,
    load_departments,
    pending,
)
from inquiry_desk.model import EventType, InquiryEvent, Status
from pydantic import ValidationError

from tests.fakes import Desk
from tests.unit.loop.builders import T0, events, inbound, inquiry


def _world() -> tuple[Desk, str]:
    desk = Desk()
    desk.clock.at = T0
    desk.repository.seed(inquiry(inquiry_id="Q1", team="orders", owner="agent-1"), [inbound("Q1")])
    _, request_id = desk.departments().open("Q1", "warehouse", "is SKU 42 in stock", "agent-1", T0)
    return desk, request_id


def _of(desk: Desk, kind: EventType) -> list[InquiryEvent]:
    return [e for e in events(desk.repository, "Q1") if e.type is kind]


def _breach(desk: Desk, request_id: str) -> LadderState:
    due = pending(events(desk.repository, "Q1"))[0].due
    desk.clock.at = due + timedelta(seconds=20)  # the named timer fires within its minute
    assert desk.departments().overdue("Q1", request_id, desk.clock.at) == "breached"
    return desk.ladders.executions[ladder_name("Q1", request_id)]


def test_the_timer_records_the_breach_at_the_due_time_tells_owner_and_department_and_starts_the_ladder_R4_3() -> None:
    desk, request_id = _world()
    due = pending(events(desk.repository, "Q1"))[0].due
    assert desk.departments().overdue("Q1", request_id, due - timedelta(seconds=1)) == "not due yet"
    assert _of(desk, EventType.DEPARTMENT_BREACHED) == [] and desk.notifier.sent == []
    state = _breach(desk, request_id)
    [breach] = _of(desk, EventType.DEPARTMENT_BREACHED)
    warehouse = load_departments().departments["warehouse"]
    assert breach.actor == "sla" and breach.at == desk.clock.at
    assert breach.data["late_seconds"] == 20 and breach.data["to"] == warehouse.escalation_contact
    assert [(n.body["audience"], n.body["to"]) for n in desk.notifier.sent] == [
        ("owner", "agent-1"),
        ("department", warehouse.escalation_contact),
    ]
    assert desk.notifier.sent[0].body["needed"] == "is SKU 42 in stock"
    assert (state.request_id, state.ladder, state.step, state.kind) == (request_id, warehouse.ladder, 0, "department")


def test_a_duplicate_or_late_timer_delivery_is_a_no_op_R4_3() -> None:
    desk, request_id = _world()
    _breach(desk, request_id)
    sent = len(desk.notifier.sent)
    desk.clock.advance(hours=3)
    for _ in range(2):
        assert desk.departments().overdue("Q1", request_id, desk.clock.at) == "answered or recorded already"
    assert len(_of(desk, EventType.DEPARTMENT_BREACHED)) == 1
    assert len(desk.notifier.sent) == sent and desk.ladders.starts == 1


def test_the_ladder_tells_the_lead_then_the_supervisors_each_after_its_own_wait_R4_3() -> None:
    desk, request_id = _world()
    state = _breach(desk, request_id)
    ladder = load_departments().escalation_ladders[state.ladder]
    desk.notifier.sent.clear()
    state = desk.departments().escalate(state)  # the start: only waits for step 1
    assert (state.step, state.wait_seconds, state.done) == (1, ladder[0].wait.to_timedelta().total_seconds(), False)
    assert _of(desk, EventType.DEPARTMENT_ESCALATED) == [] and desk.notifier.sent == []
    desk.clock.advance(seconds=state.wait_seconds)
    state = desk.departments().escalate(state)
    assert (state.step, state.wait_seconds) == (2, ladder[1].wait.to_timedelta().total_seconds())
    desk.clock.advance(seconds=state.wait_seconds)
    state = desk.departments().escalate(state)
    assert state.done and "ladder finished" in state.reason
    steps = _of(desk, EventType.DEPARTMENT_ESCALATED)
    lead = load_departments().departments["warehouse"].lead
    assert [(e.data["step"], e.data["action"], e.data["to"]) for e in steps] == [
        (1, "department_lead", lead),
        (2, "cs_supervisor", "supervisors:orders"),
    ]
    assert [(n.body["audience"], n.body["to"]) for n in desk.notifier.sent] == [
        ("department_lead", lead),
        ("supervisor", "supervisors:orders"),
    ]
    assert "warehouse was due at" in str(steps[0].data["why"])


def test_the_answer_after_the_breach_closes_the_request_and_stops_the_ladder_R4_3() -> None:
    desk, request_id = _world()
    state = desk.departments().escalate(_breach(desk, request_id))
    desk.clock.advance(minutes=5)
    desk.departments().answer("Q1", request_id, "3 left, shipped today", "wh-li", desk.clock.at)
    assert pending(events(desk.repository, "Q1")) == []
    answered = _of(desk, EventType.DEPARTMENT_ANSWERED)[0]
    assert answered.data["late"] is True
    assert len(_of(desk, EventType.DEPARTMENT_BREACHED)) == 1  # the timer's; the answer adds none
    desk.notifier.sent.clear()
    desk.clock.advance(seconds=state.wait_seconds)
    state = desk.departments().escalate(state)
    assert state.done and "answered at" in state.reason and "wh-li" in state.reason
    [stopped] = _of(desk, EventType.DEPARTMENT_ESCALATED)
    assert stopped.data["action"] == "stopped" and desk.notifier.sent == []
    assert desk.departments().overdue("Q1", request_id, desk.clock.at) == "answered or recorded already"


def test_the_step_decision_is_pure_and_stops_for_a_closed_inquiry_R4_3() -> None:
    desk, request_id = _world()
    state = _breach(desk, request_id).model_copy(update={"step": 1})
    timeline = desk.repository.timeline("Q1")
    assert timeline is not None
    policy = load_departments()
    step = escalation_step(policy, timeline.inquiry, timeline.events, state)
    assert (step.action, step.done, step.next_step) == ("department_lead", False, 2)
    closed = timeline.inquiry.model_copy(update={"status": Status.CLOSED})
    assert escalation_step(policy, closed, timeline.events, state).done


def _shipped() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(Path(SHIPPED).read_text(encoding="utf-8"))
    return raw


def test_the_ladder_is_validated_policy_data_R4_3() -> None:
    DepartmentPolicy.model_validate(_shipped())
    unknown = _shipped()
    unknown["departments"]["tech"]["ladder"] = "nowhere"
    with pytest.raises(ValidationError, match="names ladder 'nowhere'"):
        DepartmentPolicy.model_validate(unknown)
    empty = _shipped()
    empty["escalation_ladders"]["standard"] = []
    with pytest.raises(ValidationError, match="has no steps"):
        DepartmentPolicy.model_validate(empty)
    wrong = _shipped()
    wrong["escalation_ladders"]["standard"][0]["notify"] = "the_ceo"
    with pytest.raises(ValidationError):
        DepartmentPolicy.model_validate(wrong)
    no_contact = _shipped()
    del no_contact["departments"]["warehouse"]["escalation_contact"]
    with pytest.raises(ValidationError):
        DepartmentPolicy.model_validate(no_contact)
