"""The business vocabulary of Inquiry Desk: pure data, no AWS, no environment.

Field names follow the record of R8.3 (004 table 1): customer id, name/nickname, contact,
channel, order number / member id, description, urgency, first response time, status, owner,
result, archive time, plus satisfaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _system_now() -> datetime:
    return datetime.now(UTC)


_now: Callable[[], datetime] = _system_now


def utc_now() -> datetime:
    """The current time. On AWS the system clock; the local runtime may run a faster clock."""
    return _now()


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Replace the time source (the local runtime's fast clock); None restores the system clock."""
    global _now
    _now = source or _system_now


def as_utc(value: datetime) -> datetime:
    """Normalise to an aware UTC datetime; a naive value is refused (its zone would be a guess)."""
    if value.tzinfo is None:
        raise ValueError("datetime must carry a time zone offset")
    return value.astimezone(UTC)


class Channel(StrEnum):
    """Where an inquiry came in (R1.1). Replies go back on the same channel (R5.1)."""

    CHAT = "chat"  # the shop's own web/app chat widget
    WECHAT = "wechat"  # WeChat official account / mini-program
    EMAIL = "email"
    SMS = "sms"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    WHATSAPP = "whatsapp"
    WEIBO = "weibo"
    APP_MESSAGE = "app_message"  # in-app message centre
    MARKETPLACE = "marketplace"
    PHONE = "phone"  # entered by an agent
    IN_STORE = "in_store"  # entered by an agent


class Status(StrEnum):
    """Inquiry lifecycle; CLOSED is 已闭环 (closed loop: the customer confirmed)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER})


class Urgency(StrEnum):
    NORMAL = "normal"  # 普通
    URGENT = "urgent"  # 紧急


class CustomerTier(StrEnum):
    NORMAL = "normal"
    VIP = "vip"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class DeliveryStatus(StrEnum):
    """An outbound message in the outbox: pending -> sent | failed."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class EventType(StrEnum):
    RECEIVED = "received"
    MESSAGE_ADDED = "message_added"
    CLASSIFIED = "classified"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    REPLIED = "replied"
    STATUS_CHANGED = "status_changed"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    CUSTOMER_REPLIED = "customer_replied"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    DEADLINE_SET = "deadline_set"
    DEADLINE_WARNED = "deadline_warned"
    DEADLINE_BREACHED = "deadline_breached"
    ESCALATED = "escalated"
    PROGRESS_NOTIFIED = "progress_notified"
    AUTO_ANSWERED = "auto_answered"  # R1.6: a templated automatic answer to the customer
    NOTE = "note"
    CUSTOMER_ERASED = "customer_erased"  # the tombstone: personal data removed on request
    # closing the loop (surveys/, corrections/, reviews)
    SURVEY_SENT = "survey_sent"
    SURVEY_REMINDED = "survey_reminded"
    SURVEY_ANSWERED = "survey_answered"
    CONFIRMED = "confirmed"  # the customer's verdict on the resolution (happy or not)
    CORRECTION_CANDIDATE = "correction_candidate"
    CORRECTION_SENT = "correction_sent"
    REVIEW_SAMPLED = "review_sampled"
    REVIEWED = "reviewed"
    # cross-department requests (departments/, R4.3)
    DEPARTMENT_REQUESTED = "department_requested"
    DEPARTMENT_ANSWERED = "department_answered"
    DEPARTMENT_BREACHED = "department_breached"  # not answered by its due time
    # the assistant (assistant/, orders/): identity before order talk (R8.2), handoff (R1.7)
    IDENTITY_CHECKED = "identity_checked"
    HANDED_OFF = "handed_off"
    # disputes (R2.9) and promise milestones (R2.8)
    DISPUTE_EVIDENCE_ADDED = "dispute_evidence_added"
    LIABILITY_DECIDED = "liability_decided"
    DISPUTE_RESULT_REPORTED = "dispute_result_reported"
    MILESTONE_NOTIFIED = "milestone_notified"
    PROMISE_MET = "promise_met"
    # handing over (console actions): to another agent or team, or up to the team's supervisors
    TRANSFERRED = "transferred"
    ESCALATED_TO_SUPERVISOR = "escalated_to_supervisor"
    # a cross-department request still unanswered after its breach: one step of its ladder (R4.3)
    DEPARTMENT_ESCALATED = "department_escalated"


