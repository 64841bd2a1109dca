"""The overdue and unconfirmed lists of the supervisors' teams (R3.1), pure.

- overdue: open inquiries past their next deadline;
- unacknowledged: new inquiries nobody confirmed within the policy's `unconfirmed_after_minutes`
  (the same rule as the daily e-mail, reports/monitor.py);
- awaiting_confirmation: resolved inquiries the customer has not confirmed (not closed yet).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from inquiry_desk.model import Inquiry, Status


@dataclass
class LateLists:
    overdue: list[Inquiry] = field(default_factory=list)
    unacknowledged: list[Inquiry] = field(default_factory=list)
    awaiting_confirmation: list[Inquiry] = field(default_factory=list)


def late_lists(
    teams: Iterable[str],
    overdue: Callable[[str], list[Inquiry]],
    queue: Callable[[str], list[Inquiry]],
    recent: list[Inquiry],
    unconfirmed_after: timedelta,
    now: datetime,
) -> LateLists:
    """The three lists for `teams`, each ordered as a supervisor works it (oldest or most late first)."""
    wanted = set(teams)
    out = LateLists()
    cutoff = now - unconfirmed_after
    for team in sorted(wanted):
        out.overdue.extend(overdue(team))
        out.unacknowledged.extend(i for i in queue(team) if i.status is Status.NEW and i.received_at <= cutoff)
    out.awaiting_confirmation = [i for i in recent if i.status is Status.RESOLVED and i.team in wanted]
    out.overdue.sort(key=lambda i: i.next_deadline_at or now)
    out.unacknowledged.sort(key=lambda i: i.received_at)
    out.awaiting_confirmation.sort(key=lambda i: i.updated_at or i.received_at)
    return out
