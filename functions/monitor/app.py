"""Live monitoring, every minute (R3.4), and each team's daily report to its supervisors (R3.1, R9.2).

`rate(1 minute)` rule -> `{"monitor": "tick"}`: per channel waiting count, oldest wait and average
first response; queue alerts (over the policy's threshold, with their own handling deadline) and
response-time rises to the notifications topic.
One Scheduler schedule per team, before the end of the team's day in its time zone ->
`{"daily_report": {"team": T}}`: the team's report, overdue and unconfirmed lists, by SES to the
team's supervisors (an operators' copy without customer text to the notifications topic).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.model import utc_now
from inquiry_desk.reports import monitor
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
    return result


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(MonitorSettings)  # cold start: a missing variable fails here, named
    daily = event.get("daily_report")
    if isinstance(daily, dict) and isinstance(daily.get("team"), str):
        delivered = composition.daily_report_delivery().deliver(daily["team"])
        metrics.add_metric(name="DailyReportsMailed", unit="Count", value=1 if delivered["sent"] else 0)
        logger.info("daily report", extra={k: v for k, v in delivered.items() if k != "message_id"})
        return dict(delivered)
    if event.get("monitor") or event.get("detail-type") == "Scheduled Event":
        result = _tick()
        logger.info("monitor tick", extra={"actions": result["actions"], "daily": result.get("daily")})
        return result
    raise ValueError(f"monitor does not know this event: {sorted(event)}")