class Attachment(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    content_type: str = "application/octet-stream"
    url: str  # where the bytes are kept (s3://... or the provider's media id URL)
    size: int | None = None


class Identity(BaseModel):
    """One way to recognise a customer: (kind, value), e.g. ("wechat_openid", "oXyz")."""

    model_config = ConfigDict(frozen=True)

    kind: str
    value: str

    @property
    def key(self) -> str:
        return f"{self.kind}#{self.value}"


class InboundMessage(BaseModel):
    """One customer message from any channel, normalised by that channel's codec.

    `channel_message_id` is the provider's own id for the message: the dedupe key (R1.2).
    """

    model_config = ConfigDict(frozen=True)

    channel: Channel
    channel_message_id: str = Field(min_length=1, max_length=512)
    sender: Identity  # the strongest identity the channel gives for the sender
    text: str = Field(default="", max_length=100_000)
    # when OUR front received it (API Gateway, SES, SNS, the local front): starts every deadline
    received_at: datetime = Field(default_factory=utc_now)
    # when the sender (or their provider) says it was sent: shown, never used for a deadline
    sent_at: datetime | None = None
    name: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=320)
    order_number: str | None = Field(default=None, max_length=128)
    member_id: str | None = Field(default=None, max_length=128)
    other_identities: tuple[Identity, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    subject: str | None = None
    thread_keys: tuple[str, ...] = ()  # e.g. email Message-IDs this message replies to
    language: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return as_utc(value)

    @field_validator("sent_at")
    @classmethod
    def _aware_sent(cls, value: datetime | None) -> datetime | None:
        return None if value is None else as_utc(value)


class Customer(BaseModel):
    customer_id: str
    name: str | None = None
    tier: CustomerTier = CustomerTier.NORMAL
    identities: list[Identity] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utc_now)


class Message(BaseModel):
    message_id: str
    inquiry_id: str
    direction: Direction
    channel: Channel
    body: str
    at: datetime  # inbound: when our front received it
    sent_at: datetime | None = None  # inbound: the sender's own claim, for display only
    author: str  # customer id for inbound, agent user name (or "system") for outbound
    channel_message_id: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    language: str | None = None
    # inbound: who sent it on that channel (the identity a reply is addressed to)
    sender: Identity | None = None
    # provider specifics a reply needs (e.g. email "subject", "message_id"; channel windows use `at`)
    metadata: dict[str, str] = Field(default_factory=dict)
    # outbound delivery (the outbox): pending -> sent | failed
    delivery_status: DeliveryStatus | None = None
    delivery_attempts: int = 0
    delivery_error: str | None = None
    delivered_at: datetime | None = None
    # lineage (R6.2): the template / article this text came from, e.g. "template:survey@2026.1"
    content_ref: str | None = None


# --- what each timeline event carries ---------------------------------------------------------------
class EventData(BaseModel):
    """The data of a timeline event. Each event type has its schema below: the fields it is known
    to carry, typed (so an episode is an int whether it was written by a service, read back from
    DynamoDB as Decimal('1') or typed on the CLI as "1"). Every field is optional and anything else
    is kept as given, so records written before a field existed, and capabilities that add their
    own details, still load."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


class MessageRef(EventData):
    """replied, customer_replied: the message that did it; a reply also the content it came from
    (R7: template/article id and version, the A/B variant) and the rank of the suggestion used."""

    message_id: str | None = None
    template_id: str | None = None
    template_version: str | None = None
    template_variant: str | None = None
    content_ref: str | None = None
    suggestion_rank: int | None = None


class ReceivedData(EventData):
    channel: str | None = None
    message_id: str | None = None


class MessageAddedData(EventData):
    message_id: str | None = None
    channel: str | None = None
    joined_by: str | None = None  # "join_window" | "thread"


class ClassifiedData(EventData):
    """classified: triage's choice and why (the matched keywords, identities linked, R1.3), or an
    agent's reclassification (only what changed)."""

    category: str | None = None
    urgency: str | None = None
    team: str | None = None
    matched: list[str] | None = None
    linked_identities: list[str] | None = None
    linked_because: str | None = None
    possible_same_customer_as: list[str] | None = None


class AssignedData(EventData):
    team: str | None = None
    owner: str | None = None


class StatusChangedData(EventData):
    status: str | None = None


class ReasonData(EventData):
    """waiting_on_customer: why."""

    reason: str | None = None


class ResolvedData(EventData):
    result: str | None = None
    milestones: dict[str, str] | None = None  # R2.8: progress updates due while the promise runs


class ClosedData(EventData):
    satisfaction: int | None = None  # 1-5, checked where the customer's answer comes in


class ReopenedData(EventData):
    reason: str | None = None
    episode: int | None = None


class DeadlineMark(EventData):
    """deadline_warned, deadline_breached, progress_notified, escalated: which deadline (kind and
    episode), when it was due, the ladder it started and the step that acted."""

    kind: str | None = None
    episode: int | None = None
    due: str | None = None
    ladder: str | None = None
    action: str | None = None
    step: int | None = None
    owner: str | None = None
    message_id: str | None = None


