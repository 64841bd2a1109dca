"""R4.3: a cross-department request unanswered at its due time. Its named schedule fires into
sla_timer (the Scheduler payload as deployed), the breach is recorded once, the owner and the
department's escalation contact hear it on the notifications topic, and the department's ladder runs
on the real escalation state machine (moto, Wait states 600x faster) until the answer stops it."""

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
from inquiry_desk.departments.service import load_departments

from tests.conftest import signed_chat
from tests.integration.conftest import agent_claims

pytestmark = pytest.mark.usefixtures("ladders_stopped_after")


@pytest.fixture
def clock(pinned_clock: list[datetime]) -> list[datetime]:
    return pinned_clock


def _api(runner: Any, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    raw = json.dumps(body).encode() if body is not None else b""
    event = api_gateway_event(method, path, {"Content-Type": "application/json"}, raw, agent_claims("agent-1"), "v1")
    result = runner.invoke("console_api", event)
    return int(result["statusCode"]), json.loads(result["body"] or "null")


def _events(inquiry_id: str, kind: str) -> list[Any]:
    from inquiry_desk.runtime import composition

    timeline = composition.repository().timeline(inquiry_id)
    return [e for e in timeline.events if e.type.value == kind]


def _wait_for(predicate: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _execution(name: str) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    for machine in sfn.list_state_machines()["stateMachines"]:
        for run in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            if run["name"] == name:
                return dict(run)
    return {}


def _notices(queue_url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    got: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return got
        for m in batch:
            got.append(json.loads(json.loads(m["Body"])["Message"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def test_R4_3_an_unanswered_request_breaches_at_its_due_time_escalates_and_stops_on_the_answer(
    runner: Any, stack: Any, clock: list[datetime]
) -> None:
    sns, sqs = boto3.client("sns", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName=f"dept-notices-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=stack.outputs["NotificationsTopicArn"], Protocol="sqs", Endpoint=queue_arn)

    body, headers = signed_chat(
        {"message_id": f"m-{uuid.uuid4()}", "customer_id": f"c-{uuid.uuid4()}", "text": "蓝色的还有货吗 in stock?"}
    )
    opened = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1", clock[0]))
    assert opened["statusCode"] == 202, opened["body"]
    inquiry_id = json.loads(opened["body"])["inquiry_id"]
    drain_streams()
    status, asked = _api(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/department-requests",
        {"department": "warehouse", "needed": "stock of the blue one"},
    )
    assert status == 201, asked
    request_id = asked["request_id"]
    drain_streams()  # the stream consumer (sla_timer) makes the request's named schedule
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    schedule = scheduler.get_schedule(
        Name=f"{inquiry_id}-dept-{request_id}", GroupName=stack.outputs["ScheduleGroupName"]
    )
    payload = json.loads(schedule["Target"]["Input"])
    _notices(queue_url)  # what came before the breach is not this test's

    # the schedule fires at the due time, unanswered: the breach is recorded then, once
    [requested] = _events(inquiry_id, "department_requested")
    clock[0] = datetime.fromisoformat(requested.data["due"]) + timedelta(seconds=30)
    assert runner.invoke("sla_timer", payload) == {"verdict": "breached"}
    assert runner.invoke("sla_timer", payload) == {"verdict": "answered or recorded already"}  # duplicate
    [breach] = _events(inquiry_id, "department_breached")
    warehouse = load_departments().departments["warehouse"]
    assert breach.at == clock[0] and breach.data["to"] == warehouse.escalation_contact
    told = [n for n in _notices(queue_url) if n.get("request_id") == request_id]
    assert sorted(n["audience"] for n in told) == ["department", "owner"]
    assert next(n for n in told if n["audience"] == "department")["to"] == warehouse.escalation_contact

    # the ladder's step 1 (after its wait) tells the department's lead
    _wait_for(lambda: len(_events(inquiry_id, "department_escalated")) >= 1)
    [first] = _events(inquiry_id, "department_escalated")
    assert (first.data["step"], first.data["action"], first.data["to"]) == (1, "department_lead", warehouse.lead)

    # the answer closes the request; the ladder stops at its next step instead of the supervisors
    status, answered = _api(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/department-requests/{request_id}/answer",
        {"answer": "3 left, shipping today"},
    )
    assert status == 200, answered
    _wait_for(lambda: _execution(f"{inquiry_id}-dept-{request_id}").get("status") == "SUCCEEDED")
    steps = _events(inquiry_id, "department_escalated")
    assert [e.data["action"] for e in steps] == ["department_lead", "stopped"]
    assert "answered at" in steps[-1].data["why"]
    assert len(_events(inquiry_id, "department_breached")) == 1
    lead = [n for n in _notices(queue_url) if n.get("request_id") == request_id]
    assert [n["audience"] for n in lead] == ["department_lead"]  # the supervisors never heard
    # the agents' API shows it on the timeline
    status, got = _api(runner, "GET", f"/api/inquiries/{inquiry_id}")
    kinds = [e["type"] for e in got["events"]]
    assert kinds.count("department_breached") == 1 and kinds.count("department_escalated") == 2
