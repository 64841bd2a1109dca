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


def triage() -> Triage:
    from inquiry_desk.model import Urgency

    categories = policy().categories
    rules = [
        CategoryRule(
            category=cid,
            team=c.team,
            urgency=Urgency(c.urgency),
            keywords=tuple(c.keywords),
        )
        for cid, c in categories.items()
    ]
    fallback_id = policy().defaults.category
    return Triage(rules, next(r for r in rules if r.category == fallback_id))


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
        verdict=_keyword_verdict,
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

    return InquiryService(
        repository(),
        planner(),
        promise=_promise,
        default_promise_days=closing_loop().resolution.default_promise_working_days,
    )


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
        return intake_service().receive(message)

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
        closing_loop_timers(s.survey_function_arn) if s.survey_function_arn else None,
    )


def teams() -> list[str]:
    """Every team the policy routes to (the reconciler walks their queues)."""
    return sorted({c.team for c in policy().categories.values()})


# --- closing the loop (surveys/, corrections/, reviews) ------------------------------------------


@cache
def closing_loop() -> Any:
    """The closing-loop policy (survey delay, confirmation window, thresholds, sampling share)."""
    from inquiry_desk.surveys.policy import load_closing_loop

    return load_closing_loop(settings().closing_loop_policy_path)


def _promise(inquiry: Any, at: Any, working_days: int) -> Any:
    """R2.8: "X working days" in the inquiry's team calendar (the policy's default calendar)."""
    from inquiry_desk.inquiries.resolution import promised_completion

    p = policy()
    return promised_completion(p.calendar(p.defaults.calendar), at, working_days)


def _keyword_verdict(inquiry: Any, text: str, at: Any, actor: str) -> Any:
    """R5.2: a keyword reply ("已解决" / "not resolved", policy data) as the customer's verdict."""
    from inquiry_desk.surveys.verdicts import verdict

    loop = closing_loop()
    said = loop.verdict_of(text)
    if said is None:
        return None
    return verdict(loop, inquiry, at, actor, happy=said == "confirm", via="keyword reply", reason=text[:500])


def _survey_signer() -> Any:
    """The survey links' HMAC key: `survey.signing_key` in the channels secret (Secrets Manager;
    locally the channels file)."""
    from inquiry_desk.surveys.links import LinkSigner

    config = channels()
    if config.survey is None:
        raise RuntimeError("the channels secret has no survey.signing_key")
    return LinkSigner(config.survey.signing_key.get_secret_value().encode())


def _survey_base_url() -> str:
    import os

    config = channels()
    url = os.environ.get("DESK_SURVEY_BASE_URL") or settings().survey_base_url
    url = url or (config.survey.base_url if config.survey is not None else None)
    if not url:
        raise RuntimeError("no survey base URL: set survey.base_url in the channels secret")
    return str(url)


def closing_loop_service() -> Any:
    from inquiry_desk.model import utc_now
    from inquiry_desk.surveys.service import ClosingLoopService

    return ClosingLoopService(
        repository(), inquiry_service(), closing_loop(), _survey_signer, _survey_base_url, utc_now
    )


def closing_loop_timers(target: str | None) -> Any:
    """The survey, reminder and confirmation-timeout timers of a resolved inquiry (for sla_timer)."""
    from inquiry_desk.surveys.timers import loop_timers

    loop = closing_loop()
    return lambda inquiry, events, now: loop_timers(loop, inquiry, events, now, target)


@cache
def loop_store() -> Any:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.loop_store import DynamoLoopStore

    return DynamoLoopStore(client("dynamodb"), settings().table_name)


def correction_service() -> Any:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.sns import SnsNotifier
    from inquiry_desk.adapters.stepfunctions import StepFunctionsLadders
    from inquiry_desk.corrections.service import CorrectionService
    from inquiry_desk.model import utc_now

    s = settings()
    return CorrectionService(
        loop_store(),
        repository(),
        inquiry_service(),
        closing_loop(),
        StepFunctionsLadders(client("stepfunctions"), str(s.corrections_state_machine_arn or "")),
        SnsNotifier(client("sns"), s.notifications_topic_arn) if s.notifications_topic_arn else None,
        utc_now,
    )


def quality_service() -> Any:
    from inquiry_desk.model import utc_now
    from inquiry_desk.quality.service import QualityService

    return QualityService(loop_store(), repository(), inquiry_service(), closing_loop().sampling, utc_now)
