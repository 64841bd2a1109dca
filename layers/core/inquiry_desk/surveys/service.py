"""Closing the loop after a resolution: the survey and its reminder, the customer's confirmation
(survey link or keyword reply), closing by timeout, and the unhappy customer's escalation.

Every change is one read-decide-write on the inquiry (InquiryService.change), decided on the
timeline as it is now: a second submit, a duplicate timer or a replayed link changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from inquiry_desk.answers.templates import compose, render
from inquiry_desk.errors import Conflict
from inquiry_desk.inquiries import lifecycle
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.inquiries.service import Change, InquiryService
from inquiry_desk.model import Channel, EventType, Inquiry, InquiryEvent, Message, Status
from inquiry_desk.ports import InquiryRepository, Timeline
from inquiry_desk.surveys import page
from inquiry_desk.surveys.links import LinkRefused, LinkSigner, SurveyLink
from inquiry_desk.surveys.policy import ClosingLoopPolicy
from inquiry_desk.surveys.timers import MILESTONE, REMIND, SEND, TIMEOUT, answered, due, promise_met, survey_sent
from inquiry_desk.surveys.verdicts import verdict

SYSTEM = "closing_loop"
MAX_COMMENT = 2_000


@dataclass(frozen=True)
class Page:
    status: int
    html: str
    outcome: str  # form, thanks, unhappy, answered, closed, expired, tampered, malformed, invalid


class ClosingLoopService:
    def __init__(
        self,
        repository: InquiryRepository,
        inquiries: InquiryService,
        policy: ClosingLoopPolicy,
        signer: Callable[[], LinkSigner],
        base_url: Callable[[], str],
        now: Callable[[], datetime],
        timezone: str = "UTC",
    ) -> None:
        self._zone = ZoneInfo(timezone)  # the team calendar's: a promised time is told in it (R2.8)
        self._repo = repository
        self._inquiries = inquiries
        self._policy = policy
        self._signer = signer
        self._base_url = base_url
        self._now = now

    # --- timers -------------------------------------------------------------------------------

    def fire(self, inquiry_id: str, kind: str, episode: int) -> dict[str, Any]:
        """A closing-loop timer fired: re-read, re-decide, act at most once."""
        now = self._now()
        outcome: dict[str, Any] = {"inquiry_id": inquiry_id, "kind": kind, "episode": episode, "done": "nothing"}

        def decide(timeline: Timeline) -> Change | None:
            inquiry, events = timeline.inquiry, timeline.events
            if inquiry.episode != episode:
                outcome["why"] = f"episode {episode} is over"
                return None
            when = due(self._policy, inquiry, events).get(kind)
            if when is None:
                outcome["why"] = "nothing left to do for this timer"
                return None
            if now < when:
                outcome["why"] = f"moved to {when.isoformat()}"
                return None
            if kind == TIMEOUT:
                step = lifecycle.apply(
                    inquiry, Action.CLOSE, now, SYSTEM, closed_by="timeout", why="no confirmation in the window"
                )
                outcome["done"] = "closed_by_timeout"
                return Change(step.inquiry, step.events)
            if kind in (SEND, REMIND):
                outcome["done"] = "survey_sent" if kind == SEND else "survey_reminded"
                return self._survey_message(inquiry, events, kind, now)
            if kind.startswith(MILESTONE):
                outcome["done"] = "milestone_notified"
                return self._milestone_message(inquiry, kind.removeprefix(MILESTONE), now)
            return None

        self._inquiries.change(inquiry_id, decide)
        return outcome

    def _milestone_message(self, inquiry: Inquiry, name: str, now: datetime) -> Change:
        """A progress update at a milestone of the promised completion (R2.8), from the template."""
        milestones = self._policy.milestones
        lang = inquiry.language
        promised = inquiry.promised_by.astimezone(self._zone).strftime("%Y-%m-%d %H:%M") if inquiry.promised_by else ""
        todos = render("promise_todos", lang, todos="; ".join(inquiry.customer_todos)) if inquiry.customer_todos else ""
        composed = compose(milestones.template, lang, ref=inquiry.inquiry_id, promised=promised, todos=todos)
        content_ref = f"template:{composed.template_id}@{composed.version}"
        message = InquiryService.outbound(inquiry, composed.text, now, SYSTEM, content_ref=content_ref)
        data = {
            "milestone": name,
            "promised_by": inquiry.promised_by.isoformat() if inquiry.promised_by else None,
            "episode": inquiry.episode,
            "message_id": message.message_id,
            "content_ref": content_ref,
        }
        return _step(inquiry, now, SYSTEM, EventType.MILESTONE_NOTIFIED, data, message)

    def promise_met(self, inquiry_id: str, actor: str, note: str | None = None) -> Inquiry:
        """The promised work is done (refund paid, part shipped): no more progress updates (R2.8)."""
        now = self._now()

        def decide(timeline: Timeline) -> Change | None:
            inquiry = timeline.inquiry
            if inquiry.promised_by is None:
                raise Conflict("this inquiry has no promised completion")
            if promise_met(timeline.events, inquiry.episode):
                return None
            data = {"episode": inquiry.episode, "promised_by": inquiry.promised_by.isoformat(), "note": note}
            return _step(inquiry, now, actor, EventType.PROMISE_MET, {k: v for k, v in data.items() if v})

        return self._inquiries.change(inquiry_id, decide)

    def _survey_message(self, inquiry: Inquiry, events: list[InquiryEvent], kind: str, now: datetime) -> Change:
        survey = self._policy.survey
        expires = now + survey.link_valid.to_timedelta()
        if kind == REMIND:
            sent = survey_sent(events, inquiry.episode)
            expires = datetime.fromisoformat(sent.data["link_expires"]) if sent else expires
        link = self.link(inquiry.inquiry_id, inquiry.episode, expires)
        template = survey.template if kind == SEND else survey.reminder_template
        lang = inquiry.language
        text = render(template, lang, link=link, ref=inquiry.inquiry_id)
        if inquiry.channel is Channel.EMAIL:  # R7.3: the e-mail template carries company info and FAQ
            text += "\n\n" + render("email_footer", lang)
        message = InquiryService.outbound(
            inquiry, text, now, SYSTEM, content_ref=f"template:{template}@{self._policy.version}"
        )
        event_type = EventType.SURVEY_SENT if kind == SEND else EventType.SURVEY_REMINDED
        event = InquiryEvent(
            inquiry_id=inquiry.inquiry_id,
            seq=inquiry.event_count + 1,
            type=event_type,
            at=now,
            actor=SYSTEM,
            data={"episode": inquiry.episode, "message_id": message.message_id, "link_expires": expires.isoformat()},
        )
        advanced = inquiry.model_copy(
            update={"updated_at": now, "version": inquiry.version + 1, "event_count": event.seq}
        )
        return Change(advanced, [event], message)

    def link(self, inquiry_id: str, episode: int, expires: datetime) -> str:
        token = self._signer().sign(SurveyLink(inquiry_id, episode, expires))
        return f"{self._base_url().rstrip('/')}/survey/{token}"

    # --- the survey page ----------------------------------------------------------------------

    def _open(self, token: str, lang_hint: str | None) -> tuple[SurveyLink, Timeline] | Page:
        lang = page.language(lang_hint)
        try:
            link = self._signer().verify(token, self._now())
        except LinkRefused as refused:
            key = "expired" if refused.reason == "expired" else "invalid"
            return Page(410 if key == "expired" else 400, page.notice(lang, key), refused.reason)
        timeline = self._repo.timeline(link.inquiry_id)
        if timeline is None:
            return Page(404, page.notice(lang, "invalid"), "invalid")
        return link, timeline

    def _replayed(self, link: SurveyLink, timeline: Timeline, lang: str) -> Page | None:
        inquiry = timeline.inquiry
        if answered(timeline.events, link.episode) is not None:
            return Page(200, page.notice(lang, "answered"), "answered")
        if link.episode != inquiry.episode or inquiry.status not in (Status.RESOLVED, Status.CLOSED):
            return Page(410, page.notice(lang, "closed"), "closed")
        return None

    def show(self, token: str, lang_hint: str | None = None) -> Page:
        opened = self._open(token, lang_hint)
        if isinstance(opened, Page):
            return opened
        link, timeline = opened
        lang = page.language(lang_hint or timeline.inquiry.language)
        return self._replayed(link, timeline, lang) or Page(
            200, page.form(lang, timeline.inquiry.inquiry_id, timeline.inquiry.result), "form"
        )

    def submit(self, token: str, form: Mapping[str, str], lang_hint: str | None = None) -> Page:
        """Record the answer once (R5.3); a low score or "not solved" reopens to a supervisor (R5.4);
        "something you told me was wrong" opens a correction candidate (R6.3)."""
        opened = self._open(token, lang_hint)
        if isinstance(opened, Page):
            return opened
        link, first = opened
        lang = page.language(lang_hint or first.inquiry.language)
        try:
            score = int(str(form.get("score", "")).strip())
            if not 1 <= score <= 5:
                raise ValueError
        except ValueError:
            return Page(
                400, page.form(lang, first.inquiry.inquiry_id, first.inquiry.result, page.TEXT[lang]["missing"]), "form"
            )
        comment = str(form.get("comment") or "").strip()[:MAX_COMMENT]
        wrong = str(form.get("wrong_info") or "").strip()[:MAX_COMMENT]
        solved = str(form.get("resolved") or "yes").strip().lower() != "no"
        happy = solved and score > self._policy.unhappy.score_at_most
        now = self._now()
        result: dict[str, Page] = {}

        def decide(timeline: Timeline) -> Change | None:
            replay = self._replayed(link, timeline, lang)
            if replay is not None:
                result["page"] = replay
                return None
            inquiry = timeline.inquiry
            answer = InquiryEvent(
                inquiry_id=inquiry.inquiry_id,
                seq=inquiry.event_count + 1,
                type=EventType.SURVEY_ANSWERED,
                at=now,
                actor=inquiry.customer_id,
                data={
                    "episode": link.episode,
                    "score": score,
                    "solved": solved,
                    "comment": comment or None,
                    "wrong_info": wrong or None,
                },
            )
            events = [answer]
            if wrong:
                events.append(
                    InquiryEvent(
                        inquiry_id=inquiry.inquiry_id,
                        seq=answer.seq + 1,
                        type=EventType.CORRECTION_CANDIDATE,
                        at=now,
                        actor=inquiry.customer_id,
                        data={"episode": link.episode, "reported": wrong, "via": "survey", "status": "open"},
                    )
                )
            base = inquiry.model_copy(update={"event_count": events[-1].seq})
            reason = None if happy else (comment or ("score " + str(score) if solved else "not solved"))
            step = verdict(
                self._policy,
                base,
                now,
                inquiry.customer_id,
                happy=happy,
                via="survey",
                satisfaction=score,
                reason=reason,
            )
            result["page"] = Page(
                200, page.notice(lang, "thanks" if happy else "thanks_unhappy"), "thanks" if happy else "unhappy"
            )
            return Change(step.inquiry.model_copy(update={"version": inquiry.version + 1}), [*events, *step.events])

        self._inquiries.change(link.inquiry_id, decide)
        return result["page"]

    # --- keyword replies ----------------------------------------------------------------------

    def reply_verdict(self, text: str) -> str | None:
        return self._policy.verdict_of(text)


def _step(
    inquiry: Inquiry,
    at: datetime,
    actor: str,
    kind: EventType,
    data: dict[str, Any],
    message: Message | None = None,
) -> Change:
    event = InquiryEvent(
        inquiry_id=inquiry.inquiry_id, seq=inquiry.event_count + 1, type=kind, at=at, actor=actor, data=data
    )
    advanced = inquiry.model_copy(update={"updated_at": at, "version": inquiry.version + 1, "event_count": event.seq})
    return Change(advanced, [event], message)
