"""Carries out the enforcement decisions: the one timer, warnings, breaches, ladders, reconciliation.

Pure decisions live in `decisions`; this service reads the inquiry, asks, and acts through the
ports (Timers, Notifier, Ladders, the repository). Every action leaves an event on the timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from inquiry_desk.answers.templates import render
from inquiry_desk.deadlines import decisions as enforcement
from inquiry_desk.deadlines.contracts import LadderState, TimerSpec
from inquiry_desk.deadlines.decisions import NamedTimer, Verdict
from inquiry_desk.deadlines.engine import InquiryFacts, compute_deadlines
from inquiry_desk.deadlines.policy import SlaPolicy
from inquiry_desk.errors import NotFound
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import EventType, Inquiry, InquiryEvent, Status
from inquiry_desk.ports import InquiryRepository, Ladders, NamedSchedules, Notifier, Timeline, Timers

SYSTEM = "sla"
# Besides a change of status or episode, the events after which the named timers are re-made: a
# survey sent starts its reminder, an answer ends it (R5.3); a promise met ends its progress
# updates (R2.8).
_NAMED_TIMERS_FOLLOW = frozenset({EventType.SURVEY_SENT, EventType.SURVEY_ANSWERED, EventType.PROMISE_MET})
# the events after which an inquiry may have named schedules (the closing loop's, a department's)
_NAMED_TIMERS_EVER = frozenset({EventType.RESOLVED, EventType.CLOSED, EventType.DEPARTMENT_REQUESTED})


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
        more_timers: Callable[[Inquiry, list[InquiryEvent], datetime], list[NamedTimer]] | None = None,
        schedules: NamedSchedules | None = None,
        named_lookback: timedelta | None = None,
        named_limit: int = 1000,
    ) -> None:
        self._repo = repository
        self._policy = policy
        self._timers = timers
        self._notifier = notifier
        self._ladders = ladders
        self._inquiries = inquiries
        self._now = now
        self._more_timers = more_timers  # e.g. the closing loop's survey, reminder and timeout
        self._schedules = schedules  # where those go (named one-time schedules)
        # the reconciler re-creates lost named timers of inquiries received within this window
        self._named_lookback = named_lookback
        self._named_limit = named_limit

    def plan(self, inquiry_id: str, previous: Inquiry | None = None) -> dict[str, int]:
        """After a change to the inquiry, arm its one timer at its next due instant.

        `previous` is the inquiry before the change (the stream's old image): when the next due
        instant is the same before and after, the armed timer is still right and nothing is sent.
        """
        timeline = self._repo.timeline(inquiry_id)
        if timeline is None:
            return {"requests": 0}
        now = self._now()
        named = self._plan_named(timeline.inquiry, timeline.events, now, previous)
        wanted = enforcement.next_timer(self._policy, timeline.inquiry, timeline.events, now)
        before = None
        if previous is not None:
            earlier = [e for e in timeline.events if e.seq <= previous.event_count]
            before = enforcement.next_timer(self._policy, previous, earlier, now)
            if (wanted is None and before is None) or (wanted is not None and wanted.same_instant(before)):
                return {"requests": named, "named": named}
        # requests: every timer request of this change; named: those of the named schedules alone
        return {"requests": named + self._timers.arm(inquiry_id, wanted, now, before), "named": named}

    def _plan_named(self, inquiry: Inquiry, events: list[InquiryEvent], now: datetime, previous: Inquiry | None) -> int:
        """The other timers an inquiry may have (the closing loop's survey, reminder and
        confirmation timeout): named schedules, re-made only when its status or episode changed
        (they depend on nothing else), so an ordinary change stays within the deadline timer's
        two requests."""
        if self._more_timers is None or self._schedules is None:
            return 0
        if previous is not None and (previous.status, previous.episode) == (inquiry.status, inquiry.episode):
            from inquiry_desk.departments.service import changes_timers

            news = [e for e in events if e.seq > previous.event_count]
            follows = any(e.type in _NAMED_TIMERS_FOLLOW for e in news)
            if not follows and not changes_timers(events, previous.event_count):  # nor a department request (R4.3)
                return 0
        wanted = self._more_timers(inquiry, events, now)
        if not wanted and not any(e.type in _NAMED_TIMERS_EVER for e in events):
            # never resolved, never a department request: no named schedule can exist, so an open
            # inquiry acknowledged, replied to or waiting sends not even the listing request
            return 0
        made = self._schedules.sync(inquiry.inquiry_id, wanted)
        return sum(made.values())

    def fire(self, timer: TimerSpec) -> dict[str, Any]:
        """A timer fired: re-read, re-decide everything due by now, act at most once each.

        Early (Scheduler fires within its minute, so long timers are handed over ahead of time):
        re-arm the same instant on the second-precision timer. Stale (the inquiry moved on): nothing.
        """
        timeline = self._repo.timeline(timer.inquiry_id)
        if timeline is None:
            return {"verdict": Verdict.NOTHING.value, "reason": "no such inquiry"}
        now = self._now()
        if timer.at > now:
            current = enforcement.next_timer(self._policy, timeline.inquiry, timeline.events, now)
            if not timer.same_instant(current):
                return {"verdict": Verdict.NOTHING.value, "reason": "stale timer: the inquiry moved on"}
            requests = self._timers.arm(timer.inquiry_id, current, now, None)
            return {"verdict": "rearmed", "reason": f"due at {timer.at.isoformat()}", "requests": requests}
        return self._act_on_due(timeline, now)

    def _act_on_due(self, timeline: Timeline, now: datetime) -> dict[str, Any]:
        inquiry = timeline.inquiry
        acted: list[dict[str, str]] = []
        for due in enforcement.due_timers(self._policy, inquiry, timeline.events, now):
            decision = enforcement.decide(self._policy, inquiry, timeline.events, due.kind, due.episode, due.phase, now)
            self._carry_out(inquiry, due, decision, now)
            if decision.verdict is not Verdict.NOTHING:
                acted.append({"kind": due.kind, "phase": due.phase.value, "verdict": decision.verdict.value})
        if not acted:
            return {"verdict": Verdict.NOTHING.value, "reason": "nothing due: met, paused, moved or already done"}
        return {"verdict": acted[0]["verdict"], "reason": f"{len(acted)} due", "acted": acted}

    def _carry_out(self, inquiry: Inquiry, due: TimerSpec, decision: enforcement.Decision, now: datetime) -> None:
        inquiry_id, kind, episode, deadline = inquiry.inquiry_id, due.kind, due.episode, decision.deadline
        mark = {"kind": kind, "episode": episode, "due": deadline.due.isoformat() if deadline else None}
        # recorded once even when two deliveries of a timer race; only the one that recorded acts
        if decision.verdict is Verdict.WARN_OWNER:
            if self._inquiries.record_once(inquiry_id, now, SYSTEM, EventType.DEADLINE_WARNED, mark):
                self._notify(inquiry, "deadline_warning", f"{kind} due soon", decision.reason, audience="owner")
        elif decision.verdict is Verdict.NOTIFY_CUSTOMER_PROGRESS:
            self._tell_customer_progress(inquiry, mark, now, once=True)
        elif decision.verdict is Verdict.BREACH:
            breached = self._inquiries.record_once(
                inquiry_id, now, SYSTEM, EventType.DEADLINE_BREACHED, {**mark, "ladder": decision.ladder}
            )
            if breached and decision.ladder:
                self._ladders.start(
                    enforcement.ladder_name(inquiry_id, kind, episode),
                    LadderState(
                        inquiry_id=inquiry_id,
                        kind=kind,
                        episode=episode,
                        ladder=decision.ladder,
                        step=0,
                        breached_at=now,
                    ),
                )

    def escalate(self, state: LadderState) -> LadderState:
        """One step of the ladder (called by the state machine); returns the next state."""
        timeline = self._repo.timeline(state.inquiry_id)
        if timeline is None:
            raise NotFound(f"no inquiry {state.inquiry_id}")
        result = enforcement.escalation_step(
            self._policy, timeline.inquiry, timeline.events, state.kind, state.episode, state.ladder, state.step
        )
        if result.action:
            self._act(timeline.inquiry, result.action, state, result)
        elif result.done and state.step > 0:
            # the ladder stops here: say so, with the reason (e.g. the deadline was met, by whom)
            self._inquiries.record(
                state.inquiry_id,
                self._now(),
                SYSTEM,
                EventType.ESCALATED,
                self._step_data(state, "stopped", result),
            )
        return state.model_copy(
            update={
                "step": result.next_step,
                "wait_seconds": result.wait_seconds,
                "done": result.done,
                "reason": result.reason,
            }
        )

    def reconcile(self, teams: Iterable[str]) -> dict[str, int]:
        """Act on every overdue deadline again (a lost timer must not mean a silent breach)."""
        now, fired = self._now(), 0
        for team in teams:
            # most recently overdue first: a lost timer is recent, and a team with more than a page
            # of long-breached inquiries (a bad day) must not hide it from the sweep
            for inquiry in self._repo.overdue(team, now, newest_first=True):
                timeline = self._repo.timeline(inquiry.inquiry_id)
                if timeline is None:
                    continue
                fired += len(self._act_on_due(timeline, now).get("acted", []))
        if self._more_timers is None or self._schedules is None or self._named_lookback is None:
            return {"fired": fired}
        return {"fired": fired, "timers_recreated": self._recreate_named(now)}

    def _recreate_named(self, now: datetime) -> int:
        """The closing loop's timers (survey, reminder, confirmation timeout, milestones) of recent
        resolved or closed inquiries, re-created where lost; existing ones are left alone, so a
        second run creates nothing. A lost timer that is already due is made for the next minute."""
        if self._more_timers is None or self._schedules is None or self._named_lookback is None:
            return 0
        created = 0
        for inquiry in self._repo.recent(now - self._named_lookback, self._named_limit):
            if inquiry.status not in (Status.RESOLVED, Status.CLOSED):
                continue
            timeline = self._repo.timeline(inquiry.inquiry_id)
            if timeline is None:
                continue
            wanted = self._more_timers(timeline.inquiry, timeline.events, now)
            if wanted:
                created += self._schedules.ensure(inquiry.inquiry_id, wanted)
        return created

    @staticmethod
    def _step_data(state: LadderState, action: str, result: enforcement.EscalationStep) -> dict[str, Any]:
        """What the timeline says of a ladder step: which deadline, which ladder and step, why."""
        return {
            "action": action,
            "kind": state.kind,
            "episode": state.episode,
            "ladder": state.ladder,
            "step": state.step,
            "why": result.reason,
            **result.extra,
        }

    def _act(self, inquiry: Inquiry, action: str, state: LadderState, result: enforcement.EscalationStep) -> None:
        now, kind = self._now(), state.kind
        data = self._step_data(state, action, result)
        if action == "reassign_to_supervisor":
            owner = f"supervisors:{inquiry.team or 'unassigned'}"
            self._notify(inquiry, "escalation", f"{kind} overdue: reassigned", result.reason, audience="supervisor")
            self._inquiries.record(
                inquiry.inquiry_id, now, SYSTEM, EventType.ESCALATED, {**data, "owner": owner}, changes={"owner": owner}
            )
            return
        if action == "keep_owner":  # an agent acted since the breach: they keep it; the supervisor hears
            self._notify(inquiry, "escalation", f"{kind} overdue: owner kept", data["why_kept"], audience="supervisor")
            self._inquiries.record(inquiry.inquiry_id, now, SYSTEM, EventType.ESCALATED, data)
            return
        if action == "notify_customer_progress":
            self._tell_customer_progress(inquiry, {**data, "kind": "progress_notice"}, now)
            self._inquiries.record(inquiry.inquiry_id, now, SYSTEM, EventType.ESCALATED, data)
            return
        audience = "manager" if action == "notify_manager" else "owner"
        self._notify(inquiry, "escalation", f"{kind} overdue", result.reason, audience=audience)
        self._inquiries.record(inquiry.inquiry_id, now, SYSTEM, EventType.ESCALATED, data)

    def _tell_customer_progress(
        self, inquiry: Inquiry, mark: dict[str, Any], now: datetime, once: bool = False
    ) -> None:
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
        self._inquiries.notify_customer(
            inquiry.inquiry_id, text, now, SYSTEM, EventType.PROGRESS_NOTIFIED, mark, once=once
        )

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
