"""The names tests and the bench have always used for the emulator's adjustments; every patch
itself lives in emulator_patches (the one module that adapts moto)."""

from __future__ import annotations

from .emulator_patches import (
    apply_all,
    deliver_streams_asynchronously,
    drain_streams,
    scale_step_function_waits,
    stream_consumers_off,
)


def serialise_moto_transactions() -> None:
    """Transactions without table copies, one writer at a time, indexed queries, stable names."""
    apply_all()


__all__ = [
    "deliver_streams_asynchronously",
    "drain_streams",
    "scale_step_function_waits",
    "serialise_moto_transactions",
    "stream_consumers_off",
]
