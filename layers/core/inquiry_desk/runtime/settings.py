"""Runtime settings: each function's environment, parsed once into a validated model.

Every environment variable a function reads is named once, in `Env`; `infra/` builds each
function's environment from the same names, and an infrastructure test checks that every
function gets every variable its settings require. Settings are composed from shared pieces
(`TableSettings`, `ChannelSettings`, ...): a service asks for the piece it needs
(`load(TableSettings)`), a handler validates its whole function's settings at cold start
(`load(IntakeSettings)`), and a missing or malformed variable fails with a message naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Env(StrEnum):
    """The name of every environment variable our functions read (and `infra/` sets)."""

    FUNCTION = "DESK_FUNCTION"
    TABLE_NAME = "TABLE_NAME"
    IDEMPOTENCY_TABLE_NAME = "IDEMPOTENCY_TABLE_NAME"
    IDEMPOTENCY_TTL_SECONDS = "IDEMPOTENCY_TTL_SECONDS"
    CHANNELS_SECRETS_PREFIX = "CHANNELS_SECRETS_PREFIX"
    DEFAULT_COUNTRY_CODE = "DEFAULT_COUNTRY_CODE"
    MAX_BODY_BYTES = "MAX_BODY_BYTES"
    SLA_POLICY_PATH = "SLA_POLICY_PATH"
    NOTIFICATIONS_TOPIC_ARN = "NOTIFICATIONS_TOPIC_ARN"
    SCHEDULE_GROUP = "SCHEDULE_GROUP"
    SCHEDULER_ROLE_ARN = "SCHEDULER_ROLE_ARN"
    ESCALATION_STATE_MACHINE_ARN = "ESCALATION_STATE_MACHINE_ARN"
    TIMER_QUEUE_URL = "TIMER_QUEUE_URL"
    ARCHIVE_BUCKET = "ARCHIVE_BUCKET"
    USER_POOL_ID = "USER_POOL_ID"
    CONSOLE_ORIGIN = "CONSOLE_ORIGIN"
    ROUTING_PATH = "ROUTING_PATH"
    AUTO_ANSWERS = "AUTO_ANSWERS"
    CLOSING_LOOP_POLICY_PATH = "CLOSING_LOOP_POLICY_PATH"
    SURVEY_FUNCTION_ARN = "SURVEY_FUNCTION_ARN"
    SURVEY_BASE_URL = "DESK_SURVEY_BASE_URL"
    CORRECTIONS_STATE_MACHINE_ARN = "CORRECTIONS_STATE_MACHINE_ARN"
    MAIL_BUCKET = "MAIL_BUCKET"
    MAIL_PREFIX = "MAIL_PREFIX"
    MAIL_FROM = "DESK_MAIL_FROM"
    SMS_ORIGINATION = "DESK_SMS_ORIGINATION"
    CHAT_CALLBACK_URL = "DESK_CHAT_CALLBACK_URL"
    MARKETPLACE_CALLBACK_URL = "DESK_MARKETPLACE_CALLBACK_URL"
    WECHAT_API_BASE = "DESK_WECHAT_API_BASE"
    META_API_BASE = "DESK_META_API_BASE"
    TWILIO_API_BASE = "DESK_TWILIO_API_BASE"
    SEND_TIMEOUT_SECONDS = "DESK_SEND_TIMEOUT_SECONDS"
    OUTBOX_MAX_ATTEMPTS = "DESK_OUTBOX_MAX_ATTEMPTS"
    ASSISTANT_POLICY_PATH = "ASSISTANT_POLICY_PATH"
    CONSOLE_URL = "DESK_CONSOLE_URL"
    REPORTS_BUCKET = "REPORTS_BUCKET"


class SettingsError(RuntimeError):
    pass


class _Piece(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")


class TableSettings(_Piece):
    table_name: str = Field(alias=Env.TABLE_NAME, min_length=1)


class PolicySettings(_Piece):
    sla_policy_path: str | None = Field(default=None, alias=Env.SLA_POLICY_PATH)


class TriageSettings(_Piece):
    """Routing to agents (teams, skills, capacity, shifts: policies/routing.json unless another
    file is named) and whether automatic answers go out (R1.6)."""

    routing_path: str | None = Field(default=None, alias=Env.ROUTING_PATH)
    auto_answers: bool = Field(default=False, alias=Env.AUTO_ANSWERS)


class ChannelSettings(_Piece):
    # one secret per channel (and the survey links' key): <prefix><chat|wechat|meta|twilio|marketplace|survey>
    channels_secrets_prefix: str = Field(alias=Env.CHANNELS_SECRETS_PREFIX, min_length=1)
    default_country_code: str = Field(default="86", alias=Env.DEFAULT_COUNTRY_CODE, pattern=r"^[0-9]{1,3}$")
    max_body_bytes: int = Field(default=256 * 1024, alias=Env.MAX_BODY_BYTES, gt=0)


class IdempotencySettings(_Piece):
    idempotency_table_name: str = Field(alias=Env.IDEMPOTENCY_TABLE_NAME, min_length=1)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, alias=Env.IDEMPOTENCY_TTL_SECONDS, gt=0)


class MailSettings(_Piece):
    mail_bucket: str = Field(alias=Env.MAIL_BUCKET, min_length=1)
    mail_prefix: str = Field(default="inbound/", alias=Env.MAIL_PREFIX)


class NotificationSettings(_Piece):
    notifications_topic_arn: str = Field(alias=Env.NOTIFICATIONS_TOPIC_ARN, min_length=1)


class TimerSettings(_Piece):
    schedule_group: str = Field(alias=Env.SCHEDULE_GROUP, min_length=1)
    scheduler_role_arn: str = Field(alias=Env.SCHEDULER_ROLE_ARN, min_length=1)
    escalation_state_machine_arn: str = Field(alias=Env.ESCALATION_STATE_MACHINE_ARN, min_length=1)
    timer_queue_url: str = Field(alias=Env.TIMER_QUEUE_URL, min_length=1)


class OutboxSettings(_Piece):
    mail_from: str | None = Field(default=None, alias=Env.MAIL_FROM)
    sms_origination: str | None = Field(default=None, alias=Env.SMS_ORIGINATION)
    chat_callback_url: str | None = Field(default=None, alias=Env.CHAT_CALLBACK_URL)
    marketplace_callback_url: str | None = Field(default=None, alias=Env.MARKETPLACE_CALLBACK_URL)
    wechat_api_base: str | None = Field(default=None, alias=Env.WECHAT_API_BASE)
    meta_api_base: str | None = Field(default=None, alias=Env.META_API_BASE)
    twilio_api_base: str | None = Field(default=None, alias=Env.TWILIO_API_BASE)
    send_timeout_seconds: float = Field(default=10.0, alias=Env.SEND_TIMEOUT_SECONDS, gt=0)
    max_attempts: int = Field(default=3, alias=Env.OUTBOX_MAX_ATTEMPTS, ge=1)


class ArchiveSettings(_Piece):
    archive_bucket: str = Field(alias=Env.ARCHIVE_BUCKET, min_length=1)


class DirectorySettings(_Piece):
    user_pool_id: str = Field(alias=Env.USER_POOL_ID, min_length=1)


class CorsSettings(_Piece):
    """The hosted console's origin (https://<its CloudFront domain>): the only origin CORS allows."""

    console_origin: str | None = Field(default=None, alias=Env.CONSOLE_ORIGIN)


