"""Service tests on the in-memory ports (tests/fakes): no AWS, no moto, milliseconds each."""

from __future__ import annotations

import pytest

from tests.fakes import Desk


@pytest.fixture
def desk() -> Desk:
    return Desk()
