"""Each team's daily report by e-mail to its supervisors, before the end of THEIR day (R9.2, R3.1).

When: the team's calendar (``default.sla.json`` calendars; team -> calendar in ``reports.json``
``daily_report.team_calendars``, else the SLA policy's default calendar) gives its end of day and
time zone; the report goes ``before_end_of_day_minutes`` earlier. ``daily_schedules`` turns that
into one EventBridge Scheduler cron schedule per team (the stack makes them; the local system fires
them the same way). On a day the calendar is closed (a holiday) the schedule fires and nothing is
sent. The end of day is the earliest end of any working day of the week, so the report is never
late on a short day.

What: per channel of the team (volume, first response, to-dos on time, resolution rate, CSAT), the
team's total, the inquiries behind the figures that need a look (answered late, deadlines missed,
rated low, unresolved), and the overdue and unconfirmed lists (R3.1), each inquiry a link to the
console. Plain text and HTML; every string from data (subjects, names) is escaped in the HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from inquiry_desk.deadlines.policy import CalendarSpec, SlaPolicy
from inquiry_desk.model import Inquiry, Status
from inquiry_desk.ports import Notifier
from inquiry_desk.reports import metrics as m
from inquiry_desk.reports.building import Report, build_report, drill_down, unresolved
from inquiry_desk.reports.counting import TEAM_CHANNEL
from inquiry_desk.reports.render import shown
from inquiry_desk.reports.settings import ReportPolicy
from inquiry_desk.reports.store import CounterStore
from inquiry_desk.reports.stored import StoredReports, mailed_key

MAIL_METRICS = ("volume", "first_response", "sla_attainment", "resolution_rate", "csat")
# the inquiries behind the figures a supervisor should look at: label -> metric whose drill lists them
LOOK_AT = (
    ("answered late", "answered_in_time"),
    ("deadlines missed", "sla_attainment"),
    ("rated below the low mark", "csat_low"),
)
SCHEDULE_PREFIX = "daily-report-"


# --- when -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DailySchedule:
    """One team's schedule: every day at hour:minute in time_zone (the handler skips closed days)."""

    team: str
    calendar: str
    time_zone: str
    hour: int
    minute: int

    @property
    def name(self) -> str:
        return f"{SCHEDULE_PREFIX}{self.team}"

    @property
    def expression(self) -> str:
        """EventBridge Scheduler cron: minutes hours day-of-month month day-of-week year."""
        return f"cron({self.minute} {self.hour} * * ? *)"

    @property
    def payload(self) -> dict[str, Any]:
        return {"daily_report": {"team": self.team}}


def team_calendar(team: str, sla: SlaPolicy, policy: ReportPolicy) -> str:
    calendar = policy.daily_report.team_calendars.get(team, sla.defaults.calendar)
    if calendar not in sla.calendars:
        raise ValueError(f"reports.json daily_report.team_calendars.{team}: unknown calendar {calendar!r}")
    return calendar


def end_of_day_minutes(spec: CalendarSpec) -> int:
    """Minutes after midnight at which the calendar's working day ends (the earliest over the week;
    a calendar without hours never closes: midnight)."""
    ends = []
    for shifts in spec.hours.values():
        if shifts:
            hh, mm = (int(x) for x in max(s.split("-")[1] for s in shifts).split(":"))
            ends.append(hh * 60 + mm)
    return min(ends) if ends else 24 * 60


