"""The metric catalogue: every figure of R9.1 and R9.3, defined once, with its formula.

Each metric is computed from per-day counters (see ``counting``), never from the table's items.
``docs/metrics.md`` is this catalogue in prose; a unit test keeps the two in step.

All inquiry figures belong to the inquiry's *cohort day*: the day it was received, in the report
policy's time zone. "Yesterday's chats" are the chats received yesterday, and their first
responses, resolutions, breaches and survey scores are counted on that day whenever they happen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from inquiry_desk.reports.settings import ReportPolicy

Kind = Literal["count", "rate", "mean", "complement"]


@dataclass(frozen=True)
class Metric:
    """One figure. rate = num / den; mean = num / den (a sum over a count); complement = 1 - num / den."""

    id: str
    title: str
    requirement: str
    kind: Kind
    numerator: tuple[str, ...]  # counters summed
    denominator: tuple[str, ...] = ()
    target: float | None = None  # a rate's floor (0.9 = 90 %), a mean's ceiling in seconds
    unit: str = ""
    drill: str | None = None  # the counter whose inquiries stand behind the figure

    @property
    def formula(self) -> str:
        num, den = " + ".join(self.numerator), " + ".join(self.denominator)
        if self.kind == "count":
            return num
        if self.kind == "complement":
            return f"1 - ({num}) / ({den})"
        return f"({num}) / ({den})"

    def value(self, counters: Mapping[str, int]) -> float | None:
        num = sum(int(counters.get(c, 0)) for c in self.numerator)
        if self.kind == "count":
            return float(num)
        den = sum(int(counters.get(c, 0)) for c in self.denominator)
        if den == 0:
            return None
        share = num / den
        return 1 - share if self.kind == "complement" else share

    def meets_target(self, value: float | None) -> bool | None:
        if value is None or self.target is None:
            return None
        return value <= self.target if self.kind == "mean" else value >= self.target


# Counters: what one timeline event adds (``counting.contributions`` is their only writer).
RECEIVED = "received"
FIRST_RESPONSES = "first_responses"
FIRST_RESPONSE_SECONDS = "first_response_seconds"
FIRST_RESPONSES_TARGETED = "first_responses_targeted"
ANSWERED_IN_TIME = "answered_in_time"
ANSWERED_LATE = "answered_late"
HUMAN_REPLIES = "human_replies"
AUTOMATED_REPLIES = "automated_replies"
KB_REPLIES = "kb_replies"
SUGGESTION_REPLIES = "suggestion_replies"  # an agent's reply taken from the suggestions offered (R7.2)
BOT_HANDLED = "bot_handled"
BOT_TRANSFERRED = "bot_transferred"
RESOLVED = "resolved"
BOT_RESOLVED = "bot_resolved"
FIRST_CONTACT_RESOLVED = "first_contact_resolved"
REOPENED = "reopened"
CSAT_ANSWERS = "csat_answers"
CSAT_SCORE_SUM = "csat_score_sum"
CSAT_POSITIVE = "csat_positive"
CSAT_LOW = "csat_low"
REPEAT = "repeat"
CHANNEL_SWITCH = "channel_switch"
WAIT_COMPLAINTS = "wait_complaints"
PRIORITY_CORRECTED = "priority_corrected"
VIP_RECEIVED = "vip_received"
VIP_COVERED = "vip_covered"
BREACHES = "breaches"
SUMS = frozenset({FIRST_RESPONSE_SECONDS, CSAT_SCORE_SUM})  # amounts, not one inquiry each: no drill-down


def sla_met(kind: str) -> str:
    return f"sla_met_{kind}"


def sla_breached(kind: str) -> str:
    return f"sla_breached_{kind}"


def catalogue(policy: ReportPolicy) -> list[Metric]:
    """Every metric, in report order."""
    met = tuple(sla_met(k) for k in policy.sla_kinds)
    breached = tuple(sla_breached(k) for k in policy.sla_kinds)
    per_kind = [
        Metric(
            f"sla_{k}",
            f"SLA attainment: {k.replace('_', ' ')}",
            "R9.1",
            "rate",
            (sla_met(k),),
            (sla_met(k), sla_breached(k)),
            None,
            "%",
            sla_breached(k),
        )
        for k in policy.sla_kinds
    ]
    metrics = [
        Metric("volume", "Inquiries received", "R9.2", "count", (RECEIVED,), drill=RECEIVED),
        Metric(
            "first_response",
            "Average first response",
            "R9.1",
            "mean",
            (FIRST_RESPONSE_SECONDS,),
            (FIRST_RESPONSES,),
            unit="s",
            drill=FIRST_RESPONSES,
        ),
        Metric(
            "answered_in_time",
            "Answered within the channel's first-response target (chat: 2 min)",
            "R9.1",
            "rate",
            (ANSWERED_IN_TIME,),
            (FIRST_RESPONSES_TARGETED,),
            None,
            "%",
            ANSWERED_LATE,
        ),
        *per_kind,
        Metric(
            "sla_attainment",
            "To-dos on time (every measured deadline)",
            "R9.3",
            "rate",
            met,
            met + breached,
            None,
            "%",
            BREACHES,
        ),
        Metric("resolution_rate", "Resolution rate", "R9.1", "rate", (RESOLVED,), (RECEIVED,), None, "%", RESOLVED),
        Metric(
            "first_contact_resolution",
            "First-contact resolution (hotline: phone row)",
            "R9.1",
            "rate",
            (FIRST_CONTACT_RESOLVED,),
            (RESOLVED,),
            unit="%",
            drill=FIRST_CONTACT_RESOLVED,
        ),
        Metric(
            "reopen_rate",
            "Reopened after resolution",
            "R9.1",
            "rate",
            (REOPENED,),
            (RESOLVED,),
            unit="%",
            drill=REOPENED,
        ),
        Metric(
            "csat", "CSAT (average stars, 1-5)", "R9.1", "mean", (CSAT_SCORE_SUM,), (CSAT_ANSWERS,), drill=CSAT_ANSWERS
        ),
        Metric(
            "csat_positive",
            "Positive reviews (stars >= policy)",
            "R9.1",
            "rate",
            (CSAT_POSITIVE,),
            (CSAT_ANSWERS,),
            unit="%",
            drill=CSAT_POSITIVE,
        ),
        Metric("csat_low", "Answers rated below the policy's low mark", "R9.1", "count", (CSAT_LOW,), drill=CSAT_LOW),
        Metric(
            "automated_share",
            "Automated share of replies",
            "R9.1",
            "rate",
            (AUTOMATED_REPLIES,),
            (AUTOMATED_REPLIES, HUMAN_REPLIES),
            unit="%",
        ),
        Metric(
            "repeat_rate",
            "Repeat inquiries (same customer within the window)",
            "R9.1",
            "rate",
            (REPEAT,),
            (RECEIVED,),
            unit="%",
            drill=REPEAT,
        ),
        Metric(
            "kb_use",
            "Knowledge-base use (share of agent replies)",
            "R9.1",
            "rate",
            (KB_REPLIES,),
            (HUMAN_REPLIES,),
            unit="%",
            drill=KB_REPLIES,
        ),
        Metric(
            "suggestion_hit_rate",
            "Suggestion hit rate (agent replies taken from the suggestions offered)",
            "R7.2",
            "rate",
            (SUGGESTION_REPLIES,),
            (HUMAN_REPLIES,),
            unit="%",
            drill=SUGGESTION_REPLIES,
        ),
        Metric(
            "wait_complaint_rate",
            "Wait complaints",
            "R9.3",
            "rate",
            (WAIT_COMPLAINTS,),
            (RECEIVED,),
            unit="%",
            drill=WAIT_COMPLAINTS,
        ),
        Metric(
            "channel_switch_rate",
            "Channel switches (repeat on another channel)",
            "R9.3",
            "rate",
            (CHANNEL_SWITCH,),
            (RECEIVED,),
            unit="%",
            drill=CHANNEL_SWITCH,
        ),
        Metric(
            "priority_accuracy",
            "Priority accuracy (urgency never corrected)",
            "R9.3",
            "complement",
            (PRIORITY_CORRECTED,),
            (RECEIVED,),
            None,
            "%",
            PRIORITY_CORRECTED,
        ),
        Metric(
            "vip_coverage",
            "VIP coverage (first reply on time)",
            "R9.3",
            "rate",
            (VIP_COVERED,),
            (VIP_RECEIVED,),
            None,
            "%",
            VIP_RECEIVED,
        ),
        Metric(
            "bot_resolution",
            "Bot resolution rate",
            "R9.3",
            "rate",
            (BOT_RESOLVED,),
            (RESOLVED,),
            unit="%",
            drill=BOT_RESOLVED,
        ),
        Metric(
            "bot_transfer",
            "Bot transfer rate (bot-handled, then a person)",
            "R9.3",
            "rate",
            (BOT_TRANSFERRED,),
            (BOT_HANDLED,),
            unit="%",
            drill=BOT_TRANSFERRED,
        ),
    ]
    # targets are policy data (policies/reports.json "targets"), never constants here
    return [replace(x, target=policy.targets.get(x.id)) for x in metrics]


def metric(policy: ReportPolicy, metric_id: str) -> Metric:
    found = {m.id: m for m in catalogue(policy)}
    if metric_id not in found:
        raise KeyError(f"no metric {metric_id}; known: {', '.join(found)}")
    return found[metric_id]