class NoteData(EventData):
    """note: an agent's text, a delivery result of the outbox (R5.1), or an identity unlinked (R1.3)."""

    text: str | None = None
    delivery: str | None = None  # "sent" | "failed"
    message_id: str | None = None
    attempts: int | None = None
    channel: str | None = None
    to: str | None = None
    fallback_from: str | None = None
    why: str | None = None
    provider_message_id: str | None = None
    reason: str | None = None
    unlinked: str | None = None
    identity: str | None = None
    from_customer: str | None = None
    to_customer: str | None = None


class SurveyData(EventData):
    """survey_sent / survey_reminded / survey_answered (R5.3, R6.3): the episode surveyed and, once
    answered, the 1-5 score and whether the customer says something they were told was wrong."""

    episode: int | None = None
    score: int | None = None
    comment: str | None = None
    wrong_information: bool | None = None


class VerdictData(EventData):
    """confirmed (R5.2, R5.4): the customer's verdict on the resolution and how it came."""

    happy: bool | None = None
    via: str | None = None
    reason: str | None = None
    episode: int | None = None


class LineageData(EventData):
    """auto_answered / correction_sent / correction_candidate: which content said it (R6.2, R7)."""

    template_id: str | None = None
    template_version: int | None = None
    content_ref: str | None = None
    message_id: str | None = None
    correction_id: str | None = None


class DepartmentRequestData(EventData):
    """department_requested / _answered / _breached (R4.3): which request, to whom, what was
    needed, when it was due, the answer and whether it came late."""

    request_id: str | None = None
    department: str | None = None
    needed: str | None = None
    due: str | None = None
    answer: str | None = None
    late: bool | None = None
    answered_at: str | None = None
    late_seconds: int | None = None
    # the breach (the timer fired unanswered) and its ladder's steps (department_escalated)
    ladder: str | None = None
    step: int | None = None
    action: str | None = None
    to: str | None = None
    why: str | None = None


class IdentityCheckData(EventData):
    """identity_checked (R8.2): whose order, how the asker was found to be (or not be) its customer;
    a typed answer only ever masked."""

    order_number: str | None = None
    outcome: str | None = None  # "owner" | "asked" | "verified" | "failed" | "refused"
    via: str | None = None  # "linked_identity" | "phone" | "email" | "agent_reply"
    answer: str | None = None  # masked
    attempt: int | None = None


class HandoffData(EventData):
    """handed_off (R1.7, R1.8): why the bot passed the customer to a person, what it already knows
    (so the customer never repeats it), and by when a person must have it."""

    reason: str | None = None  # "asked_for_person" | "upset" | "not_helped" | "not_an_order_question" ...
    category: str | None = None
    tags: list[str] | None = None
    order_number: str | None = None
    identity_verified: bool | None = None
    bot_answers: int | None = None
    dialogue: list[str] | None = None  # the message ids of the bot dialogue, in order
    due: str | None = None
    owner: str | None = None


class DisputeData(EventData):
    """dispute_evidence_added / liability_decided / dispute_result_reported (R2.9): the evidence
    (its id, kind, who it came from, what it shows), the liability decided with its reason and the
    evidence it rests on, and the report's message with its template lineage."""

    evidence_id: str | None = None
    kind: str | None = None
    source: str | None = None
    description: str | None = None
    ref: str | None = None
    liability: str | None = None
    reason: str | None = None
    evidence_ids: list[str] | None = None
    message_id: str | None = None
    content_ref: str | None = None
    template_id: str | None = None
    template_version: int | None = None


class MilestoneData(EventData):
    """milestone_notified / promise_met (R2.8): which milestone of which promise and the update's
    message; or the promise kept (no more updates), with the agent's note."""

    milestone: str | None = None
    note: str | None = None
    promised_by: str | None = None
    episode: int | None = None
    message_id: str | None = None
    content_ref: str | None = None


class HandoverData(EventData):
    """transferred / escalated_to_supervisor: who had it, who has it now, and the agent's reason."""

    from_owner: str | None = None
    from_team: str | None = None
    owner: str | None = None
    team: str | None = None
    reason: str | None = None


