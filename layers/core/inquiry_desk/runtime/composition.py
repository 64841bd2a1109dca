"""The composition root: the one place where services are built with their real adapters.

Handlers import this module (and their own parsing models) and ask for what they need; nothing is
created at import time, so a handler's cold start pays only for what its route uses. Each builder
reads only the settings piece it needs (`runtime.settings`), so a function that never sends mail
never needs the mail variables. New capabilities add their builders at the end of this file.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from inquiry_desk.intake.service import IntakeResult, IntakeService
from inquiry_desk.model import Identity, InboundMessage, Inquiry, Urgency, utc_now
from inquiry_desk.runtime.settings import (
    ArchiveSettings,
    ChannelSettings,
    ClosingLoopSettings,
    DirectorySettings,
    IdempotencySettings,
    MailSettings,
    NotificationSettings,
    OutboxSettings,
    PolicySettings,
    TableSettings,
    TimerSettings,
    TriageSettings,
    load,
)
from inquiry_desk.triage.rules import CategoryRule, Triage

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.hook import IdempotentHookFunction
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from inquiry_desk.adapters.archive import S3Archive
    from inquiry_desk.adapters.cognito import CognitoDirectory
    from inquiry_desk.adapters.dynamo import DynamoInquiryRepository
    from inquiry_desk.adapters.mail_store import MailStore
    from inquiry_desk.adapters.sns import SnsNotifier
    from inquiry_desk.channels.config import ChannelsConfig
    from inquiry_desk.customers.erasure import CustomerEraser
    from inquiry_desk.customers.linking import CustomerService
    from inquiry_desk.deadlines.enforcer import DeadlineEnforcer
    from inquiry_desk.deadlines.planner import DeadlinePlanner
    from inquiry_desk.deadlines.policy import SlaPolicy
    from inquiry_desk.inquiries.service import InquiryService
    from inquiry_desk.outbox.dispatcher import Dispatcher
    from inquiry_desk.retention.archiver import Archiver
    from inquiry_desk.triage.linear import TriageModel


# --- storage and policy ----------------------------------------------------------------------------
@cache
def repository() -> DynamoInquiryRepository:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.dynamo import DynamoInquiryRepository

    return DynamoInquiryRepository(client("dynamodb"), load(TableSettings).table_name)


@cache
def policy() -> SlaPolicy:
    from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path

    return load_policy(load(PolicySettings).sla_policy_path or shipped_policy_path())


def teams() -> list[str]:
    """Every team the policy routes to (the reconciler walks their queues)."""
    return sorted({c.team for c in policy().categories.values()})


@cache
def planner() -> DeadlinePlanner:
    from inquiry_desk.deadlines.planner import DeadlinePlanner

    return DeadlinePlanner(policy())


def channels(*sections: str) -> ChannelsConfig:
    """The named channels' credentials (default: every channel's) from Secrets Manager, one secret
    each, read at first use and cached for 5 minutes (powertools Parameters; rotation is seen).

    A function reads only the secrets of the channels it serves and is granted only those (infra);
    a secret holding `{}` is a channel not configured (its webhooks are refused).
    """
    from aws_lambda_powertools.utilities.parameters import get_secret

    from inquiry_desk.channels.config import SECRET_SECTIONS, ChannelsConfig

    prefix = load(ChannelSettings).channels_secrets_prefix
    found: dict[str, Any] = {}
    for section in sections or SECRET_SECTIONS:
        value = get_secret(f"{prefix}{section}", transform="json", max_age=300)
        if value:
            found[section] = value
    return ChannelsConfig.model_validate(found)


# --- inquiries and customers -----------------------------------------------------------------------
@cache
def triage() -> Triage:
    """The policy's categories and triage settings with the shipped model (R1.4, R1.5)."""
    from inquiry_desk.triage.linear import load_model

    return triage_for(policy(), load_model())


