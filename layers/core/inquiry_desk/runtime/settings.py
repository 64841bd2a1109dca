"""Runtime settings: read from the environment once, at cold start, into a validated model.

A missing or malformed variable fails the cold start with a message naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError


class SettingsError(RuntimeError):
    pass


class Settings(BaseModel):
    table_name: str = Field(alias="TABLE_NAME", min_length=1)
    idempotency_table_name: str = Field(alias="IDEMPOTENCY_TABLE_NAME", min_length=1)
    channels_secret_name: str = Field(alias="CHANNELS_SECRET_NAME", min_length=1)
    notifications_topic_arn: str | None = Field(default=None, alias="NOTIFICATIONS_TOPIC_ARN")
    sla_policy_path: str | None = Field(default=None, alias="SLA_POLICY_PATH")
    routing_path: str | None = Field(default=None, alias="ROUTING_PATH")
    auto_answers: bool = Field(default=False, alias="AUTO_ANSWERS")  # R1.6: send automatic answers
    default_country_code: str | None = Field(default="86", alias="DEFAULT_COUNTRY_CODE", pattern=r"^[0-9]{1,3}$")
    max_body_bytes: int = Field(default=256 * 1024, alias="MAX_BODY_BYTES", gt=0)
    schedule_group: str | None = Field(default=None, alias="SCHEDULE_GROUP")
    scheduler_role_arn: str | None = Field(default=None, alias="SCHEDULER_ROLE_ARN")
    escalation_state_machine_arn: str | None = Field(default=None, alias="ESCALATION_STATE_MACHINE_ARN")
    mail_bucket: str | None = Field(default=None, alias="MAIL_BUCKET")
    mail_prefix: str = Field(default="inbound/", alias="MAIL_PREFIX")
    idempotency_ttl_seconds: int = Field(default=24 * 3600, alias="IDEMPOTENCY_TTL_SECONDS", gt=0)


def parse_settings(env: Mapping[str, str]) -> Settings:
    try:
        return Settings.model_validate({k: v for k, v in env.items() if v != ""})
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors(include_url=False))
        raise SettingsError(f"bad Lambda environment: {problems}") from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    return parse_settings(os.environ)
