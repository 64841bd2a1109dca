"""R2.9 on moto through the agents' API: a dispute gets its 24-hour contact deadline, evidence is
recorded, liability is decided by a supervisor (an agent is refused) and the result goes to the
customer from the dispute_result template, with its lineage, all on the timeline."""

from __future__ import annotations

import json
import uuid
from typing import Any

from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams

from tests.conftest import signed_chat
from tests.integration.conftest import agent_claims


def _act(runner: Any, inquiry_id: str, body: dict[str, Any], claims: dict[str, str]) -> dict[str, Any]:
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        json.dumps(body).encode(),
        claims,
        "v1",
    )
    return dict(runner.invoke("console_api", event))


def test_R2_9_dispute_evidence_liability_and_result_on_the_timeline(runner: Any, stack: Any) -> None:
    from inquiry_desk.runtime import composition

    body, headers = signed_chat(
        {"message_id": f"m-{uuid.uuid4()}", "customer_id": f"c-{uuid.uuid4().hex[:8]}", "text": "快递把货摔坏了,谁赔?"}
    )
    answer = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1"))
    inquiry_id = str(json.loads(answer["body"])["inquiry_id"])
    agent, supervisor = agent_claims("agent-1"), agent_claims("sup-1", "supervisors")
    assert _act(runner, inquiry_id, {"action": "reclassify", "category": "dispute"}, agent)["statusCode"] == 200
    drain_streams()
    inquiry = composition.repository().get(inquiry_id)
    assert inquiry is not None and inquiry.category == "dispute"  # its 24 h contact deadline: tests/unit/loop

    evidence = {
        "action": "add_evidence",
        "kind": "photo",
        "source": "customer",
        "description": "外箱破损照片",
        "ref": "s3://evidence/box.jpg",
    }
    assert _act(runner, inquiry_id, evidence, agent)["statusCode"] == 200
    decide = {"action": "decide_liability", "liability": "carrier", "reason": "签收时已注明外包装破损"}
    refused = _act(runner, inquiry_id, decide, agent)
    assert refused["statusCode"] == 403 and json.loads(refused["body"])["error"] == "forbidden"
    assert _act(runner, inquiry_id, decide, supervisor)["statusCode"] == 200
    report = {"action": "report_dispute_result", "next_steps": "我们补发新品,并向物流公司索赔"}
    assert _act(runner, inquiry_id, report, agent)["statusCode"] == 200
    bad = _act(runner, inquiry_id, {"action": "decide_liability", "liability": "moon", "reason": "x"}, supervisor)
    assert bad["statusCode"] == 400

    timeline = composition.repository().timeline(inquiry_id)
    kinds = [e.type.value for e in timeline.events]
    assert (
        kinds.index("dispute_evidence_added")
        < kinds.index("liability_decided")
        < kinds.index("dispute_result_reported")
    )
    sent = next(m for m in timeline.messages if m.content_ref == "template:dispute_result@1")
    assert "签收时已注明外包装破损" in sent.body and sent.delivery_status in ("pending", "sent")
    lineage = composition.loop_store().lineage("template:dispute_result@1")
    assert any(entry.message_id == sent.message_id for entry in lineage)
