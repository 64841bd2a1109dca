"""The mail store contract: the same assertions on the in-memory fake (tests/fakes) and on the S3
adapter in moto (raw MIME as SES stores it, attachments kept beside it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from inquiry_desk.adapters.mail_store import MailStore

from tests.fakes import FakeMailStore

PREFIX = "inbound/"


@pytest.fixture(params=["fake", "s3"])
def store(request: pytest.FixtureRequest) -> Iterator[tuple[Any, Any]]:
    """(the store, a way to put raw mail where SES would)"""
    bucket = f"mail-contract-{uuid.uuid4().hex[:8]}"
    if request.param == "fake":
        fake = FakeMailStore(bucket, PREFIX)
        yield fake, fake.put_raw
        return
    request.getfixturevalue("stack")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    real = MailStore(s3, bucket, PREFIX)

    def put_raw(mail_id: str, mime: bytes) -> None:
        s3.put_object(Bucket=bucket, Key=f"{PREFIX}{mail_id}", Body=mime)

    yield real, put_raw


def test_raw_mail_is_read_back_byte_for_byte(store: tuple[Any, Any]) -> None:
    mail, put_raw = store
    mime = "From: li@example.com\r\nSubject: =?utf-8?b?6YCA6LSn?=\r\n\r\n我要退货\r\n".encode()
    put_raw("m-1", mime)
    assert mail.raw_key("m-1") == f"{PREFIX}m-1"
    assert mail.raw("m-1") == mime


def test_missing_raw_mail_is_s3s_no_such_key(store: tuple[Any, Any]) -> None:
    mail, _ = store
    with pytest.raises(ClientError) as caught:
        mail.raw("never-stored")
    assert caught.value.response["Error"]["Code"] == "NoSuchKey"


def test_attachments_are_kept_under_a_safe_name_and_addressed_by_s3_url(store: tuple[Any, Any]) -> None:
    mail, _ = store
    url = mail.keep_attachment("m-1", 0, "发票 invoice (1).pdf", b"%PDF-1.4")
    bucket = url.removeprefix("s3://").split("/", 1)[0]
    assert url == f"s3://{bucket}/attachments/m-1/0-_invoice_1_.pdf"
    assert mail.keep_attachment("m-1", 1, "", b"x").endswith("/attachments/m-1/1-attachment")
