"""Construct ids, resource names and the function catalogue: one place for every name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
CORE_PACKAGE_DIR = ROOT / "layers" / "core" / "inquiry_desk"
LAYER_REQUIREMENTS = ROOT / "layers" / "requirements.txt"
BUILD_DIR = ROOT / ".build"
CONSOLE_DIR = ROOT / "console"  # the web console's sources (TypeScript, Vite)
CONSOLE_BUILD_DIR = CONSOLE_DIR / "dist"  # `make setup` builds it here; never committed

SERVICE = "inquiry-desk"
METRICS_NAMESPACE = "InquiryDesk"

# Stack outputs the CLI and the local runtime read (`desk` finds a deployed stack by these).
OUT_TABLE = "TableName"
OUT_IDEMPOTENCY_TABLE = "IdempotencyTableName"
OUT_API_URL = "ApiUrl"
OUT_USER_POOL_ID = "UserPoolId"
OUT_USER_POOL_CLIENT_ID = "UserPoolClientId"
OUT_TOPIC = "NotificationsTopicArn"
OUT_CHANNELS_SECRETS_PREFIX = "ChannelsSecretsPrefix"
OUT_SCHEDULE_GROUP = "ScheduleGroupName"
OUT_MAIL_BUCKET = "MailBucketName"
OUT_INBOUND_SMS_TOPIC = "InboundSmsTopicArn"
OUT_ARCHIVE_BUCKET = "ArchiveBucketName"
OUT_OPERATORS_TOPIC = "OperatorsTopicArn"
OUT_DASHBOARD = "DashboardName"
REPORT_POLICY = CORE_PACKAGE_DIR / "policies" / "reports.json"
OUT_CONSOLE_URL = "ConsoleUrl"
MAIL_PREFIX = "inbound/"

AGENT_GROUPS = ("agents", "supervisors", "admins", "product")  # product: knowledge base only (R7.2)
TEAM_GROUP_PREFIX = "team:"  # Cognito group per team: team:<team id> (see inquiry_desk.access)


def policy_teams() -> list[str]:
    """Every team the shipped policy routes to (one Cognito group each)."""
    import json

    policy = json.loads((CORE_PACKAGE_DIR / "policies" / "default.sla.json").read_text())
    return sorted({c["team"] for c in policy["categories"].values()})


def console_csp(connect_src: str) -> str:
    """The console's Content-Security-Policy: its own files only, API and sign-in calls to
    `connect_src`. CloudFront's response headers policy and the local front send the same."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src 'self' {connect_src}".strip(),
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def channels_secrets_prefix(stack_name: str) -> str:
    """Each channel's credentials (and the survey links' key) are a secret of their own under it."""
    return f"{SERVICE}/{stack_name}/channels/"


def channel_secret_name(stack_name: str, section: str) -> str:
    return f"{channels_secrets_prefix(stack_name)}{section}"


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda: its folder under functions/, what it is for, its memory and timeout."""

    name: str
    description: str
    memory_mb: int = 512
    timeout_s: int = 15


INTAKE = FunctionSpec("intake", "Channel webhooks: verify, parse, record each message once")
INTAKE_EMAIL = FunctionSpec("intake_email", "SES inbound mail: decode, keep attachments, record once", timeout_s=30)
INTAKE_SMS = FunctionSpec("intake_sms", "Two-way SMS (AWS End User Messaging via SNS): record once")
SLA_TIMER = FunctionSpec("sla_timer", "Deadlines: arm each inquiry's timer, warn, breach, escalate", timeout_s=60)
CONSOLE_API = FunctionSpec("console_api", "Agents' API: inquiries, timelines, queues, actions")
ARCHIVER = FunctionSpec("archiver", "Retention: closed inquiries past the policy's age to the archive", timeout_s=300)
SURVEY = FunctionSpec("survey", "Closing the loop: survey page and answers, survey/reminder/timeout timers")
CORRECTIONS = FunctionSpec(
    "corrections", "Corrections fan-out steps (one customer at a time) and the daily quality sample", timeout_s=60
)
METRICS = FunctionSpec("metrics", "Reports: count each timeline event once into the day counters", timeout_s=60)
MONITOR = FunctionSpec("monitor", "Live queues per channel, alerts, the supervisors' daily report", timeout_s=60)
DISPATCHER = FunctionSpec("dispatcher", "Outbox: send each pending reply on the customer's own channel", timeout_s=60)


def tree_hash(*paths: Path) -> str:
    """SHA-256 over the files under `paths` (names relative to the repository, then contents),
    skipping __pycache__: the cache key of the layer asset and of the local synth."""
    digest = hashlib.sha256()
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            if "__pycache__" in f.parts:
                continue
            digest.update(str(f.relative_to(ROOT)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()


OUT_REPORTS_BUCKET = "ReportsBucketName"