class ClosingLoopSettings(_Piece):
    """The closing loop: its policy file, the survey function (timers invoke it), the survey
    pages' public address (else the channels secret's survey.base_url), the corrections machine."""

    closing_loop_policy_path: str | None = Field(default=None, alias=Env.CLOSING_LOOP_POLICY_PATH)
    survey_function_arn: str | None = Field(default=None, alias=Env.SURVEY_FUNCTION_ARN)
    survey_base_url: str | None = Field(default=None, alias=Env.SURVEY_BASE_URL)
    corrections_state_machine_arn: str | None = Field(default=None, alias=Env.CORRECTIONS_STATE_MACHINE_ARN)


class ReportMailSettings(_Piece):
    """The supervisors' daily report e-mail: its From address (unset: not mailed, the operators'
    copy says so) and the console's address its links point to (unset: no links)."""

    mail_from: str | None = Field(default=None, alias=Env.MAIL_FROM)
    console_url: str | None = Field(default=None, alias=Env.CONSOLE_URL)


class StoredReportSettings(_Piece):
    """Where built reports are kept (reports.stored); unset: every report is built on request."""

    reports_bucket: str | None = Field(default=None, alias=Env.REPORTS_BUCKET)


# --- one model per function: the pieces it needs, nothing else -------------------------------------


