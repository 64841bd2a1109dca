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


def test_the_table_has_no_ttl_and_pitr_is_on(stack: Any) -> None:  # PITR: asserted in the restore test below
    db = boto3.client("dynamodb", region_name="us-east-1")
    table = stack.outputs[names.OUT_TABLE]
    assert db.describe_time_to_live(TableName=table)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"


def _archived(runner: Any) -> tuple[str, Any]:
    """A closed inquiry moved to the archive by the archiver; its timeline as it was in the table."""
    from inquiry_desk.inquiries.lifecycle import Action
    from inquiry_desk.model import set_clock
    from inquiry_desk.retention.policy import load_retention
    from inquiry_desk.runtime import composition

    inquiry_id = _record(runner)
    service, now = composition.inquiry_service(), datetime.now(UTC)
    service.act(inquiry_id, Action.RESOLVE, "retention-agent", now, result="refund sent")
    service.act(inquiry_id, Action.CLOSE, "retention-agent", now, satisfaction=4)
    drain_streams()
    before = composition.repository().timeline(inquiry_id)
    try:
        set_clock(lambda: now + timedelta(days=load_retention().archive_closed_after_days + 1))
        assert inquiry_id in runner.invoke("archiver", {})["archived"]
    finally:
        set_clock(None)
    assert composition.repository().get(inquiry_id) is None
    return inquiry_id, before


def _desk(argv: list[str], stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """`desk ARGV` against this session's emulator, as an operator runs it against the local system."""
    from desk_ops import cli

    local = {"outputs": stack.outputs}
    monkeypatch.setattr(cli, "_local", lambda service: (local, boto3.client(service, region_name="us-east-1")))
    capsys.readouterr()
    args = cli.build_parser().parse_args(argv)
    assert args.func(args) == 0
    out = capsys.readouterr().out  # without the metrics lines the session's functions print meanwhile
    return "".join(line for line in out.splitlines(keepends=True) if not line.startswith('{"_aws"'))


def test_R8_1_an_archived_inquiry_is_restored_and_reads_back_whole_through_the_cli(
    runner: Any, stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from desk_ops.cli import CliError
    from inquiry_desk.adapters.archive import timeline_document
    from inquiry_desk.runtime import composition

    inquiry_id, before = _archived(runner)
    shown = json.loads(_desk(["inquiries", "show", inquiry_id, "--json"], stack, monkeypatch, capsys))
    assert shown["archived"] is True  # read from the archive while it is there
    day = before.inquiry.received_at.astimezone(composition.report_policy().zone).date().isoformat()
    counted = composition.counter_store().day(day)

    assert "restored" in _desk(["inquiries", "restore", inquiry_id], stack, monkeypatch, capsys)
    drain_streams()  # the restored items pass the stream consumers again
    back = composition.repository().timeline(inquiry_id)
    assert back is not None and timeline_document(back) == timeline_document(before)  # whole, in the table
    shown = json.loads(_desk(["inquiries", "show", inquiry_id, "--json"], stack, monkeypatch, capsys))
    assert shown["archived"] is False and shown == {"archived": False, **timeline_document(before)}
    assert composition.counter_store().day(day) == counted  # no event counted twice
    assert inquiry_id in {i.inquiry_id for i in composition.repository().customer_inquiries(before.inquiry.customer_id)}
    with pytest.raises(CliError, match="in the table already"):
        _desk(["inquiries", "restore", inquiry_id], stack, monkeypatch, capsys)


def test_R8_1_point_in_time_restore_of_the_table_reads_an_inquiry_back(runner: Any, stack: Any) -> None:
    """The operator's PITR steps on the emulator. moto implements RestoreTableToPointInTime as a copy
    of the table as it is at the call: it ignores RestoreDateTime (and UseLatestRestorableTime), so
    what is proven here is the call, the restored table's shape and an inquiry read back from it
    through the repository, not that writes after the chosen time are left out (AWS's part). moto's
    CloudFormation also leaves the template's PITR setting out: the local deploy applies it (the
    template's own setting is asserted in tests/infra)."""
    from inquiry_desk.adapters.archive import timeline_document
    from inquiry_desk.adapters.dynamo import DynamoInquiryRepository
    from inquiry_desk.runtime import composition

    inquiry_id = _record(runner)
    drain_streams()
    before = composition.repository().timeline(inquiry_id)
    assert before is not None
    db = boto3.client("dynamodb", region_name="us-east-1")
    table = stack.outputs[names.OUT_TABLE]
    described = db.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert described["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    target = f"{table}-restored-{uuid.uuid4().hex[:6]}"
    db.restore_table_to_point_in_time(
        SourceTableName=table, TargetTableName=target, RestoreDateTime=datetime.now(UTC) - timedelta(seconds=1)
    )
    try:
        restored = DynamoInquiryRepository(db, target).timeline(inquiry_id)
        assert restored is not None and timeline_document(restored) == timeline_document(before)
    finally:
        db.delete_table(TableName=target)
