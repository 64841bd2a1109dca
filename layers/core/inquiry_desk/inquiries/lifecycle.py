"""The inquiry status lifecycle, as pure functions over an Inquiry.

new -> acknowledged -> in_progress <-> waiting_on_customer -> resolved -> closed (已闭环)
resolved/closed -> reopened (a new episode, back to in_progress)

Every transition returns the advanced inquiry and the timeline events it adds; nothing is
mutated in place, so a caller can save both atomically with optimistic concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from inquiry_desk.errors import InvalidTransition
from inquiry_desk.model import EventType, Inquiry, InquiryEvent, Status, Urgency


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    START = "start"
    REPLY = "reply"  # an agent's answer went out to the customer
    WAIT_ON_CUSTOMER = "wait_on_customer"
    CUSTOMER_REPLIED = "customer_replied"
    RESOLVE = "resolve"
    CLOSE = "close"  # the customer confirmed: closed loop
    REOPEN = "reopen"
    RECLASSIFY = "reclassify"
    NOTE = "note"
    TRANSFER = "transfer"  # to another agent and/or team, with a reason
    ESCALATE = "escalate"  # up to the team's supervisors, with a reason


_ALLOWED: dict[Action, frozenset[Status]] = {
    Action.ACKNOWLEDGE: frozenset({Status.NEW}),
    Action.ASSIGN: frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER}),
    Action.START: frozenset({Status.NEW, Status.ACKNOWLEDGED}),
    Action.REPLY: frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER}),
    Action.WAIT_ON_CUSTOMER: frozenset({Status.ACKNOWLEDGED, Status.IN_PROGRESS}),
    Action.CUSTOMER_REPLIED: frozenset(
        {Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER}
    ),
    Action.RESOLVE: frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER}),
    Action.CLOSE: frozenset({Status.RESOLVED}),
    Action.REOPEN: frozenset({Status.RESOLVED, Status.CLOSED}),
    Action.RECLASSIFY: frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER}),
    Action.NOTE: frozenset(Status),
    Action.TRANSFER: frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER}),
    Action.ESCALATE: frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.WAITING_ON_CUSTOMER}),
}

SUPERVISORS_OWNER = "supervisors:{team}"  # the owner of an inquiry escalated to its team's supervisors


def supervisors_of(team: str | None) -> str:
    return SUPERVISORS_OWNER.format(team=team or "unassigned")


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


@dataclass(frozen=True)
class Transition:
    inquiry: Inquiry
    events: list[InquiryEvent]


def apply(
    inquiry: Inquiry,
    action: Action,
    at: datetime,
    actor: str,
    **data: Any,
) -> Transition:
    """Apply `action` to `inquiry` at `at` by `actor`; raise InvalidTransition when not allowed."""
    if inquiry.status not in _ALLOWED[action]:
        raise InvalidTransition(f"cannot {action.value} an inquiry that is {inquiry.status.value}")
    changes: dict[str, Any] = {}
    kinds: list[tuple[EventType, dict[str, Any]]] = []
    if action is Action.ACKNOWLEDGE:
        changes["status"] = Status.ACKNOWLEDGED
        changes["owner"] = inquiry.owner or actor
        kinds.append((EventType.ACKNOWLEDGED, {}))
    elif action is Action.ASSIGN:
        owner = str(data.get("owner") or actor)
        changes["owner"] = owner
        if data.get("team"):
            changes["team"] = str(data["team"])
        kinds.append((EventType.ASSIGNED, {"owner": owner, "team": changes.get("team", inquiry.team)}))
    elif action is Action.START:
        changes["status"] = Status.IN_PROGRESS
        changes["owner"] = inquiry.owner or actor
        kinds.append((EventType.STATUS_CHANGED, {"status": Status.IN_PROGRESS.value}))
    elif action is Action.REPLY:
        if inquiry.first_response_at is None:
            changes["first_response_at"] = at
        if inquiry.status in (Status.NEW, Status.ACKNOWLEDGED):
            changes["status"] = Status.IN_PROGRESS
        changes["owner"] = inquiry.owner or actor
        # R7: which template/article version (and A/B variant) said it, and whether the agent took
        # it from the suggestions offered (its rank there): the suggestions' hit rate
        keys = ("template_id", "template_version", "template_variant", "content_ref", "suggestion_rank")
        lineage = {k: data[k] for k in keys if data.get(k)}
        kinds.append((EventType.REPLIED, {"message_id": data.get("message_id"), **lineage}))
    elif action is Action.WAIT_ON_CUSTOMER:
        changes["status"] = Status.WAITING_ON_CUSTOMER
        kinds.append((EventType.WAITING_ON_CUSTOMER, {"reason": data.get("reason")}))
    elif action is Action.CUSTOMER_REPLIED:
        if inquiry.status is Status.WAITING_ON_CUSTOMER:
            changes["status"] = Status.IN_PROGRESS
        kinds.append((EventType.CUSTOMER_REPLIED, {"message_id": data.get("message_id")}))
    elif action is Action.RESOLVE:
        result = str(data.get("result") or "").strip()
        if not result:
            raise InvalidTransition("a resolution needs a result (解决结果)")
        # R2.8: the answer states cause, solution and timeline; the customer's own to-dos and the
        # promised completion are recorded with it
        todos = [str(t).strip() for t in data.get("customer_todos") or [] if str(t).strip()]
        promised = data.get("promised_by")
        changes.update(
            status=Status.RESOLVED,
            result=result,
            cause=_text(data.get("cause")),
            solution=_text(data.get("solution")),
            customer_todos=todos,
            promised_by=promised,
            closed_by=None,
        )
        kinds.append(
            (
                EventType.RESOLVED,
                {
                    "result": result,
                    "cause": changes["cause"],
                    "solution": changes["solution"],
                    "customer_todos": todos,
                    "promised_by": promised.isoformat() if isinstance(promised, datetime) else None,
                    "promise": data.get("promise"),
                    "episode": inquiry.episode,
                    **({"milestones": data["milestones"]} if data.get("milestones") else {}),
                },
            )
        )
    elif action is Action.CLOSE:
        changes["status"] = Status.CLOSED
        changes["archived_at"] = at
        changes["closed_by"] = str(data.get("closed_by") or actor)
        satisfaction = data.get("satisfaction")
        if satisfaction is not None:
            changes["satisfaction"] = int(satisfaction)
        kinds.append(
            (
                EventType.CLOSED,
                {
                    "satisfaction": satisfaction,
                    "closed_by": changes["closed_by"],
                    "episode": inquiry.episode,
                    **({"why": str(data["why"])} if data.get("why") else {}),
                },
            )
        )
    elif action is Action.REOPEN:
        changes["status"] = Status.IN_PROGRESS
        changes["episode"] = inquiry.episode + 1
        changes["archived_at"] = None
        changes["result"] = None
        changes["closed_by"] = None
        if data.get("owner"):
            changes["owner"] = str(data["owner"])
        kinds.append(
            (
                EventType.REOPENED,
                {
                    "reason": data.get("reason"),
                    "episode": inquiry.episode + 1,
                    **({"owner": changes["owner"]} if "owner" in changes else {}),
                    **({"by": str(data["by"])} if data.get("by") else {}),
                },
            )
        )
    elif action is Action.RECLASSIFY:
        if data.get("urgency"):
            changes["urgency"] = Urgency(str(data["urgency"]))
        if data.get("category"):
            changes["category"] = str(data["category"])
        if data.get("team"):
            changes["team"] = str(data["team"])
        before = {"urgency": inquiry.urgency, "category": inquiry.category, "team": inquiry.team}
        record: dict[str, Any] = {k: str(v) for k, v in changes.items()}
        # R1.4: an agent's override records what it replaced (exported as training data)
        record["from"] = {k: (str(before[k]) if before[k] is not None else None) for k in changes}
        record["override"] = True
        kinds.append((EventType.CLASSIFIED, record))
    elif action is Action.NOTE:
        kinds.append((EventType.NOTE, {"text": str(data.get("text", ""))}))
    elif action is Action.TRANSFER:
        reason = _text(data.get("reason"))
        if reason is None:
            raise InvalidTransition("a transfer needs a reason")
        team = _text(data.get("team")) or inquiry.team
        to_owner = _text(data.get("owner"))  # None: the team's queue, for whoever takes it
        if team == inquiry.team and to_owner == inquiry.owner:
            raise InvalidTransition("a transfer needs another agent or another team")
        changes["owner"] = to_owner
        changes["team"] = team
        kinds.append(
            (
                EventType.TRANSFERRED,
                {
                    "from_owner": inquiry.owner,
                    "from_team": inquiry.team,
                    "owner": to_owner,
                    "team": team,
                    "reason": reason,
                },
            )
        )
    elif action is Action.ESCALATE:
        reason = _text(data.get("reason"))
        if reason is None:
            raise InvalidTransition("an escalation needs a reason")
        up = supervisors_of(inquiry.team)
        if inquiry.owner == up:
            raise InvalidTransition("this inquiry is already with the team's supervisors")
        changes["owner"] = up
        kinds.append(
            (
                EventType.ESCALATED_TO_SUPERVISOR,
                {
                    "from_owner": inquiry.owner,
                    "from_team": inquiry.team,
                    "owner": up,
                    "team": inquiry.team,
                    "reason": reason,
                },
            )
        )

    first_seq = inquiry.event_count + 1
    events = [
        InquiryEvent(inquiry_id=inquiry.inquiry_id, seq=first_seq + i, type=kind, at=at, actor=actor, data=d)
        for i, (kind, d) in enumerate(kinds)
    ]
    advanced = inquiry.model_copy(
        update={
            **changes,
            "updated_at": at,
            "version": inquiry.version + 1,
            "event_count": inquiry.event_count + len(events),
        }
    )
    return Transition(inquiry=advanced, events=events)
