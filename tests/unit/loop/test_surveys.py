"""Surveys and the customer's verdict (R5.2-R5.4, R6.3) on in-memory fakes."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.model import EventType, Status, Urgency
from inquiry_desk.surveys.links import LinkRefused, LinkSigner, SurveyLink
from inquiry_desk.surveys.policy import ClosingLoopPolicy, load_closing_loop
from inquiry_desk.surveys.service import ClosingLoopService
from inquiry_desk.surveys.timers import REMIND, SEND, TIMEOUT, loop_timers
from inquiry_desk.surveys.verdicts import verdict

from tests.fakes import FakeInquiryRepository
from tests.unit.loop.builders import T0, events, inbound, inquiry, kinds, outbound

POLICY = load_closing_loop()
KEY = b"unit-test-survey-key-0123456789"


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


World = tuple[FakeInquiryRepository, ClosingLoopService, Clock]


@pytest.fixture
def world() -> World:
    repo = FakeInquiryRepository()
    repo.seed(inquiry(), [inbound()])
    clock = Clock(T0 + timedelta(minutes=30))
    inquiries = InquiryService(repo)
    inquiries.act("Q1", Action.RESOLVE, "agent-1", clock(), result="<b>replaced</b> the headset")
    service = ClosingLoopService(
        repo, inquiries, POLICY, lambda: LinkSigner(KEY), lambda: "https://desk.example/v1", clock
    )
    return repo, service, clock


def _send(repo: FakeInquiryRepository, service: ClosingLoopService, clock: Clock) -> str:
    clock.at += POLICY.survey.delay.to_timedelta()
    assert service.fire("Q1", SEND, 1)["done"] == "survey_sent"
    body = outbound(repo, "Q1")[-1].body
    link = next(w for w in body.split() if w.startswith("https://"))
    return urlsplit(link).path.rsplit("/", 1)[1]


def test_policy_keeps_the_survey_within_24_hours_R5_3() -> None:
    data = POLICY.model_dump(by_alias=True)
    data["survey"]["delay"] = {"hours": 25}
    with pytest.raises(ValueError, match="24 hours"):
        ClosingLoopPolicy.model_validate(data)


def test_resolution_gets_survey_and_timeout_timers_on_the_policy_delays_R5_3(world: World) -> None:
    repo, _service, clock = world
    timeline = repo.timeline("Q1")
    assert timeline is not None
    timers = {
        t.payload["loop"]["kind"]: t
        for t in loop_timers(POLICY, timeline.inquiry, timeline.events, clock(), "arn:survey")
    }
    assert set(timers) == {SEND, TIMEOUT}
    assert timers[SEND].at == clock() + POLICY.survey.delay.to_timedelta()
    assert timers[SEND].target == "arn:survey"
    assert timers[SEND].name == "Q1-survey-e1"
    assert timers[TIMEOUT].at == clock() + POLICY.confirmation.window.to_timedelta()


def test_survey_goes_out_once_through_the_outbox_with_lineage_R5_3(world: World) -> None:
    repo, service, clock = world
    assert service.fire("Q1", SEND, 1)["done"] == "nothing"  # early: the timer re-checks
    _send(repo, service, clock)
    message = outbound(repo, "Q1")[-1]
    assert message.delivery_status == "pending"
    assert message.content_ref == f"template:survey@{POLICY.version}"
    assert "客户服务中心" in message.body  # R7.3 e-mail template: company, promise, contacts, FAQ
    assert service.fire("Q1", SEND, 1)["done"] == "nothing"
    assert kinds(repo, "Q1").count("survey_sent") == 1


def test_one_reminder_then_nothing(world: World) -> None:
    repo, service, clock = world
    _send(repo, service, clock)
    clock.at += POLICY.survey.reminder_after.to_timedelta()
    assert service.fire("Q1", REMIND, 1)["done"] == "survey_reminded"
    assert service.fire("Q1", REMIND, 1)["done"] == "nothing"
    timeline = repo.timeline("Q1")
    assert timeline is not None
    assert REMIND not in {
        t.payload["loop"]["kind"] for t in loop_timers(POLICY, timeline.inquiry, timeline.events, clock(), None)
    }


def test_happy_answer_closes_the_loop_and_a_double_submit_counts_once_R5_2(world: World) -> None:
    repo, service, clock = world
    token = _send(repo, service, clock)
    shown = service.show(token)
    assert shown.outcome == "form"
    assert "&lt;b&gt;replaced&lt;/b&gt;" in shown.html and "<b>replaced" not in shown.html
    first = service.submit(token, {"score": "5", "resolved": "yes", "comment": "<script>x</script>"})
    assert first.outcome == "thanks"
    done = repo.get("Q1")
    assert done is not None
    assert (done.status, done.satisfaction, done.closed_by) == (Status.CLOSED, 5, "customer")
    writes = repo.writes
    again = service.submit(token, {"score": "1", "resolved": "no"})
    assert again.outcome == "answered"
    assert repo.writes == writes
    assert kinds(repo, "Q1").count("survey_answered") == 1


def test_low_score_reopens_to_supervisor_with_reason_R5_4(world: World) -> None:
    repo, service, clock = world
    token = _send(repo, service, clock)
    assert service.submit(token, {"score": "1", "comment": "still broken"}).outcome == "unhappy"
    found = repo.get("Q1")
    assert found is not None
    assert found.status is Status.IN_PROGRESS and found.episode == 2
    assert found.owner == "supervisors:tech_support"
    assert found.urgency is Urgency.URGENT  # the new episode's deadlines come from the urgent rules
    reopened = next(e for e in events(repo, "Q1") if e.type is EventType.REOPENED)
    assert "still broken" in reopened.data["reason"]
    assert service.show(token).outcome == "answered"


def test_not_solved_reopens_even_with_a_good_score_R5_4(world: World) -> None:
    repo, service, clock = world
    token = _send(repo, service, clock)
    assert service.submit(token, {"score": "4", "resolved": "no"}).outcome == "unhappy"
    found = repo.get("Q1")
    assert found is not None and found.status is Status.IN_PROGRESS


def test_wrong_information_opens_a_correction_candidate_R6_3(world: World) -> None:
    repo, service, clock = world
    token = _send(repo, service, clock)
    service.submit(token, {"score": "4", "wrong_info": "you said 30-day returns, the site says 7"})
    candidate = next(e for e in events(repo, "Q1") if e.type is EventType.CORRECTION_CANDIDATE)
    assert candidate.data["reported"].startswith("you said 30-day")


def test_tampered_expired_and_replayed_links_change_nothing(world: World) -> None:
    repo, service, clock = world
    token = _send(repo, service, clock)
    body, mac = token.split(".")
    forged = LinkSigner(b"another-key-0123456789abcdef").sign(SurveyLink("Q1", 1, clock() + timedelta(days=1)))
    writes = repo.writes
    assert service.submit(forged, {"score": "1"}).outcome == "tampered"
    assert service.submit(body[:-2] + "AA." + mac, {"score": "1"}).outcome == "tampered"
    assert service.submit("garbage", {"score": "1"}).outcome == "malformed"
    clock.at += POLICY.survey.link_valid.to_timedelta()
    assert service.submit(token, {"score": "1"}).outcome == "expired"
    assert repo.writes == writes


def test_a_link_of_an_earlier_episode_is_closed(world: World) -> None:
    repo, service, clock = world
    token = _send(repo, service, clock)
    InquiryService(repo).act("Q1", Action.REOPEN, "agent-1", clock(), reason="customer called")
    assert service.submit(token, {"score": "5"}).outcome == "closed"


def test_no_confirmation_in_the_window_closes_by_timeout_R5_2(world: World) -> None:
    repo, service, clock = world
    clock.at += POLICY.confirmation.window.to_timedelta()
    assert service.fire("Q1", TIMEOUT, 1)["done"] == "closed_by_timeout"
    found = repo.get("Q1")
    assert found is not None and found.status is Status.CLOSED and found.closed_by == "timeout"


def test_keyword_verdicts_in_both_languages_R5_2() -> None:
    assert POLICY.verdict_of("已解决,谢谢!") == "confirm"
    assert POLICY.verdict_of("Resolved, thanks") == "confirm"
    assert POLICY.verdict_of("not resolved") == "unhappy"
    assert POLICY.verdict_of("还是没解决") == "unhappy"
    assert POLICY.verdict_of("Could you tell me when the refund that was resolved arrives at my bank?") is None


def test_unhappy_keyword_reopens_to_supervisor_R3_2() -> None:
    resolved = inquiry(status=Status.RESOLVED, result="refund sent", event_count=3)
    step = verdict(POLICY, resolved, T0, "C1", happy=False, via="keyword reply", reason="没解决")
    assert step.inquiry.owner == "supervisors:tech_support"
    assert [e.type for e in step.events][:2] == [EventType.CONFIRMED, EventType.REOPENED]
    assert [e.seq for e in step.events] == [4, 5, 6]


def test_link_signature_round_trip() -> None:
    signer = LinkSigner(KEY)
    link = SurveyLink("Q9", 2, T0 + timedelta(days=1))
    assert signer.verify(signer.sign(link), T0) == link
    with pytest.raises(LinkRefused, match="expired"):
        signer.verify(signer.sign(link), T0 + timedelta(days=2))
