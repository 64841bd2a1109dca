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
from typing import TYPE_CHECKING, Any, TypeVar, cast

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


def policy() -> SlaPolicy:
    """The SLA policy's active version (the policy book; the shipped file until an admin saves one)."""
    found: SlaPolicy = active_policies().parsed("sla")
    return found


def teams() -> list[str]:
    """Every team the policy routes to (the reconciler walks their queues)."""
    return sorted({c.team for c in policy().categories.values()})


def planner() -> DeadlinePlanner:
    from inquiry_desk.deadlines.planner import DeadlinePlanner

    p = policy()
    return _derived("planner", (p,), lambda: DeadlinePlanner(p))


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
def triage() -> Triage:
    """The policy's categories and triage settings with the shipped model (R1.4, R1.5)."""
    from inquiry_desk.triage.linear import load_model

    p = policy()
    return _derived("triage", (p,), lambda: triage_for(p, load_model()))


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
        milestones=_milestones,
    )


def customer_service() -> CustomerService:
    from inquiry_desk.customers.linking import CustomerService

    return CustomerService(repository(), inquiry_service())


# --- intake ----------------------------------------------------------------------------------------
def intake_service() -> IntakeService:
    p = policy()
    return _derived("intake", (p,), lambda: _intake_service(p))


def _intake_service(p: SlaPolicy) -> IntakeService:
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
        bot = assistant_policy().answers_on(message.channel.value)
        if result.created and load(TriageSettings).auto_answers:
            # inside the idempotent call: never twice; where the bot talks, it answers, not the FAQ
            answer_automatically(result.inquiry_id, faq=not bot)
        if bot and not result.duplicate:
            assistant_turn(result.inquiry_id)  # the bot (R1.8): also inside, never twice
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
        with_department_timers(
            closing_loop_timers(survey) if (survey := load(ClosingLoopSettings).survey_function_arn) else None
        ),
        NamedScheduleSet(client("scheduler"), timers.schedule_group, own_arn, timers.scheduler_role_arn),
        named_lookback=closing_loop().reconcile.lookback.to_timedelta(),
        named_limit=closing_loop().reconcile.limit,
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
    from inquiry_desk.adapters.order_store import DynamoOrderStore

    archived = S3Archive(s3, archive_bucket, db, table) if archive_bucket else None
    return CustomerEraser(repo, store, InquiryService(repo), archived, DynamoOrderStore(db, table))


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


def closing_loop() -> Any:
    """The closing-loop policy's active version (survey delay, confirmation window, thresholds, sampling)."""
    return active_policies().parsed("closing_loop")


def _promise(inquiry: Any, at: Any, working_days: int) -> Any:
    """R2.8: "X working days" in the inquiry's team calendar (the policy's default calendar)."""
    from inquiry_desk.inquiries.resolution import promised_completion

    p = policy()
    return promised_completion(p.calendar(p.defaults.calendar), at, working_days)


