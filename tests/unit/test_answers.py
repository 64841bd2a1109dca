"""R1.6/R7.3: automatic answers from versioned templates, per language, with their lineage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from inquiry_desk.answers.automatic import automatic_answers
from inquiry_desk.answers.templates import Composed, compose, render
from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
from inquiry_desk.model import Channel, EventType, Inquiry
from inquiry_desk.ports import Timeline

POLICY = load_policy(shipped_policy_path())
OFFICE = POLICY.calendar("cn_office")
SETTINGS = {"greeting_channels": ["chat"], "received": True, "out_of_hours": True, "faq_min_confidence": 0.6}


def _answers(
    at: datetime, channel: str = "chat", language: str = "zh", category: str = "order_logistics", c: float = 0.9
) -> list[Composed]:
    return automatic_answers(
        channel,
        language,
        category,
        c,
        at,
        OFFICE.is_open,
        lambda t: OFFICE.add_business_time(t, timedelta(0)),
        "Asia/Shanghai",
        SETTINGS,
    )


def test_R7_3_every_composed_message_carries_template_id_and_version() -> None:
    got = compose("received", "en")
    assert got.lineage == {"template_id": "received", "template_version": "1"}
    assert render("received", "zh") == compose("received", "zh").text


def test_R1_6_in_hours_greeting_received_and_faq_in_the_customers_language() -> None:
    tuesday_11 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 11:00 Shanghai
    got = _answers(tuesday_11, language="en")
    assert [a.template_id for a in got] == ["greeting", "received", "faq.order_logistics"]
    assert all(a.language == "en" for a in got)


def test_R1_6_out_of_hours_reply_says_when_a_person_answers() -> None:
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # Saturday 20:00 Shanghai
    got = _answers(saturday, channel="email")
    assert [a.template_id for a in got] == ["out_of_hours", "faq.order_logistics"]
    assert "2026-12-07 09:00" in got[0].text  # Monday's opening, from the team calendar


def test_R1_6_no_faq_when_the_classification_is_unsure_or_has_none() -> None:
    tuesday_11 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert [a.template_id for a in _answers(tuesday_11, channel="email", c=0.3)] == ["received"]
    assert [a.template_id for a in _answers(tuesday_11, channel="email", category="complaint")] == ["received"]


class _OneInquiry:
    """Just enough of the repository port for InquiryService: one timeline in memory."""

    def __init__(self, timeline: Any) -> None:
        self.timeline_ = timeline
        self.messages: list[Any] = []

    def timeline(self, inquiry_id: str) -> Any:
        return self.timeline_

    def append(self, inquiry: Any, expected_version: int, events: Any, message: Any = None, *_: Any) -> None:
        self.timeline_ = Timeline(inquiry, [*self.timeline_.events, *events], [*self.timeline_.messages])
        if message is not None:
            self.messages.append(message)


def test_R7_agent_reply_from_a_template_shows_its_version_on_the_timeline_and_message() -> None:
    from inquiry_desk.inquiries.lifecycle import Action
    from inquiry_desk.inquiries.service import InquiryService

    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    inquiry = Inquiry(
        inquiry_id="Q1", customer_id="C1", channel=Channel.EMAIL, received_at=at, description="x", language="en"
    )
    repo = _OneInquiry(Timeline(inquiry, [], []))
    InquiryService(repo).act("Q1", Action.REPLY, "agent-1", at, template="progress", values={"due": "Friday"})  # type: ignore[arg-type]
    [message] = repo.messages
    assert message.body == "Your inquiry is in progress. We expect to resolve it by Friday."
    assert message.metadata == {"template_id": "progress", "template_version": "1"}
    replied = next(e for e in repo.timeline_.events if e.type is EventType.REPLIED)
    assert (replied.data["template_id"], replied.data["template_version"]) == ("progress", "1")