def daily_schedules(teams: Iterable[str], sla: SlaPolicy, policy: ReportPolicy) -> list[DailySchedule]:
    out = []
    for team in sorted(set(teams)):
        calendar = team_calendar(team, sla, policy)
        spec = sla.calendars[calendar]
        at = max(0, end_of_day_minutes(spec) - policy.daily_report.before_end_of_day_minutes)
        at = min(at, 24 * 60 - 1)
        out.append(DailySchedule(team, calendar, spec.timezone, at // 60, at % 60))
    return out


# --- what -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DailyMail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Listed:
    """One overdue or unconfirmed inquiry as the e-mail lists it."""

    inquiry_id: str
    channel: str
    status: str
    owner: str | None
    received_at: datetime
    next_deadline_at: datetime | None
    subject: str  # the customer's words: text only


def listed(i: Inquiry) -> Listed:
    words = (i.subject or i.description or "").strip().splitlines()
    first = words[0] if words else ""
    return Listed(
        i.inquiry_id,
        i.channel.value,
        i.status.value,
        i.owner,
        i.received_at,
        i.next_deadline_at,
        first[:80] + ("…" if len(first) > 80 else ""),
    )


@dataclass
class TeamDay:
    """Everything one team's e-mail shows."""

    team: str
    day: date
    time_zone: str
    rows: list[tuple[str, dict[str, float | None]]]  # (channel or "all channels", metric id -> value)
    look_at: dict[str, list[str]]  # label -> inquiry ids
    overdue: list[Listed]
    unconfirmed: list[Listed]


def team_day(
    report: Report,
    store: CounterStore,
    policy: ReportPolicy,
    team: str,
    day: date,
    time_zone: str,
    overdue: Sequence[Inquiry],
    queue: Sequence[Inquiry],
    now: datetime,
) -> TeamDay:
    prefix = f"{TEAM_CHANNEL}#{team}/"
    channels = sorted(d for d in report.rows if d.startswith(prefix))
    rows = [(d.removeprefix(prefix), report.figures(policy, d)) for d in channels]
    rows.append(("all channels", report.figures(policy, f"team#{team}")))
    dimension = f"team#{team}"
    look_at = {label: drill_down(store, policy, "daily", day, metric, dimension) for label, metric in LOOK_AT}
    look_at["unresolved"] = unresolved(store, policy, "daily", day, dimension)
    limit = policy.daily_report.list_limit
    cutoff = now - timedelta(minutes=policy.monitor.unconfirmed_after_minutes)
    late = sorted(overdue, key=lambda i: (i.next_deadline_at or i.received_at, i.inquiry_id))[:limit]
    new = [i for i in queue if i.status is Status.NEW and i.received_at <= cutoff]
    new = sorted(new, key=lambda i: (i.received_at, i.inquiry_id))[:limit]
    return TeamDay(team, day, time_zone, rows, look_at, [listed(i) for i in late], [listed(i) for i in new])


def _when(at: datetime | None, zone: ZoneInfo) -> str:
    return "-" if at is None else at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def inquiry_link(console_url: str | None, inquiry_id: str) -> str | None:
    return f"{console_url.rstrip('/')}/#/inquiry/{quote(inquiry_id, safe='')}" if console_url else None


def compose(content: TeamDay, policy: ReportPolicy, console_url: str | None) -> DailyMail:
    catalogue = {x.id: x for x in m.catalogue(policy)}
    cols = [catalogue[i] for i in MAIL_METRICS if i in catalogue]
    zone = ZoneInfo(content.time_zone)
    subject = f"Inquiry Desk daily report: {content.team}, {content.day.isoformat()}"

    # plain text
    header = ["channel", *(c.title for c in cols)]
    table = [header] + [[name, *(shown(c, figures[c.id]) for c in cols)] for name, figures in content.rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [subject, f"Days in {policy.time_zone}; every inquiry counts on the day it was received.", ""]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in table]
    for label, ids in content.look_at.items():
        lines += ["", f"{label}: {len(ids)}"]
        lines += [f"  {i}  {inquiry_link(console_url, i) or ''}".rstrip() for i in ids]
    for title, items in (("Overdue", content.overdue), ("Unconfirmed", content.unconfirmed)):
        lines += ["", f"{title} (R3.1): {len(items)}"]
        for x in items:
            lines.append(
                f"  {x.inquiry_id}  {x.channel}  {x.status}  owner {x.owner or '-'}  received "
                f"{_when(x.received_at, zone)}  due {_when(x.next_deadline_at, zone)}  {x.subject}"
            )
            if link := inquiry_link(console_url, x.inquiry_id):
                lines.append(f"    {link}")
    text = "\n".join(lines) + "\n"

    # HTML: every value escaped, links only to our console
    def a(inquiry_id: str) -> str:
        link = inquiry_link(console_url, inquiry_id)
        label = escape(inquiry_id)
        return f'<a href="{escape(link, quote=True)}">{label}</a>' if link else label

    head = "".join(f"<th>{escape(c.title)}</th>" for c in cols)
    body = "".join(
        f"<tr><th>{escape(name)}</th>"
        + "".join(f"<td{_mark(c, figures[c.id])}>{escape(shown(c, figures[c.id]))}</td>" for c in cols)
        + "</tr>"
        for name, figures in content.rows
    )
    looks = "".join(
        f"<li>{escape(label)}: {len(ids)}{(' - ' + ', '.join(a(i) for i in ids)) if ids else ''}</li>"
        for label, ids in content.look_at.items()
    )
    lists = ""
    for title, items in (("Overdue", content.overdue), ("Unconfirmed", content.unconfirmed)):
        rows = "".join(
            f"<tr><td>{a(x.inquiry_id)}</td><td>{escape(x.channel)}</td><td>{escape(x.status)}</td>"
            f"<td>{escape(x.owner or '-')}</td><td>{escape(_when(x.received_at, zone))}</td>"
            f"<td>{escape(_when(x.next_deadline_at, zone))}</td><td>{escape(x.subject)}</td></tr>"
            for x in items
        )
        lists += f"<h2>{title} (R3.1): {len(items)}</h2>" + (
            "<table><tr><th>inquiry</th><th>channel</th><th>status</th><th>owner</th><th>received</th>"
            f"<th>due</th><th>subject</th></tr>{rows}</table>"
            if items
            else ""
        )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head><body>"
        f"<h1>{escape(subject)}</h1><p>Days in {escape(policy.time_zone)}; every inquiry counts on the day it "
        f"was received. Times in {escape(content.time_zone)}.</p>"
        f'<table border="1" cellpadding="4"><tr><th>channel</th>{head}</tr>{body}</table>'
        f"<h2>Behind the figures</h2><ul>{looks}</ul>{lists}</body></html>"
    )
    return DailyMail(subject, text, html)


def _mark(metric: m.Metric, value: float | None) -> str:
    ok = metric.meets_target(value)
    return "" if ok is None else (' style="background:#e3f6e3"' if ok else ' style="background:#fde2e2"')


# --- delivery ---------------------------------------------------------------------------------
class ReportMailer(Protocol):
    def send(self, to: Sequence[str], subject: str, text: str, html: str) -> str | None:
        """Send one e-mail (plain text and HTML) to ``to``; the provider's message id."""


class DailyReportDelivery:
    """Builds one team's daily report and mails it to the team's supervisors, once per team and day.

    An operators' copy (type ``daily_report``: team, day, how many recipients, the team's figures; no
    customer text) goes to the notifications topic; without recipients or a From address the copy
    says ``daily_report_undelivered`` and why."""

    def __init__(
        self,
        store: CounterStore,
        policy: ReportPolicy,
        sla: SlaPolicy,
        overdue: Callable[[str, datetime], list[Inquiry]],
        queue: Callable[[str], list[Inquiry]],
        recipients: Callable[[str], list[str]],
        mailer: ReportMailer | None,
        notifier: Notifier,
        console_url: str | None,
        now: Callable[[], datetime],
        stored: StoredReports | None = None,
    ) -> None:
        self._store, self._policy, self._sla = store, policy, sla
        self._overdue, self._queue, self._recipients = overdue, queue, recipients
        self._mailer, self._notifier, self._console, self._now = mailer, notifier, console_url, now
        self._stored = stored

    def deliver(self, team: str) -> dict[str, Any]:
        now = self._now()
        calendar = team_calendar(team, self._sla, self._policy)
        zone = self._sla.calendars[calendar].timezone
        day = now.astimezone(ZoneInfo(zone)).date()
        result: dict[str, Any] = {"team": team, "day": day.isoformat(), "calendar": calendar, "sent": False}
        if not self._sla.calendar(calendar).shifts_on(day):
            return {**result, "reason": f"{calendar} is closed on {day.isoformat()}"}
        marker = f"daily#{team}#{day.isoformat()}"
        if self._store.alert(marker) is not None:
            return {**result, "reason": "sent before (a repeated schedule)"}
        report = build_report(self._store, self._policy, "daily", day)
        content = team_day(
            report, self._store, self._policy, team, day, zone, self._overdue(team, now), self._queue(team), now
        )
        mail = compose(content, self._policy, self._console)
        to = sorted(set(self._recipients(team)))
        figures = dict(content.rows[-1][1])
        if not to or self._mailer is None:
            why = "no supervisor of the team has an e-mail address" if not to else "no From address (DESK_MAIL_FROM)"
            self._notifier.notify(
                "daily_report_undelivered", f"Daily report {team} {day} not mailed: {why}", {**result, "why": why}
            )
            return {**result, "reason": why}
        message_id = self._mailer.send(to, mail.subject, mail.text, mail.html)
        self._store.save_alert(marker, {"sent_at": now.isoformat(), "message_id": message_id or ""})
        if self._stored is not None:  # kept as mailed (the day's own report is stored once the day is over)
            self._stored.put(
                mailed_key(team, day),
                {
                    "team": team,
                    "day": day.isoformat(),
                    "sent_at": now.isoformat(),
                    "recipients": len(to),
                    "subject": mail.subject,
                    "text": mail.text,
                    "html": mail.html,
                },
            )
        self._notifier.notify(
            "daily_report",
            mail.subject,
            {**result, "sent": True, "recipients": len(to), "figures": figures, "items_read": report.items_read},
        )
        return {**result, "sent": True, "recipients": len(to), "message_id": message_id}