def _milestones(inquiry: Any, at: Any, promised: Any) -> dict[str, Any]:
    """R2.8: when the progress updates of a promise are due, in the same calendar as the promise."""
    from inquiry_desk.inquiries.resolution import milestone_instants

    p, m = policy(), closing_loop().milestones
    calendar = p.calendar(p.defaults.calendar)
    return milestone_instants(calendar, at, promised, list(m.points), m.skip_within.to_timedelta())


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

    p = policy()
    return ClosingLoopService(
        repository(),
        inquiry_service(),
        closing_loop(),
        _survey_signer,
        _survey_base_url,
        utc_now,
        timezone=p.calendar(p.defaults.calendar).timezone,
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

    return QualityService(
        loop_store(), repository(), inquiry_service(), closing_loop().sampling, utc_now, correction_service()
    )


# --- reports (R3.4, R9) ---------------------------------------------------------------------------
def report_policy() -> Any:
    """The report policy's active version."""
    return active_policies().parsed("reports")


@cache
def counter_store() -> Any:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.report_store import DynamoCounterStore

    return DynamoCounterStore(client("dynamodb"), load(TableSettings).table_name)


def event_counter() -> Any:
    from inquiry_desk.reports.service import EventCounter

    rp = report_policy()
    return _derived("event_counter", (rp,), lambda: EventCounter(repository(), counter_store(), rp))


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


def routing() -> Any:
    """Teams' agents, skills, capacity and shifts: the routing document's active version (R4.1, R4.3)."""
    return active_policies().parsed("routing")


def route(team: str, tags: tuple[str, ...], language: str | None, at: Any) -> Any:
    """The agent of ``team`` for a new inquiry: on shift, within capacity, balanced (R4.1, R4.3)."""
    from inquiry_desk.triage.routing import OpenWork, assign

    p = policy()

    def on_shift(calendar_id: str, instant: Any) -> bool:
        return calendar_id in p.calendars and bool(p.calendar(calendar_id).is_open(instant))

    queue = [OpenWork(i.owner, i.received_at) for i in repository().team_queue(team, limit=500)]
    r = routing()
    return assign(r, team, r.skills_for(tags, language), at, on_shift, queue)


def answer_automatically(inquiry_id: str, faq: bool = True) -> None:
    """The automatic answers to a new inquiry (R1.6, R7.3): greeting, received or out-of-hours
    notice (with the team calendar's next opening), FAQ; each through the outbox with its lineage."""
    from inquiry_desk.answers.automatic import automatic_answers
    from inquiry_desk.answers.templates import automatic_settings
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
        None if faq else {**automatic_settings(), "faq_min_confidence": 2.0},  # 2.0: no FAQ
        variant_key=inquiry.inquiry_id,  # an A/B-tested FAQ answer: the inquiry's own variant (R7.1)
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


# --- knowledge base and suggestions (R7.1, R7.2), cross-department requests (R4.3) -----------------
@cache
def knowledge_policy() -> Any:
    from inquiry_desk.knowledge.policy import load_knowledge_policy

    return load_knowledge_policy()


@cache
def knowledge_store() -> Any:
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.knowledge_store import DynamoKnowledgeStore

    return DynamoKnowledgeStore(client("dynamodb"), load(TableSettings).table_name)


def knowledge_service() -> Any:
    from inquiry_desk.knowledge.service import KnowledgeService

    return KnowledgeService(knowledge_store(), utc_now)


def suggestions_for(inquiry_id: str, visible: Callable[[str | None], bool]) -> Any:
    """Suggested templates and articles in the customer's language, and similar resolved cases
    the caller may see (their teams), for one inquiry (R7.2)."""
    from inquiry_desk.answers.suggestions import inquiry_query, suggest
    from inquiry_desk.errors import NotFound

    timeline = repository().timeline(inquiry_id)
    if timeline is None:
        raise NotFound(f"no inquiry {inquiry_id}")
    inquiry = timeline.inquiry
    query = inquiry_query(inquiry, timeline.messages)
    settings = knowledge_policy().suggestions
    articles = knowledge_store().catalogue(settings.max_articles)
    since = utc_now() - timedelta(days=settings.similar_cases.days)
    recent = [i for i in repository().recent(since, settings.similar_cases.candidates) if visible(i.team)]
    return suggest(inquiry, query, articles, recent, settings)


def department_requests() -> Any:
    from inquiry_desk.departments.service import DepartmentRequests, load_departments

    p = policy()
    return DepartmentRequests(inquiry_service(), load_departments(), lambda: p.calendar(p.defaults.calendar))


def template_ab_outcomes() -> list[dict[str, Any]]:
    """Replies, CSAT and reopens per A/B template variant, through the lineage (R7.1)."""
    from inquiry_desk.answers.ab import outcomes

    store, repo = loop_store(), repository()
    found = outcomes(lambda ref: [e.inquiry_id for e in store.lineage(ref)], repo.get)
    return [o.to_json() for o in found]


def check_content_ref(ref: str) -> None:
    """A reply's content_ref names a template or a knowledge-base article version that exists."""
    from inquiry_desk.answers import templates
    from inquiry_desk.answers.lineage import parse
    from inquiry_desk.errors import PayloadError

    parsed = parse(ref)
    if parsed is None or parsed.kind not in ("template", "article") or not (parsed.version or "").isdigit():
        raise PayloadError(f"content_ref {ref!r} is not template:<id>@<version> or article:<id>@<version>")
    if parsed.kind == "template":
        if not templates.has(parsed.content_id):
            raise PayloadError(f"no template {parsed.content_id!r}")
        return
    if knowledge_store().version(parsed.content_id, int(parsed.version or 0)) is None:
        raise PayloadError(f"no article {parsed.content_id} version {parsed.version}")


def with_department_timers(loop: Any) -> Any:
    """The enforcer's named schedules: the closing loop's (when it has a target) and one per open
    cross-department request at its due time (R4.3); `sync` keeps exactly their union."""
    from inquiry_desk.departments.service import department_timers

    return lambda inquiry, events, now: [
        *(loop(inquiry, events, now) if loop else []),
        *department_timers(inquiry, events, now),
    ]


# --- orders and the assistant (R1.7, R1.8, R8.2, R10.2) ------------------------------------------
@cache
def assistant_policy() -> Any:
    """The bot's policy: on or off, channels, handoff rules (``policies/assistant.json``)."""
    from inquiry_desk.assistant.policy import load_assistant_policy
    from inquiry_desk.runtime.settings import AssistantSettings

    return load_assistant_policy(load(AssistantSettings).assistant_policy_path)


@cache
def order_store() -> Any:
    """The orders the shop feeds, in the desk's table (orders.ports.OrderStore)."""
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.order_store import DynamoOrderStore

    return DynamoOrderStore(client("dynamodb"), load(TableSettings).table_name)


def order_book() -> Any:
    """Where the bot and the reply check read orders: the shop's own system when the channels
    secret names one (``shop_orders``: base_url, secret), else the order store the shop feeds."""
    shop = channels().shop_orders
    if shop is None:
        return order_store()
    from inquiry_desk.adapters.shop_orders import ShopOrderSystem

    return ShopOrderSystem(shop.base_url, shop.secret.get_secret_value().encode(), country_code=default_country_code())


def open_urgent_inquiry(message: InboundMessage) -> str:
    """An order exception as its own inquiry (deduplicated on the order and exception), urgent."""
    from inquiry_desk.model import EventType

    result = intake_service().receive(message)
    inquiry = repository().get(result.inquiry_id)
    if inquiry is not None and inquiry.urgency is not Urgency.URGENT:
        inquiry_service().record(
            result.inquiry_id,
            message.received_at,
            "system",
            EventType.CLASSIFIED,
            {"urgency": "urgent", "urgent_because": [f"order_exception:{message.metadata.get('order_exception')}"]},
            changes={"urgency": Urgency.URGENT},
        )
    return result.inquiry_id


def order_feed() -> Any:
    from inquiry_desk.orders.feed import OrderFeed

    return OrderFeed(order_store(), open_urgent_inquiry, assistant_policy().exception_texts, utc_now)


def order_privacy() -> Any:
    """The identity rule for agents' replies (R8.2)."""
    from inquiry_desk.orders.guard import OrderPrivacy

    return OrderPrivacy(order_book(), repository(), assistant_policy().order_number_pattern)


def assistant() -> Any:
    from inquiry_desk.assistant.bot import Assistant

    return Assistant(
        repository(),
        order_book(),
        inquiry_service(),
        assistant_policy(),
        lambda text: triage().classify(text),
        route,
        utc_now,
        default_country_code(),
    )


def assistant_turn(inquiry_id: str) -> None:
    """The bot's answer to the message just recorded. A failure is logged (its type, no customer
    data) and leaves the message with the person it was routed to: the message itself is kept."""
    import logging

    try:
        assistant().respond(inquiry_id)
    except Exception as err:
        logging.getLogger("inquiry_desk.assistant").warning(
            "bot turn failed", extra={"inquiry_id": inquiry_id, "error": type(err).__name__}
        )


# --- disputes (R2.9) ------------------------------------------------------------------------------
def dispute_service() -> Any:
    from inquiry_desk.disputes.service import DisputeService
    from inquiry_desk.model import utc_now

    return DisputeService(inquiry_service(), closing_loop().disputes, utc_now)


def daily_report_delivery() -> Any:
    """Each team's daily report to its supervisors (R9.2): Cognito for who, SES for how."""
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.cognito import CognitoSupervisors
    from inquiry_desk.adapters.senders import SesReportMailer
    from inquiry_desk.model import utc_now
    from inquiry_desk.reports.daily import DailyReportDelivery
    from inquiry_desk.runtime.settings import ReportMailSettings

    mail = load(ReportMailSettings)
    supervisors = CognitoSupervisors(
        client("cognito-idp"), load(DirectorySettings).user_pool_id, report_policy().daily_report.supervisors_group
    )
    repo = repository()
    return DailyReportDelivery(
        counter_store(),
        report_policy(),
        policy(),
        lambda team, at: repo.overdue(team, at, limit=500),
        lambda team: repo.team_queue(team, limit=500),
        supervisors.emails,
        SesReportMailer(client("ses"), mail.mail_from) if mail.mail_from else None,
        notifier(),
        mail.console_url,
        utc_now,
        stored_reports(),
    )


@cache
def stored_reports() -> Any:
    """The reports bucket (reports.stored), or None where no bucket is configured."""
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.report_archive import S3StoredReports
    from inquiry_desk.runtime.settings import StoredReportSettings

    bucket = load(StoredReportSettings).reports_bucket
    return S3StoredReports(client("s3"), bucket) if bucket else None


# --- the policy book: admins' versions of the policy documents ------------------------------------
_DERIVED: dict[str, tuple[tuple[object, ...], Any]] = {}
_T = TypeVar("_T")


def _derived(name: str, sources: tuple[object, ...], build: Callable[[], _T]) -> _T:
    """A service built from policy objects, rebuilt only when one of them is another version."""
    kept = _DERIVED.get(name)
    if kept is not None and len(kept[0]) == len(sources) and all(a is b for a, b in zip(kept[0], sources, strict=True)):
        return cast("_T", kept[1])
    value = build()
    _DERIVED[name] = (sources, value)
    return value


@cache
def _packaged_file(path: str) -> dict[str, Any]:
    import json
    from pathlib import Path

    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def packaged_policy(name: str) -> dict[str, Any]:
    """Version 0 of a policy document: the file this function was deployed with (a path in its
    environment, else the one shipped in the package)."""
    from inquiry_desk.policies.documents import shipped_content

    path = {
        "sla": load(PolicySettings).sla_policy_path,
        "routing": load(TriageSettings).routing_path,
        "closing_loop": load(ClosingLoopSettings).closing_loop_policy_path,
    }.get(name)
    return _packaged_file(path) if path else shipped_content(name)


@cache
def policy_store() -> Any:
    """The versions in the single table; None for a function without the table (files only)."""
    from inquiry_desk.runtime.settings import SettingsError

    try:
        table = load(TableSettings).table_name
    except SettingsError:
        return None
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.policy_store import DynamoPolicyStore

    return DynamoPolicyStore(client("dynamodb"), table)


@cache
def active_policies() -> Any:
    """Every document's active version, read at most once per ``cache_seconds`` (policy_book.json)."""
    import time

    from inquiry_desk.answers import templates
    from inquiry_desk.policies.book import ActivePolicies
    from inquiry_desk.policies.documents import book_settings

    active = ActivePolicies(policy_store(), packaged_policy, book_settings().cache_seconds, time.monotonic)
    templates.use_source(lambda: active.content("templates"))
    return active


def policy_book() -> Any:
    """Admins' side: versions, save with validation and audit, rollback. A save is seen by this
    container at once; other containers within ``cache_seconds``."""
    from inquiry_desk.policies.book import PolicyBook

    store = policy_store()
    if store is None:
        raise RuntimeError("the policy book needs the table (TABLE_NAME)")
    return PolicyBook(store, packaged_policy, utc_now, on_change=active_policies().invalidate)


# --- cross-department requests past their due time (R4.3): sla_timer's side ------------------------
def department_escalations() -> Any:
    """Department requests with the breach's notices and ladder: the same notifier (SNS) and
    escalation state machine as the deadlines' ladders (sla_timer only)."""
    from inquiry_desk.adapters.aws import client
    from inquiry_desk.adapters.stepfunctions import StepFunctionsLadders
    from inquiry_desk.departments.service import DepartmentRequests, load_departments

    p = policy()
    return DepartmentRequests(
        inquiry_service(),
        load_departments(),
        lambda: p.calendar(p.defaults.calendar),
        notifier(),
        StepFunctionsLadders(client("stepfunctions"), load(TimerSettings).escalation_state_machine_arn),
        utc_now,
    )