def triage_for(p: SlaPolicy, model: TriageModel | None) -> Triage:
    """A :class:`Triage` for policy ``p`` and a loaded model (None: keyword rules only)."""
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


def inquiry_service() -> InquiryService:
    from inquiry_desk.inquiries.service import InquiryService

    return InquiryService(
        repository(),
        planner(),
        promise=_promise,
        default_promise_days=closing_loop().resolution.default_promise_working_days,
    )


def customer_service() -> CustomerService:
    from inquiry_desk.customers.linking import CustomerService

    return CustomerService(repository(), inquiry_service())


# --- intake ----------------------------------------------------------------------------------------
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
        sender_clock_tolerance=p.arrival.sender_clock_tolerance.to_timedelta(),
        verdict=_keyword_verdict,
        route=route,
    )


def _detect_language(text: str) -> str | None:
    from inquiry_desk.channels.language import detect_language

    return detect_language(text)


def _strong_identities(message: InboundMessage) -> list[Identity]:
    from inquiry_desk.channels.identity import strong_identities

    return strong_identities(message)


def default_country_code() -> str:
    """The country code assumed for a local phone number typed without one."""
    return load(ChannelSettings).default_country_code


def max_body_bytes() -> int:
    return load(ChannelSettings).max_body_bytes


@cache
def _idempotency_config() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[channel, channel_message_id]",
        expires_after_seconds=load(IdempotencySettings).idempotency_ttl_seconds,
        response_hook=cast("IdempotentHookFunction", _redelivered),
    )


def _redelivered(response: Any, _record: Any) -> Any:
    """A redelivery answered from the idempotency record: the original answer (the same inquiry; an
    API replays its status), marked as a duplicate so the delivery itself is not counted as news."""
    from dataclasses import replace

    return replace(response, duplicate=True) if isinstance(response, IntakeResult) else response


def bind_context(context: LambdaContext) -> None:
    """Let idempotency know the invocation's remaining time (an in-progress record expires with it)."""
    _idempotency_config().register_lambda_context(context)


@cache
def _idempotent_receive() -> Callable[..., IntakeResult]:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.serialization.dataclass import DataclassSerializer

    from inquiry_desk.adapters.aws import client

    persistence = DynamoDBPersistenceLayer(
        table_name=load(IdempotencySettings).idempotency_table_name, boto3_client=client("dynamodb")
    )

    def receive(message: InboundMessage) -> IntakeResult:
        result = intake_service().receive(message)
        if result.created and load(TriageSettings).auto_answers:
            answer_automatically(result.inquiry_id)  # inside the idempotent call: never twice
        return result

    wrapped = idempotent_function(
        data_keyword_argument="message",
        persistence_store=persistence,
        config=_idempotency_config(),
        output_serializer=DataclassSerializer(IntakeResult),
    )(receive)
    return cast("Callable[..., IntakeResult]", wrapped)


def receive(message: InboundMessage) -> IntakeResult:
    """Record one channel message exactly once.

    The powertools idempotency record (keyed on channel + the channel's message id) answers a
    redelivery with one read and no write; the repository's own dedupe item, written in the same
    transaction as the inquiry, is the durable guarantee after that record expires.
    """
    return _idempotent_receive()(message=message)


def mail_store() -> MailStore:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.mail_store import MailStore

    mail = load(MailSettings)
    return MailStore(client("s3"), mail.mail_bucket, mail.mail_prefix)


