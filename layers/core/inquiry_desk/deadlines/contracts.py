"""The typed contracts of sla_timer: every event it accepts (one discriminated union) and the
escalation state machine's state. Pure pydantic: the handler validates, the domain reads models.

Five triggers, one function:

- ``timer``: a deadline timer fired (SQS message timer body, or an EventBridge Scheduler payload);
- ``escalation``: one step of the escalation ladder (a Step Functions Task; returns the next state);
- ``reconcile``: the rate() rule (``{"reconcile": true}`` or an EventBridge Scheduled Event);
- ``stream``: DynamoDB stream records (an inquiry changed: re-arm its one timer);
- ``queue``: SQS records from the timer queue (each body is a ``timer`` event).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, field_validator

from inquiry_desk.model import as_utc


class Phase(StrEnum):
    WARN = "warn"
    DUE = "due"


class _Contract(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimerSpec(_Contract):
    """The one armed timer of an inquiry: its next due instant (a warning or a deadline)."""

    inquiry_id: str = Field(min_length=1)
    at: datetime = Field(description="the exact instant it is due (aware UTC)")
    kind: str = Field(min_length=1, description="deadline kind, e.g. acknowledge")
    episode: int = Field(ge=1)
    phase: Phase

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return as_utc(value)

    def same_instant(self, other: TimerSpec | None) -> bool:
        return other is not None and (self.at, self.kind, self.episode, self.phase) == (
            other.at,
            other.kind,
            other.episode,
            other.phase,
        )


class TimerFired(_Contract):
    timer: TimerSpec


class LadderState(_Contract):
    """The escalation state machine's state: one running ladder per breached deadline."""

    inquiry_id: str = Field(min_length=1)
    kind: str = Field(min_length=1, description="the breached deadline this ladder escalates")
    episode: int = Field(ge=1)
    ladder: str = Field(min_length=1)
    step: int = Field(ge=0, description="the step to perform now (0: the start)")
    breached_at: datetime | None = Field(default=None, description="when the breach was recorded")
    wait_seconds: int = Field(default=0, ge=0, description="the Wait state's length before `step`")
    done: bool = False
    reason: str = ""
    request_id: str | None = Field(
        default=None, description="a cross-department request's ladder (R4.3, departments/): that request"
    )


class EscalationStep(_Contract):
    escalation: LadderState


class Reconcile(_Contract):
    reconcile: Literal[True]


class DepartmentTimer(_Contract):
    inquiry_id: str
    request_id: str


class DepartmentDue(_Contract):
    """A cross-department request's named schedule fired (R4.3, departments/)."""

    department: DepartmentTimer


class ScheduledEvent(BaseModel):
    """EventBridge's own Scheduled Event (a rule without a fixed input)."""

    detail_type: Literal["Scheduled Event"] = Field(alias="detail-type")


class _Record(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class StreamRecord(_Record):
    event_source: Literal["aws:dynamodb"] = Field(alias="eventSource")
    dynamodb: dict[str, Any] = Field(default_factory=dict)


class QueueRecord(_Record):
    event_source: Literal["aws:sqs"] = Field(alias="eventSource")
    body: str
    message_id: str = Field(alias="messageId")

    def timer(self) -> TimerSpec:
        return TimerFired.model_validate_json(self.body).timer


class StreamBatch(BaseModel):
    Records: list[StreamRecord]


class QueueBatch(BaseModel):
    Records: list[QueueRecord]


def _which(event: Any) -> str | None:
    if not isinstance(event, dict):
        return None
    if "timer" in event:
        return "timer"
    if "escalation" in event:
        return "escalation"
    if "reconcile" in event:
        return "reconcile"
    if "department" in event:
        return "department"
    if event.get("detail-type") == "Scheduled Event":
        return "scheduled"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        return {"aws:dynamodb": "stream", "aws:sqs": "queue"}.get(str(records[0].get("eventSource")))
    return None


SlaTimerEvent = Annotated[
    Annotated[TimerFired, Tag("timer")]
    | Annotated[EscalationStep, Tag("escalation")]
    | Annotated[Reconcile, Tag("reconcile")]
    | Annotated[DepartmentDue, Tag("department")]
    | Annotated[ScheduledEvent, Tag("scheduled")]
    | Annotated[StreamBatch, Tag("stream")]
    | Annotated[QueueBatch, Tag("queue")],
    Discriminator(_which),
]

sla_timer_event: TypeAdapter[SlaTimerEvent] = TypeAdapter(SlaTimerEvent)
