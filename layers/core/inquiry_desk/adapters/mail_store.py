"""Where inbound mail lives: the raw MIME SES stored, and the attachments we keep beside it."""

from __future__ import annotations

import re
from typing import Any

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class MailStore:
    def __init__(self, s3: Any, bucket: str, prefix: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._prefix = prefix

    def raw_key(self, mail_id: str) -> str:
        return f"{self._prefix}{mail_id}"

    def raw(self, mail_id: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self._bucket, Key=self.raw_key(mail_id))["Body"].read()
        return body

    def keep_attachment(self, mail_id: str, index: int, filename: str, content: bytes) -> str:
        key = f"attachments/{mail_id}/{index}-{_SAFE.sub('_', filename)[:120] or 'attachment'}"
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=content)
        return f"s3://{self._bucket}/{key}"
