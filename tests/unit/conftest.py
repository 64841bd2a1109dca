"""Unit tier: pure domain, no network. pytest-socket makes any socket use fail the test."""

import pytest
from pytest_socket import disable_socket


@pytest.fixture(autouse=True)
def _no_network() -> None:
    disable_socket(allow_unix_socket=True)
