"""In-memory mail store (`adapters.mail_store.MailStore` on S3): raw MIME by mail id under a
prefix, attachments kept under `attachments/<mail id>/<index>-<safe name>`, addressed s3://."""

from __future__ import annotations

import re

from botocore.exceptions import ClientError

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FakeMailStore:
    def __init__(self, bucket: str = "mail", prefix: str = "inbound/") -> None:
        self._bucket = bucket
        self._prefix = prefix
        self.objects: dict[str, bytes] = {}

    def put_raw(self, mail_id: str, mime: bytes) -> None:
        """What SES's receipt rule does before the intake_email function runs."""
        self.objects[self.raw_key(mail_id)] = mime

    def raw_key(self, mail_id: str) -> str:
        return f"{self._prefix}{mail_id}"

    def raw(self, mail_id: str) -> bytes:
        key = self.raw_key(mail_id)
        if key not in self.objects:  # what S3 answers (s3.exceptions.NoSuchKey is this ClientError)
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": f"no {key}"}}, "GetObject")
        return self.objects[key]

    def keep_attachment(self, mail_id: str, index: int, filename: str, content: bytes) -> str:
        key = f"attachments/{mail_id}/{index}-{_SAFE.sub('_', filename)[:120] or 'attachment'}"
        self.objects[key] = content
        return f"s3://{self._bucket}/{key}"
