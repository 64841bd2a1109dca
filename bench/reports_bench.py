"""Report figures for `make bench` (R9): items a daily report reads with a small and a large history
(the same count: a report reads the day's rows, never the history), and the backfill rate.

- histories of 1 thousand and 100 thousand inquiries (100 a day, identical report day in both),
  counted event by event through the real counting into the in-memory store, whose `day` reads
  what the DynamoDB Query of the day's partition reads;
- on DynamoDB (moto in-process, the table's key schema): the same day's items read through
  `DynamoCounterStore`, and a backfill (`desk report --backfill`) of a few hundred inquiries: its
  rate and its DynamoDB requests per inquiry (the machine-independent figure).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.traffic import day_of_traffic

START = datetime(2026, 1, 1, tzinfo=UTC)
PER_DAY = 100
REPORT_DAY = date(2026, 1, 6)  # inside both histories


def _metric(value: float, unit: str, target: str) -> dict[str, Any]:
    return {"value": round(value, 4), "unit": unit, "target": target}


def _count_history(days: int) -> Any:
    from inquiry_desk.reports.counting import contributions
    from inquiry_desk.reports.settings import load_report_policy
    from inquiry_desk.reports.store import MemoryCounterStore

    policy, store = load_report_policy(), MemoryCounterStore()
    for d in range(days):
        for t in day_of_traffic(START + timedelta(days=d), PER_DAY):
            for e in t.events:
                store.apply(contributions(e, t.inquiry, t.events, policy, None))
    return store


def _items_read(store: Any, on: date) -> int:
    from inquiry_desk.reports.building import build_report
    from inquiry_desk.reports.settings import load_report_policy

    return int(build_report(store, load_report_policy(), "daily", on).items_read)


def _dynamo(n_inquiries: int) -> dict[str, Any]:
    import boto3
    from desk_ops.local.harness import serialise_moto_transactions
    from inquiry_desk.adapters.dynamo import DynamoInquiryRepository, _event_attrs, _inquiry_attrs, _item
    from inquiry_desk.adapters.report_store import DynamoCounterStore
    from inquiry_desk.reports.service import EventCounter
    from inquiry_desk.reports.settings import load_report_policy
    from moto import mock_aws

    gsi: list[Any] = [
        {
            "IndexName": f"GSI{i}",
            "KeySchema": [
                {"AttributeName": f"GSI{i}PK", "KeyType": "HASH"},
                {"AttributeName": f"GSI{i}SK", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
        for i in (1, 2, 3)
    ]
    attrs: list[Any] = [{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK")]
    attrs += [{"AttributeName": f"GSI{i}{k}", "AttributeType": "S"} for i in (1, 2, 3) for k in ("PK", "SK")]
    with mock_aws():
        serialise_moto_transactions()
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(
            TableName="bench",
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            AttributeDefinitions=attrs,
            GlobalSecondaryIndexes=gsi,
            BillingMode="PAY_PER_REQUEST",
        )
        timelines = day_of_traffic(START + timedelta(days=5), n_inquiries)
        for t in timelines:  # the timelines as intake and agents left them (no stream here)
            items = [_inquiry_attrs(t.inquiry), *(_event_attrs(e) for e in t.events)]
            for i in range(0, len(items), 25):
                db.batch_write_item(
                    RequestItems={"bench": [{"PutRequest": {"Item": _item(a)}} for a in items[i : i + 25]]}
                )
        requests: Counter[str] = Counter()
        db.meta.events.register(
            "before-send.dynamodb.*",
            lambda request, **_: (
                requests.update([request.context.get("operation_name", "?")]) if hasattr(request, "context") else None
            ),
        )
        store = DynamoCounterStore(db, "bench")
        counter = EventCounter(DynamoInquiryRepository(db, "bench"), store, load_report_policy())
        days = sorted({t.inquiry.received_at.date() for t in timelines})  # as GSI3 files them
        started = time.perf_counter()
        read, counted = counter.backfill(days, store.inquiry_ids_on)
        seconds = time.perf_counter() - started
        sent = sum(requests.values())
        store.items_read = 0
        day_items = _items_read(store, REPORT_DAY)
        rows = len(store.day(REPORT_DAY.isoformat()))
        return {
            "inquiries": read,
            "events": counted,
            "seconds": seconds,
            "requests": sent,
            "items_read": day_items,
            "rows": rows,
        }


def bench_reports() -> dict[str, dict[str, Any]]:
    small_days = 10
    large_days = int(os.environ.get("DESK_BENCH_REPORT_HISTORY", "100000")) // PER_DAY
    small = _items_read(_count_history(small_days), REPORT_DAY)
    started = time.perf_counter()
    large_store = _count_history(large_days)
    counting_rate = large_days * PER_DAY / (time.perf_counter() - started)
    large = _items_read(large_store, REPORT_DAY)
    moto = _dynamo(int(os.environ.get("DESK_BENCH_BACKFILL_INQUIRIES", "20")))
    return {
        "report_items_read_daily_1k_stored": _metric(small, "items", "= the 100k figure"),
        f"report_items_read_daily_{large_days * PER_DAY // 1000}k_stored": _metric(large, "items", "= the 1k figure"),
        "report_items_read_daily_dynamodb_equals_rows": _metric(
            float(moto["items_read"] == moto["rows"]), "bool", "1: one Query reads the day's rows only"
        ),
        "report_counting_inquiries_per_s": _metric(counting_rate, "inquiries/s", "the counting itself (pure)"),
        "report_backfill_inquiries_per_s_moto": _metric(
            moto["inquiries"] / moto["seconds"], "inquiries/s", "moto copies the table per transaction: a floor"
        ),
        "report_backfill_requests_per_inquiry": _metric(
            moto["requests"] / max(moto["inquiries"], 1), "requests", "timeline + previous + one per counted event"
        ),
        "report_backfill_events_per_inquiry": _metric(
            moto["events"] / max(moto["inquiries"], 1), "events", "events that changed a figure"
        ),
    }


if __name__ == "__main__":
    for k, v in bench_reports().items():
        print(k, v)
