"""R3.1/R3.2: a missed deadline is recorded, the escalation state machine walks the ladder step by
step, and stops as soon as the inquiry is handled. Real Step Functions execution on moto."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams

from tests.conftest import signed_chat
from tests.integration.conftest import agent_claims

pytestmark = pytest.mark.usefixtures("ladders_stopped_after")


@pytest.fixture
def clock(pinned_clock: list[datetime]) -> list[datetime]:
    return pinned_clock


def _open(runner: Any, text: str, at: datetime) -> str:
    body, headers = signed_chat({"message_id": f"m-{uuid.uuid4()}", "customer_id": f"c-{uuid.uuid4()}", "text": text})
    result = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1", at))
    assert result["statusCode"] == 202, result["body"]
    drain_streams()  # the stream consumer (sla_timer) has planned its schedules
    return str(json.loads(result["body"])["inquiry_id"])


def _timeline(inquiry_id: str) -> Any:
    from inquiry_desk.runtime import composition

    return composition.repository().timeline(inquiry_id)


def _timer(inquiry_id: str, kind: str, at: datetime, phase: str = "due") -> dict[str, Any]:
    return {"timer": {"inquiry_id": inquiry_id, "kind": kind, "episode": 1, "phase": phase, "at": at.isoformat()}}


def _execution(name: str) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    found = [e for e in sfn.list_executions(stateMachineArn=machine)["executions"] if e["name"] == name]
    return found[0] if found else {}


def _wait_for(predicate: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_R3_1_a_far_deadline_is_one_schedule_per_inquiry_moved_and_deleted(
    runner: Any, stack: Any, clock: list[datetime]
) -> None:
    from inquiry_desk.adapters.timers import HANDOVER

    # an in-store visit recorded later: its first instant is far enough for Scheduler
    inquiry_id = _open(runner, "我要退货 return", clock[0])
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    group = stack.outputs["ScheduleGroupName"]
    assert scheduler.list_schedules(GroupName=group, NamePrefix=inquiry_id)["Schedules"] == []  # 15 s: on SQS
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        b'{"action": "reply", "text": "label sent"}',
        agent_claims("a"),
        "v1",
    )
    assert runner.invoke("console_api", event)["statusCode"] == 200
    drain_streams()
    [schedule] = scheduler.list_schedules(GroupName=group, NamePrefix=inquiry_id)["Schedules"]
    got = scheduler.get_schedule(Name=schedule["Name"], GroupName=group)
    spec = json.loads(got["Target"]["Input"])["timer"]
    assert schedule["Name"] == inquiry_id and got["ActionAfterCompletion"] == "DELETE"
    due = datetime.fromisoformat(spec["at"])
    assert got["ScheduleExpression"] == f"at({(due - HANDOVER).strftime('%Y-%m-%dT%H:%M:%S')})"
    # resolving deletes it
    event["body"] = '{"action": "resolve", "result": "label sent"}'
    assert runner.invoke("console_api", event)["statusCode"] == 200
    drain_streams()
    left = {s["Name"] for s in scheduler.list_schedules(GroupName=group, NamePrefix=inquiry_id)["Schedules"]}
    # the deadline timer is gone; what is left closes the loop (survey, confirmation timeout)
    assert left == {f"{inquiry_id}-survey-e1", f"{inquiry_id}-confirm-timeout-e1"}


def test_R3_2_breach_walks_the_ladder_and_stops_when_acknowledged(
    runner: Any, stack: Any, clock: list[datetime]
) -> None:
    received = clock[0]
    inquiry_id = _open(runner, "投诉 complaint: the courier was rude", received)
    clock[0] = received + timedelta(minutes=2)  # the acknowledge deadline has passed
    fired = runner.invoke("sla_timer", _timer(inquiry_id, "acknowledge", received + timedelta(seconds=30)))
    assert fired["verdict"] == "breach"
    again = runner.invoke("sla_timer", _timer(inquiry_id, "acknowledge", received + timedelta(seconds=30)))
    assert again["verdict"] == "nothing"  # a duplicate (or late) fire is a no-op

    name = f"{inquiry_id}-acknowledge-e1"

    def escalations() -> list[Any]:
        return [
            e
            for e in _timeline(inquiry_id).events
            if e.type.value == "escalated" and e.data.get("kind") == "acknowledge"
        ]

    _wait_for(lambda: len(escalations()) >= 1)  # step 1 (wait 0): notify the owner
    assert escalations()[0].data["action"] == "notify_owner"

    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        b'{"action": "acknowledge"}',
        agent_claims("agent-1"),
        "v1",
    )
    assert runner.invoke("console_api", event)["statusCode"] == 200

    _wait_for(lambda: _execution(name).get("status") == "SUCCEEDED")
    # no reassignment after handling; the timeline says where and why the ladder stopped
    assert [e.data["action"] for e in escalations()] == ["notify_owner", "stopped"]
    assert "acknowledge was met" in escalations()[-1].data["why"]
    breaches = [
        e
        for e in _timeline(inquiry_id).events
        if e.type.value == "deadline_breached" and e.data.get("kind") == "acknowledge"
    ]
    assert len(breaches) == 1


def test_R3_2_unhandled_breach_reassigns_to_supervisor(runner: Any, stack: Any, clock: list[datetime]) -> None:
    received = clock[0]
    inquiry_id = _open(runner, "投诉 complaint: still no answer", received)
    clock[0] = received + timedelta(minutes=2)
    assert (
        runner.invoke("sla_timer", _timer(inquiry_id, "acknowledge", received + timedelta(seconds=30)))["verdict"]
        == "breach"
    )

    def actions() -> list[str]:
        return [
            e.data["action"]
            for e in _timeline(inquiry_id).events
            if e.type.value == "escalated" and e.data.get("kind") == "acknowledge"
        ]

    _wait_for(lambda: "reassign_to_supervisor" in actions())
    inquiry = _timeline(inquiry_id).inquiry
    assert inquiry.owner and inquiry.owner.startswith("supervisors:")
    assert actions()[:2] == ["notify_owner", "reassign_to_supervisor"]


def test_R3_1_reconciler_fires_overdue_deadlines_whose_timer_was_lost(
    runner: Any, stack: Any, clock: list[datetime]
) -> None:
    received = clock[0]
    inquiry_id = _open(runner, "退货 return my order", received)
    # the timers exist, but none has fired (as if lost): only the reconciler runs
    clock[0] = received + timedelta(minutes=3)
    result = runner.invoke("sla_timer", {"reconcile": True})
    assert result["fired"] >= 1
    kinds = {e.data.get("kind") for e in _timeline(inquiry_id).events if e.type.value == "deadline_breached"}
    assert "acknowledge" in kinds


def test_R2_6_progress_notice_goes_to_the_customer_through_the_outbox(
    runner: Any, stack: Any, clock: list[datetime]
) -> None:
    received = clock[0]
    inquiry_id = _open(runner, "退货 return the blender", received)
    from inquiry_desk.deadlines.engine import InquiryFacts, compute_deadlines
    from inquiry_desk.runtime import composition

    timeline = _timeline(inquiry_id)
    notice = next(
        d
        for d in compute_deadlines(composition.policy(), InquiryFacts.from_inquiry(timeline.inquiry, timeline.events))
        if d.kind == "progress_notice"
    )
    clock[0] = notice.due
    spec = _timer(inquiry_id, "progress_notice", notice.due)
    fired = runner.invoke("sla_timer", spec)  # everything due by now is decided: breaches, the notice
    assert "notify_customer_progress" in [a["verdict"] for a in fired["acted"]]
    after = _timeline(inquiry_id)
    [outbound] = [m for m in after.messages if m.direction.value == "outbound"]
    assert outbound.channel.value == "chat" and "预计" in outbound.body  # in the customer's language (zh)
    assert [e.type.value for e in after.events].count("progress_notified") == 1
    again = runner.invoke("sla_timer", spec)
    assert again["verdict"] == "nothing"  # told once; breaches recorded once


def _act(runner: Any, inquiry_id: str, body: bytes, agent: str = "agent-1") -> None:
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        body,
        agent_claims(agent),
        "v1",
    )
    result = runner.invoke("console_api", event)
    assert result["statusCode"] == 200, result["body"]


def test_R3_2_two_breaches_two_ladders_acknowledging_stops_the_first_replying_the_second(
    runner: Any, stack: Any, clock: list[datetime]
) -> None:
    received = clock[0]
    inquiry_id = _open(runner, "退货 return the kettle", received)
    clock[0] = received + timedelta(minutes=16)  # acknowledge (30 s) and first reply (15 min) both missed
    fired = runner.invoke("sla_timer", _timer(inquiry_id, "acknowledge", received + timedelta(seconds=30)))
    assert {a["kind"] for a in fired["acted"] if a["verdict"] == "breach"} >= {"acknowledge", "first_reply"}

    def steps(kind: str) -> list[Any]:
        return [e for e in _timeline(inquiry_id).events if e.type.value == "escalated" and e.data.get("kind") == kind]

    _wait_for(lambda: len(steps("acknowledge")) >= 1 and len(steps("first_reply")) >= 1)
    _act(runner, inquiry_id, b'{"action": "acknowledge"}')  # agent-1 takes it, after both breaches
    _wait_for(lambda: _execution(f"{inquiry_id}-acknowledge-e1").get("status") == "SUCCEEDED")
    assert [e.data["action"] for e in steps("acknowledge")] == ["notify_owner", "stopped"]
    # the first-reply ladder goes on, but never takes the inquiry from the agent who acted
    _wait_for(lambda: len(steps("first_reply")) >= 2)
    kept = steps("first_reply")[1]
    assert kept.data["action"] == "keep_owner" and kept.data["kept_by"] == "agent-1"
    assert kept.data["step"] == 2 and "first_reply" in kept.data["why"]
    assert _timeline(inquiry_id).inquiry.owner == "agent-1"
    _act(runner, inquiry_id, b'{"action": "reply", "text": "a new kettle is on its way"}')
    _wait_for(lambda: _execution(f"{inquiry_id}-first_reply-e1").get("status") == "SUCCEEDED")
    assert [e.data["action"] for e in steps("first_reply")] == ["notify_owner", "keep_owner", "stopped"]
    for kind in ("acknowledge", "first_reply"):  # one ladder per breached deadline
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
        runs = [
            e
            for e in sfn.list_executions(stateMachineArn=machine)["executions"]
            if e["name"].startswith(f"{inquiry_id}-{kind}")
        ]
        assert len(runs) == 1