EVENT_DATA: dict[EventType, type[EventData]] = {
    EventType.RECEIVED: ReceivedData,
    EventType.MESSAGE_ADDED: MessageAddedData,
    EventType.CLASSIFIED: ClassifiedData,
    EventType.ASSIGNED: AssignedData,
    EventType.ACKNOWLEDGED: EventData,
    EventType.REPLIED: MessageRef,
    EventType.STATUS_CHANGED: StatusChangedData,
    EventType.WAITING_ON_CUSTOMER: ReasonData,
    EventType.CUSTOMER_REPLIED: MessageRef,
    EventType.RESOLVED: ResolvedData,
    EventType.CLOSED: ClosedData,
    EventType.REOPENED: ReopenedData,
    EventType.DEADLINE_SET: DeadlineMark,
    EventType.DEADLINE_WARNED: DeadlineMark,
    EventType.DEADLINE_BREACHED: DeadlineMark,
    EventType.ESCALATED: DeadlineMark,
    EventType.PROGRESS_NOTIFIED: DeadlineMark,
    EventType.NOTE: NoteData,
    EventType.CUSTOMER_ERASED: ReasonData,
    EventType.AUTO_ANSWERED: LineageData,
    EventType.SURVEY_SENT: SurveyData,
    EventType.SURVEY_REMINDED: SurveyData,
    EventType.SURVEY_ANSWERED: SurveyData,
    EventType.CONFIRMED: VerdictData,
    EventType.CORRECTION_CANDIDATE: LineageData,
    EventType.CORRECTION_SENT: LineageData,
    EventType.REVIEW_SAMPLED: EventData,
    EventType.REVIEWED: EventData,
    EventType.DEPARTMENT_REQUESTED: DepartmentRequestData,
    EventType.DEPARTMENT_ANSWERED: DepartmentRequestData,
    EventType.DEPARTMENT_BREACHED: DepartmentRequestData,
    EventType.IDENTITY_CHECKED: IdentityCheckData,
    EventType.HANDED_OFF: HandoffData,
    EventType.DISPUTE_EVIDENCE_ADDED: DisputeData,
    EventType.LIABILITY_DECIDED: DisputeData,
    EventType.DISPUTE_RESULT_REPORTED: DisputeData,
    EventType.MILESTONE_NOTIFIED: MilestoneData,
    EventType.PROMISE_MET: MilestoneData,
    EventType.TRANSFERRED: HandoverData,
    EventType.ESCALATED_TO_SUPERVISOR: HandoverData,
    EventType.DEPARTMENT_ESCALATED: DepartmentRequestData,
}


def _plain_numbers(value: Any) -> Any:
    """DynamoDB numbers (Decimal) as the ints and floats they were, at any depth."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    return value


class InquiryEvent(BaseModel):
    """One entry of an inquiry's append-only timeline. `data` is checked against its type's schema
    (`EVENT_DATA`) and kept as a plain dict of what was given; `details` is the typed view."""

    inquiry_id: str
    seq: int = Field(ge=1)
    type: EventType
    at: datetime
    actor: str = "system"
    data: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _typed_data(self) -> InquiryEvent:
        schema = EVENT_DATA.get(self.type, EventData)
        self.data = schema.model_validate(_plain_numbers(self.data)).model_dump(exclude_unset=True)
        return self

    @property
    def details(self) -> EventData:
        """The data as its event type's schema (e.g. DeadlineMark for deadline_breached)."""
        return EVENT_DATA.get(self.type, EventData).model_validate(self.data)


class Inquiry(BaseModel):
    inquiry_id: str
    customer_id: str
    channel: Channel
    received_at: datetime
    description: str
    status: Status = Status.NEW
    customer_name: str | None = None
    contact: str | None = None
    order_number: str | None = None
    member_id: str | None = None
    urgency: Urgency = Urgency.NORMAL
    customer_tier: CustomerTier = CustomerTier.NORMAL
    category: str | None = None
    tags: list[str] = Field(default_factory=list)
    team: str | None = None
    owner: str | None = None
    first_response_at: datetime | None = None
    result: str | None = None
    archived_at: datetime | None = None
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    language: str | None = None
    subject: str | None = None
    episode: int = 1  # a reopen starts a new episode (new deadlines, not an instant breach)
    next_deadline_at: datetime | None = None
    policy_version: str | None = None
    updated_at: datetime | None = None
    version: int = 1  # optimistic concurrency
    event_count: int = 0
    # resolution (R2.8): cause, solution, the customer's own to-dos, the promised completion
    cause: str | None = None
    solution: str | None = None
    customer_todos: list[str] = Field(default_factory=list)
    promised_by: datetime | None = None
    closed_by: str | None = None  # "customer" (confirmed / survey), "timeout", or the agent's name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def known_time_zone(value: str) -> str:
    """An IANA time zone name zoneinfo knows (policies' calendars, the customers' zone), or ValueError."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return value


def already_marked(events: Iterable[InquiryEvent], event_type: EventType, mark: dict[str, Any]) -> bool:
    """Whether `events` already hold `event_type` for the deadline `kind` and `episode` that `mark`
    names: a deadline's warning, breach or progress notice happens once per episode."""
    return any(
        e.type is event_type
        and e.data.get("kind") == mark.get("kind")
        and int(e.data.get("episode", 0)) == int(mark.get("episode", 0))
        for e in events
    )
