"""Shared fixtures. Tiers: tests/unit (pure, no network), tests/integration (moto in-process),
tests/infra (CDK synth, cdk-nag, cfn-lint), tests/e2e (the local system over HTTP)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHANNELS_FILE = ROOT / "tests" / "channels.test.json"  # fixed credentials: the tests sign with them


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = Path(str(item.fspath)).relative_to(ROOT / "tests").parts[0]
        if tier in ("unit", "integration", "infra", "e2e"):
            item.add_marker(getattr(pytest.mark, tier))


def chat_secret() -> bytes:
    return json.loads(CHANNELS_FILE.read_text())["chat"]["secret"].encode()


def signed_chat(payload: dict[str, Any], secret: bytes | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, ensure_ascii=False).encode()
    digest = hmac.new(secret or chat_secret(), body, hashlib.sha256).hexdigest()
    return body, {"X-Desk-Signature": f"sha256={digest}", "Content-Type": "application/json"}


@pytest.fixture(scope="session")
def aws_env() -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
        POWERTOOLS_LOG_LEVEL="WARNING",
        POWERTOOLS_METRICS_NAMESPACE="InquiryDesk",
        POWERTOOLS_SERVICE_NAME="tests",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    yield
    os.environ.clear()
    os.environ.update(saved)
