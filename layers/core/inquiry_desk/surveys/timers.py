"""The closing-loop timers of a resolved inquiry (pure), on the deadlines' timer mechanism.

For the current resolution episode: send the survey `survey.delay` after the resolution, remind
once `survey.reminder_after` after it was sent (unless answered), and close by timeout when the
customer has not confirmed within `confirmation.window`. The timers are re-derived from the
timeline after every change, like the deadline timers; a timer that fires re-checks everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from inquiry_desk.deadlines.decisions import NamedTimer, ceil_minute
from inquiry_desk.model import EventType, Inquiry, InquiryEvent, Status
from inquiry_desk.surveys.policy import ClosingLoopPolicy

SEND, REMIND, TIMEOUT = "survey_send", "survey_remind", "confirm_timeout"
MILESTONE = "milestone:"  # + the policy's milestone name: a progress update while a promise runs (R2.8)
_NAMES = {SEND: "survey", REMIND: "survey-reminder", TIMEOUT: "confirm-timeout"}


def _of_episode(events: Sequence[InquiryEvent], kind: EventType, episode: int) -> list[InquiryEvent]:
    return [e for e in events if e.type is kind and int(e.data.get("episode", 0) or 0) == episode]


def resolved_at(inquiry: Inquiry, events: Sequence[InquiryEvent]) -> datetime | None:
    """When the current episode was resolved (the latest resolution of the episode)."""
    mine = [
        e
        for e in events
        if e.type is EventType.RESOLVED and int(e.data.get("episode", inquiry.episode) or 0) == inquiry.episode
    ]
    return mine[-1].at if mine else None


def survey_sent(events: Sequence[InquiryEvent], episode: int) -> InquiryEvent | None:
    sent = _of_episode(events, EventType.SURVEY_SENT, episode)
    return sent[0] if sent else None


def answered(events: Sequence[InquiryEvent], episode: int) -> InquiryEvent | None:
    done = _of_episode(events, EventType.SURVEY_ANSWERED, episode)
    return done[0] if done else None


def reminded(events: Sequence[InquiryEvent], episode: int) -> bool:
    return bool(_of_episode(events, EventType.SURVEY_REMINDED, episode))


def timer_name(inquiry_id: str, kind: str, episode: int) -> str:
    if kind.startswith(MILESTONE):
        return f"{inquiry_id}-milestone-{kind.removeprefix(MILESTONE)}-e{episode}"
    return f"{inquiry_id}-{_NAMES[kind]}-e{episode}"


def promise_met(events: Sequence[InquiryEvent], episode: int) -> bool:
    return bool(_of_episode(events, EventType.PROMISE_MET, episode))


def milestones_due(inquiry: Inquiry, events: Sequence[InquiryEvent]) -> dict[str, datetime]:
    """The progress updates still to send while the current episode's promise runs (R2.8): none once
    the inquiry is closed (or reopened, or open again) or the promise is met."""
    if inquiry.status is not Status.RESOLVED or promise_met(events, inquiry.episode):
        return {}
    resolutions = [
        e
        for e in events
        if e.type is EventType.RESOLVED and int(e.data.get("episode", inquiry.episode) or 0) == inquiry.episode
    ]
    planned = (resolutions[-1].data.get("milestones") or {}) if resolutions else {}
    sent = {str(e.data.get("milestone")) for e in _of_episode(events, EventType.MILESTONE_NOTIFIED, inquiry.episode)}
    return {f"{MILESTONE}{name}": datetime.fromisoformat(at) for name, at in planned.items() if name not in sent}


def due(policy: ClosingLoopPolicy, inquiry: Inquiry, events: Sequence[InquiryEvent]) -> dict[str, datetime]:
    """What is still to happen in the current episode, and when."""
    if inquiry.status not in (Status.RESOLVED, Status.CLOSED):
        return {}
    resolved = resolved_at(inquiry, events)
    if resolved is None:
        return {}
    episode, out = inquiry.episode, {}
    sent = survey_sent(events, episode)
    if answered(events, episode) is None:
        if sent is None:
            out[SEND] = resolved + policy.survey.delay.to_timedelta()
        elif not reminded(events, episode):
            out[REMIND] = sent.at + policy.survey.reminder_after.to_timedelta()
    if inquiry.status is Status.RESOLVED:
        out[TIMEOUT] = resolved + policy.confirmation.window.to_timedelta()
    out.update(milestones_due(inquiry, events))
    return out


def loop_timers(
    policy: ClosingLoopPolicy, inquiry: Inquiry, events: Sequence[InquiryEvent], now: datetime, target: str | None
) -> list[NamedTimer]:
    return [
        NamedTimer(
            timer_name(inquiry.inquiry_id, kind, inquiry.episode),
            ceil_minute(max(at, now)),
            {"loop": {"inquiry_id": inquiry.inquiry_id, "kind": kind, "episode": inquiry.episode}},
            target=target,
        )
        for kind, at in sorted(due(policy, inquiry, events).items())
    ]
