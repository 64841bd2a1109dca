"""The bot on the local system (R1.7, R1.8, R8.2, R10.2): the shop feeds an order; its owner's chat
gets the status; another customer asking about the same order gets a verification question and no
details; "转人工" hands over to a person with the dialogue visible through the console API."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import signed_chat
from tests.e2e.conftest import RunningDesk, start_desk

SHIPPED_POLICY = Path(__file__).resolve().parents[2] / "layers/core/inquiry_desk/policies/assistant.json"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    data = Path(tmp_path_factory.mktemp("bot-desk"))
    policy = json.loads(SHIPPED_POLICY.read_text(encoding="utf-8"))
    policy["enabled"] = True  # the bot ships off: a shop switches it on once it feeds its orders
    (data / "assistant.json").write_text(json.dumps(policy, ensure_ascii=False), encoding="utf-8")
    running = start_desk(data, {"ASSISTANT_POLICY_PATH": str(data / "assistant.json")})
    yield running
    running.stop()


def _chat(desk: RunningDesk, customer: str, text: str) -> str:
    body, headers = signed_chat({"message_id": f"m-{uuid.uuid4()}", "customer_id": customer, "text": text})
    answer = requests.post(f"{desk.url}/webhooks/chat", data=body, headers=headers, timeout=60)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["inquiry_id"])


def _inquiry(desk: RunningDesk, inquiry_id: str, auth: dict[str, str]) -> dict[str, Any]:
    got = requests.get(f"{desk.url}/api/inquiries/{inquiry_id}", headers=auth, timeout=30)
    assert got.status_code == 200, got.text
    return dict(got.json())


def _bot_said(view: dict[str, Any]) -> list[str]:
    return [m["body"] for m in view["messages"] if m["direction"] == "outbound" and m["author"] == "bot"]


def _wait(predicate: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = predicate()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_R8_2_R1_8_R1_7_owner_answered_stranger_verified_handoff_to_a_person(desk: RunningDesk) -> None:
    number = f"SO-{random.randrange(10**8, 10**9)}"
    owner, stranger = f"owner-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"
    admin = {"Authorization": f"Bearer {desk.token('admin')}"}
    order = {
        "status": "shipped",
        "phone": "+8613800138000",
        "channel_ids": [{"kind": "chat_customer", "value": owner}],
        "payment_status": "paid",
        "logistics": {
            "carrier": "SF Express",
            "tracking_number": "SF5566778899",
            "events": [{"at": "2026-11-29T08:00:00+08:00", "description": "arrived at Shanghai hub"}],
        },
    }
    fed = requests.put(f"{desk.url}/api/orders/{number}", headers=admin, json=order, timeout=30)
    assert fed.status_code == 201, fed.text

    agent = {"Authorization": f"Bearer {desk.token('agent')}"}
    mine = _chat(desk, owner, f"Hi, where is my order {number}?")
    said = _bot_said(_inquiry(desk, mine, agent))
    assert any(number in s and "shipped" in s for s in said), said
    assert any("SF5566778899" in s for s in said)
    view = _inquiry(desk, mine, agent)
    assert {m["content_ref"] for m in view["messages"] if m["author"] == "bot"} == {
        "template:bot.order_status@1",
        "template:bot.order_tracking@1",
    }

    theirs = _chat(desk, stranger, f"Hi, where is my order {number}?")
    view = _inquiry(desk, theirs, agent)
    told = " ".join(_bot_said(view))
    assert "phone number or e-mail" in told
    for secret in ("shipped", "SF5566778899", "SF Express", "Shanghai", "paid"):
        assert secret not in told
    refused = requests.post(
        f"{desk.url}/api/inquiries/{theirs}/actions",
        headers=agent,
        json={"action": "reply", "text": "Your parcel SF5566778899 is in Shanghai"},
        timeout=30,
    )
    assert refused.status_code == 409 and refused.json()["error"] == "identity_not_verified"

    assert _chat(desk, stranger, "转人工") == theirs
    view = _inquiry(desk, theirs, agent)
    [handoff] = [e for e in view["events"] if e["type"] == "handed_off"]
    assert handoff["data"]["reason"] == "asked_for_person"
    assert handoff["data"]["identity_verified"] is False and handoff["data"]["order_number"] == number
    inbound = [m["body"] for m in view["messages"] if m["direction"] == "inbound"]
    assert inbound == [f"Hi, where is my order {number}?", "转人工"]  # the whole dialogue, for the agent
    assert set(handoff["data"]["dialogue"]) <= {m["message_id"] for m in view["messages"]}
    assert view["inquiry"]["team"] == "orders"
    before = len(_bot_said(view))
    _chat(desk, stranger, f"so where is {number}?")
    assert len(_bot_said(_inquiry(desk, theirs, agent))) == before  # a person has it: the bot is quiet

    sent = _wait(lambda: [r for r in json.loads(desk.desk("outbox", "--json").stdout)["replies"] if r["to"] == owner])
    assert sent and any(number in r["text"] for r in sent)  # the bot's answers went out on the chat
