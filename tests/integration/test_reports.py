"""Reports on the emulated stack: webhooks and agents' actions flow through the table's stream into
the day counters, exactly once; the counters equal the timelines recomputed; the monitor raises and
clears the queue alert (R3.4, R9.1, R9.2)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams
from inquiry_desk.model import EventType, set_clock

from tests.integration.conftest import agent_claims

DAY = datetime(2031, 5, 6, 2, 0, tzinfo=UTC)  # a day no other test writes to (10:00 in Shanghai)
N = 30
# earlier tests of the session may leave a backlog of stream records (the thousand-message intake test):
# counting them is legitimate work to wait for, not this test's own slowness
BACKLOG_S = 240.0


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    now = [DAY]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)


def _instagram(message_id: str, customer: str) -> str:
    """A direct message on Instagram, through intake (as the Meta webhook hands it over). The live queue
    is per channel; no other integration test leaves Instagram messages waiting in numbers, so the queue
    alert this test raises and clears is its own (chats other tests leave waiting do not count here)."""
    from inquiry_desk.channels import identity
    from inquiry_desk.model import Channel, Identity, InboundMessage
    from inquiry_desk.runtime import composition

    message = InboundMessage(
        channel=Channel.INSTAGRAM,
        channel_message_id=message_id,
        sender=Identity(kind=identity.INSTAGRAM_IGSID, value=customer),
        text="where is my parcel 包裹",
    )
    return composition.receive(message).inquiry_id


def _act(runner: Any, inquiry_id: str, body: dict[str, Any], agent: str) -> None:
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        json.dumps(body).encode(),
        agent_claims(agent, "supervisors" if body["action"] == "reopen" else "agents"),  # reopening: R8.2
        "v1",
    )
    result = runner.invoke("console_api", event)
    assert result["statusCode"] == 200, result["body"]


def _report(runner: Any, query: str, groups: str = "admins") -> dict[str, Any]:
    path, _, qs = query.partition("?")
    event = api_gateway_event("GET", path, {}, b"", agent_claims(f"rep-{groups}", groups), "v1")
    event["queryStringParameters"] = dict(p.split("=", 1) for p in qs.split("&")) if qs else None
    return dict(runner.invoke("console_api", event))


def test_counters_from_the_stream_equal_recomputed_timelines_and_the_monitor_alerts_R9_1_R3_4(
    runner: Any, clock: list[datetime]
) -> None:
    from inquiry_desk.reports import metrics as m
    from inquiry_desk.reports.building import build_report, drill_down
    from inquiry_desk.reports.recompute import recompute
    from inquiry_desk.reports.service import EventCounter
    from inquiry_desk.runtime import composition

    tag = uuid.uuid4().hex[:8]
    ids = [_instagram(f"rep-{tag}-{i}", f"rep-{tag}-c{i}") for i in range(N)]
    for i in range(5):  # providers redeliver: nothing new is stored, nothing is counted
        assert _instagram(f"rep-{tag}-{i}", f"rep-{tag}-c{i}") == ids[i]
    drain_streams(timeout=BACKLOG_S)

    store, policy = composition.counter_store(), composition.report_policy()
    tick = runner.invoke("monitor", {"monitor": "tick"})
    assert "raised queue#instagram" in tick["actions"]  # 30 waiting on Instagram: over 20
    waiting = next(c for c in tick["channels"] if c["channel"] == "instagram")
    assert waiting["waiting"] >= N

    clock[0] = DAY + timedelta(minutes=1)
    for iid in ids[:6]:
        _act(runner, iid, {"action": "reply", "text": "on its way"}, "alice")  # within the 2-minute target
    clock[0] = DAY + timedelta(minutes=6)
    for iid in ids[6:10]:
        _act(runner, iid, {"action": "reply", "text": "sorry for the wait"}, "bob")  # late
    for iid in ids[:5]:
        _act(runner, iid, {"action": "resolve", "result": "delivered"}, "alice")
    service = composition.inquiry_service()
    for iid, score in zip(ids[:4], (5, 4, 2, 1), strict=True):
        service.record(iid, clock[0], "customer", EventType.SURVEY_ANSWERED, {"score": score})
    service.record(ids[20], clock[0], "system", EventType.DEADLINE_BREACHED, {"kind": "acknowledge", "episode": 1})
    _act(runner, ids[0], {"action": "reopen", "reason": "parcel damaged"}, "alice")
    drain_streams(timeout=BACKLOG_S)

    day = date(2031, 5, 6)
    report = build_report(store, policy, "daily", day)
    row = report.rows["channel#instagram"]
    assert row[m.RECEIVED] == N  # redelivered webhooks counted nothing
    assert row[m.FIRST_RESPONSES] == 10 and row[m.ANSWERED_LATE] == 4 and row[m.ANSWERED_IN_TIME] == 6
    assert row[m.CSAT_ANSWERS] == 4 and row[m.CSAT_LOW] == 2 and row[m.REOPENED] == 1
    # each score counts for the agent who owned the inquiry (routing picks owners: R4.1), 12 in all
    by_agent = {r: v.get(m.CSAT_SCORE_SUM, 0) for r, v in report.rows.items() if r.startswith("agent#")}
    assert sum(by_agent.values()) == 12
    assert drill_down(store, policy, "daily", day, "answered_in_time", "channel#instagram") == sorted(ids[6:10])
    assert drill_down(store, policy, "daily", day, "csat_low") == sorted(ids[2:4])

    # the counters equal the same counters recomputed from the raw timelines, metric by metric
    repo = composition.repository()
    timelines = [repo.timeline(i) for i in store.inquiry_ids_on(DAY.date())]
    expected = recompute([t for t in timelines if t is not None], policy)[day.isoformat()]
    assert store.day(day.isoformat()) == expected
    # every event was counted by the stream: counting the timelines again adds nothing
    counter = EventCounter(repo, store, policy)
    assert sum(counter.count_timeline(t) for t in timelines if t is not None) == 0
    assert store.day(day.isoformat()) == expected

    # a stream record delivered again counts nothing
    event = repo.timeline(ids[1]).events[-1]
    image = {
        "PK": {"S": f"INQ#{ids[1]}"},
        "SK": {"S": f"EVT#{event.seq:06d}"},
        "kind": {"S": "event"},
        "inquiry_id": {"S": ids[1]},
        "seq": {"N": str(event.seq)},
        "type": {"S": event.type.value},
        "at": {"S": event.at.isoformat()},
        "actor": {"S": event.actor},
        "data": {"M": {}},
    }
    record = {
        "eventID": "1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "eventSourceARN": "arn:x",
        "dynamodb": {"Keys": {"PK": image["PK"], "SK": image["SK"]}, "NewImage": image, "SequenceNumber": "1"},
    }
    assert runner.invoke("metrics", {"Records": [record]}) == {"batchItemFailures": []}
    assert store.day(day.isoformat()) == expected

    # the API serves the same report as JSON and CSV (rows per channel: admins, R8.2), not to agents
    got = _report(runner, "/api/reports/daily?date=2031-05-06")
    assert got["statusCode"] == 200
    assert json.loads(got["body"])["counters"]["channel#instagram"][m.RECEIVED] == N
    csv = _report(runner, "/api/reports/daily?date=2031-05-06&format=csv")
    content_type = (csv.get("headers") or {}).get("Content-Type") or csv["multiValueHeaders"]["Content-Type"][0]
    assert content_type.startswith("text/csv") and "channel#instagram,volume,30" in csv["body"]
    assert _report(runner, "/api/reports/daily?date=2031-05-06", groups="agents")["statusCode"] == 403
    drill = _report(runner, "/api/reports/daily/inquiries?date=2031-05-06&metric=csat_low")
    assert json.loads(drill["body"])["inquiry_ids"] == sorted(ids[2:4])

    # 30 - 10 answered + 1 reopened = 21 still waiting past the alert's own 10-minute deadline: unhandled
    clock[0] = DAY + timedelta(minutes=11)
    assert "unhandled queue#instagram" in runner.invoke("monitor", {"monitor": "tick"})["actions"]
    for iid in ids[10:20]:
        _act(runner, iid, {"action": "reply", "text": "looking into it"}, "chen")
    drain_streams(timeout=BACKLOG_S)
    tick = runner.invoke("monitor", {"monitor": "tick"})
    assert "cleared queue#instagram" in tick["actions"]
    assert next(c for c in tick["channels"] if c["channel"] == "instagram")["waiting"] <= 20


def test_a_redelivered_webhook_is_reported_as_a_duplicate_not_an_inquiry_opened_R1_2(runner: Any) -> None:
    from inquiry_desk.model import Channel, Identity, InboundMessage
    from inquiry_desk.runtime import composition

    message = InboundMessage(
        channel=Channel.CHAT,
        channel_message_id=f"dup-{uuid.uuid4().hex}",
        sender=Identity(kind="chat_customer", value=f"dup-{uuid.uuid4().hex[:6]}"),
        text="hello",
    )
    first = composition.receive(message)
    again = composition.receive(message)  # answered from the powertools idempotency record
    assert (first.created, first.duplicate) == (True, False)
    assert (again.inquiry_id, again.created, again.duplicate) == (first.inquiry_id, True, True)  # replayed


def test_a_finished_periods_report_is_stored_and_served_from_the_reports_bucket_R9_2(
    runner: Any, stack: Any, clock: list[datetime]
) -> None:
    import boto3

    from infra import names

    clock[0] = datetime(2031, 7, 3, 2, 0, tzinfo=UTC)  # 1 July 2031 is over; July is not
    first = json.loads(_report(runner, "/api/reports/daily?date=2031-07-01")["body"])
    again = json.loads(_report(runner, "/api/reports/daily?date=2031-07-01")["body"])
    assert (first["source"], again["source"]) == ("built", "stored")
    assert {k: v for k, v in first.items() if k != "source"} == {k: v for k, v in again.items() if k != "source"}
    s3 = boto3.client("s3", region_name="us-east-1")
    bucket = stack.outputs[names.OUT_REPORTS_BUCKET]
    assert s3.list_objects_v2(Bucket=bucket, Prefix="reports/daily/2031-07-01.json")["KeyCount"] == 1
    month = json.loads(_report(runner, "/api/reports/monthly?date=2031-07-01")["body"])
    assert month["source"] == "built"  # the current month: built on request, never stored
    assert s3.list_objects_v2(Bucket=bucket, Prefix="reports/monthly/2031-07-01.json")["KeyCount"] == 0
