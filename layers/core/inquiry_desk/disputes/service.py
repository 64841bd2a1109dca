"""Disputes (R2.9): add evidence, decide liability from it, report the result to the customer.

Each step is one timeline event written with the inquiry's optimistic version (InquiryService.change);
the decision names the evidence it rests on, and the report is an outbound message composed from the
policy's template, so its lineage (template id and version) is on the message like any answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inquiry_desk.answers.templates import compose
from inquiry_desk.errors import Conflict, InvalidTransition, PayloadError
from inquiry_desk.ids import new_id
from inquiry_desk.inquiries.service import Change, InquiryService
from inquiry_desk.model import EventType, Inquiry, InquiryEvent
from inquiry_desk.ports import Timeline
from inquiry_desk.surveys.policy import Disputes


@dataclass(frozen=True)
class Evidence:
    evidence_id: str
    kind: str
    source: str
    description: str
    ref: str | None
    at: datetime
    by: str


@dataclass(frozen=True)
class Decision:
    liability: str
    reason: str
    evidence_ids: list[str]
    at: datetime
    by: str


@dataclass(frozen=True)
class DisputeRecord:
    """What the timeline says about a dispute: its evidence, the latest decision, whether reported."""

    evidence: list[Evidence] = field(default_factory=list)
    decision: Decision | None = None
    reported: bool = False


def dispute_record(timeline: Timeline) -> DisputeRecord:
    evidence: list[Evidence] = []
    decision: Decision | None = None
    reported = False
    for e in timeline.events:
        d = e.data
        if e.type is EventType.DISPUTE_EVIDENCE_ADDED:
            evidence.append(
                Evidence(
                    str(d.get("evidence_id")),
                    str(d.get("kind")),
                    str(d.get("source")),
                    str(d.get("description")),
                    d.get("ref"),
                    e.at,
                    e.actor,
                )
            )
        elif e.type is EventType.LIABILITY_DECIDED:
            decision = Decision(
                str(d.get("liability")), str(d.get("reason")), list(d.get("evidence_ids") or []), e.at, e.actor
            )
            reported = False  # a new decision is reported again
        elif e.type is EventType.DISPUTE_RESULT_REPORTED:
            reported = True
    return DisputeRecord(evidence, decision, reported)


class DisputeService:
    def __init__(self, inquiries: InquiryService, policy: Disputes, now: Callable[[], datetime]) -> None:
        self._inquiries = inquiries
        self._policy = policy
        self._now = now

    def add_evidence(
        self, inquiry_id: str, actor: str, kind: str, description: str, source: str, ref: str | None = None
    ) -> Inquiry:
        if kind not in self._policy.evidence_kinds:
            raise PayloadError(f"no evidence kind {kind!r}; kinds are {', '.join(self._policy.evidence_kinds)}")
        if not description.strip():
            raise PayloadError("evidence needs a description")
        at = self._now()

        def decide(timeline: Timeline) -> Change:
            self._check(timeline.inquiry)
            data = {
                "evidence_id": new_id(at, "E"),
                "kind": kind,
                "source": source,
                "description": description.strip(),
                **({"ref": ref} if ref else {}),
            }
            return _event(timeline.inquiry, at, actor, EventType.DISPUTE_EVIDENCE_ADDED, data)

        return self._inquiries.change(inquiry_id, decide)

    def decide_liability(
        self, inquiry_id: str, actor: str, liability: str, reason: str, evidence_ids: list[str] | None = None
    ) -> Inquiry:
        if liability not in self._policy.liabilities:
            raise PayloadError(f"no liability {liability!r}; choose {', '.join(self._policy.liabilities)}")
        if not reason.strip():
            raise PayloadError("a liability decision needs its reason")
        at = self._now()

        def decide(timeline: Timeline) -> Change:
            self._check(timeline.inquiry)
            recorded = {e.evidence_id for e in dispute_record(timeline).evidence}
            cited = list(evidence_ids) if evidence_ids else sorted(recorded)
            unknown = [e for e in cited if e not in recorded]
            if unknown:
                raise PayloadError(f"no such evidence on this dispute: {', '.join(unknown)}")
            if len(cited) < self._policy.evidence_needed:
                raise Conflict(
                    f"liability is decided from evidence: record at least {self._policy.evidence_needed} first"
                )
            data = {"liability": liability, "reason": reason.strip(), "evidence_ids": cited}
            return _event(timeline.inquiry, at, actor, EventType.LIABILITY_DECIDED, data)

        return self._inquiries.change(inquiry_id, decide)

    def report_result(self, inquiry_id: str, actor: str, next_steps: str) -> Inquiry:
        """The decision told to the customer on their channel, from the policy's template."""
        if not next_steps.strip():
            raise PayloadError("say what happens next (refund, replacement, nothing further...)")
        at = self._now()

        def decide(timeline: Timeline) -> Change:
            inquiry = timeline.inquiry
            self._check(inquiry)
            record = dispute_record(timeline)
            if record.decision is None:
                raise Conflict("decide liability before reporting the result")
            words = self._policy.liabilities[record.decision.liability]
            composed = compose(
                self._policy.result_template,
                inquiry.language,
                ref=inquiry.inquiry_id,
                liability=words.en if (inquiry.language or "").lower().startswith("en") else words.zh,
                reason=record.decision.reason,
                next_steps=next_steps.strip(),
            )
            content_ref = f"template:{composed.template_id}@{composed.version}"
            message = InquiryService.outbound(inquiry, composed.text, at, actor, content_ref=content_ref)
            data = {
                "liability": record.decision.liability,
                "message_id": message.message_id,
                "content_ref": content_ref,
                "template_id": composed.template_id,
                "template_version": composed.version,
            }
            change = _event(inquiry, at, actor, EventType.DISPUTE_RESULT_REPORTED, data)
            return Change(change.inquiry, change.events, message)

        return self._inquiries.change(inquiry_id, decide)

    def _check(self, inquiry: Inquiry) -> None:
        if inquiry.category != self._policy.category:
            raise Conflict(
                f"inquiry {inquiry.inquiry_id} is not a dispute (category {inquiry.category or 'none'}); "
                f"reclassify it as {self._policy.category} first"
            )
        if not inquiry.is_open:
            raise InvalidTransition(f"the dispute is {inquiry.status.value}; reopen it to change it")


def _event(inquiry: Inquiry, at: datetime, actor: str, kind: EventType, data: dict[str, Any]) -> Change:
    event = InquiryEvent(
        inquiry_id=inquiry.inquiry_id, seq=inquiry.event_count + 1, type=kind, at=at, actor=actor, data=data
    )
    advanced = inquiry.model_copy(update={"updated_at": at, "version": inquiry.version + 1, "event_count": event.seq})
    return Change(advanced, [event])
