"""The SLA policy file: every deadline target, calendar, escalation ladder and category is data here.

The file is JSON (comments go in ``"$comment"`` at the top and ``"note"`` fields). The pydantic
models below *are* the format: :func:`policy_json_schema` generates the JSON Schema from them and
:func:`load_policy` validates a file against them, turning every problem into a
:class:`PolicyError` that names the file, the JSON path inside it (``$.rules[3].targets.resolve``)
and the reason.

Rule selection (see :func:`select_rule`): for each deadline kind separately, among the rules that
match the inquiry *and* define a target for that kind, the most specific one wins (the number of
match fields it sets); ties go to the rule that comes first in the file.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from inquiry_desk.deadlines.calendar import DAY_SECONDS, BusinessCalendar, Shift
from inquiry_desk.model import Channel, CustomerTier, Urgency, known_time_zone

__all__ = [
    "DEADLINE_KINDS",
    "CalendarSpec",
    "CategorySpec",
    "DeadlineKind",
    "Duration",
    "PolicyError",
    "Rule",
    "RuleMatch",
    "SlaPolicy",
    "Target",
    "WarnBefore",
    "json_path",
    "load_policy",
    "parse_policy",
    "policy_json_schema",
    "problems_of",
    "select_rule",
    "shipped_policy_path",
]

DeadlineKind = Literal[
    "acknowledge",
    "first_reply",
    "detailed_reply",
    "resolve",
    "progress_notice",
    "identify",
    "assign",
    "contact_after_assign",
]
DEADLINE_KINDS: tuple[str, ...] = get_args(DeadlineKind)
WarnKey = Literal[
    "default",
    "acknowledge",
    "first_reply",
    "detailed_reply",
    "resolve",
    "progress_notice",
    "identify",
    "assign",
    "contact_after_assign",
]
Action = Literal["notify_owner", "reassign_to_supervisor", "notify_manager", "notify_customer_progress"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
_SHIFT = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def shipped_policy_path() -> Path:
    """The default policy shipped with the package (``inquiry_desk/policies/default.sla.json``)."""
    return Path(__file__).resolve().parent.parent / "policies" / "default.sla.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Duration(_Strict):
    """A length of time: exactly one of ``seconds``, ``minutes``, ``hours`` or ``days`` (24 h)."""

    seconds: float | None = Field(default=None, ge=0)
    minutes: float | None = Field(default=None, ge=0)
    hours: float | None = Field(default=None, ge=0)
    days: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _exactly_one_unit(self) -> Duration:
        given = [u for u in ("seconds", "minutes", "hours", "days") if getattr(self, u) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of seconds, minutes, hours, days")
        return self

    def to_timedelta(self) -> timedelta:
        """The duration as a timedelta."""
        return timedelta(
            seconds=self.seconds or 0, minutes=self.minutes or 0, hours=self.hours or 0, days=self.days or 0
        )

    def describe(self) -> str:
        """Human form, e.g. ``4 h``."""
        for unit, short in (("seconds", "s"), ("minutes", "min"), ("hours", "h"), ("days", "d")):
            value = getattr(self, unit)
            if value is not None:
                return f"{value:g} {short}"
        return "?"


class Target(Duration):
    """One deadline target: a positive duration measured on a clock.

    ``clock: "calendar"`` counts every second; ``"business"`` counts only open hours of
    ``calendar`` (when omitted: the calendar of the inquiry's region, else the policy default).
    ``before`` makes the deadline fall this long *before* another deadline of the same episode
    (e.g. a progress notice 1 h before the resolve deadline, R2.6); it is measured on the
    calendar clock.
    """

    clock: Literal["calendar", "business"] = "calendar"
    calendar: str | None = None
    before: DeadlineKind | None = None
    escalation: str | None = Field(default=None, description="ladder for this target; default: the rule's")
    note: str | None = None

    @model_validator(mode="after")
    def _positive(self) -> Target:
        if self.to_timedelta() <= timedelta(0):
            raise ValueError("a target must be longer than zero")
        if self.before is not None and self.clock != "calendar":
            raise ValueError("a 'before' target is measured on the calendar clock")
        return self


class WarnBefore(Duration):
    """Warn this long before a deadline: a duration, or ``fraction`` (0-1) of the target.

    The remaining time is counted on the target's own clock (a business-time target warns when
    that much *business* time is left).
    """

    fraction: float | None = Field(default=None, gt=0, lt=1)

    @model_validator(mode="before")
    @classmethod
    def _fraction_or_duration(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "fraction" in data:
            units = [u for u in ("seconds", "minutes", "hours", "days") if u in data]
            if units:
                raise ValueError("give either fraction or a duration, not both")
            return {**data, "seconds": 0}
        return data

    def remaining_of(self, target: timedelta) -> timedelta:
        """How much of ``target`` is left at warning time."""
        if self.fraction is not None:
            return target * self.fraction
        return self.to_timedelta()


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Level = Literal["L1", "L2", "L3"]
# Each match field takes one value or a list of values (any of).
Channels = Annotated[list[Channel], BeforeValidator(_as_list, json_schema_input_type=Channel | list[Channel])]
Names = Annotated[list[str], BeforeValidator(_as_list, json_schema_input_type=str | list[str])]
Urgencies = Annotated[list[Urgency], BeforeValidator(_as_list, json_schema_input_type=Urgency | list[Urgency])]
Tiers = Annotated[
    list[CustomerTier], BeforeValidator(_as_list, json_schema_input_type=CustomerTier | list[CustomerTier])
]
Levels = Annotated[list[Level], BeforeValidator(_as_list, json_schema_input_type=Level | list[Level])]


class RuleMatch(_Strict):
    """What a rule applies to. Every field is optional; a list means any of; all given must hold."""

    channel: Channels | None = None
    category: Names | None = None
    urgency: Urgencies | None = None
    customer_tier: Tiers | None = None
    team: Names | None = None
    region: Names | None = None
    level: Levels | None = Field(default=None, description="R2.2 response level set by triage or the agent")

    @property
    def specificity(self) -> int:
        """The number of fields this match sets (more = more specific)."""
        return sum(1 for name in type(self).model_fields if getattr(self, name) is not None)


class Rule(_Strict):
    """One policy rule: when ``match`` holds, ``targets`` give the deadlines it sets."""

    id: str = Field(pattern=_ID)
    note: str | None = None
    match: RuleMatch = RuleMatch()
    targets: dict[DeadlineKind, Target] = Field(min_length=1)
    escalation: str | None = Field(default=None, description="name of an escalation ladder")
    warn_before: dict[WarnKey, WarnBefore] | None = None


class LadderStep(_Strict):
    """One escalation step, ``wait`` after the deadline is breached (or after the previous step)."""

    wait: Duration
    action: Action
    note: str | None = None


class HolidaySource(_Strict):
    """Public holidays from the ``holidays`` package: ISO country code and optional subdivision."""

    country: str
    subdiv: str | None = None


def _parse_shift(text: str) -> Shift:
    m = _SHIFT.match(text)
    if not m:
        raise ValueError(f"shift {text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    start, end = (h1 * 60 + m1) * 60, (h2 * 60 + m2) * 60
    if m1 > 59 or m2 > 59 or not 0 <= start < end <= DAY_SECONDS:
        raise ValueError(f"shift {text!r} must be within 00:00-24:00 with start before end")
    return start, end


def _check_shift_text(value: str) -> str:
    _parse_shift(value)
    return value


ShiftText = Annotated[str, AfterValidator(_check_shift_text), Field(pattern=_SHIFT.pattern)]


def _check_shift_list(value: list[str]) -> list[str]:
    shifts = sorted(_parse_shift(s) for s in value)
    for (_, e1), (s2, _) in itertools.pairwise(shifts):
        if s2 < e1:
            raise ValueError("shifts overlap")
    return value


class CalendarSpec(_Strict):
    """A business calendar: time zone, weekly shifts (``"09:00-12:00"``), holidays, exceptions."""

    timezone: str = Field(description="IANA zone, e.g. Asia/Shanghai")
    hours: dict[Weekday, list[ShiftText]] = Field(description="weekday -> shifts; a missing day is closed")
    holidays: HolidaySource | None = None
    makeup_days: bool = Field(
        default=True, description="honour make-up working days (e.g. China's 调休 weekend workdays)"
    )
    makeup_hours: list[ShiftText] | None = Field(default=None, description="hours on a make-up day; default Monday's")
    closed_dates: list[date] = Field(default_factory=list)
    open_dates: dict[date, list[ShiftText]] = Field(default_factory=dict)
    note: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return known_time_zone(value)

    @field_validator("hours", mode="after")
    @classmethod
    def _hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for shifts in value.values():
            _check_shift_list(shifts)
        return value

    @field_validator("makeup_hours", mode="after")
    @classmethod
    def _makeup(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_shift_list(value)

    @field_validator("open_dates", mode="after")
    @classmethod
    def _open(cls, value: dict[date, list[str]]) -> dict[date, list[str]]:
        for shifts in value.values():
            _check_shift_list(shifts)
        return value

    def build(self, name: str) -> BusinessCalendar:
        """The :class:`BusinessCalendar` this spec describes."""
        return BusinessCalendar(
            self.timezone,
            {WEEKDAYS.index(d): [_parse_shift(s) for s in shifts] for d, shifts in self.hours.items()},
            country=self.holidays.country if self.holidays else None,
            subdiv=self.holidays.subdiv if self.holidays else None,
            makeup_days=self.makeup_days,
            makeup_shifts=[_parse_shift(s) for s in self.makeup_hours] if self.makeup_hours else None,
            closed_dates=self.closed_dates,
            open_dates={d: [_parse_shift(s) for s in shifts] for d, shifts in self.open_dates.items()},
            name=name,
        )


class CategorySpec(_Strict):
    """A triage category (R1.4): names, owning team (R4.1), default urgency (R1.5), keywords."""

    name_zh: str
    name_en: str
    team: str
    urgency: Urgency = Urgency.NORMAL
    keywords: list[str] = Field(default_factory=list)
    note: str | None = None


class UrgencySignal(_Strict):
    """Words in the text that make an inquiry urgent on their own (R1.5), e.g. safety and faults."""

    keywords: list[str] = Field(min_length=1)
    urgent: bool = Field(default=True, description="a hit makes the inquiry urgent whatever the model says")
    tag: str | None = Field(default=None, description="tag added to the inquiry on a hit (default: the signal id)")
    note: str | None = None


class TriageSettings(_Strict):
    """Automatic classification (R1.4) and urgency (R1.5): the thresholds and rules are data."""

    confidence_threshold: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="below this model confidence the inquiry gets the default category (its team's triage queue)",
    )
    min_letters: int = Field(
        default=8,
        ge=0,
        description="a message with fewer letters (greetings left out) and no keyword is unclassified",
    )
    tag_share: float = Field(
        default=0.25, ge=0, le=1, description="another category at least this likely is added as a tag"
    )
    urgent_tiers: list[str] = Field(default_factory=lambda: ["vip"], description="customer tiers always urgent")
    urgency_signals: dict[str, UrgencySignal] = Field(default_factory=dict)
    note: str | None = None


class JoinWindow(_Strict):
    """A new message from a customer joins their open inquiry if it arrives within this window."""

    minutes: int = Field(gt=0)


class Arrival(_Strict):
    """When a message counts as received: the moment our front got it, never the sender's clock."""

    sender_clock_tolerance: Duration = Field(
        default_factory=lambda: Duration(hours=24),
        description="a sender's own timestamp further than this from our arrival time is noted on the "
        "timeline (the deadlines run from arrival either way)",
    )
    note: str | None = None


