"""Built reports kept (R9.2): a finished period's report is stored the first time it is built (asked
for through the API or `desk report`, or rebuilt by `desk report --backfill`) and served from
storage after; the current period (not over yet in the report time zone) is built on every request
and never stored. Each team's daily e-mail is kept as mailed. Rebuilding is idempotent: the same
counters give the same document, which replaces the stored one.

Storage is an S3 bucket (``adapters/report_archive.py``): a report document is tens to hundreds of
kilobytes (every dimension's counters and figures), read rarely and whole, and kept for years by a
lifecycle rule (``reports.json`` ``stored_reports``) - too big for an item of the table, cheap there.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Protocol

from inquiry_desk.reports.building import Period, Report, build_report, period_days
from inquiry_desk.reports.settings import ReportPolicy
from inquiry_desk.reports.store import CounterStore

Source = Literal["stored", "built"]


class StoredReports(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, body: dict[str, Any]) -> None: ...


class MemoryStoredReports:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        return self.documents.get(key)

    def put(self, key: str, body: dict[str, Any]) -> None:
        self.documents[key] = body


def report_key(period: Period, on: date) -> str:
    return f"reports/{period}/{period_days(period, on)[0].isoformat()}.json"


def mailed_key(team: str, day: date) -> str:
    return f"mailed/daily/{day.isoformat()}/{team}.json"


def finished(period: Period, on: date, today: date) -> bool:
    return period_days(period, on)[-1] < today


def report_document(
    store: CounterStore,
    stored: StoredReports | None,
    policy: ReportPolicy,
    period: Period,
    on: date,
    today: date,
    rebuild: bool = False,
) -> tuple[dict[str, Any], Source]:
    """The report's JSON document: the stored one for a finished period, else built now (and stored
    when the period is finished). ``rebuild`` builds and replaces a stored one (backfill)."""
    if stored is None or not finished(period, on, today):
        return build_report(store, policy, period, on).to_json(policy), "built"
    key = report_key(period, on)
    if not rebuild:
        found = stored.get(key)
        if found is not None:
            return found, "stored"
    body = build_report(store, policy, period, on).to_json(policy)
    stored.put(key, body)
    return body, "built"


def report_of(body: dict[str, Any]) -> Report:
    """A Report again from its document (for the CSV, the table and the HTML page of a stored one)."""
    return Report(
        period=body["period"],
        start=date.fromisoformat(body["start"]),
        end=date.fromisoformat(body["end"]),
        rows={dim: {k: int(v) for k, v in c.items()} for dim, c in body["counters"].items()},
        days={day: {k: int(v) for k, v in c.items()} for day, c in body.get("days", {}).items()},
        previous={dim: {k: int(v) for k, v in c.items()} for dim, c in body.get("previous_counters", {}).items()},
        flags=list(body.get("flags", [])),
        items_read=int(body.get("items_read", 0)),
    )
