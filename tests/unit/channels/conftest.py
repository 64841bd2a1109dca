"""Shared fixtures for the channel codec tests. Sample payloads are in tests/fixtures/channels."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest


@pytest.fixture
def now() -> datetime:
    return datetime(2024, 5, 1, 2, 0, 0, tzinfo=UTC)