class Defaults(_Strict):
    """Fallbacks: the category of an unclassifiable inquiry, the business calendar of a target
    that names none, the calendar per region (R10.1) and the escalation ladder of a rule that
    names none."""

    category: str
    calendar: str
    region_calendars: dict[str, str] = Field(default_factory=dict)
    escalation: str | None = None


class Queues(_Strict):
    """Queue behaviour at peak (R3.4, R3.5)."""

    peak_waiting: int = Field(
        default=20, gt=0, description="more open inquiries than this in a queue is a peak (R3.4: 20 waiting)"
    )
    first_at_peak: list[str] = Field(
        default_factory=lambda: ["complaint"],
        description="categories served first, urgent ones before the rest, while a queue is at peak (R3.5)",
    )
    note: str | None = None


class SlaPolicy(_Strict):
    """The whole policy file."""

    schema_: str | None = Field(default=None, alias="$schema")
    comment: str | list[str] | None = Field(default=None, alias="$comment")
    version: str = Field(min_length=1)
    calendars: dict[str, CalendarSpec] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    warn_before: dict[WarnKey, WarnBefore] = Field(default_factory=dict)
    escalation_ladders: dict[str, list[LadderStep]] = Field(default_factory=dict)
    defaults: Defaults
    join_window: JoinWindow
    arrival: Arrival = Field(default_factory=Arrival)
    queues: Queues = Field(default_factory=Queues)
    categories: dict[str, CategorySpec] = Field(min_length=1)
    triage: TriageSettings = Field(default_factory=TriageSettings)

    _calendars: dict[str, BusinessCalendar] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> SlaPolicy:
        problems = list(self._reference_problems())
        if problems:
            raise ValueError("\n".join(f"{path}: {reason}" for path, reason in problems))
        return self

    def _reference_problems(self) -> Iterator[tuple[str, str]]:
        for cid, spec in self.calendars.items():
            try:
                self._calendars[cid] = spec.build(cid)
            except (ValueError, NotImplementedError, KeyError) as exc:
                yield f"$.calendars.{cid}.holidays", str(exc)
        if self.defaults.calendar not in self.calendars:
            yield "$.defaults.calendar", f"unknown calendar {self.defaults.calendar!r}"
        if self.defaults.category not in self.categories:
            yield "$.defaults.category", f"unknown category {self.defaults.category!r}"
        for region, cid in self.defaults.region_calendars.items():
            if cid not in self.calendars:
                yield f"$.defaults.region_calendars.{region}", f"unknown calendar {cid!r}"
        if self.defaults.escalation is not None and self.defaults.escalation not in self.escalation_ladders:
            yield "$.defaults.escalation", f"unknown escalation ladder {self.defaults.escalation!r}"
        seen: dict[str, int] = {}
        for i, rule in enumerate(self.rules):
            where = f"$.rules[{i}]"
            if rule.id in seen:
                yield f"{where}.id", f"duplicate rule id {rule.id!r} (also $.rules[{seen[rule.id]}])"
            seen.setdefault(rule.id, i)
            if rule.escalation is not None and rule.escalation not in self.escalation_ladders:
                yield f"{where}.escalation", f"unknown escalation ladder {rule.escalation!r}"
            for c in rule.match.category or ():
                if c not in self.categories:
                    yield f"{where}.match.category", f"unknown category {c!r}"
            for kind, target in rule.targets.items():
                if target.calendar is not None and target.calendar not in self.calendars:
                    yield f"{where}.targets.{kind}.calendar", f"unknown calendar {target.calendar!r}"
                if target.escalation is not None and target.escalation not in self.escalation_ladders:
                    yield (
                        f"{where}.targets.{kind}.escalation",
                        f"unknown escalation ladder {target.escalation!r}",
                    )
                if target.before == kind:
                    yield f"{where}.targets.{kind}.before", "a deadline cannot be relative to itself"

    def calendar(self, calendar_id: str) -> BusinessCalendar:
        """The built calendar with this id (built once, at validation)."""
        return self._calendars[calendar_id]

    def calendar_for(self, target: Target, region: str | None) -> str:
        """The calendar id a business-clock target uses for an inquiry served in ``region``."""
        if target.calendar is not None:
            return target.calendar
        if region is not None and region in self.defaults.region_calendars:
            return self.defaults.region_calendars[region]
        return self.defaults.calendar

    def warn_for(self, rule: Rule, kind: str) -> WarnBefore | None:
        """The warn-before setting for ``kind``: the rule's own, else the policy's (kind, then default)."""
        for table in (rule.warn_before or {}, self.warn_before):
            found = table.get(kind) or table.get("default")  # type: ignore[call-overload]
            if found is not None:
                return found
        return None