class IntakeSettings(TableSettings, PolicySettings, ChannelSettings, IdempotencySettings, TriageSettings):
    """functions/intake (webhooks) and functions/intake_sms (two-way SMS)."""


class MailIntakeSettings(IntakeSettings, MailSettings):
    """functions/intake_email (SES receipt rule -> S3 -> here)."""


class ConsoleSettings(
    TableSettings,
    PolicySettings,
    ChannelSettings,
    IdempotencySettings,
    DirectorySettings,
    MailSettings,
    ArchiveSettings,
    ClosingLoopSettings,
    CorsSettings,
    TriageSettings,
    StoredReportSettings,
):
    """functions/console_api (agents record phone calls and visits through intake; the agent
    directory checks callers and assignees; erasure reaches the mail bucket and the archive)."""


class SurveySettings(TableSettings, PolicySettings, ChannelSettings, ClosingLoopSettings):
    """functions/survey (the survey page and answers; the closing loop's timers)."""


class CorrectionsSettings(TableSettings, PolicySettings, ChannelSettings, ClosingLoopSettings):
    """functions/corrections (the corrections fan-out steps and the daily quality sample)."""


class MetricsSettings(TableSettings, PolicySettings):
    """functions/metrics (counts each timeline event once into the day counters)."""


class MonitorSettings(
    TableSettings, PolicySettings, NotificationSettings, DirectorySettings, ReportMailSettings, StoredReportSettings
):
    """functions/monitor (live queues per channel, alerts; each team's daily report to its
    supervisors, found in the user pool, by SES)."""


class ArchiverSettings(TableSettings, PolicySettings, ArchiveSettings):
    """functions/archiver (closed inquiries past the retention age go to the archive bucket)."""


class SlaTimerSettings(TableSettings, PolicySettings, TimerSettings, NotificationSettings, ClosingLoopSettings):
    """functions/sla_timer (deadline timers, escalation ladders, reconciler)."""


class DispatcherSettings(TableSettings, PolicySettings, ChannelSettings, OutboxSettings):
    """functions/dispatcher (the outbox)."""


FUNCTION_SETTINGS: dict[str, type[_Piece]] = {
    "intake": IntakeSettings,
    "intake_sms": IntakeSettings,
    "intake_email": MailIntakeSettings,
    "console_api": ConsoleSettings,
    "sla_timer": SlaTimerSettings,
    "dispatcher": DispatcherSettings,
    "archiver": ArchiverSettings,
    "survey": SurveySettings,
    "corrections": CorrectionsSettings,
    "metrics": MetricsSettings,
    "monitor": MonitorSettings,
}
"""Which settings model each function (by its directory name under functions/) is parsed with."""

P = TypeVar("P", bound=_Piece)
_loaded: dict[type[Any], Any] = {}


def required_variables(model: type[_Piece]) -> set[str]:
    """The environment variables `model` cannot do without (infra gives each function these)."""
    return {str(f.alias) for f in model.model_fields.values() if f.is_required() and f.alias}


def parse(model: type[P], env: Mapping[str, str]) -> P:
    aliases = {str(f.alias) for f in model.model_fields.values() if f.alias}
    try:
        return model.model_validate({k: v for k, v in env.items() if v != "" and k in aliases})
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors(include_url=False))
        raise SettingsError(f"bad Lambda environment for {model.__name__}: {problems}") from None


def load(model: type[P]) -> P:
    """`model` parsed from this process's environment, once (cold start); cached after."""
    found = _loaded.get(model)
    if found is None:
        found = _loaded[model] = parse(model, os.environ)
    return cast(P, found)


def reset() -> None:
    """Forget parsed settings (the local system and tests change the environment)."""
    _loaded.clear()


class AssistantSettings(_Piece):
    """The bot's policy file (``policies/assistant.json`` unless another is named): optional, read
    by the intake functions (the bot) and console_api (the agents' reply check, the order feed)."""

    assistant_policy_path: str | None = Field(default=None, alias=Env.ASSISTANT_POLICY_PATH)
