"""Corrections (R6.2, R6.3): a supervisor marks content wrong; every customer who received it gets
the correction and an apology on their own channel, exactly once; public content gets a 1-hour fix
deadline that escalates when missed.

The fan-out runs in the corrections state machine (Step Functions: affected -> Map(correct_one,
retried) -> finish); each step here is idempotent, so a retried or restarted execution corrects
nobody twice: the outbound message, its timeline event and a per-customer dedupe record are one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from inquiry_desk.answers.templates import render
from inquiry_desk.corrections.model import (
    Cause,
    Correction,
    CorrectionStore,
    Delivery,
    Executions,
    LineageEntry,
    Recipient,
)
from inquiry_desk.errors import NotFound, PayloadError
from inquiry_desk.ids import new_id
from inquiry_desk.inquiries.service import Change, InquiryService
from inquiry_desk.model import EventType, InquiryEvent
from inquiry_desk.ports import DuplicateMessage, InquiryRepository, Notifier, Timeline
from inquiry_desk.surveys.policy import ClosingLoopPolicy

SYSTEM = "corrections"


def dedupe_key(correction_id: str, customer_id: str) -> str:
    return f"correction#{correction_id}#{customer_id}"


class CorrectionService:
    def __init__(
        self,
        store: CorrectionStore,
        repository: InquiryRepository,
        inquiries: InquiryService,
        policy: ClosingLoopPolicy,
        executions: Executions,
        notifier: Notifier | None,
        now: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._repo = repository
        self._inquiries = inquiries
        self._policy = policy
        self._executions = executions
        self._notifier = notifier
        self._now = now

    # --- a supervisor marks content wrong -----------------------------------------------------

    def mark_wrong(
        self,
        by: str,
        corrected_text: str,
        cause: Cause,
        content_ref: str | None = None,
        inquiry_id: str | None = None,
        message_id: str | None = None,
        public: bool = False,
        source_inquiry_id: str | None = None,
        teams: list[str] | None = None,
    ) -> Correction:
        if bool(content_ref) == bool(inquiry_id and message_id):
            raise PayloadError("name either a content_ref (template/article version) or an inquiry_id + message_id")
        wrong = content_ref or f"message:{inquiry_id}/{message_id}"
        if inquiry_id and message_id:
            timeline = self._repo.timeline(inquiry_id)
            if timeline is None or not any(m.message_id == message_id for m in timeline.messages):
                raise NotFound(f"no message {message_id} in inquiry {inquiry_id}")
        now = self._now()
        public = public or (
            content_ref is not None and content_ref.split(":", 1)[0] in ("template", "article", "faq", "auto_reply")
        )
        correction = Correction(
            correction_id=new_id(now, "K"),
            wrong=wrong,
            corrected_text=corrected_text.strip(),
            cause=cause,
            public=public,
            created_at=now,
            created_by=by,
            fix_due_at=now + self._policy.corrections.fix_public_content_within.to_timedelta() if public else None,
            source_inquiry_id=source_inquiry_id,
            teams=teams if teams is not None else self.teams_reached(content_ref, inquiry_id),
        )
        self._store.put_correction(correction)
        self._executions.start(correction.correction_id, {"correction_id": correction.correction_id})
        return correction

    def teams_reached(self, content_ref: str | None, inquiry_id: str | None) -> list[str]:
        """The teams whose customers got the content (or the inquiry's message): who may correct it."""
        if content_ref:
            return self._teams_of({e.inquiry_id for e in self._store.lineage(content_ref)})
        return self._teams_of({inquiry_id} if inquiry_id else set())

    def _teams_of(self, inquiry_ids: set[str]) -> list[str]:
        teams = set()
        for inquiry_id in inquiry_ids:
            found = self._repo.get(inquiry_id)
            if found is not None:
                teams.add(found.team or "none")
        return sorted(teams)

    # --- the state machine's steps ------------------------------------------------------------

    def affected(self, correction_id: str) -> list[Recipient]:
        """Every customer who received the wrong content, once each (their latest inquiry that got it)."""
        correction = self._get(correction_id)
        entries: list[LineageEntry]
        if correction.wrong.startswith("message:"):
            inquiry_id, _, message_id = correction.wrong.removeprefix("message:").partition("/")
            timeline = self._repo.timeline(inquiry_id)
            if timeline is None:
                raise NotFound(f"no inquiry {inquiry_id}")
            entries = [
                LineageEntry(
                    content_ref=correction.wrong,
                    inquiry_id=inquiry_id,
                    message_id=message_id,
                    customer_id=timeline.inquiry.customer_id,
                    at=correction.created_at,
                )
            ]
        else:
            entries = self._store.lineage(correction.wrong)
        latest: dict[str, LineageEntry] = {}
        for entry in sorted(entries, key=lambda e: e.at):
            latest[entry.customer_id] = entry
        recipients = [
            Recipient(customer_id=c, inquiry_id=e.inquiry_id, message_id=e.message_id) for c, e in latest.items()
        ]
        # content sent after it was marked reaches these customers too: their teams join it
        teams = sorted(set(correction.teams) | set(self._teams_of({r.inquiry_id for r in recipients})))
        update = {"status": "sending", "affected": len(recipients), "teams": teams}
        self._store.put_correction(correction.model_copy(update=update))
        return recipients

    def correct_one(self, correction_id: str, recipient: Recipient) -> str:
        """The correction and an apology to one customer, through the outbox, exactly once."""
        correction = self._get(correction_id)
        now = self._now()
        sent: dict[str, str] = {}

        def decide(timeline: Timeline) -> Change:
            inquiry = timeline.inquiry
            text = render(
                self._policy.corrections.template,
                inquiry.language,
                ref=inquiry.inquiry_id,
                text=correction.corrected_text,
            )
            message = InquiryService.outbound(
                inquiry, text, now, SYSTEM, content_ref=f"correction:{correction.correction_id}"
            )
            sent["message_id"] = message.message_id
            sent["team"] = inquiry.team or "none"
            event = InquiryEvent(
                inquiry_id=inquiry.inquiry_id,
                seq=inquiry.event_count + 1,
                type=EventType.CORRECTION_SENT,
                at=now,
                actor=SYSTEM,
                data={
                    "correction_id": correction.correction_id,
                    "wrong": correction.wrong,
                    "wrong_message_id": recipient.message_id,
                    "cause": correction.cause.value,
                    "message_id": message.message_id,
                },
            )
            advanced = inquiry.model_copy(
                update={"updated_at": now, "version": inquiry.version + 1, "event_count": event.seq}
            )
            return Change(advanced, [event], message, dedupe_key(correction_id, recipient.customer_id))

        try:
            self._inquiries.change(recipient.inquiry_id, decide)
        except DuplicateMessage:
            outcome = "already_corrected"
            message_id = self._sent_message(recipient.inquiry_id, correction_id) or ""
            found = self._repo.get(recipient.inquiry_id)
            team = (found.team if found else None) or "none"
        else:
            outcome = "corrected"
            message_id, team = sent["message_id"], sent["team"]
        # the report's record of this delivery (an idempotent put: a retry rewrites the same row)
        self._store.put_delivery(
            Delivery(
                correction_id=correction_id,
                customer_id=recipient.customer_id,
                inquiry_id=recipient.inquiry_id,
                message_id=message_id,
                at=now,
                team=team,
            )
        )
        return outcome

    def finish(self, correction_id: str) -> dict[str, Any]:
        correction = self._get(correction_id)
        done = len(self._store.deliveries(correction_id))
        self._store.put_correction(correction.model_copy(update={"status": "done", "corrected": done}))
        return {"correction_id": correction_id, "affected": correction.affected, "corrected": done}

    # --- the public content's fix deadline ----------------------------------------------------

    def content_fixed(self, correction_id: str, by: str) -> Correction:
        correction = self._get(correction_id)
        if correction.fixed_at is None:
            correction = correction.model_copy(update={"fixed_at": self._now()})
            self._store.put_correction(correction)
        return correction

    def check_fix(self, correction_id: str) -> str:
        """The 1-hour fix deadline fired: escalate unless the public content was fixed (R6.2)."""
        correction = self._get(correction_id)
        now = self._now()
        if not correction.public or correction.fixed_at is not None:
            return "fixed"
        if correction.fix_due_at is None or now < correction.fix_due_at:
            return "not_due"
        if correction.fix_escalated_at is not None:
            return "already_escalated"
        if self._notifier is not None:
            self._notifier.notify(
                "correction_fix_overdue",
                f"[{correction.correction_id}] public content not fixed within the deadline",
                {"audience": "supervisor", "correction_id": correction.correction_id, "wrong": correction.wrong},
            )
        self._store.put_correction(correction.model_copy(update={"fix_escalated_at": now}))
        return "escalated"

    # --- the report -----------------------------------------------------------------------------

    def report(self, teams: frozenset[str] | None = None) -> dict[str, Any]:
        """Who was corrected and when, and the causes over time (per month).

        `teams`: only corrections that reached one of these teams (or no one yet), and only their
        deliveries to these teams' customers (R8.2); None: everything (admins).
        """
        corrections = [c for c in self._store.corrections() if teams is None or not c.teams or set(c.teams) & teams]
        causes: dict[str, dict[str, int]] = {}
        for c in corrections:
            month = c.created_at.strftime("%Y-%m")
            causes.setdefault(month, {})
            causes[month][c.cause.value] = causes[month].get(c.cause.value, 0) + 1
        return {
            "corrections": [
                {
                    **c.model_dump(mode="json"),
                    "deliveries": [
                        d.model_dump(mode="json")
                        for d in self._store.deliveries(c.correction_id)
                        if teams is None or d.team in teams
                    ],
                }
                for c in corrections
            ],
            "causes_by_month": causes,
        }

    def _get(self, correction_id: str) -> Correction:
        found = self._store.get_correction(correction_id)
        if found is None:
            raise NotFound(f"no correction {correction_id}")
        return found

    def _sent_message(self, inquiry_id: str, correction_id: str) -> str | None:
        timeline = self._repo.timeline(inquiry_id)
        for event in timeline.events if timeline else []:
            if event.type is EventType.CORRECTION_SENT and event.data.get("correction_id") == correction_id:
                return str(event.data.get("message_id"))
        return None