def select_rule(policy: SlaPolicy, kind: str, facts: Mapping[str, Any]) -> Rule | None:
    """The rule that sets deadline ``kind`` for an inquiry with these match facts.

    ``facts`` maps channel, category, urgency, customer_tier, team, region and level to values
    (None = unknown, matches no rule that constrains that field). Most specific rule wins; ties go
    to the earlier rule.
    """
    best: tuple[int, int] | None = None
    chosen: Rule | None = None
    for order, rule in enumerate(policy.rules):
        if kind not in rule.targets:
            continue
        m = rule.match
        if not all(
            allowed is None or facts.get(name) in allowed
            for name, allowed in (
                ("channel", m.channel),
                ("category", m.category),
                ("urgency", m.urgency),
                ("customer_tier", m.customer_tier),
                ("team", m.team),
                ("region", m.region),
                ("level", m.level),
            )
        ):
            continue
        score = (m.specificity, -order)
        if best is None or score > best:
            best, chosen = score, rule
    return chosen


class PolicyError(Exception):
    """An invalid policy file. ``problems`` lists (JSON path, reason); ``str()`` names the file."""

    def __init__(self, file: str | Path, problems: list[tuple[str, str]]) -> None:
        self.file = str(file)
        self.problems = problems
        super().__init__("\n".join(f"{self.file}: {path}: {reason}" for path, reason in problems))


