"""Built reports kept (R9.2): a finished period is served as stored, the current one built; rebuilding
is idempotent; a stored document renders the same CSV and table as the report it was built from."""

from __future__ import annotations

import json
from datetime import date

from inquiry_desk.reports.building import build_report
from inquiry_desk.reports.render import csv_text, text_table
from inquiry_desk.reports.settings import load_report_policy
from inquiry_desk.reports.store import MemoryCounterStore
from inquiry_desk.reports.stored import MemoryStoredReports, report_document, report_key, report_of

POLICY = load_report_policy()
DAY, TODAY = date(2026, 4, 1), date(2026, 4, 3)


def _store() -> MemoryCounterStore:
    store = MemoryCounterStore()
    for day, n in ((DAY, 3), (date(2026, 4, 2), 5), (TODAY, 7)):
        store.rows[day.isoformat()]["all"]["received"] = n
        store.rows[day.isoformat()]["channel#chat"]["received"] = n
    return store


def test_a_finished_period_is_stored_once_and_served_from_storage_R9_2() -> None:
    store, stored = _store(), MemoryStoredReports()
    body, source = report_document(store, stored, POLICY, "daily", DAY, TODAY)
    assert source == "built" and report_key("daily", DAY) in stored.documents
    store.rows[DAY.isoformat()]["all"]["received"] = 99  # a late count after the day was stored
    again, source = report_document(store, stored, POLICY, "daily", DAY, TODAY)
    assert source == "stored" and again == body and again["counters"]["all"]["received"] == 3
    rebuilt, _ = report_document(store, stored, POLICY, "daily", DAY, TODAY, rebuild=True)
    assert rebuilt["counters"]["all"]["received"] == 99 and stored.documents[report_key("daily", DAY)] == rebuilt
    # rebuilding the same counters gives the same document
    assert report_document(store, stored, POLICY, "daily", DAY, TODAY, rebuild=True)[0] == rebuilt


def test_the_current_period_is_built_on_request_and_never_stored_R9_2() -> None:
    store, stored = _store(), MemoryStoredReports()
    body, source = report_document(store, stored, POLICY, "weekly", TODAY, TODAY)
    assert source == "built" and not stored.documents and body["counters"]["all"]["received"] == 15
    assert report_document(store, None, POLICY, "daily", DAY, TODAY)[1] == "built"


def test_a_stored_document_renders_as_the_report_it_was_built_from() -> None:
    store = _store()
    report = build_report(store, POLICY, "monthly", DAY)
    body = json.loads(json.dumps(report.to_json(POLICY)))  # as S3 gives it back
    assert csv_text(report_of(body), POLICY) == csv_text(report, POLICY)
    assert text_table(report_of(body), POLICY) == text_table(report, POLICY)
