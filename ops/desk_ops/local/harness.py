"""The few adjustments moto needs to stand in for AWS here (used by the local system and tests)."""

from __future__ import annotations

import threading
from typing import Any


def serialise_moto_transactions() -> None:
    """moto's transact_write_items deep-copies the tables for its rollback; two at once race
    ("dictionary changed size during iteration"). DynamoDB has no such limit, so the harness
    serialises them rather than letting the product see phantom 500s."""
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "_desk_serialised", False):
        return
    lock = threading.Lock()

    def transact_write_items(backend: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(backend, *args, **kwargs)

    transact_write_items._desk_serialised = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]


def scale_step_function_waits(speed: float) -> None:
    """Step Functions Wait states follow the local clock (a 30-minute step takes 30 s at x60)."""
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def scaled(fn: Any, env: Any, wait_seconds: int) -> None:
        if wait_seconds > 0:
            env.program_state_event.wait(wait_seconds / speed)

    WaitFunction._wait_interval = scaled  # type: ignore[method-assign,assignment]
