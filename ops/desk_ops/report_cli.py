"""`desk report`: reports in the terminal and as an offline HTML page, drill-down, backfill, live.

desk report daily|weekly|monthly|quarterly [--date D] [--html FILE] [--json|--csv]
desk report daily --date D --drill answered_in_time [--dimension channel#chat]
desk report live                 per channel: waiting, oldest wait, average first response
desk report --backfill FROM TO   count the timelines of inquiries received FROM..TO (idempotent)
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from infra import names


def _store(stack: str | None) -> tuple[Any, Any]:
    """(repository, counter store) on the local system or a deployed stack."""
    from inquiry_desk.adapters.report_store import DynamoCounterStore

    from desk_ops.cli import _repository

    repo = _repository(stack)
    return repo, DynamoCounterStore(repo._db, repo._table)


def _stored(stack: str | None) -> Any:
    """The reports bucket of the local system or a deployed stack (None: reports are only built)."""
    from inquiry_desk.adapters.report_archive import S3StoredReports

    from desk_ops.cli import _local

    if stack:
        import boto3

        described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        s3: Any = boto3.client("s3")
    else:
        info, s3 = _local("s3")
        outputs = info["outputs"]
    bucket = outputs.get(names.OUT_REPORTS_BUCKET)
    return S3StoredReports(s3, bucket) if bucket else None


def _policy() -> Any:
    from inquiry_desk.reports.settings import load_report_policy

    return load_report_policy()


def cmd_report(args: argparse.Namespace) -> int:
    from inquiry_desk.model import utc_now
    from inquiry_desk.reports.building import drill_down, unresolved
    from inquiry_desk.reports.render import csv_text, html_page, text_table

    from desk_ops.cli import CliError

    policy = _policy()
    if args.backfill:
        return _backfill(args, policy)
    if args.period is None:
        raise CliError("name a period (daily, weekly, monthly, quarterly, live) or --backfill FROM TO")
    _, store = _store(args.stack)
    if args.period == "live":
        from dataclasses import asdict

        from inquiry_desk.reports.monitor import live

        picture = [asdict(c) for c in live(store, policy, utc_now())]
        if args.json:
            print(json.dumps({"channels": picture}, indent=2))
        else:
            print(f"{'channel':<12} {'waiting':>7} {'oldest wait':>12} {'avg 1st resp':>12}  rising")
            for c in picture:
                oldest = "-" if c["oldest_wait_seconds"] is None else f"{c['oldest_wait_seconds'] / 60:.1f} min"
                resp = c["response_seconds_last_hour"]
                shown = "-" if resp is None else f"{resp:.0f} s"
                print(f"{c['channel']:<12} {c['waiting']:>7} {oldest:>12} {shown:>12}  {'YES' if c['rising'] else ''}")
        return 0
    on = date.fromisoformat(args.date) if args.date else utc_now().astimezone(policy.zone).date() - timedelta(days=1)
    if args.drill == "unresolved":
        from inquiry_desk.reports.building import unresolved, unresolved_reasons

        repo = _store(args.stack)[0]

        def status_of(iid: str) -> tuple[str, str | None]:
            t = repo.timeline(iid)
            return (t.inquiry.status.value, None) if t else ("missing", None)

        rows = unresolved_reasons(unresolved(store, policy, args.period, on, args.dimension), status_of)
        print(json.dumps(rows, indent=2) if args.json else "\n".join(f"{r['inquiry_id']}  {r['reason']}" for r in rows))
        return 0
    if args.drill:
        try:
            ids = drill_down(store, policy, args.period, on, args.drill, args.dimension)
        except KeyError as err:
            raise CliError(str(err.args[0])) from None
        print(
            json.dumps({"metric": args.drill, "dimension": args.dimension, "inquiry_ids": ids}, indent=2)
            if args.json
            else "\n".join(ids)
        )
        return 0
    from inquiry_desk.reports.stored import report_document, report_of

    today = utc_now().astimezone(policy.zone).date()
    body, source = report_document(store, _stored(args.stack), policy, args.period, on, today)
    report = report_of(body)
    if args.json:
        print(json.dumps({**body, "source": source}, indent=2, ensure_ascii=False, default=str))
    elif args.csv:
        print(csv_text(report, policy), end="")
    else:
        print(text_table(report, policy))
    drills: dict[str, list[str]] = {}
    if args.period == "daily":  # one day: the inquiries behind the figures that need a look
        drills["unresolved"] = unresolved(store, policy, "daily", on)
        for metric_id in ("answered_in_time", *(f"sla_{k}" for k in policy.sla_kinds), "csat_low", "reopen_rate"):
            drills[f"{metric_id} ({'late' if metric_id == 'answered_in_time' else 'behind it'})"] = drill_down(
                store, policy, "daily", on, metric_id
            )
    page = Path(args.html or f"report-{args.period}-{on.isoformat()}.html")
    page.write_text(html_page(report, policy, drills), encoding="utf-8")
    if not args.json and not args.csv:
        kept = "stored report (the period is over)" if source == "stored" else "built now"
        print(f"\nchart page: {page}  ({kept}; {report.items_read} items read to build it)")
    return 0


def _backfill(args: argparse.Namespace, policy: Any) -> int:
    import click
    from inquiry_desk.reports.service import EventCounter

    start, end = (date.fromisoformat(d) for d in args.backfill)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    repo, store = _store(args.stack)
    counter = EventCounter(repo, store, policy)
    totals = {"inquiries": 0, "events": 0}
    with click.progressbar(length=len(days), label="backfill", show_pos=True, item_show_func=lambda d: d) as bar:

        def progress(day: date, inquiries: int, counted: int) -> None:
            totals["inquiries"] += inquiries
            bar.update(1, f"{day.isoformat()} ({inquiries} inquiries)")

        _, counted = counter.backfill(days, store.inquiry_ids_on, progress)
    print(f"{totals['inquiries']} inquiries read, {counted} events newly counted (already counted: skipped)")
    stored = _stored(args.stack)
    if stored is not None:  # the finished periods' reports, rebuilt from the counters and stored again
        from inquiry_desk.model import utc_now
        from inquiry_desk.reports.building import PERIODS, period_days
        from inquiry_desk.reports.stored import finished, report_document

        today = utc_now().astimezone(policy.zone).date()
        periods = {(p, period_days(p, d)[0]) for p in PERIODS for d in days if finished(p, d, today)}
        for period, first in sorted(periods):
            report_document(store, stored, policy, period, first, today, rebuild=True)
        print(f"{len(periods)} reports of finished periods stored (rebuilt: the same counters, the same report)")
    return 0


def register(sub: Any) -> None:
    report = sub.add_parser("report", help="reports (R9.2), drill-down, live monitoring, backfill")
    report.add_argument("period", nargs="?", choices=["daily", "weekly", "monthly", "quarterly", "live"])
    report.add_argument("--date", help="a day of the period, YYYY-MM-DD (default: yesterday)")
    report.add_argument("--html", help="where to write the chart page (default report-<period>-<date>.html)")
    report.add_argument("--json", action="store_true")
    report.add_argument("--csv", action="store_true")
    report.add_argument(
        "--drill", metavar="METRIC", help="print the inquiry ids behind this metric (or: unresolved, with why)"
    )
    report.add_argument("--dimension", default="all", help="all, channel#chat, team#orders, agent#alice ...")
    report.add_argument("--backfill", nargs=2, metavar=("FROM", "TO"), help="count inquiries received FROM..TO")
    report.add_argument("--stack", default=None, help=f"a deployed stack (default: the local system; {names.SERVICE})")
    report.set_defaults(func=cmd_report)
