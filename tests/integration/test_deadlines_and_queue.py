"""Deadlines from the policy land on the inquiry; a team's queue is ordered by them (R2.1, R3.5)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from desk_ops.local.front import api_gateway_event

from tests.conftest import signed_chat
from tests.integration.conftest import agent_claims


def _post_chat(runner: Any, text: str, arrived: datetime) -> str:
    payload = {"message_id": f"m-{uuid.uuid4()}", "customer_id": f"c-{uuid.uuid4()}", "text": text}
    body, headers = signed_chat(payload)
    result = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1", arrived))
    assert result["statusCode"] == 202, result["body"]
    return str(json.loads(result["body"])["inquiry_id"])


def _act(runner: Any, inquiry_id: str, body: dict[str, Any]) -> dict[str, Any]:
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        json.dumps(body).encode(),
        agent_claims("agent-7"),
        "v1",
    )
    result = runner.invoke("console_api", event)
    assert result["statusCode"] == 200, result["body"]
    return dict(json.loads(result["body"])["inquiry"])


def test_R2_1_chat_inquiry_is_due_for_acknowledgement_within_30_seconds(runner: Any) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    inquiry_id = _post_chat(runner, "我要退货", now)
    from inquiry_desk.runtime import composition

    inquiry = composition.repository().get(inquiry_id)
    assert inquiry is not None and inquiry.next_deadline_at is not None
    assert inquiry.next_deadline_at - inquiry.received_at == timedelta(seconds=30)


def test_acknowledging_moves_the_next_deadline_later(runner: Any) -> None:
    inquiry_id = _post_chat(runner, "我要退货 return", datetime.now(UTC))
    from inquiry_desk.runtime import composition

    before = composition.repository().get(inquiry_id)
    after = _act(runner, inquiry_id, {"action": "acknowledge"})
    assert before is not None and before.next_deadline_at is not None
    assert after["status"] == "acknowledged" and after["owner"] == "agent-7"
    assert datetime.fromisoformat(after["next_deadline_at"]) > before.next_deadline_at


def test_R3_5_team_queue_lists_open_work_by_next_deadline_and_drops_resolved(runner: Any) -> None:
    now = datetime.now(UTC)
    older = _post_chat(runner, "退货 return the shoes", now - timedelta(minutes=5))
    newer = _post_chat(runner, "退货 return the hat", now)
    resolved = _post_chat(runner, "退货 return the bag", now - timedelta(minutes=10))
    _act(runner, resolved, {"action": "resolve", "result": "label sent"})
    from inquiry_desk.runtime import composition

    queue = [i.inquiry_id for i in composition.repository().team_queue("aftersales", limit=500)]
    assert queue.index(older) < queue.index(newer)
    assert resolved not in queue
    dues = [i.next_deadline_at for i in composition.repository().team_queue("aftersales", limit=500)]
    assert dues == sorted(dues)  # type: ignore[type-var]


def test_invalid_action_is_409_with_reason(runner: Any) -> None:
    inquiry_id = _post_chat(runner, "hello", datetime.now(UTC))
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        b'{"action": "close"}',
        agent_claims("agent-7"),
        "v1",
    )
    result = runner.invoke("console_api", event)
    assert result["statusCode"] == 409
    assert "cannot close" in json.loads(result["body"])["reason"]


def test_unknown_inquiry_is_404_and_bad_action_422(runner: Any) -> None:
    claims = agent_claims("agent-7")
    missing = runner.invoke("console_api", api_gateway_event("GET", "/api/inquiries/QNOPE", {}, b"", claims, "v1"))
    assert missing["statusCode"] == 404
    inquiry_id = _post_chat(runner, "where is my order?", datetime.now(UTC))
    bad = runner.invoke(
        "console_api",
        api_gateway_event(
            "POST",
            f"/api/inquiries/{inquiry_id}/actions",
            {"Content-Type": "application/json"},
            b'{"action": "explode"}',
            claims,
            "v1",
        ),
    )
    assert bad["statusCode"] == 422 and "action" in json.loads(bad["body"])["reason"]
