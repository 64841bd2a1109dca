"""R6.1 -> R6.2 on moto through the agents' API: a failed review with the corrected text opens a
correction candidate, or with start_correction starts the corrections state machine."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.model import utc_now

from tests.conftest import signed_chat
from tests.integration.conftest import agent_claims


def _answered(runner: Any) -> str:
    from inquiry_desk.runtime import composition

    body, headers = signed_chat(
        {"message_id": f"m-{uuid.uuid4()}", "customer_id": f"c-{uuid.uuid4().hex[:8]}", "text": "退货期限是多久?"}
    )
    result = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1"))
    inquiry_id = str(json.loads(result["body"])["inquiry_id"])
    composition.inquiry_service().act(inquiry_id, Action.REPLY, "agent-1", utc_now(), text="30 天无理由退货")
    drain_streams()
    return inquiry_id


def _review(runner: Any, inquiry_id: str, body: dict[str, Any]) -> dict[str, Any]:
    from inquiry_desk.quality.model import Review
    from inquiry_desk.runtime import composition

    day = utc_now().date().isoformat()
    composition.loop_store().put_review(Review(day=day, agent="agent-1", inquiry_id=inquiry_id, sampled_at=utc_now()))
    event = api_gateway_event(
        "POST",
        f"/api/reviews/{day}/agent-1/{inquiry_id}",
        {"Content-Type": "application/json"},
        json.dumps(body).encode(),
        agent_claims("sup-1", "supervisors"),
        "v1",
    )
    return dict(runner.invoke("console_api", event))


def test_R6_1_a_failed_review_opens_a_correction_candidate(runner: Any, stack: Any) -> None:
    from inquiry_desk.runtime import composition

    inquiry_id = _answered(runner)
    answer = _review(
        runner,
        inquiry_id,
        {"outcome": "fail", "notes": "期限说错了", "corrected_text": "7 天无理由退货", "cause": "training"},
    )
    assert answer["statusCode"] == 200, answer["body"]
    assert json.loads(answer["body"])["review"]["correction_id"] is None
    timeline = composition.repository().timeline(inquiry_id)
    candidate = next(e for e in timeline.events if e.type.value == "correction_candidate")
    assert candidate.data["status"] == "open" and candidate.data["corrected_text"] == "7 天无理由退货"
    missing = _review(runner, inquiry_id, {"outcome": "fail", "corrected_text": "7 天"})
    assert missing["statusCode"] == 400 and "cause" in json.loads(missing["body"])["reason"]


def test_R6_2_a_failed_review_can_start_the_correction(runner: Any, stack: Any) -> None:
    inquiry_id = _answered(runner)
    body = {"outcome": "fail", "corrected_text": "7 天无理由退货", "cause": "training", "start_correction": True}
    answer = _review(runner, inquiry_id, body)
    assert answer["statusCode"] == 200, answer["body"]
    correction_id = json.loads(answer["body"])["review"]["correction_id"]
    assert correction_id
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("-corrections"))
    runs = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    assert any(r["name"] == correction_id for r in runs)
