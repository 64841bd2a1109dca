"""The customer's verdict on a resolution, as lifecycle steps (pure).

Happy (R5.2): closed loop (已闭环) with the result and the satisfaction recorded.
Unhappy (R5.4, R3.2): reopened to the team's supervisors with the reason; the new episode takes its
deadlines from the SLA policy for the urgency the closing-loop policy names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inquiry_desk.errors import InvalidTransition
from inquiry_desk.inquiries import lifecycle
from inquiry_desk.inquiries.lifecycle import Action, Transition
from inquiry_desk.model import EventType, Inquiry, InquiryEvent, Status
from inquiry_desk.surveys.policy import ClosingLoopPolicy


def _chain(inquiry: Inquiry, at: datetime, actor: str, steps: list[tuple[Action, dict[str, Any]]]) -> Transition:
    events: list[InquiryEvent] = []
    current = inquiry
    for action, data in steps:
        step = lifecycle.apply(current, action, at, actor, **data)
        current, events = step.inquiry, [*events, *step.events]
    return Transition(current.model_copy(update={"version": inquiry.version + 1}), events)


def _verdict_event(inquiry: Inquiry, at: datetime, actor: str, data: dict[str, Any]) -> InquiryEvent:
    return InquiryEvent(
        inquiry_id=inquiry.inquiry_id,
        seq=inquiry.event_count + 1,
        type=EventType.CONFIRMED,
        at=at,
        actor=actor,
        data=data,
    )


def verdict(
    policy: ClosingLoopPolicy,
    inquiry: Inquiry,
    at: datetime,
    actor: str,
    *,
    happy: bool,
    via: str,
    satisfaction: int | None = None,
    reason: str | None = None,
) -> Transition:
    """The customer's verdict on the current episode's resolution.

    A happy verdict on a resolved inquiry closes the loop; on an inquiry already closed (by timeout
    or an earlier keyword) it records the satisfaction only. An unhappy verdict reopens either.
    """
    if inquiry.status not in (Status.RESOLVED, Status.CLOSED):
        raise InvalidTransition(f"no resolution to judge: the inquiry is {inquiry.status.value}")
    mark = {
        "verdict": "happy" if happy else "unhappy",
        "via": via,
        "episode": inquiry.episode,
        "satisfaction": satisfaction,
        **({"reason": reason} if reason else {}),
    }
    first = _verdict_event(inquiry, at, actor, mark)
    base = inquiry.model_copy(update={"event_count": first.seq})
    if happy:
        if inquiry.status is Status.RESOLVED:
            done = _chain(
                base,
                at,
                actor,
                [(Action.CLOSE, {"satisfaction": satisfaction, "closed_by": "customer", "why": f"confirmed by {via}"})],
            )
        else:
            changes = {"satisfaction": satisfaction} if satisfaction is not None else {}
            done = Transition(base.model_copy(update={**changes, "updated_at": at, "version": inquiry.version + 1}), [])
        return Transition(done.inquiry, [first, *done.events])
    owner = policy.unhappy.owner.format(team=inquiry.team or "unassigned")
    why = f"customer unhappy ({via})" + (f": {reason}" if reason else "")
    steps: list[tuple[Action, dict[str, Any]]] = [(Action.REOPEN, {"reason": why, "owner": owner, "by": via})]
    steps.append((Action.RECLASSIFY, {"urgency": policy.unhappy.urgency}))
    done = _chain(base, at, actor, steps)
    changes = {"satisfaction": satisfaction} if satisfaction is not None else {}
    return Transition(done.inquiry.model_copy(update=changes), [first, *done.events])
