"""Intake: one customer message in, recorded exactly once (R1.2), linked to its customer (R1.3).

A message either opens a new inquiry or, when the same customer already has an open inquiry
that heard from them within the policy's join window, joins it (several related questions are
answered together). A message the channel redelivers is recognised by the channel's own message
id and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from inquiry_desk.ids import new_id
from inquiry_desk.inquiries import lifecycle
from inquiry_desk.model import (
    Customer,
    CustomerTier,
    Direction,
    EventType,
    Identity,
    InboundMessage,
    Inquiry,
    InquiryEvent,
    Message,
    Status,
)
from inquiry_desk.ports import DuplicateMessage, IdentityTaken, InquiryRepository, NewInquiry, StaleInquiry
from inquiry_desk.triage.routing import Assignment
from inquiry_desk.triage.rules import Triage

if TYPE_CHECKING:  # the SLA engine loads only when a planner is given
    from inquiry_desk.deadlines.planner import DeadlinePlanner


@dataclass(frozen=True)
class Linking:
    """Identities of this message to link to its (known) customer, and why (R1.3)."""

    new: tuple[Identity, ...] = ()
    because: str | None = None  # the identity that already belonged to the customer
    conflicts: tuple[str, ...] = ()  # other customers some identity points to: never merged automatically

    def explain(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.new:
            out["linked_identities"] = [i.key for i in self.new]
            out["linked_because"] = self.because
        if self.conflicts:
            out["possible_same_customer_as"] = list(self.conflicts)
        return out


@dataclass(frozen=True)
class IntakeResult:
    inquiry_id: str
    customer_id: str
    created: bool  # a new inquiry was opened
    duplicate: bool  # the message had been recorded before: nothing was written


def dedupe_key(message: InboundMessage) -> str:
    return f"{message.channel.value}#{message.channel_message_id}"


class IntakeService:
    def __init__(
        self,
        repository: InquiryRepository,
        triage: Triage,
        join_window: timedelta = timedelta(0),
        policy_version: str | None = None,
        planner: DeadlinePlanner | None = None,
        detect_language: Callable[[str], str | None] | None = None,
        identities: Callable[[InboundMessage], list[Identity]] | None = None,
        sender_clock_tolerance: timedelta | None = None,
        verdict: Callable[[Inquiry, str, datetime, str], lifecycle.Transition | None] | None = None,
        route: Callable[[str, tuple[str, ...], str | None, datetime], Assignment] | None = None,
    ) -> None:
        self._route = route
        self._repo = repository
        self._planner = planner
        self._detect_language = detect_language
        self._identities = identities or (lambda m: [m.sender, *m.other_identities])
        self._triage = triage
        self._join_window = join_window
        self._policy_version = policy_version
        self._sender_clock_tolerance = sender_clock_tolerance
        # R5.2: a keyword reply to a resolved inquiry is the customer's verdict (closing the loop)
        self._verdict = verdict

    def receive(self, message: InboundMessage) -> IntakeResult:
        for _attempt in range(3):
            try:
                return self._receive_once(message)
            except (IdentityTaken, StaleInquiry):
                continue  # a concurrent request linked the customer / touched the inquiry: re-read
        raise StaleInquiry("the inquiry kept changing while this message was recorded")

    def _receive_once(self, message: InboundMessage) -> IntakeResult:
        if message.language is None and self._detect_language is not None and message.text:
            message = message.model_copy(update={"language": self._detect_language(message.text)})  # R10.1
        identities = self._identities(message)
        known = self._repo.customers_for(identities) if identities else {}
        # R1.3: the customer is whoever a strong identity of this message already belongs to; the
        # sender's own link wins. Several different customers are never merged automatically.
        owners = [known[i.key] for i in identities if i.key in known]
        customer_id = owners[0] if owners else None
        links = Linking(
            new=tuple(i for i in identities if i.key not in known) if customer_id else (),
            because=next((i.key for i in identities if i.key in known), None),
            conflicts=tuple(sorted(set(owners) - {customer_id})) if customer_id else (),
        )
        try:
            thread = self._thread_target(message)
            if thread is not None:
                joined = self._join(thread, customer_id or thread.customer_id, message, "thread")
                if joined is not None:
                    return joined
            # a call or visit an agent records is its own inquiry unless the agent links it
            recorded = "recorded_by" in message.metadata
            if customer_id is not None and self._join_window > timedelta(0) and not recorded:
                joined = self._join_open_inquiry(customer_id, message)
                if joined is not None:
                    return joined
            if customer_id is not None and self._verdict is not None:
                joined = self._join_awaiting_verdict(customer_id, message)
                if joined is not None:
                    return joined
            return self._open_inquiry(customer_id, message, links, identities)
        except DuplicateMessage as dup:
            return IntakeResult(dup.inquiry_id, customer_id or "", created=False, duplicate=True)

    def _thread_target(self, message: InboundMessage) -> Inquiry | None:
        """The inquiry this message replies to: our subject token, else a message id it quotes."""
        token = message.metadata.get("thread_token")
        if token and token.upper().startswith("INQ-"):
            found = self._repo.get(token[4:])
            if found is not None:
                return found
        for key in message.thread_keys:
            inquiry_id = self._repo.inquiry_for_message(message.channel.value, key)
            if inquiry_id is not None:
                return self._repo.get(inquiry_id)
        return None

    def _join_open_inquiry(self, customer_id: str, message: InboundMessage) -> IntakeResult | None:
        for inquiry in self._repo.customer_inquiries(customer_id, limit=5):
            last_heard = inquiry.updated_at or inquiry.received_at
            if inquiry.is_open and message.received_at - last_heard <= self._join_window:
                return self._join(inquiry, customer_id, message, "join_window")
        return None

    def _join_awaiting_verdict(self, customer_id: str, message: InboundMessage) -> IntakeResult | None:
        """A short "resolved" / "not resolved" on any channel answers the customer's latest
        resolved inquiry (R5.2); anything else opens or joins as usual."""
        for inquiry in self._repo.customer_inquiries(customer_id, limit=5):
            if inquiry.status is Status.RESOLVED and self._judge(inquiry, message, customer_id) is not None:
                return self._join(inquiry, customer_id, message, "verdict")
        return None

    def _judge(self, inquiry: Inquiry, message: InboundMessage, customer_id: str) -> lifecycle.Transition | None:
        if self._verdict is None or not message.text:
            return None
        return self._verdict(inquiry, message.text, message.received_at, customer_id)

    def _join(self, inquiry: Inquiry, customer_id: str, message: InboundMessage, why: str) -> IntakeResult | None:
        """Add the message to `inquiry`; a verdict keyword on a resolved one closes the loop or
        escalates it, any other reply to a resolved one reopens it (a closed one does not)."""
        if inquiry.status is Status.CLOSED:
            return None
        current, events = inquiry, []
        if inquiry.status is Status.RESOLVED:
            step = self._judge(inquiry, message, customer_id) or lifecycle.apply(
                inquiry, lifecycle.Action.REOPEN, message.received_at, customer_id, reason="customer replied"
            )
            current, events = step.inquiry, list(step.events)
        if current.status is Status.CLOSED:  # the customer confirmed: the loop is closed
            step = lifecycle.Transition(current, [])
        else:
            step = lifecycle.apply(current, lifecycle.Action.CUSTOMER_REPLIED, message.received_at, customer_id)
        stored = _message(inquiry.inquiry_id, customer_id, message)
        events += [
            *step.events,
            InquiryEvent(
                inquiry_id=inquiry.inquiry_id,
                seq=step.inquiry.event_count + 1,
                type=EventType.MESSAGE_ADDED,
                at=message.received_at,
                actor=customer_id,
                data={"message_id": stored.message_id, "channel": message.channel.value, "joined_by": why},
            ),
        ]
        if (note := self._clock_note(message, step.inquiry.inquiry_id, events[-1].seq + 1)) is not None:
            events.append(note)
        advanced = step.inquiry.model_copy(update={"event_count": events[-1].seq, "version": inquiry.version + 1})
        if self._planner is not None:
            timeline = self._repo.timeline(inquiry.inquiry_id)
            history = [*(timeline.events if timeline else []), *events]
            advanced = advanced.model_copy(update={"next_deadline_at": self._planner.next_due(advanced, history)})
        self._repo.append(advanced, inquiry.version, events, stored, dedupe_key(message))
        return IntakeResult(inquiry.inquiry_id, customer_id, created=False, duplicate=False)

    def _clock_note(self, message: InboundMessage, inquiry_id: str, seq: int) -> InquiryEvent | None:
        """A sender's clock far from ours is worth a line on the timeline (the deadlines ignore it)."""
        tolerance = self._sender_clock_tolerance
        if message.sent_at is None or tolerance is None:
            return None
        skew = message.sent_at - message.received_at
        if abs(skew) <= tolerance:
            return None
        direction = "ahead of" if skew > timedelta(0) else "behind"
        return InquiryEvent(
            inquiry_id=inquiry_id,
            seq=seq,
            type=EventType.NOTE,
            at=message.received_at,
            data={
                "text": f"the sender's clock says {message.sent_at.isoformat()}, {_span(abs(skew))} {direction} "
                f"our arrival time {message.received_at.isoformat()}; deadlines run from arrival",
                "sent_at": message.sent_at.isoformat(),
                "received_at": message.received_at.isoformat(),
                "sender_clock_skew_seconds": int(skew.total_seconds()),
            },
        )

    def _open_inquiry(
        self, customer_id: str | None, message: InboundMessage, links: Linking, identities: list[Identity]
    ) -> IntakeResult:
        new_customer = None
        if customer_id is None:
            # only the identities the channel vouches for (normalised): an unverified sender (an
            # email that failed DMARC) is neither linked to nor taken from its address's owner (R1.3)
            new_customer = Customer(
                customer_id=new_id(message.received_at, "C"),
                name=message.name,
                identities=list(identities),
                created_at=message.received_at,
            )
            customer_id = new_customer.customer_id
        inquiry_id = new_id(message.received_at, "Q")
        known = self._repo.get_customer(customer_id) if new_customer is None else None
        tier = known.tier if known is not None else CustomerTier.NORMAL
        text = " ".join(filter(None, [message.subject, message.text]))
        classification = self._triage.classify(text, tier=tier.value)  # R1.4, R1.5
        assignment = (  # R4.1, R4.3: a person of the team on shift, within capacity
            self._route(classification.team, classification.tags, message.language, message.received_at)
            if self._route is not None
            else Assignment(None, {})
        )
        inquiry = Inquiry(
            inquiry_id=inquiry_id,
            customer_id=customer_id,
            channel=message.channel,
            received_at=message.received_at,
            description=message.text,
            subject=message.subject,
            customer_name=message.name,
            contact=message.contact,
            order_number=message.order_number,
            member_id=message.member_id,
            urgency=classification.urgency,
            customer_tier=tier,
            category=classification.category,
            tags=list(classification.tags),
            team=classification.team,
            owner=assignment.owner,
            language=message.language,
            policy_version=self._policy_version,
            updated_at=message.received_at,
            event_count=3,
        )
        stored = _message(inquiry_id, customer_id, message)
        events: list[InquiryEvent] = [
            InquiryEvent(
                inquiry_id=inquiry_id,
                seq=1,
                type=EventType.RECEIVED,
                at=message.received_at,
                actor=customer_id,
                data={"channel": message.channel.value, "message_id": stored.message_id},
            ),
            InquiryEvent(
                inquiry_id=inquiry_id,
                seq=2,
                type=EventType.CLASSIFIED,
                at=message.received_at,
                data={**classification.explain(), **links.explain()},
            ),
            InquiryEvent(  # routed to the team's queue: allocation done (R2.7 stage "assign")
                inquiry_id=inquiry_id,
                seq=3,
                type=EventType.ASSIGNED,
                at=message.received_at,
                data={"team": classification.team, "owner": assignment.owner, **assignment.why},
            ),
        ]
        if (note := self._clock_note(message, inquiry_id, 4)) is not None:
            events.append(note)
            inquiry = inquiry.model_copy(update={"event_count": 4})
        if self._planner is not None:
            inquiry = inquiry.model_copy(update={"next_deadline_at": self._planner.next_due(inquiry, events)})
        self._repo.create(
            NewInquiry(
                inquiry=inquiry,
                message=stored,
                events=events,
                dedupe_key=dedupe_key(message),
                new_customer=new_customer,
                new_identities=tuple(new_customer.identities) if new_customer else links.new,
            )
        )
        return IntakeResult(inquiry_id, customer_id, created=True, duplicate=False)


def _span(delta: timedelta) -> str:
    days = delta.days
    if days >= 2:
        return f"{days} days"
    return f"{int(delta.total_seconds() // 3600)} hours"


def _message(inquiry_id: str, customer_id: str, message: InboundMessage) -> Message:
    return Message(
        message_id=new_id(message.received_at, "M"),
        inquiry_id=inquiry_id,
        direction=Direction.INBOUND,
        channel=message.channel,
        body=message.text,
        at=message.received_at,
        sent_at=message.sent_at,
        author=customer_id,
        channel_message_id=message.channel_message_id,
        attachments=list(message.attachments),
        language=message.language,
        sender=message.sender,
        metadata={
            **{k: v for k, v in message.metadata.items() if isinstance(v, str)},
            **({"subject": message.subject} if message.subject else {}),
            **({"thread_keys": " ".join(message.thread_keys)} if message.thread_keys else {}),
        },
    )
