"""Live monitoring (R3.4) and the supervisors' daily lists (R3.1, R9.2), run every minute.

- per channel: how many wait for an answer, since when the oldest waits, and the average first
  response of the last hour (the live picture);
- more than the policy's threshold waiting in a channel raises a queue alert (SNS) with its own
  handling deadline; still over it when the deadline passes, the alert is raised again as
  unhandled; back under it, the alert clears (with how long it took);
- a channel whose last hour's average first response is the policy's factor above its baseline
  (the hours before) is flagged once per hour;
- the overdue and unconfirmed inquiries per team (R3.1), which each team's daily e-mail lists
  (``reports.daily``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from inquiry_desk.model import Channel, Inquiry, Status
from inquiry_desk.ports import Notifier
from inquiry_desk.reports.settings import ReportPolicy
from inquiry_desk.reports.store import CounterStore, hour_of


@dataclass(frozen=True)
class ChannelLive:
    channel: str
    waiting: int
    oldest_wait_seconds: int | None
    response_seconds_last_hour: float | None  # average first response, this hour and the one before
    response_seconds_baseline: float | None
    rising: bool


def live(
    store: CounterStore, policy: ReportPolicy, now: datetime, channels: Iterable[str] | None = None
) -> list[ChannelLive]:
    out = []
    rules = policy.monitor
    recent_from = hour_of(now - timedelta(hours=1))
    for channel in channels or [c.value for c in Channel]:
        w = store.waiting(channel)
        hours = store.response_hours(channel, hour_of(now - timedelta(hours=rules.baseline_hours + 1)))
        recent = [h for h in hours if h.hour >= recent_from]
        base = [h for h in hours if h.hour < recent_from]
        r_count, r_sum = sum(h.count for h in recent), sum(h.seconds for h in recent)
        b_count, b_sum = sum(h.count for h in base), sum(h.seconds for h in base)
        r_avg = r_sum / r_count if r_count else None
        b_avg = b_sum / b_count if b_count else None
        rising = (
            r_avg is not None
            and b_avg is not None
            and r_count >= rules.response_rise_min_samples
            and b_count >= rules.response_rise_min_samples
            and r_avg >= rules.response_rise_factor * max(b_avg, 1.0)
        )
        oldest = int((now - w.oldest_since).total_seconds()) if w.oldest_since else None
        out.append(ChannelLive(channel, w.count, oldest, r_avg, b_avg, rising))
    return out


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def check(store: CounterStore, policy: ReportPolicy, notifier: Notifier, now: datetime) -> dict[str, Any]:
    """One monitor tick: raise, repeat (unhandled past its deadline) or clear each channel's alerts."""
    rules = policy.monitor
    picture = live(store, policy, now)
    actions: list[str] = []
    for c in picture:
        name = f"queue#{c.channel}"
        alert = store.alert(name)
        if c.waiting > rules.waiting_threshold:
            if alert is None:
                due = now + timedelta(minutes=rules.handle_within_minutes)
                state = {"raised_at": _iso(now), "due_at": _iso(due), "unhandled": False, "peak": c.waiting}
                store.save_alert(name, state)
                notifier.notify(
                    "queue_alert",
                    f"{c.waiting} waiting on {c.channel} (over {rules.waiting_threshold})",
                    {**asdict(c), "threshold": rules.waiting_threshold, "handle_by": state["due_at"]},
                )
                actions.append(f"raised {name}")
            elif not alert.get("unhandled") and now >= datetime.fromisoformat(
                str(alert["due_at"]).replace("Z", "+00:00")
            ):
                store.save_alert(name, {**alert, "unhandled": True, "peak": max(int(alert.get("peak", 0)), c.waiting)})
                notifier.notify(
                    "queue_alert_unhandled",
                    f"queue alert on {c.channel} not handled within {rules.handle_within_minutes} min",
                    {**asdict(c), "raised_at": alert["raised_at"], "due_at": alert["due_at"]},
                )
                actions.append(f"unhandled {name}")
        elif alert is not None:
            store.save_alert(name, None)
            raised = datetime.fromisoformat(str(alert["raised_at"]).replace("Z", "+00:00"))
            notifier.notify(
                "queue_alert_cleared",
                f"{c.channel} queue back under {rules.waiting_threshold}",
                {
                    **asdict(c),
                    "raised_at": alert["raised_at"],
                    "handled_in_seconds": int((now - raised).total_seconds()),
                    "within_deadline": not alert.get("unhandled"),
                },
            )
            actions.append(f"cleared {name}")
        if c.rising:
            rise = f"rise#{c.channel}"
            seen = store.alert(rise)
            if seen is None or seen.get("hour") != hour_of(now):
                store.save_alert(rise, {"hour": hour_of(now)})
                notifier.notify(
                    "response_time_rising",
                    f"first response on {c.channel} rising",
                    {**asdict(c), "factor": rules.response_rise_factor},
                )
                actions.append(f"flagged {rise}")
    return {"channels": [asdict(c) for c in picture], "actions": actions}


def overdue_and_unconfirmed(
    teams: Iterable[str],
    overdue: Callable[[str, datetime], list[Inquiry]],
    queue: Callable[[str], list[Inquiry]],
    policy: ReportPolicy,
    now: datetime,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per team: open inquiries past their next deadline, and new ones nobody confirmed (R3.1)."""
    cutoff = now - timedelta(minutes=policy.monitor.unconfirmed_after_minutes)
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for team in teams:
        late = [_brief(i) for i in overdue(team, now)]
        unconfirmed = [_brief(i) for i in queue(team) if i.status is Status.NEW and i.received_at <= cutoff]
        if late or unconfirmed:
            out[team] = {"overdue": late, "unconfirmed": unconfirmed}
    return out


def _brief(i: Inquiry) -> dict[str, Any]:
    return {
        "inquiry_id": i.inquiry_id,
        "channel": i.channel.value,
        "status": i.status.value,
        "owner": i.owner,
        "received_at": _iso(i.received_at),
        "next_deadline_at": _iso(i.next_deadline_at) if i.next_deadline_at else None,
    }


def live_for_teams(
    open_inquiries: Iterable[Inquiry], now: datetime, channels: Iterable[str] | None = None
) -> list[ChannelLive]:
    """The live picture of some teams' open inquiries (R8.2: a supervisor or agent sees their teams').

    Per channel: those not answered yet and the oldest one's wait. The hourly response times add
    up every team's replies (the counters are per channel, not per team), so they are left out.
    """
    unanswered = [i for i in open_inquiries if i.is_open and i.first_response_at is None]
    out = []
    for channel in channels or [c.value for c in Channel]:
        mine = [i for i in unanswered if i.channel.value == channel]
        oldest = min((i.received_at for i in mine), default=None)
        wait = int((now - oldest).total_seconds()) if oldest else None
        out.append(ChannelLive(channel, len(mine), wait, None, None, False))
    return out
