"""Retention (R8.1, R8.4): nothing leaves before six months; closed inquiries past the policy's
age move whole (messages with voice summaries, timeline) to the archive bucket and read back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams

from infra import names
from tests.integration.conftest import agent_claims


def _record(runner: Any) -> str:
    body = {
        "channel": "phone",
        "contact": "138-0013-8999",
        "customer_name": "Qian Li",
        "description": "refund status",
        "voice_summary": "asked when the refund arrives",
        "reference": f"ret-{uuid.uuid4().hex[:8]}",
    }
    event = api_gateway_event(
        "POST", "/api/inquiries", {"Content-Type": "application/json"}, json.dumps(body).encode(),
        agent_claims("retention-agent"), "v1",
    )  # fmt: skip
    result = runner.invoke("console_api", event)
    assert result["statusCode"] in (200, 201), result["body"]
    return str(json.loads(result["body"])["inquiry_id"])


def test_R8_1_policy_never_archives_before_six_months() -> None:
    from inquiry_desk.retention.policy import RetentionPolicy, load_retention

    policy = load_retention()
    assert policy.minimum_days >= 183 and policy.archive_closed_after_days >= policy.minimum_days
    with pytest.raises(ValueError, match="minimum_days"):
        RetentionPolicy.model_validate({**policy.model_dump(), "archive_closed_after_days": 30})
    with pytest.raises(ValueError):
        RetentionPolicy.model_validate({**policy.model_dump(), "minimum_days": 90})


def test_R8_4_closed_inquiries_past_the_age_move_whole_to_the_archive(runner: Any, stack: Any) -> None:
    from inquiry_desk.adapters.archive import S3Archive, timeline_document
    from inquiry_desk.inquiries.lifecycle import Action
    from inquiry_desk.model import set_clock
    from inquiry_desk.retention.policy import load_retention
    from inquiry_desk.runtime import composition

    inquiry_id = _record(runner)
    service, now = composition.inquiry_service(), datetime.now(UTC)
    service.act(inquiry_id, Action.RESOLVE, "retention-agent", now, result="refund sent")
    service.act(inquiry_id, Action.CLOSE, "retention-agent", now, satisfaction=5)
    drain_streams()  # deadline bookkeeping off the stream is part of the timeline too
    before = composition.repository().timeline(inquiry_id)
    assert before is not None

    policy = load_retention()
    try:
        set_clock(lambda: now + timedelta(days=policy.minimum_days - 1))
        assert inquiry_id not in runner.invoke("archiver", {})["archived"]  # not before six months
        assert composition.repository().get(inquiry_id) is not None
        set_clock(lambda: now + timedelta(days=policy.archive_closed_after_days + 1))
        assert inquiry_id in runner.invoke("archiver", {})["archived"]
    finally:
        set_clock(None)

    assert composition.repository().get(inquiry_id) is None  # out of the table
    bucket = stack.outputs[names.OUT_ARCHIVE_BUCKET]
    archive = S3Archive(boto3.client("s3", region_name="us-east-1"), bucket)
    after = archive.get(inquiry_id)
    assert after is not None
    assert timeline_document(after) == timeline_document(before)  # whole: record, timeline, messages
    assert any("refund arrives" in json.dumps(m.model_dump(mode="json"), ensure_ascii=False) for m in after.messages)


def test_the_table_has_no_ttl_and_pitr_is_on(stack: Any) -> None:
    db = boto3.client("dynamodb", region_name="us-east-1")
    table = stack.outputs[names.OUT_TABLE]
    assert db.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