# --- deadlines -------------------------------------------------------------------------------------
def enforcer(own_arn: str) -> DeadlineEnforcer:
    """The deadline enforcer for sla_timer; `own_arn` is the function schedules invoke."""
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.scheduler import NamedScheduleSet, SchedulerTimers
    from inquiry_desk.adapters.sns import SnsNotifier
    from inquiry_desk.adapters.sqs import QueueTimers
    from inquiry_desk.adapters.stepfunctions import StepFunctionsLadders
    from inquiry_desk.adapters.timers import DeadlineTimers
    from inquiry_desk.deadlines.enforcer import DeadlineEnforcer

    timers = load(TimerSettings)
    return DeadlineEnforcer(
        repository(),
        policy(),
        DeadlineTimers(
            QueueTimers(client("sqs"), timers.timer_queue_url),
            SchedulerTimers(client("scheduler"), timers.schedule_group, own_arn, timers.scheduler_role_arn),
        ),
        SnsNotifier(client("sns"), load(NotificationSettings).notifications_topic_arn),
        StepFunctionsLadders(client("stepfunctions"), timers.escalation_state_machine_arn),
        inquiry_service(),
        utc_now,
        closing_loop_timers(survey) if (survey := load(ClosingLoopSettings).survey_function_arn) else None,
        NamedScheduleSet(client("scheduler"), timers.schedule_group, own_arn, timers.scheduler_role_arn),
    )


# --- outbox ----------------------------------------------------------------------------------------
def dispatcher() -> Dispatcher:
    """Built per invocation: the channel secret is cached (5 min) by `channels`, so rotation is seen."""
    import os

    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.outbox_store import DynamoOutboxRepository
    from inquiry_desk.adapters.senders import build_senders
    from inquiry_desk.channels.config import SENDING_SECTIONS
    from inquiry_desk.outbox.decision import ChannelWindows
    from inquiry_desk.outbox.dispatcher import Dispatcher

    outbox = load(OutboxSettings)
    return Dispatcher(
        DynamoOutboxRepository(client("dynamodb"), load(TableSettings).table_name),
        build_senders(channels(*SENDING_SECTIONS), outbox, client),
        utc_now,
        planner=planner(),
        windows=ChannelWindows.from_env(os.environ),
        max_attempts=outbox.max_attempts,
    )


def inquiry_from_image(image: dict[str, Any]) -> Inquiry:
    """An inquiry from a stream record's image (DynamoDB JSON), e.g. the state before a change."""
    from inquiry_desk.adapters.dynamo import inquiry_from_item

    return inquiry_from_item(image)


@cache
def directory() -> CognitoDirectory:
    """Agents and their teams (the console API checks callers and assignment targets)."""
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.cognito import CognitoDirectory

    return CognitoDirectory(client("cognito-idp"), load(DirectorySettings).user_pool_id)


def eraser() -> CustomerEraser:
    """Erasure on a customer's request (admins): table, mail bucket, archive, tombstones."""
    from inquiry_desk.adapters.aws import client

    mail = load(MailSettings)
    return eraser_for(
        client("dynamodb"),
        client("s3"),
        load(TableSettings).table_name,
        mail.mail_bucket,
        mail.mail_prefix,
        load(ArchiveSettings).archive_bucket,
    )


def eraser_for(
    db: Any, s3: Any, table: str, mail_bucket: str | None, mail_prefix: str, archive_bucket: str | None
) -> CustomerEraser:
    """The eraser on given clients and names (the operator's `desk customers erase` against a stack)."""
    from inquiry_desk.adapters.archive import S3Archive
    from inquiry_desk.adapters.dynamo import DynamoInquiryRepository
    from inquiry_desk.adapters.erasure import DynamoS3ErasureStore
    from inquiry_desk.customers.erasure import CustomerEraser
    from inquiry_desk.inquiries.service import InquiryService

    repo = DynamoInquiryRepository(db, table)
    store = DynamoS3ErasureStore(db, table, s3, mail_bucket, mail_prefix)
    archived = S3Archive(s3, archive_bucket, db, table) if archive_bucket else None
    return CustomerEraser(repo, store, InquiryService(repo), archived)


def archive() -> S3Archive:
    from inquiry_desk.adapters.archive import S3Archive
    from inquiry_desk.adapters.aws import client

    return S3Archive(
        client("s3"), load(ArchiveSettings).archive_bucket, client("dynamodb"), load(TableSettings).table_name
    )


