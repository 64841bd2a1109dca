"""boto3 clients, made once per process and shared (connection reuse across invocations).

`AWS_ENDPOINT_URL` (honoured by boto3 itself) points them at the local emulator when running
locally; nothing here knows whether it is on AWS or not.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)  # type: ignore[call-overload]
