"""Live monitoring, every minute (R3.4), and the supervisors' daily mail (R3.1, R9.2).

`rate(1 minute)` rule -> `{"monitor": "tick"}`: per channel waiting count, oldest wait and average
first response; queue alerts (over the policy's threshold, with their own handling deadline) and
response-time rises to the notifications topic. Once a day at the policy's time, the same tick sends
the daily report and the overdue and unconfirmed inquiries of every team.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.model import utc_now
from inquiry_desk.reports import monitor
from inquiry_desk.reports.building import build_report
from inquiry_desk.reports.render import text_table
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import MonitorSettings, load


def _tick() -> dict[str, Any]:
    now, store, policy = utc_now(), composition.counter_store(), composition.report_policy()
    notifier = composition.notifier()
    result = monitor.check(store, policy, notifier, now)
    for c in result["channels"]:
        if c["waiting"]:
            metrics.add_metric(name=f"Waiting_{c['channel']}", unit="Count", value=c["waiting"])
    metrics.add_metric(name="MonitorAlerts", unit="Count", value=len(result["actions"]))
    day = monitor.daily_due(store, policy, now)
    if day is not None:
        repo = composition.repository()
        report = build_report(store, policy, "daily", day)
        lists = monitor.overdue_and_unconfirmed(
            composition.teams(), lambda t, at: repo.overdue(t, at), lambda t: repo.team_queue(t, 200), policy, now
        )
        notifier.notify(
            "daily_report",
            f"Daily report {day.isoformat()}",
            {"day": day.isoformat(), "table": text_table(report, policy), "figures": report.figures(policy)},
        )
        notifier.notify("daily_overdue", f"Overdue and unconfirmed {day.isoformat()}", {"teams": lists})
        result["daily"] = day.isoformat()
    return result


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(MonitorSettings)  # cold start: a missing variable fails here, named
    if event.get("monitor") or event.get("detail-type") == "Scheduled Event":
        result = _tick()
        logger.info("monitor tick", extra={"actions": result["actions"], "daily": result.get("daily")})
        return result
    raise ValueError(f"monitor does not know this event: {sorted(event)}")
