"""The inquiry's one deadline timer on AWS (port `Timers`): SQS message timers for the last 15
minutes, EventBridge Scheduler for anything further away.

Why two: Scheduler's `at()` fires within its minute (up to ~60 s late), too coarse for a 30 s chat
acknowledgement (R2.1); an SQS message timer is second-precise but at most 900 s long. So an
instant within 900 s is one SendMessage with DelaySeconds; a later one is one schedule (per
inquiry, moved in place) that fires HANDOVER ahead of the instant, and sla_timer then re-arms the
same instant on SQS for the last stretch. Every timer therefore fires to the second.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from inquiry_desk.adapters.scheduler import SchedulerTimers
from inquiry_desk.adapters.sqs import MAX_DELAY_SECONDS, QueueTimers
from inquiry_desk.deadlines.contracts import TimerSpec

# Scheduler fires within the minute after its time: hand over 2 minutes ahead, so the SQS leg
# (60-120 s) always starts before the instant, well inside SQS's 900 s.
HANDOVER = timedelta(minutes=2)


class DeadlineTimers:
    def __init__(self, queue: QueueTimers, scheduler: SchedulerTimers) -> None:
        self._queue = queue
        self._scheduler = scheduler

    @staticmethod
    def _on_scheduler(timer: TimerSpec | None, now: datetime) -> bool:
        """Was this instant armed on Scheduler? Certainly when it is beyond SQS's reach from now."""
        return timer is not None and (timer.at - now).total_seconds() > MAX_DELAY_SECONDS

    def arm(self, inquiry_id: str, timer: TimerSpec | None, now: datetime, replacing: TimerSpec | None) -> int:
        """At most 2 requests. An SQS message cannot be recalled: a superseded one fires and is a
        no-op (the handler re-decides); a superseded schedule is moved, or deleted when the next
        instant goes to SQS or there is none."""
        scheduled = self._on_scheduler(replacing, now)
        if timer is None:
            return self._scheduler.delete(inquiry_id) if scheduled else 0
        delay = max(0, math.ceil((timer.at - now).total_seconds()))
        if delay <= MAX_DELAY_SECONDS:
            sent = self._queue.send(timer, delay)
            return sent + (self._scheduler.delete(inquiry_id) if scheduled else 0)
        return self._scheduler.put(inquiry_id, timer, timer.at - HANDOVER, exists=scheduled)
