"""R5.3/R3.1 on moto: the periodic reconciler (sla_timer's {"reconcile": true}) re-creates a
resolved inquiry's closing-loop schedule that was deleted, aimed at the survey function, once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams

from tests.conftest import signed_chat
from tests.integration.conftest import agent_claims


def _resolved(runner: Any) -> str:
    body, headers = signed_chat(
        {"message_id": f"m-{uuid.uuid4()}", "customer_id": f"c-{uuid.uuid4().hex[:8]}", "text": "退款什么时候到账?"}
    )
    result = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1"))
    inquiry_id = str(json.loads(result["body"])["inquiry_id"])
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        json.dumps({"action": "resolve", "result": "退款已到账"}).encode(),
        agent_claims("agent-1"),
        "v1",
    )
    assert runner.invoke("console_api", event)["statusCode"] == 200
    drain_streams()
    return inquiry_id


def test_R5_3_the_reconciler_recreates_a_deleted_survey_schedule(runner: Any, stack: Any) -> None:
    inquiry_id = _resolved(runner)
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    group = stack.outputs["ScheduleGroupName"]
    name = f"{inquiry_id}-survey-e1"
    before = scheduler.get_schedule(Name=name, GroupName=group)
    scheduler.delete_schedule(Name=name, GroupName=group)  # lost
    first = runner.invoke("sla_timer", {"reconcile": True})
    assert first["timers_recreated"] >= 1
    after = scheduler.get_schedule(Name=name, GroupName=group)
    assert after["ScheduleExpression"] == before["ScheduleExpression"]
    assert after["Target"]["Arn"] == before["Target"]["Arn"] and json.loads(after["Target"]["Input"]) == {
        "loop": {"inquiry_id": inquiry_id, "kind": "survey_send", "episode": 1}
    }
    again = runner.invoke("sla_timer", {"reconcile": True})
    names = {s["Name"] for s in scheduler.list_schedules(GroupName=group, NamePrefix=inquiry_id)["Schedules"]}
    assert names == {name, f"{inquiry_id}-confirm-timeout-e1"}
    assert again["timers_recreated"] == 0 or name not in names  # nothing of this inquiry made twice


def _act(runner: Any, inquiry_id: str, body: dict[str, Any]) -> None:
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        json.dumps(body).encode(),
        agent_claims("agent-1"),
        "v1",
    )
    answer = runner.invoke("console_api", event)
    assert answer["statusCode"] == 200, answer["body"]
    drain_streams()


def test_R2_8_a_promise_gets_milestone_schedules_and_promise_met_removes_them(runner: Any, stack: Any) -> None:
    body, headers = signed_chat(
        {"message_id": f"m-{uuid.uuid4()}", "customer_id": f"c-{uuid.uuid4().hex[:8]}", "text": "退款什么时候到账?"}
    )
    result = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1"))
    inquiry_id = str(json.loads(result["body"])["inquiry_id"])
    drain_streams()
    _act(runner, inquiry_id, {"action": "resolve", "result": "退款已提交", "promise_working_days": 3})
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    group = stack.outputs["ScheduleGroupName"]

    def names() -> set[str]:
        return {s["Name"] for s in scheduler.list_schedules(GroupName=group, NamePrefix=inquiry_id)["Schedules"]}

    milestones = {f"{inquiry_id}-milestone-halfway-e1", f"{inquiry_id}-milestone-day_before-e1"}
    assert milestones <= names()
    target = scheduler.get_schedule(Name=f"{inquiry_id}-milestone-halfway-e1", GroupName=group)["Target"]
    assert "survey" in target["Arn"]
    assert json.loads(target["Input"])["loop"]["kind"] == "milestone:halfway"
    _act(runner, inquiry_id, {"action": "promise_met", "note": "退款已到账"})
    assert not milestones & names()
    assert f"{inquiry_id}-survey-e1" in names()  # the survey is still to come
