"""R1.2: every chat message recorded once; forged or malformed requests store nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams

from tests.conftest import signed_chat
from tests.integration.conftest import table_writes


def _post(runner: Any, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    event = api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1")
    result = runner.invoke("intake", event)
    return result["statusCode"], json.loads(result["body"])


def _chat(**overrides: Any) -> dict[str, Any]:
    return {
        "message_id": f"m-{uuid.uuid4()}",
        "customer_id": f"c-{uuid.uuid4()}",
        "text": "我要退货 return please",
        **overrides,
    }


def test_R1_2_new_message_opens_inquiry_with_record_fields(runner: Any, stack: Any, dynamodb: Any) -> None:
    body, headers = signed_chat(_chat(name="王芳", order_number="SO-77", member_id="VIP-9", contact="+8613800138000"))
    status, answer = _post(runner, body, headers)
    assert status == 202
    from inquiry_desk.runtime import composition

    timeline = composition.repository().timeline(answer["inquiry_id"])
    assert timeline is not None
    inquiry = timeline.inquiry
    # R8.3 record fields
    assert (inquiry.customer_name, inquiry.order_number, inquiry.member_id) == ("王芳", "SO-77", "VIP-9")
    assert inquiry.channel.value == "chat" and inquiry.status.value == "new"
    assert inquiry.category == "after_sales_return"
    assert [e.type.value for e in timeline.events] == ["received", "classified", "assigned"]
    assert [m.body for m in timeline.messages] == ["我要退货 return please"]


def test_R1_4_R4_1_classification_and_assignment_are_on_the_timeline(runner: Any, stack: Any, dynamodb: Any) -> None:
    body, headers = signed_chat(_chat(text="充電寶充電時發燙冒煙了，嚇死我了"))
    status, answer = _post(runner, body, headers)
    assert status == 202
    from inquiry_desk.runtime import composition

    timeline = composition.repository().timeline(answer["inquiry_id"])
    assert timeline is not None
    inquiry = timeline.inquiry
    assert (inquiry.category, inquiry.urgency.value, inquiry.team) == ("fault_report", "urgent", "tech_support")
    classified = next(e for e in timeline.events if e.type.value == "classified")
    assert float(classified.data["confidence"]) > 0.25 and "signal:safety" in classified.data["urgent_because"]
    assigned = next(e for e in timeline.events if e.type.value == "assigned")
    assert assigned.data["team"] == "tech_support"
    # routed to a tech_support agent on shift, or left in the team queue with the reason (R4.3)
    assert assigned.data["owner"] in {None, "liu.yang", "chen.jie"} and assigned.data["reason"]
    assert inquiry.owner == assigned.data["owner"]


def test_R1_2_redelivery_returns_same_inquiry_and_writes_nothing(runner: Any, stack: Any, dynamodb: Any) -> None:
    body, headers = signed_chat(_chat())
    with table_writes(stack.table) as first_writes:
        status, first = _post(runner, body, headers)
    assert status == 202
    assert first_writes  # the first delivery writes (and the counter sees it)
    drain_streams()  # the first delivery's report counters are written by the stream consumer
    with table_writes(stack.table) as writes:
        for _ in range(3):
            again_status, again = _post(runner, body, headers)
            assert again_status == 202
            assert again["inquiry_id"] == first["inquiry_id"]
    assert writes == []


def test_R1_2_redelivery_after_idempotency_record_expired_still_deduplicated(
    runner: Any, stack: Any, dynamodb: Any
) -> None:
    """The repository's own dedupe item is the durable guarantee once the powertools record is gone."""
    body, headers = signed_chat(_chat())
    _, first = _post(runner, body, headers)
    idem = stack.outputs["IdempotencyTableName"]
    for page in dynamodb.get_paginator("scan").paginate(TableName=idem):
        for item in page["Items"]:
            dynamodb.delete_item(TableName=idem, Key={"id": item["id"]})
    drain_streams()
    with table_writes(stack.table) as writes:
        status, again = _post(runner, body, headers)
    assert (status, again["inquiry_id"]) == (202, first["inquiry_id"])
    assert writes == []


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda b, h: (b, {**h, "X-Desk-Signature": "sha256=" + "0" * 64}), 401, "bad_signature"),
        (lambda b, h: (b, {k: v for k, v in h.items() if k != "X-Desk-Signature"}), 401, "bad_signature"),
        (lambda b, h: (b + b" ", h), 401, "bad_signature"),  # body altered after signing
        (lambda b, h: signed_chat({"customer_id": "x", "text": "no message id"}), 400, "bad_payload"),
        (lambda b, h: _sign_raw(b"{not json"), 400, "bad_payload"),
        (lambda b, h: signed_chat(_chat(text="x" * (300 * 1024))), 413, "payload_too_large"),
    ],
    ids=["forged", "unsigned", "altered", "missing-field", "malformed-json", "too-large"],
)
def test_bad_requests_get_4xx_with_reason_and_store_nothing(
    runner: Any, stack: Any, dynamodb: Any, mutate: Any, status: int, code: str
) -> None:
    body, headers = mutate(*signed_chat(_chat()))
    with table_writes(stack.table) as writes:
        got_status, answer = _post(runner, body, headers)
    assert got_status == status
    assert answer["error"] == code and answer["reason"]
    assert writes == []


def _sign_raw(body: bytes) -> tuple[bytes, dict[str, str]]:
    import hashlib
    import hmac

    from tests.conftest import chat_secret

    return body, {"X-Desk-Signature": "sha256=" + hmac.new(chat_secret(), body, hashlib.sha256).hexdigest()}


def test_R1_3_same_customer_joins_open_inquiry_within_window(runner: Any, stack: Any) -> None:
    customer = f"c-{uuid.uuid4()}"
    _, first = _post(runner, *signed_chat(_chat(customer_id=customer, text="where is my parcel 物流")))
    _, second = _post(runner, *signed_chat(_chat(customer_id=customer, text="also, the invoice please")))
    assert second["inquiry_id"] == first["inquiry_id"]
    from inquiry_desk.runtime import composition

    timeline = composition.repository().timeline(first["inquiry_id"])
    assert timeline is not None and len(timeline.messages) == 2
