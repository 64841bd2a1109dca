"""The reconciler re-creates lost closing-loop timers (R5.2, R5.3, R3.1): a resolved inquiry whose
survey or confirmation-timeout schedule is gone gets it back, once; existing ones are untouched."""

from __future__ import annotations

from datetime import timedelta

from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.model import Channel
from inquiry_desk.surveys.policy import load_closing_loop

from tests.fakes import T0, Desk
from tests.fakes.inbound import inbound

LOOKBACK = load_closing_loop().reconcile.lookback.to_timedelta()


def _resolved(desk: Desk) -> str:
    inquiry_id = desk.intake().receive(inbound(Channel.CHAT, "web-1", "我要退货 return", T0)).inquiry_id
    desk.enforcer().plan(inquiry_id)
    previous = desk.repository.get(inquiry_id)
    desk.inquiries().act(inquiry_id, Action.RESOLVE, "agent-1", T0 + timedelta(minutes=5), result="已退款")
    desk.enforcer().plan(inquiry_id, previous)
    return inquiry_id


def test_R5_3_the_reconciler_recreates_a_lost_survey_timer_once(desk: Desk) -> None:
    inquiry_id = _resolved(desk)
    planned = desk.schedules.of(inquiry_id)
    assert set(planned) == {f"{inquiry_id}-survey-e1", f"{inquiry_id}-confirm-timeout-e1"}
    desk.schedules.forget(inquiry_id, f"{inquiry_id}-survey-e1")
    desk.clock.at = T0 + timedelta(minutes=10)
    enforcer = desk.enforcer(named_lookback=LOOKBACK)
    assert enforcer.reconcile(["aftersales"])["timers_recreated"] == 1
    assert desk.schedules.of(inquiry_id) == planned  # the same timer, at the same instant
    assert enforcer.reconcile(["aftersales"])["timers_recreated"] == 0  # idempotent


def test_R5_2_a_lost_timer_already_due_is_made_for_the_next_minute(desk: Desk) -> None:
    inquiry_id = _resolved(desk)
    desk.schedules.forget(inquiry_id, f"{inquiry_id}-confirm-timeout-e1")
    desk.clock.at = T0 + timedelta(days=4)  # past the confirmation window
    assert desk.enforcer(named_lookback=LOOKBACK).reconcile(["aftersales"])["timers_recreated"] >= 1
    timeout = desk.schedules.of(inquiry_id)[f"{inquiry_id}-confirm-timeout-e1"]
    assert desk.clock.at <= timeout.at <= desk.clock.at + timedelta(minutes=1)


def test_R5_3_inquiries_outside_the_lookback_or_still_open_are_left_alone(desk: Desk) -> None:
    inquiry_id = _resolved(desk)
    desk.schedules.forget(inquiry_id, f"{inquiry_id}-survey-e1")
    desk.clock.at = T0 + LOOKBACK + timedelta(days=1)
    assert desk.enforcer(named_lookback=LOOKBACK).reconcile(["aftersales"])["timers_recreated"] == 0
    assert desk.enforcer().reconcile(["aftersales"]) == {"fired": 0}  # without the sweep: as before


def test_R5_3_a_sent_survey_gets_its_reminder_timer_and_an_answer_removes_it(desk: Desk) -> None:
    from inquiry_desk.surveys.links import LinkSigner
    from inquiry_desk.surveys.service import ClosingLoopService
    from inquiry_desk.surveys.timers import SEND

    loop = load_closing_loop()
    inquiry_id = _resolved(desk)
    service = ClosingLoopService(
        desk.repository, desk.inquiries(), loop, lambda: LinkSigner(b"k" * 32), lambda: "https://d/v1", desk.clock
    )
    desk.clock.at = T0 + timedelta(minutes=5) + loop.survey.delay.to_timedelta()
    previous = desk.repository.get(inquiry_id)
    assert service.fire(inquiry_id, SEND, 1)["done"] == "survey_sent"
    desk.enforcer().plan(inquiry_id, previous)  # the stream: same status, a survey_sent event
    assert f"{inquiry_id}-survey-reminder-e1" in desk.schedules.of(inquiry_id)
