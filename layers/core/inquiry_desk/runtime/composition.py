"""Composition root for the Lambda handlers: builds each adapter once per process, lazily.

Handlers ask for what they need; nothing is created at import time, so a handler's cold start
pays only for what its route uses.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from inquiry_desk.intake.service import IntakeResult, IntakeService
from inquiry_desk.model import InboundMessage
from inquiry_desk.runtime.settings import settings
from inquiry_desk.triage.rules import CategoryRule, Triage


@cache
def repository() -> Any:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.dynamo import DynamoInquiryRepository

    return DynamoInquiryRepository(client("dynamodb"), settings().table_name)


@cache
def policy() -> Any:
    from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path

    return load_policy(settings().sla_policy_path or shipped_policy_path())


@cache
def triage() -> Triage:
    """The policy's categories and triage settings with the shipped model (R1.4, R1.5)."""
    from inquiry_desk.triage.linear import load_model

    return triage_for(policy(), load_model())


def triage_for(p: Any, model: Any) -> Triage:
    """A :class:`Triage` for policy ``p`` and a loaded model (None: keyword rules only)."""
    from inquiry_desk.model import Urgency
    from inquiry_desk.triage.rules import TriageSettings, UrgencySignal

    rules = [
        CategoryRule(category=cid, team=c.team, urgency=Urgency(c.urgency), keywords=tuple(c.keywords))
        for cid, c in p.categories.items()
    ]
    fallback = next(r for r in rules if r.category == p.defaults.category)
    settings = TriageSettings(
        threshold=p.triage.confidence_threshold,
        min_letters=p.triage.min_letters,
        tag_share=p.triage.tag_share,
        urgent_tiers=frozenset(p.triage.urgent_tiers),
        signals=tuple(
            UrgencySignal(signal=sid, keywords=tuple(s.keywords), urgent=s.urgent, tag=s.tag)
            for sid, s in p.triage.urgency_signals.items()
        ),
    )
    return Triage([r for r in rules if r is not fallback], fallback, model, settings)


@cache
def intake_service() -> IntakeService:
    p = policy()
    return IntakeService(
        repository(),
        triage(),
        join_window=timedelta(minutes=p.join_window.minutes),
        policy_version=p.version,
        planner=planner(),
        detect_language=_detect_language,
        identities=_strong_identities,
        route=route,
    )


def _detect_language(text: str) -> str | None:
    from inquiry_desk.channels.language import detect_language

    return detect_language(text)


def _strong_identities(message: InboundMessage) -> list[Any]:
    from inquiry_desk.channels.identity import strong_identities

    return strong_identities(message)


@cache
def planner() -> Any:
    from inquiry_desk.deadlines.planner import DeadlinePlanner

    return DeadlinePlanner(policy())


def inquiry_service() -> Any:
    from inquiry_desk.inquiries.service import InquiryService

    return InquiryService(repository(), planner())


def channels() -> Any:
    """Channel credentials from Secrets Manager, cached for 5 minutes (rotation is picked up)."""
    from aws_lambda_powertools.utilities.parameters import get_secret

    from inquiry_desk.channels.config import ChannelsConfig

    raw = get_secret(settings().channels_secret_name, transform="json", max_age=300)
    return ChannelsConfig.model_validate(raw)


@cache
def _idempotency_config() -> Any:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[channel, channel_message_id]",
        expires_after_seconds=settings().idempotency_ttl_seconds,
    )


def bind_context(context: Any) -> None:
    """Let idempotency know the invocation's remaining time (an in-progress record expires with it)."""
    _idempotency_config().register_lambda_context(context)


@cache
def _idempotent_receive() -> Any:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.serialization.dataclass import (
        DataclassSerializer,
    )

    from inquiry_desk.adapters.aws import client

    s = settings()
    persistence = DynamoDBPersistenceLayer(table_name=s.idempotency_table_name, boto3_client=client("dynamodb"))
    config = _idempotency_config()

    @idempotent_function(
        data_keyword_argument="message",
        persistence_store=persistence,
        config=config,
        output_serializer=DataclassSerializer(IntakeResult),
    )
    def receive(message: InboundMessage) -> IntakeResult:
        result = intake_service().receive(message)
        if result.created and settings().auto_answers:
            answer_automatically(result.inquiry_id)  # inside the idempotent call: never twice
        return result

    return receive


