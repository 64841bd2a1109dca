"""Deadlines: every SLA target of an inquiry, computed, armed, warned, breached and escalated (R2, R3).
Owns business calendars, the policy file, the pure engine, the planner of the next deadline, the
enforcement decisions (one timer per inquiry), the enforcer that carries them out through the
timer/ladder ports, and the typed contracts of sla_timer's events (`contracts`).

Pure: no AWS, no environment reads; the only I/O is :func:`load_policy` reading the policy file.

Public API::

    load_policy(path) -> SlaPolicy            # raises PolicyError(file, JSON path, reason)
    shipped_policy_path() -> Path             # the default policy shipped with the package
    policy_json_schema() -> dict              # JSON Schema of the policy format
    compute_deadlines(policy, facts) -> list[Deadline]
    pending_deadlines(policy, facts) -> list[Deadline]
    next_deadline(policy, facts) -> Deadline | None
    BusinessCalendar(...).add_business_time(start, duration) / business_time_between(a, b) / is_open(at)
"""

from inquiry_desk.deadlines.calendar import BusinessCalendar
from inquiry_desk.deadlines.engine import (
    Deadline,
    InquiryFacts,
    TimelineEvent,
    compute_deadlines,
    next_deadline,
    pending_deadlines,
)
from inquiry_desk.deadlines.policy import (
    DEADLINE_KINDS,
    PolicyError,
    Rule,
    SlaPolicy,
    Target,
    load_policy,
    parse_policy,
    policy_json_schema,
    select_rule,
    shipped_policy_path,
)

__all__ = [
    "DEADLINE_KINDS",
    "BusinessCalendar",
    "Deadline",
    "InquiryFacts",
    "PolicyError",
    "Rule",
    "SlaPolicy",
    "Target",
    "TimelineEvent",
    "compute_deadlines",
    "load_policy",
    "next_deadline",
    "parse_policy",
    "pending_deadlines",
    "policy_json_schema",
    "select_rule",
    "shipped_policy_path",
]
