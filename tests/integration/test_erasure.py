"""Erasure on a customer's request (R8.2): through the admin API, personal data leaves the table
and the mail bucket; each inquiry keeps a tombstone; counts stay right; only admins may."""

from __future__ import annotations

import json
import uuid
from email.message import EmailMessage
from typing import Any

import boto3
from desk_ops.local.front import api_gateway_event
from desk_ops.local.smtp import ses_event

from infra import names
from tests.integration.conftest import agent_claims

NAME, ADDRESS, ORDER = "Zhao Xiaoming", "zhao.xm@example.com", "SO-77123"
SHOP_ORDER, STREET = "SO-88123", "北京市朝阳区建国路88号"


def _mail(tag: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"{NAME} <{ADDRESS}>"
    mail["To"] = "support@shop.example"
    mail["Subject"] = f"订单 {ORDER} 没收到"
    mail["Message-ID"] = f"<erase-{tag}@example.com>"
    mail.set_content(f"我是{NAME}，订单 {ORDER} 还没收到，电话 13800138123。")
    mail.add_attachment(b"%PDF-1.4 receipt", maintype="application", subtype="pdf", filename="receipt.pdf")
    return mail.as_bytes()


def _erase(runner: Any, customer_id: str, claims: dict[str, str]) -> dict[str, Any]:
    body = json.dumps({"reason": "customer request #4711"}).encode()
    event = api_gateway_event(
        "POST", f"/api/customers/{customer_id}/erase", {"Content-Type": "application/json"}, body, claims, "v1"
    )
    result: dict[str, Any] = runner.invoke("console_api", event)
    return result


def test_R8_2_a_customer_is_erased_from_table_and_mail_bucket_with_a_tombstone(runner: Any, stack: Any) -> None:
    from inquiry_desk.runtime import composition

    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = stack.outputs[names.OUT_MAIL_BUCKET]
    mail_id = f"ses-{uuid.uuid4().hex}"
    raw = _mail(mail_id)
    s3.put_object(Bucket=bucket, Key=f"{names.MAIL_PREFIX}{mail_id}", Body=raw)
    fn = stack.functions["intake_email"]
    got = runner.invoke("intake_email", ses_event(mail_id, raw, ADDRESS, ["support@shop.example"], fn["FunctionArn"]))
    inquiry_id = got["results"][0]["inquiry_id"]
    repo = composition.repository()
    inquiry = repo.get(inquiry_id)
    assert inquiry is not None and inquiry.customer_name == NAME
    customer_id = inquiry.customer_id
    assert s3.list_objects_v2(Bucket=bucket, Prefix=f"attachments/{mail_id}/")["KeyCount"] == 1

    # the shop's order for the same person (found by the e-mail the desk vouched for)
    fed = {
        "status": "shipped",
        "email": ADDRESS,
        "phone": "13800138123",
        "customer_name": NAME,
        "address": STREET,
        "payment_status": "paid",
        "items": [],
    }
    put = runner.invoke(
        "console_api",
        api_gateway_event(
            "PUT",
            f"/api/orders/{SHOP_ORDER}",
            {"Content-Type": "application/json"},
            json.dumps(fed).encode(),
            agent_claims("erase-admin", "admins", ()),
            "v1",
        ),
    )
    assert put["statusCode"] == 201, put["body"]

    refused = _erase(runner, customer_id, agent_claims("erase-supervisor", "supervisors"))
    assert refused["statusCode"] == 403, refused["body"]

    done = _erase(runner, customer_id, agent_claims("erase-admin", "admins", ()))
    assert done["statusCode"] == 200, done["body"]
    answer = json.loads(done["body"])
    assert answer["inquiries"] == [inquiry_id] and answer["mail_objects"] == 2 and answer["orders"] == 1

    db = boto3.client("dynamodb", region_name="us-east-1")
    items: list[dict[str, Any]] = []
    for page in db.get_paginator("scan").paginate(TableName=stack.outputs[names.OUT_TABLE]):
        items.extend(page["Items"])
    dump = json.dumps(items, ensure_ascii=False)
    for personal in (NAME, ADDRESS, ORDER, "13800138123", STREET):
        assert personal not in dump, f"{personal} is still in the table"
    assert s3.list_objects_v2(Bucket=bucket, Prefix=f"attachments/{mail_id}/")["KeyCount"] == 0
    assert s3.list_objects_v2(Bucket=bucket, Prefix=f"{names.MAIL_PREFIX}{mail_id}")["KeyCount"] == 0

    timeline = repo.timeline(inquiry_id)
    assert timeline is not None
    tombstone = timeline.events[-1]
    assert tombstone.type.value == "customer_erased" and tombstone.actor == "erase-admin"
    assert tombstone.data["reason"] == "customer request #4711"
    # what reports count stays: the inquiry, its channel, status and times
    assert timeline.inquiry.channel.value == "email" and timeline.inquiry.received_at == inquiry.received_at
    assert len(timeline.messages) == 1 and timeline.messages[0].body == "[erased]"
    assert timeline.messages[0].sender is None and timeline.messages[0].attachments == []
    profile = repo.get_customer(customer_id)
    assert profile is not None and profile.name is None and profile.identities == []
    kept = composition.order_store().order(SHOP_ORDER)  # the shop's order stays, without the person
    assert kept is not None and kept.status.value == "shipped" and kept.email is None and kept.address is None