def archiver() -> Archiver:
    """Closed inquiries past the retention policy's age -> the archive bucket (R8.1, R8.4)."""
    from inquiry_desk.retention.archiver import Archiver
    from inquiry_desk.retention.policy import load_retention

    return Archiver(repository(), archive(), load_retention())


# --- closing the loop (surveys/, corrections/, reviews) ------------------------------------------


@cache
def closing_loop() -> Any:
    """The closing-loop policy (survey delay, confirmation window, thresholds, sampling share)."""
    from inquiry_desk.surveys.policy import load_closing_loop

    return load_closing_loop(load(ClosingLoopSettings).closing_loop_policy_path)


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
    """The survey links' HMAC key: `signing_key` in the survey secret (Secrets Manager)."""
    from inquiry_desk.surveys.links import LinkSigner

    config = channels("survey")
    if config.survey is None:
        raise RuntimeError("the channels secret has no survey.signing_key")
    return LinkSigner(config.survey.signing_key.get_secret_value().encode())


def _survey_base_url() -> str:
    config = channels("survey")
    url = load(ClosingLoopSettings).survey_base_url
    url = url or (config.survey.base_url if config.survey is not None else None)
    if not url:
        raise RuntimeError("no survey base URL: set base_url in the survey secret or DESK_SURVEY_BASE_URL")
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

    return DynamoLoopStore(client("dynamodb"), load(TableSettings).table_name)


def correction_service() -> Any:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.sns import SnsNotifier
    from inquiry_desk.adapters.stepfunctions import StepFunctionsExecutions
    from inquiry_desk.corrections.service import CorrectionService
    from inquiry_desk.model import utc_now
    from inquiry_desk.runtime.settings import SettingsError

    try:
        notifier: SnsNotifier | None = SnsNotifier(client("sns"), load(NotificationSettings).notifications_topic_arn)
    except SettingsError:
        notifier = None  # a function that cannot notify supervisors still records the correction
    return CorrectionService(
        loop_store(),
        repository(),
        inquiry_service(),
        closing_loop(),
        StepFunctionsExecutions(client("stepfunctions"), load(ClosingLoopSettings).corrections_state_machine_arn or ""),
        notifier,
        utc_now,
    )


def quality_service() -> Any:
    from inquiry_desk.model import utc_now
    from inquiry_desk.quality.service import QualityService

    return QualityService(loop_store(), repository(), inquiry_service(), closing_loop().sampling, utc_now)


# --- reports (R3.4, R9) ---------------------------------------------------------------------------
@cache
def report_policy() -> Any:
    from inquiry_desk.reports.settings import load_report_policy

    return load_report_policy()


@cache
def counter_store() -> Any:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.report_store import DynamoCounterStore

    return DynamoCounterStore(client("dynamodb"), load(TableSettings).table_name)


@cache
def event_counter() -> Any:
    from inquiry_desk.reports.service import EventCounter

    return EventCounter(repository(), counter_store(), report_policy())


def notifier() -> SnsNotifier:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.sns import SnsNotifier

    return SnsNotifier(client("sns"), load(NotificationSettings).notifications_topic_arn)


def unresolved_status(inquiry_id: str) -> tuple[str, str | None]:
    """(status now, the latest wait-on-customer reason) of one inquiry: why it is not resolved."""
    timeline = repository().timeline(inquiry_id)
    if timeline is None:
        return "missing", None
    waits = [e for e in timeline.events if e.type == "waiting_on_customer" and e.data.get("reason")]
    reason = str(waits[-1].data["reason"]) if waits and timeline.inquiry.status.value == "waiting_on_customer" else None
    return timeline.inquiry.status.value, reason


@cache
def routing() -> Any:
    """Teams' agents, skills, capacity and shifts (``policies/routing.json``, R4.1, R4.3)."""
    from pathlib import Path

    from inquiry_desk.triage.routing import load_routing

    path = load(TriageSettings).routing_path
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
