"""R6.2 on moto with real Step Functions execution: a wrong template version reaches every customer
who received it, each corrected exactly once, with 5 % of the steps failing (before or after the
write) and retried, and the state machine stopped half way and started again."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from desk_ops.local.front import api_gateway_event
from desk_ops.local.harness import stream_consumers_off
from inquiry_desk.corrections.service import CorrectionService
from inquiry_desk.model import EventType, set_clock

from tests.integration.conftest import agent_claims
from tests.integration.wrong_answers import seed_wrong_answers

CUSTOMERS = int(os.environ.get("DESK_CORRECTION_CUSTOMERS", "40"))  # 500: see README (run alone)


@pytest.fixture(autouse=True)
def _system_clock_after() -> Iterator[None]:
    yield
    set_clock(None)


@pytest.fixture
def flaky(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """5 % of first attempts fail: half before the send (a provider error), half after it was
    stored (the function died after writing): both are retried by the state machine."""
    seen: dict[str, int] = {"before": 0, "after": 0, "calls": 0}
    tried: set[str] = set()
    original = CorrectionService.correct_one

    def correct_one(self: CorrectionService, correction_id: str, recipient: Any) -> str:
        seen["calls"] += 1
        first = recipient.customer_id not in tried
        tried.add(recipient.customer_id)
        fail = first and seen["calls"] % 20 == 1  # one send in 20 fails, alternately before / after
        if fail and seen["before"] <= seen["after"]:
            seen["before"] += 1
            raise RuntimeError("provider answered 503")
        outcome = original(self, correction_id, recipient)
        if fail:
            seen["after"] += 1
            raise RuntimeError("the function timed out after the write")
        return outcome

    monkeypatch.setattr(CorrectionService, "correct_one", correct_one)
    yield seen


def _seed(ref: str) -> list[str]:
    from inquiry_desk.runtime import composition

    return seed_wrong_answers(composition.repository(), composition.inquiry_service(), ref, CUSTOMERS)


def _execution(arn: str) -> dict[str, Any]:
    return dict(boto3.client("stepfunctions", region_name="us-east-1").describe_execution(executionArn=arn))


def test_R6_2_correction_reaches_every_customer_exactly_once_with_failures_and_a_restart(
    runner: Any, stack: Any, flaky: dict[str, int]
) -> None:
    from inquiry_desk.runtime import composition

    ref = f"template:returns-{uuid.uuid4().hex[:6]}@3"
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    machine = next(m for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith("-corrections"))
    with stream_consumers_off():
        inquiries = _seed(ref)
        event = api_gateway_event(
            "POST",
            "/api/corrections",
            {"Content-Type": "application/json"},
            json.dumps({"content_ref": ref, "corrected_text": "7 天无理由退货", "cause": "knowledge_gap"}).encode(),
            # content that reached a team no supervisor here has: an admin (R8.2)
            agent_claims("sup-admin", "admins", ()),
            "v1",
        )
        answer = runner.invoke("console_api", event)
        assert answer["statusCode"] == 202, answer["body"]
        correction_id = json.loads(answer["body"])["correction"]["correction_id"]
        store = composition.loop_store()
        first = next(
            e
            for e in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
            if e["name"] == correction_id
        )
        deadline = time.monotonic() + 300
        while flaky["calls"] < CUSTOMERS // 3:
            assert time.monotonic() < deadline, "the fan-out did not start"
            time.sleep(0.2)
        sfn.stop_execution(executionArn=first["executionArn"])  # half way: an operator stops it
        later = datetime.now(UTC) + timedelta(hours=1, minutes=1)  # nobody fixes the template in time
        set_clock(lambda: later)
        restarted = sfn.start_execution(
            stateMachineArn=machine["stateMachineArn"],
            name=f"{correction_id}-restart",
            input=json.dumps({"correction_id": correction_id}),
        )
        while _execution(restarted["executionArn"])["status"] == "RUNNING":
            assert time.monotonic() < deadline + 600, "the restarted fan-out did not finish"
            time.sleep(0.5)
        assert _execution(restarted["executionArn"])["status"] == "SUCCEEDED"

    assert flaky["before"] > 0 and flaky["after"] > 0
    repo = composition.repository()
    per_customer: dict[str, int] = {}
    for inquiry_id in inquiries:
        timeline = repo.timeline(inquiry_id)
        sent = [m for m in timeline.messages if m.content_ref == f"correction:{correction_id}"]
        events = [e for e in timeline.events if e.type is EventType.CORRECTION_SENT]
        assert len(sent) == 1 and len(events) == 1, (inquiry_id, len(sent), len(events))
        assert "7 天无理由退货" in sent[0].body and sent[0].delivery_status == "pending"
        per_customer[timeline.inquiry.customer_id] = per_customer.get(timeline.inquiry.customer_id, 0) + 1
    assert len(per_customer) == CUSTOMERS and set(per_customer.values()) == {1}
    deliveries = store.deliveries(correction_id)
    assert len(deliveries) == CUSTOMERS
    done = store.get_correction(correction_id)
    assert done is not None and done.status == "done" and done.corrected == CUSTOMERS and done.affected == CUSTOMERS
    assert done.public and done.fix_escalated_at is not None  # nobody fixed the template within the hour
