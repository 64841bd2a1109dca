"""Stored reports (reports.stored.StoredReports) as JSON objects in the reports bucket."""

from __future__ import annotations

import json
from typing import Any


class S3StoredReports:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            got = self._s3.get_object(Bucket=self._bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        body: dict[str, Any] = json.loads(got["Body"].read())
        return body

    def put(self, key: str, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType="application/json")