def receive(message: InboundMessage) -> IntakeResult:
    """Record one channel message exactly once.

    The powertools idempotency record (keyed on channel + the channel's message id) answers a
    redelivery with one read and no write; the repository's own dedupe item, written in the same
    transaction as the inquiry, is the durable guarantee after that record expires.
    """
    result: IntakeResult = _idempotent_receive()(message=message)
    return result


def enforcer(own_arn: str) -> Any:
    """The deadline enforcer for sla_timer; `own_arn` is the function schedules invoke."""
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.scheduler import SchedulerTimers
    from inquiry_desk.adapters.sns import SnsNotifier
    from inquiry_desk.adapters.stepfunctions import StepFunctionsLadders
    from inquiry_desk.deadlines.enforcer import DeadlineEnforcer
    from inquiry_desk.model import utc_now

    s = settings()
    missing = [
        n
        for n, v in (
            ("SCHEDULE_GROUP", s.schedule_group),
            ("SCHEDULER_ROLE_ARN", s.scheduler_role_arn),
            ("ESCALATION_STATE_MACHINE_ARN", s.escalation_state_machine_arn),
            ("NOTIFICATIONS_TOPIC_ARN", s.notifications_topic_arn),
        )
        if not v
    ]
    if missing:
        raise RuntimeError(f"sla_timer needs {', '.join(missing)}")
    return DeadlineEnforcer(
        repository(),
        policy(),
        SchedulerTimers(client("scheduler"), str(s.schedule_group), own_arn, str(s.scheduler_role_arn)),
        SnsNotifier(client("sns"), str(s.notifications_topic_arn)),
        StepFunctionsLadders(client("stepfunctions"), str(s.escalation_state_machine_arn)),
        inquiry_service(),
        utc_now,
    )


def teams() -> list[str]:
    """Every team the policy routes to (the reconciler walks their queues)."""
    return sorted({c.team for c in policy().categories.values()})


@cache
def routing() -> Any:
    """Teams' agents, skills, capacity and shifts (``policies/routing.json``, R4.1, R4.3)."""
    from pathlib import Path

    from inquiry_desk.triage.routing import load_routing

    path = settings().routing_path
    return load_routing(Path(path)) if path else load_routing()


def route(team: str, tags: tuple[str, ...], language: str | None, at: Any) -> Any:
    """The agent of ``team`` for a new inquiry: on shift, within capacity, balanced (R4.1, R4.3)."""
    from inquiry_desk.triage.routing import OpenWork, assign

    p = policy()

    def on_shift(calendar_id: str, instant: Any) -> bool:
        return calendar_id in p.calendars and bool(p.calendar(calendar_id).is_open(instant))

    queue = [OpenWork(i.owner, i.received_at) for i in repository().team_queue(team, limit=500)]
    r = routing()
    return assign(r, team, r.skills_for(tags, language), at, on_shift, queue)


def answer_automatically(inquiry_id: str) -> None:
    """The automatic answers to a new inquiry (R1.6, R7.3): greeting, received or out-of-hours
    notice (with the team calendar's next opening), FAQ; each through the outbox with its lineage."""
    from inquiry_desk.answers.automatic import automatic_answers
    from inquiry_desk.model import EventType

    timeline = repository().timeline(inquiry_id)
    if timeline is None:
        return
    inquiry = timeline.inquiry
    classified = next((e for e in timeline.events if e.type == EventType.CLASSIFIED), None)
    confidence = float(classified.data.get("confidence") or 0) if classified is not None else 0.0
    p = policy()
    calendar_id = p.defaults.calendar
    calendar = p.calendar(calendar_id)
    answers = automatic_answers(
        inquiry.channel.value,
        inquiry.language,
        inquiry.category,
        confidence,
        inquiry.received_at,
        calendar.is_open,
        lambda at: calendar.add_business_time(at, timedelta(0)),
        p.calendars[calendar_id].timezone,
    )
    service = inquiry_service()
    for answer in answers:
        service.notify_customer(
            inquiry_id,
            answer.text,
            inquiry.received_at,
            "bot",
            EventType.AUTO_ANSWERED,
            {"language": answer.language},
            lineage=answer.lineage,
        )
