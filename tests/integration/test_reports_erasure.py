"""A customer erased end to end, and the reports still add up (R8.2, R9.1, R9.2).

Erasure keeps each inquiry as a tombstone (channel, team, category, status, times) and the counters
hold no personal data, so an erased customer's inquiries stay counted, anonymously: the day's
figures do not move, and the counters still equal the same counters recomputed from the (erased)
timelines."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import drain_streams
from inquiry_desk.model import EventType, set_clock

from infra import names
from tests.integration.conftest import agent_claims

DAY = datetime(2031, 6, 10, 2, 0, tzinfo=UTC)  # a day no other test writes to (10:00 in Shanghai)
NAME = "Qian Duoduo"
# earlier tests of the session may leave a backlog of stream records (the thousand-message intake test):
# counting them is legitimate work to wait for, not this test's own slowness
BACKLOG_S = 240.0


@pytest.fixture
def clock() -> Iterator[list[datetime]]:
    now = [DAY]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)


def _receive(message_id: str, customer: str, text: str) -> str:
    from inquiry_desk.model import Channel, Identity, InboundMessage
    from inquiry_desk.runtime import composition

    message = InboundMessage(
        channel=Channel.CHAT,
        channel_message_id=message_id,
        sender=Identity(kind="chat_customer", value=customer),
        text=text,
        name=NAME,
    )
    return composition.receive(message).inquiry_id


def _call(runner: Any, method: str, path: str, body: dict[str, Any], claims: dict[str, str]) -> dict[str, Any]:
    event = api_gateway_event(
        method, path, {"Content-Type": "application/json"}, json.dumps(body).encode(), claims, "v1"
    )
    result: dict[str, Any] = runner.invoke("console_api", event)
    return result


def _act(runner: Any, inquiry_id: str, body: dict[str, Any]) -> None:
    got = _call(runner, "POST", f"/api/inquiries/{inquiry_id}/actions", body, agent_claims("alice", "agents"))
    assert got["statusCode"] == 200, got["body"]


def test_erasing_a_customer_keeps_the_reports_adding_up_R8_2_R9_1(
    runner: Any, stack: Any, clock: list[datetime]
) -> None:
    from inquiry_desk.reports.building import build_report, drill_down
    from inquiry_desk.reports.recompute import recompute
    from inquiry_desk.runtime import composition

    tag = uuid.uuid4().hex[:8]
    erased_customer, other = f"erase-rep-{tag}-a", f"erase-rep-{tag}-b"
    mine = [_receive(f"er-{tag}-1", erased_customer, f"还没收到货 where is my parcel, {NAME}")]
    # a second message within the join window joins the same inquiry (its text goes too)
    assert _receive(f"er-{tag}-2", erased_customer, f"还没收到 - {NAME}") == mine[0]
    theirs = [_receive(f"er-{tag}-3", other, "where is my parcel 包裹")]
    clock[0] = DAY + timedelta(minutes=1)
    for iid in [*mine, *theirs]:  # every one answered: no chat of this test is left waiting
        _act(runner, iid, {"action": "reply", "text": "on its way"})
    clock[0] = DAY + timedelta(minutes=30)
    _act(runner, mine[0], {"action": "resolve", "result": "delivered"})
    service = composition.inquiry_service()
    service.record(mine[0], clock[0], "customer", EventType.SURVEY_ANSWERED, {"score": 2})
    drain_streams(timeout=BACKLOG_S)

    store, policy, repo = composition.counter_store(), composition.report_policy(), composition.repository()
    day = DAY.date()

    def recomputed() -> dict[str, dict[str, int]]:
        timelines = [repo.timeline(i) for i in store.inquiry_ids_on(day)]
        return recompute([t for t in timelines if t is not None], policy)[day.isoformat()]

    before = store.day(day.isoformat())
    assert before == recomputed()
    figures_before = build_report(store, policy, "daily", date(2031, 6, 10)).to_json(policy)["figures"]
    low_before = drill_down(store, policy, "daily", day, "csat_low")
    assert low_before == [mine[0]]

    customer_id = repo.get(mine[0]).customer_id  # type: ignore[union-attr]
    clock[0] = DAY + timedelta(hours=2)
    done = _call(
        runner,
        "POST",
        f"/api/customers/{customer_id}/erase",
        {"reason": "customer request #4712"},
        agent_claims("erase-admin", "admins", ()),
    )
    assert done["statusCode"] == 200, done["body"]
    assert sorted(json.loads(done["body"])["inquiries"]) == sorted(mine)
    drain_streams(timeout=BACKLOG_S)  # the tombstones are timeline events: the stream sees them

    for iid in mine:  # tombstones, not gaps
        timeline = repo.timeline(iid)
        assert timeline is not None and timeline.events[-1].type == EventType.CUSTOMER_ERASED
        assert NAME not in timeline.inquiry.model_dump_json() and NAME not in json.dumps(
            [e.data for e in timeline.events], ensure_ascii=False
        )
    # the counters did not move: erased inquiries stay counted, anonymously
    assert store.day(day.isoformat()) == before
    assert build_report(store, policy, "daily", date(2031, 6, 10)).to_json(policy)["figures"] == figures_before
    assert drill_down(store, policy, "daily", day, "csat_low") == low_before
    # and they still equal the counters recomputed from the erased timelines, metric by metric
    assert recomputed() == before

    # the counters and drill-downs carry no personal data
    db = boto3.client("dynamodb", region_name="us-east-1")
    counters: list[dict[str, Any]] = []
    for pk in [f"STAT#{day.isoformat()}", *(f"DRILL#{day.isoformat()}#{c}" for c in ("received", "csat_low"))]:
        counters += db.query(
            TableName=stack.outputs[names.OUT_TABLE],
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
        )["Items"]
    assert counters and NAME not in json.dumps(counters, ensure_ascii=False)
    assert erased_customer not in json.dumps(counters, ensure_ascii=False)
