"""The bot's turn: one customer message in a conversation on a conversational channel (R1.8).

Read the inquiry's timeline, decide, then answer through the outbox from templates (each message
records ``template:<id>@<version>`` as its lineage) or hand the customer to a person. Rules, in
order:

1. once a person has it (handed off, or an agent wrote), the bot says nothing more;
2. a customer who asks for a person, or is upset (complaint, dispute, fault, urgent), goes to a
   person at once;
3. an answer to our verification question is compared in full with the order's phone or e-mail;
   a match is recorded (masked) and answered, a miss reveals nothing and after the policy's
   attempts goes to a person;
4. after the policy's number of bot answers the customer goes to a person;
5. an order question (the triage model's order categories) with an order number, or the
   customer's only recent order, is answered to the order's customer (R8.2) and otherwise
   verified first; anything else goes to a person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from inquiry_desk.answers.templates import Composed, compose
from inquiry_desk.assistant.policy import AssistantPolicy
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import Direction, EventType, Identity, Inquiry, InquiryEvent, Message, Urgency
from inquiry_desk.orders.identity import answers_verification, looks_like_contact, mask, order_numbers_in, owner_of
from inquiry_desk.orders.model import Order
from inquiry_desk.orders.ports import OrderBook, OrdersUnavailable
from inquiry_desk.ports import InquiryRepository, Timeline
from inquiry_desk.triage.routing import Assignment
from inquiry_desk.triage.rules import Classification

BOT = "bot"


@dataclass(frozen=True)
class Turn:
    """What the bot did with one message (for tests and the bench)."""

    action: str  # "answered" | "asked" | "handed_off" | "silent"
    reason: str | None = None
    templates: tuple[str, ...] = ()


class Assistant:
    def __init__(
        self,
        repository: InquiryRepository,
        orders: OrderBook,
        inquiries: InquiryService,
        policy: AssistantPolicy,
        classify: Callable[[str], Classification],
        route: Callable[[str, tuple[str, ...], str | None, datetime], Assignment] | None,
        clock: Callable[[], datetime],
        country_code: str | None = None,
    ) -> None:
        self._repo = repository
        self._orders = orders
        self._inquiries = inquiries
        self._policy = policy
        self._classify = classify
        self._route = route
        self._clock = clock
        self._country = country_code

    def respond(self, inquiry_id: str) -> Turn:
        try:
            return self._respond(inquiry_id)
        except OrdersUnavailable:
            timeline = self._repo.timeline(inquiry_id)
            if timeline is None:
                raise
            inbound = [m for m in timeline.messages if m.direction is Direction.INBOUND]
            found = self._classify(inbound[-1].body or "")
            return self._hand_off(timeline, "orders_unavailable", found, inbound[-1])

    def _respond(self, inquiry_id: str) -> Turn:
        timeline = self._repo.timeline(inquiry_id)
        if timeline is None or not self._policy.answers_on(timeline.inquiry.channel.value):
            return Turn("silent", "off")
        inquiry = timeline.inquiry
        if not inquiry.is_open or _handed_off(timeline.events):
            return Turn("silent", "a person has it")
        if any(m.direction is Direction.OUTBOUND and m.author not in (BOT, "system") for m in timeline.messages):
            return Turn("silent", "an agent is talking")
        inbound = [m for m in timeline.messages if m.direction is Direction.INBOUND]
        if not inbound:
            return Turn("silent", "nothing to answer")
        last = inbound[-1]
        if _answered(timeline.events, last.message_id):
            return Turn("silent", "answered before")
        language = last.language or inquiry.language or "zh"
        text = last.body or ""
        found = self._classify(text)
        if self._policy.asks_for_person(text):
            return self._hand_off(timeline, "asked_for_person", found, last)
        pending = _pending_verification(timeline.events)
        if pending is not None and looks_like_contact(text):
            return self._verify(timeline, pending, last, language, found)
        if self._policy.upset(found.category, found.confidence, found.urgent_because):
            return self._hand_off(timeline, "upset", found, last, urgent=True)
        if pending is not None:
            return self._verify(timeline, pending, last, language, found)
        if _bot_answers(timeline.events) >= self._policy.max_bot_answers:
            return self._hand_off(timeline, "not_helped", found, last)
        if found.category not in self._policy.answer_categories and not self._follows_up(timeline, found):
            return self._hand_off(timeline, "not_an_order_question", found, last)
        number = self._order_number(timeline, last)
        if number is None:
            return self._say(inquiry, last, language, [compose("bot.which_order", language)], "asked", "which order")
        order = self._orders.order(number)
        if order is not None and owner_of(order, inquiry.customer_id, self._repo.customers_for):
            self._check(inquiry, last, number, "owner", "linked_identity")
            return self._say(inquiry, last, language, self._status(order, language), "answered", "owner")
        # someone else's order, or no such order: the same question, so nothing is revealed (R8.2)
        self._check(inquiry, last, number, "asked", None)
        return self._say(inquiry, last, language, [compose("bot.verify_ask", language)], "asked", "verification")

    # --- steps -------------------------------------------------------------------------------
    def _verify(self, timeline: Timeline, number: str, last: Message, language: str, found: Classification) -> Turn:
        inquiry = timeline.inquiry
        order = self._orders.order(number)
        via = answers_verification(order, last.body or "", self._country) if order is not None else None
        if order is not None and via is not None:
            answer = order.phone if via == "phone" else order.email
            self._check(inquiry, last, number, "verified", via, mask(answer))
            return self._say(inquiry, last, language, self._status(order, language), "answered", "verified")
        failures = 1 + sum(
            1
            for e in timeline.events
            if e.type is EventType.IDENTITY_CHECKED
            and e.data.get("outcome") == "failed"
            and e.data.get("order_number") == number
        )
        self._check(inquiry, last, number, "failed", None, attempt=failures)
        if failures >= self._policy.max_verification_attempts:
            return self._hand_off(timeline, "verification_failed", found, last)
        return self._say(
            inquiry, last, language, [compose("bot.verify_failed", language)], "asked", "verification failed"
        )

    def _follows_up(self, timeline: Timeline, found: Classification) -> bool:
        """A short follow-up in a conversation the bot already answered about an order ("when will it
        arrive?") stays on that order unless triage is confident it is about something else."""
        if _bot_answers(timeline.events) == 0 or found.confidence >= self._policy.handoff_min_confidence:
            return False
        return any(e.data.get("order_number") for e in timeline.events)

    def _order_number(self, timeline: Timeline, last: Message) -> str | None:
        written = order_numbers_in(last.body or "", self._policy.order_number_pattern)
        if written:
            return written[0]
        if last.metadata.get("order_number"):
            return last.metadata["order_number"]
        # never ask again for what the customer already gave: the order this conversation is about
        talked_about = [e.data["order_number"] for e in timeline.events if e.data.get("order_number")]
        if talked_about:
            return str(talked_about[-1])
        if timeline.inquiry.order_number:
            return timeline.inquiry.order_number
        # the customer's only recent order (by the identities they wrote from)
        senders = list({m.sender.key: m.sender for m in timeline.messages if m.sender is not None}.values())
        since = self._clock() - timedelta(days=self._policy.recent_order_days)
        recent = [o for o in self._orders.orders_of(senders, limit=5) if o.placed_at >= since]
        return recent[0].order_number if len(recent) == 1 else None

    def _status(self, order: Order, language: str) -> list[Composed]:
        label = self._policy.label
        said = [
            compose(
                "bot.order_status",
                language,
                order=order.order_number,
                status=label(language, order.status.value),
                payment=label(language, order.payment_status.value),
            )
        ]
        logistics = order.logistics
        if logistics is not None and (logistics.tracking_number or logistics.events):
            latest = logistics.latest
            where = f" {latest.location}" if latest is not None and latest.location else ""
            said.append(
                compose(
                    "bot.order_tracking",
                    language,
                    carrier=logistics.carrier or "-",
                    tracking=logistics.tracking_number or "-",
                    latest=(
                        f"{latest.at.astimezone(ZoneInfo(self._policy.customer_time_zone)):%Y-%m-%d %H:%M}"
                        f"{where} {latest.description}"
                        if latest is not None
                        else label(language, "no_tracking")
                    ),
                )
            )
        return said

    def _say(
        self, inquiry: Inquiry, last: Message, language: str, said: Sequence[Composed], action: str, reason: str
    ) -> Turn:
        now = self._clock()
        for n, composed in enumerate(said):
            self._inquiries.notify_customer(
                inquiry.inquiry_id,
                composed.text,
                now + timedelta(milliseconds=n),  # in the order said
                BOT,
                EventType.AUTO_ANSWERED,
                {"bot": action, "in_reply_to": last.message_id, "language": composed.language},
                lineage=composed.lineage,
            )
        return Turn(action, reason, tuple(c.template_id for c in said))

    def _check(
        self,
        inquiry: Inquiry,
        last: Message,
        number: str,
        outcome: str,
        via: str | None,
        answer: str | None = None,
        attempt: int | None = None,
    ) -> None:
        data: dict[str, Any] = {"order_number": number, "outcome": outcome, "message_id": last.message_id}
        data.update({k: v for k, v in {"via": via, "answer": answer, "attempt": attempt}.items() if v is not None})
        self._inquiries.record(inquiry.inquiry_id, self._clock(), BOT, EventType.IDENTITY_CHECKED, data)

    def _hand_off(
        self, timeline: Timeline, reason: str, found: Classification, last: Message, urgent: bool = False
    ) -> Turn:
        """To a person with the dialogue and tags (R1.7): routed by the usual routing when nobody
        owns it yet; the customer is told a person can read everything said so far."""
        inquiry = timeline.inquiry
        now = self._clock()
        changes: dict[str, Any] = {}
        tags = sorted({*inquiry.tags, *found.tags})
        if urgent:
            changes["urgency"] = Urgency.URGENT
            if found.category != inquiry.category and found.category in self._policy.handoff_categories:
                changes.update(category=found.category, team=found.team)
        if tags != sorted(inquiry.tags):
            changes["tags"] = tags
        team = changes.get("team", inquiry.team)
        owner = inquiry.owner if team == inquiry.team else None
        why: dict[str, Any] = {}
        if owner is None and team and self._route is not None:
            assignment = self._route(team, tuple(tags), last.language or inquiry.language, now)
            owner, why = assignment.owner, dict(assignment.why)
        changes["owner"] = owner
        checks = [e for e in timeline.events if e.type is EventType.IDENTITY_CHECKED]
        data: dict[str, Any] = {
            "reason": reason,
            "category": changes.get("category", inquiry.category),
            "tags": tags,
            "bot_answers": _bot_answers(timeline.events),
            "dialogue": [m.message_id for m in timeline.messages],
            "due": (last.at + timedelta(seconds=self._policy.handoff_within_seconds)).isoformat(),
            "team": team,
            "owner": owner,
            "in_reply_to": last.message_id,
        }
        if why.get("reason"):
            data["routed_because"] = str(why["reason"])
        if checks:
            data["order_number"] = checks[-1].data.get("order_number")
            data["identity_verified"] = any(e.data.get("outcome") in ("owner", "verified") for e in checks)
        self._inquiries.record(inquiry.inquiry_id, now, BOT, EventType.HANDED_OFF, data, changes=changes)
        language = last.language or inquiry.language or "zh"
        handoff = compose("bot.handoff", language)
        self._inquiries.notify_customer(
            inquiry.inquiry_id,
            handoff.text,
            now,
            BOT,
            EventType.AUTO_ANSWERED,
            {"bot": "handed_off", "in_reply_to": last.message_id, "language": handoff.language},
            lineage=handoff.lineage,
        )
        return Turn("handed_off", reason, (handoff.template_id,))


def _handed_off(events: Sequence[InquiryEvent]) -> bool:
    return any(e.type is EventType.HANDED_OFF for e in events)


def _bot_events(events: Sequence[InquiryEvent]) -> list[InquiryEvent]:
    return [e for e in events if e.type is EventType.AUTO_ANSWERED and e.data.get("bot")]


def _answered(events: Sequence[InquiryEvent], message_id: str) -> bool:
    return any(e.data.get("in_reply_to") == message_id for e in _bot_events(events))


def _bot_answers(events: Sequence[InquiryEvent]) -> int:
    """How many customer messages the bot has answered (a status in two messages counts once)."""
    return len({e.data.get("in_reply_to") for e in _bot_events(events)})


def _pending_verification(events: Sequence[InquiryEvent]) -> str | None:
    """The order whose verification question is open (asked or failed, not yet verified)."""
    checks = [e for e in events if e.type is EventType.IDENTITY_CHECKED]
    if checks and checks[-1].data.get("outcome") in ("asked", "failed"):
        return str(checks[-1].data.get("order_number"))
    return None


def identities_of(messages: Sequence[Message]) -> list[Identity]:
    return list({m.sender.key: m.sender for m in messages if m.sender is not None}.values())
