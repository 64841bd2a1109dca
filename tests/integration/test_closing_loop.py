"""R5.2/R5.4 on moto: a keyword reply on the customer's own channel is their verdict on the
resolution (closed loop, or reopened to the supervisors), and a resolution gets its survey and
timeout timers on the deadlines' Scheduler group, aimed at the survey function."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams

from tests.conftest import signed_chat
from tests.integration.conftest import agent_claims


def _chat(runner: Any, customer: str, text: str) -> str:
    body, headers = signed_chat({"message_id": f"m-{uuid.uuid4()}", "customer_id": customer, "text": text})
    result = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1"))
    assert result["statusCode"] in (200, 202), result["body"]
    return str(json.loads(result["body"])["inquiry_id"])


def _resolve(runner: Any, inquiry_id: str) -> None:
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        json.dumps({"action": "resolve", "result": "退款已到账", "cause": "银行延迟", "solution": "已催办"}).encode(),
        agent_claims("agent-1"),
        "v1",
    )
    assert runner.invoke("console_api", event)["statusCode"] == 200
    drain_streams()


def _timeline(inquiry_id: str) -> Any:
    from inquiry_desk.runtime import composition

    return composition.repository().timeline(inquiry_id)


def test_R5_3_resolution_schedules_the_survey_on_the_deadline_timers(runner: Any, stack: Any) -> None:
    inquiry_id = _chat(runner, f"c-{uuid.uuid4().hex[:8]}", "退款什么时候到账?")
    _resolve(runner, inquiry_id)
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    group = stack.outputs["ScheduleGroupName"]
    found = {s["Name"] for s in scheduler.list_schedules(GroupName=group, NamePrefix=inquiry_id)["Schedules"]}
    assert found == {f"{inquiry_id}-survey-e1", f"{inquiry_id}-confirm-timeout-e1"}
    target = scheduler.get_schedule(Name=f"{inquiry_id}-survey-e1", GroupName=group)["Target"]
    assert ":function:" in target["Arn"] and "survey" in target["Arn"]
    assert json.loads(target["Input"]) == {"loop": {"inquiry_id": inquiry_id, "kind": "survey_send", "episode": 1}}


def test_R5_2_keyword_reply_closes_the_loop(runner: Any, stack: Any) -> None:
    customer = f"c-{uuid.uuid4().hex[:8]}"
    inquiry_id = _chat(runner, customer, "退款什么时候到账?")
    _resolve(runner, inquiry_id)
    assert _chat(runner, customer, "已解决,谢谢!") == inquiry_id
    drain_streams()
    timeline = _timeline(inquiry_id)
    assert timeline.inquiry.status.value == "closed" and timeline.inquiry.closed_by == "customer"
    assert [e.type.value for e in timeline.events][-3:] == ["confirmed", "closed", "message_added"]
    # closed: only the survey timer is left (no confirmation timeout)
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    names = {
        s["Name"]
        for s in scheduler.list_schedules(GroupName=stack.outputs["ScheduleGroupName"], NamePrefix=inquiry_id)[
            "Schedules"
        ]
    }
    assert names == {f"{inquiry_id}-survey-e1"}


def test_R5_4_unhappy_keyword_reopens_to_the_supervisors(runner: Any, stack: Any) -> None:
    customer = f"c-{uuid.uuid4().hex[:8]}"
    inquiry_id = _chat(runner, customer, "退款什么时候到账?")
    _resolve(runner, inquiry_id)
    assert _chat(runner, customer, "没解决") == inquiry_id
    timeline = _timeline(inquiry_id)
    assert timeline.inquiry.status.value == "in_progress" and timeline.inquiry.episode == 2
    assert timeline.inquiry.owner.startswith("supervisors:")
    assert timeline.inquiry.next_deadline_at is not None
    reopened = next(e for e in timeline.events if e.type.value == "reopened")
    assert "没解决" in reopened.data["reason"]


def test_any_other_reply_to_a_resolved_chat_opens_a_new_inquiry(runner: Any, stack: Any) -> None:
    customer = f"c-{uuid.uuid4().hex[:8]}"
    inquiry_id = _chat(runner, customer, "退款什么时候到账?")
    _resolve(runner, inquiry_id)
    assert _chat(runner, customer, "另外想问一下发票怎么开?") != inquiry_id
