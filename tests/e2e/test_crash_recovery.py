"""R1.2 on the local system: `kill -9` loses nothing it acknowledged and duplicates nothing; a
restart sends no customer notice twice (the journal is replayed without streams or consumers)."""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tests.conftest import signed_chat
from tests.e2e.conftest import RunningDesk, start_desk


def _post(url: str, message_id: str, customer: str) -> str | None:
    body, headers = signed_chat({"message_id": message_id, "customer_id": customer, "text": "where is my order?"})
    try:
        got = requests.post(f"{url}/webhooks/chat", data=body, headers=headers, timeout=60)
    except requests.RequestException:
        return None  # no answer: not acknowledged
    return str(got.json()["inquiry_id"]) if got.status_code == 202 else None


def _burst(url: str, messages: list[tuple[str, str]], clients: int = 4) -> dict[str, str]:
    """message id -> inquiry id, for every message the front acknowledged."""
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()

    def client(share: list[tuple[str, str]]) -> None:
        for message_id, customer in share:
            inquiry_id = _post(url, message_id, customer)
            if inquiry_id is not None:
                with lock:
                    acknowledged[message_id] = inquiry_id

    threads = [threading.Thread(target=client, args=(messages[n::clients],)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return acknowledged


def _listed(desk: RunningDesk, token: str) -> list[dict[str, Any]]:
    got = requests.get(
        f"{desk.url}/api/inquiries",
        params={"limit": 500},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    got.raise_for_status()
    return list(got.json()["inquiries"])


def _inquiry(desk: RunningDesk, token: str, inquiry_id: str) -> str:
    got = requests.get(
        f"{desk.url}/api/inquiries/{inquiry_id}", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    return json.dumps(got.json(), ensure_ascii=False)


def _outbox(data_dir: Path) -> list[dict[str, Any]]:
    path = data_dir / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _wait(check: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    return check()


def _kill(desk: RunningDesk) -> None:
    desk.process.send_signal(signal.SIGKILL)
    desk.process.wait(timeout=30)


def test_R1_2_kill_9_loses_nothing_acknowledged_and_sends_nothing_twice(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    desk = start_desk(data)
    try:
        tag = uuid.uuid4().hex[:8]
        messages = [(f"{tag}-{i}", f"{tag}-c{i}") for i in range(24)]
        acknowledged = _burst(desk.url, messages)
        assert len(acknowledged) == len(messages)
        token = desk.token("agent")
        first = acknowledged[messages[0][0]]
        requests.post(
            f"{desk.url}/api/inquiries/{first}/actions",
            json={"action": "reply", "text": "它明天发货 ships tomorrow"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        ).raise_for_status()
        replies = _wait(lambda: [r for r in _outbox(data) if r.get("to") == messages[0][1]])
        assert len(replies) == 1
        # the send is acknowledged once the desk recorded it (until then a crash means a retry,
        # as a Lambda stream consumer retries on AWS)
        assert _wait(lambda: '"delivery": "sent"' in _inquiry(desk, token, first))
    finally:
        _kill(desk)

    desk = start_desk(data)
    try:
        token = desk.token("agent")
        ids = [i["inquiry_id"] for i in _listed(desk, token)]
        for inquiry_id in acknowledged.values():
            assert ids.count(inquiry_id) == 1, inquiry_id
        assert len(ids) == len(set(ids)) == len(messages)
        # the dedupe survived: sending every message again makes nothing new
        assert _burst(desk.url, messages) == acknowledged
        assert len(_listed(desk, token)) == len(messages)
        time.sleep(3)  # a replayed stream would re-send the reply now
        assert len([r for r in _outbox(data) if r.get("to") == messages[0][1]]) == 1

        # a kill in the middle of a burst of new messages and redeliveries
        more = [(f"{tag}-m{i}", f"{tag}-mc{i}") for i in range(40)]
        mixed = [m for pair in zip(more, messages + messages[:16], strict=True) for m in pair]
        during: dict[str, str] = {}
        burst = threading.Thread(target=lambda: during.update(_burst(desk.url, mixed)))
        burst.start()
        _wait(lambda: len(during) >= 1 or len(_listed(desk, token)) > len(messages) + 5, timeout=60)
    finally:
        _kill(desk)
    burst.join(timeout=120)

    desk = start_desk(data)
    try:
        token = desk.token("agent")
        for message_id, inquiry_id in during.items():
            assert acknowledged.get(message_id, inquiry_id) == inquiry_id  # redeliveries: the same inquiry
        # the senders retry whatever was not answered; a message that was in flight at the kill is
        # refused as "in progress" until its idempotency record expires (the Lambda timeout), as on AWS
        again = _burst(desk.url, mixed)
        deadline = time.monotonic() + 150
        while len(again) < len(mixed) and time.monotonic() < deadline:
            time.sleep(5)
            again |= _burst(desk.url, [m for m in mixed if m[0] not in again])
        for message_id, inquiry_id in {**acknowledged, **during}.items():
            assert again[message_id] == inquiry_id, message_id  # nothing acknowledged was lost or changed
        ids = [i["inquiry_id"] for i in _listed(desk, token)]
        assert len(ids) == len(set(ids)) == len(messages) + len(more)  # each message exactly once
        assert len([r for r in _outbox(data) if r.get("to") == messages[0][1]]) == 1
    finally:
        desk.stop()