def json_path(loc: tuple[int | str, ...]) -> str:
    """``$.rules[3].targets.resolve`` for a location; keys that are not identifiers are quoted."""
    out = "$"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.match(r"^[A-Za-z_$][A-Za-z0-9_$]*$", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def problems_of(exc: ValidationError) -> list[tuple[str, str]]:
    """A pydantic validation error as (JSON path, reason) pairs: one format for every policy document."""
    out: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False):
        # pydantic adds the union/validator branch name to a location (e.g. 'function-after[...]',
        # 'list[str]'); keep only real keys and indices.
        loc = tuple(p for p in err["loc"] if isinstance(p, int) or not re.search(r"[\[\]()]", p))
        msg = str(err["msg"]).removeprefix("Value error, ")
        if not loc and msg.startswith("$"):
            for line in msg.splitlines():
                path, _, reason = line.partition(": ")
                out.append((path, reason))
            continue
        out.append((json_path(loc), msg))
    return out


def parse_policy(data: Any, source: str = "<policy>") -> SlaPolicy:
    """Validate an already-parsed policy document; errors as :class:`PolicyError`."""
    try:
        return SlaPolicy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, problems_of(exc)) from None


def load_policy(path: str | Path) -> SlaPolicy:
    """Read and validate a policy file.

    Raises PolicyError naming the file, the JSON path (``$.rules[3].targets.resolve``) and the
    reason, for an unreadable file, invalid JSON or an invalid policy.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(p, [("$", f"cannot read file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise PolicyError(p, [("$", f"not UTF-8: {exc.reason}")]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(p, [("$", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")]) from None
    return parse_policy(data, str(p))


def policy_json_schema() -> dict[str, Any]:
    """The JSON Schema of the policy format, generated from the models."""
    schema = SlaPolicy.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://inquiry-desk.example/schemas/sla-policy.schema.json",
        **schema,
        "title": "Inquiry Desk SLA policy",
    }
