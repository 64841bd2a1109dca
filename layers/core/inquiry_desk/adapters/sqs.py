"""SQS message timers: the second-precision deadline timers (DelaySeconds up to 900 s), delivered
to sla_timer by the queue's Lambda event source mapping."""

from __future__ import annotations

from typing import Any

from inquiry_desk.deadlines.contracts import TimerFired, TimerSpec

MAX_DELAY_SECONDS = 900  # SQS's limit for a message timer


class QueueTimers:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, timer: TimerSpec, delay_seconds: int) -> int:
        """One message, invisible for `delay_seconds` (0..900), then delivered to sla_timer."""
        if not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
            raise ValueError(f"an SQS message timer is 0..{MAX_DELAY_SECONDS} s, not {delay_seconds}")
        self._client.send_message(
            QueueUrl=self._url, MessageBody=TimerFired(timer=timer).model_dump_json(), DelaySeconds=delay_seconds
        )
        return 1
