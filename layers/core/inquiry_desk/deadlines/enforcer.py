"""Carries out the enforcement decisions: schedules, warnings, breaches, ladders, reconciliation.

Pure decisions live in `enforcement`; this service reads the inquiry, asks, and acts through the
ports (Timers, Notifier, Ladders, the repository). Every action leaves an event on the timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from inquiry_desk.answers.templates import render
from inquiry_desk.deadlines import decisions as enforcement
from inquiry_desk.deadlines.decisions import Phase, Timer, Verdict
from inquiry_desk.deadlines.engine import InquiryFacts, compute_deadlines
from inquiry_desk.deadlines.policy import SlaPolicy
from inquiry_desk.errors import NotFound
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import EventType, Inquiry, InquiryEvent
from inquiry_desk.ports import InquiryRepository, Ladders, Notifier, Timers

SYSTEM = "sla"


class DeadlineEnforcer:
    def __init__(
        self,
        repository: InquiryRepository,
        policy: SlaPolicy,
        timers: Timers,
        notifier: Notifier,
        ladders: Ladders,
        inquiries: InquiryService,
        now: Callable[[], datetime],
        more_timers: Callable[[Inquiry, list[InquiryEvent], datetime], list[Timer]] | None = None,
    ) -> None:
        self._repo = repository
        self._policy = policy
        self._timers = timers
        self._notifier = notifier
        self._ladders = ladders
        self._inquiries = inquiries
        self._now = now
        self._more_timers = more_timers  # e.g. the closing loop's survey, reminder and timeout

    def plan(self, inquiry_id: str) -> dict[str, int]:
        """(Re)make the inquiry's schedules after any change to it."""
        timeline = self._repo.timeline(inquiry_id)
        if timeline is None:
            return self._timers.sync(inquiry_id, [])
        now = self._now()
        wanted = enforcement.timers_for(self._policy, timeline.inquiry, timeline.events, now)
        if self._more_timers is not None:
            wanted += self._more_timers(timeline.inquiry, timeline.events, now)
        return self._timers.sync(inquiry_id, wanted)

    def fire(self, inquiry_id: str, kind: str, episode: int, phase: str) -> dict[str, Any]:
        """A timer fired: re-read, re-decide, act at most once."""
        timeline = self._repo.timeline(inquiry_id)
        if timeline is None:
            return {"verdict": Verdict.NOTHING.value, "reason": "no such inquiry"}
        now = self._now()
        decision = enforcement.decide(self._policy, timeline.inquiry, timeline.events, kind, episode, Phase(phase), now)
        inquiry, deadline = timeline.inquiry, decision.deadline
        mark = {"kind": kind, "episode": episode, "due": deadline.due.isoformat() if deadline else None}
        if decision.verdict is Verdict.WARN_OWNER:
            self._notify(inquiry, "deadline_warning", f"{kind} due soon", decision.reason, audience="owner")
            self._inquiries.record(inquiry_id, now, SYSTEM, EventType.DEADLINE_WARNED, mark)
        elif decision.verdict is Verdict.NOTIFY_CUSTOMER_PROGRESS:
            self._tell_customer_progress(inquiry, mark, now)
        elif decision.verdict is Verdict.BREACH:
            self._inquiries.record(
                inquiry_id, now, SYSTEM, EventType.DEADLINE_BREACHED, {**mark, "ladder": decision.ladder}
            )
            if decision.ladder:
                self._ladders.start(
                    enforcement.timer_name(inquiry_id, kind, episode, Phase.DUE),
                    {"inquiry_id": inquiry_id, "kind": kind, "episode": episode, "ladder": decision.ladder, "step": 0},
                )
        return {"verdict": decision.verdict.value, "reason": decision.reason}

    def escalate(self, state: dict[str, Any]) -> dict[str, Any]:
        """One step of the ladder (called by the state machine); returns the next state."""
        inquiry_id, kind = str(state["inquiry_id"]), str(state["kind"])
        episode, ladder, step = int(state["episode"]), str(state["ladder"]), int(state["step"])
        timeline = self._repo.timeline(inquiry_id)
        if timeline is None:
            raise NotFound(f"no inquiry {inquiry_id}")
        result = enforcement.escalation_step(
            self._policy, timeline.inquiry, timeline.events, kind, episode, ladder, step
        )
        if result.action:
            self._act(timeline.inquiry, result.action, kind, episode, step)
        return {
            **state,
            "step": result.next_step,
            "wait_seconds": result.wait_seconds,
            "done": result.done,
            "reason": result.reason,
        }

    def reconcile(self, teams: Iterable[str]) -> dict[str, int]:
        """Fire every overdue deadline again (a lost schedule must not mean a silent breach)."""
        now, fired = self._now(), 0
        for team in teams:
            for inquiry in self._repo.overdue(team, now):
                timeline = self._repo.timeline(inquiry.inquiry_id)
                if timeline is None:
                    continue
                for timer in enforcement.timers_for(self._policy, timeline.inquiry, timeline.events, now):
                    spec = timer.payload["timer"]
                    if timer.at <= enforcement.ceil_minute(now) and spec["phase"] == Phase.DUE.value:
                        self.fire(inquiry.inquiry_id, spec["kind"], spec["episode"], spec["phase"])
                        fired += 1
        return {"fired": fired}

    def _act(self, inquiry: Inquiry, action: str, kind: str, episode: int, step: int) -> None:
        now = self._now()
        data = {"action": action, "kind": kind, "episode": episode, "step": step}
        if action == "reassign_to_supervisor":
            owner = f"supervisors:{inquiry.team or 'unassigned'}"
            self._notify(inquiry, "escalation", f"{kind} overdue: reassigned", action, audience="supervisor")
            self._inquiries.record(
                inquiry.inquiry_id, now, SYSTEM, EventType.ESCALATED, {**data, "owner": owner}, changes={"owner": owner}
            )
            return
        if action == "notify_customer_progress":
            self._tell_customer_progress(inquiry, {**data, "kind": "progress_notice"}, now)
            self._inquiries.record(inquiry.inquiry_id, now, SYSTEM, EventType.ESCALATED, data)
            return
        audience = "manager" if action == "notify_manager" else "owner"
        self._notify(inquiry, "escalation", f"{kind} overdue", action, audience=audience)
        self._inquiries.record(inquiry.inquiry_id, now, SYSTEM, EventType.ESCALATED, data)

    def _tell_customer_progress(self, inquiry: Inquiry, mark: dict[str, Any], now: datetime) -> None:
        """R2.6: before the promised resolution passes, the customer hears how it is going, on their
        own channel (through the outbox), in their language."""
        resolve = next(
            (
                d
                for d in compute_deadlines(self._policy, InquiryFacts.from_inquiry(inquiry, []))
                if d.kind == "resolve" and d.episode == inquiry.episode
            ),
            None,
        )
        zone = ZoneInfo(self._policy.calendars[self._policy.defaults.calendar].timezone)
        due = (resolve.due if resolve else now).astimezone(zone).strftime("%Y-%m-%d %H:%M")
        text = render("progress", inquiry.language, due=due)
        self._inquiries.notify_customer(inquiry.inquiry_id, text, now, SYSTEM, EventType.PROGRESS_NOTIFIED, mark)

    def _notify(self, inquiry: Inquiry, kind: str, subject: str, reason: str, audience: str) -> None:
        self._notifier.notify(
            kind,
            f"[{inquiry.inquiry_id}] {subject}",
            {
                "audience": audience,
                "inquiry_id": inquiry.inquiry_id,
                "owner": inquiry.owner,
                "team": inquiry.team,
                "channel": inquiry.channel.value,
                "contact": inquiry.contact,
                "customer_id": inquiry.customer_id,
                "urgency": inquiry.urgency.value,
                "reason": reason,
            },
        )
