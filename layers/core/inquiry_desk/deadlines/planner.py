"""The next deadline of an inquiry, from the SLA policy and its timeline (pure).

Intake and every agent action store it on the inquiry, so a team's queue (GSI1) is ordered by what
is due first. Enforcement (schedules, warnings, escalation) builds on the same engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from inquiry_desk.deadlines.engine import InquiryFacts, next_deadline
from inquiry_desk.deadlines.policy import SlaPolicy
from inquiry_desk.model import Inquiry, InquiryEvent


class DeadlinePlanner:
    def __init__(self, policy: SlaPolicy) -> None:
        self._policy = policy

    def next_due(self, inquiry: Inquiry, events: Iterable[InquiryEvent]) -> datetime | None:
        if not inquiry.is_open:
            return None
        deadline = next_deadline(self._policy, InquiryFacts.from_inquiry(inquiry, events))
        return deadline.due if deadline else None
