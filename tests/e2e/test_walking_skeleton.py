"""One inquiry end to end on the local system, as the README tells a newcomer to try it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import requests

from tests.conftest import signed_chat
from tests.e2e.conftest import RunningDesk, start_desk


def test_R1_2_chat_inquiry_end_to_end_survives_restart(running: RunningDesk, desk_data: Path) -> None:
    payload = {
        "message_id": f"web-{uuid.uuid4()}",
        "customer_id": "cust-e2e",
        "name": "Li Lei",
        "order_number": "SO-1001",
        "text": "My order has not shipped yet, 还没发货",
    }
    body, headers = signed_chat(payload)
    first = requests.post(f"{running.url}/webhooks/chat", data=body, headers=headers, timeout=30)
    assert first.status_code == 202, first.text
    inquiry_id = first.json()["inquiry_id"]

    # redelivery: same id, nothing changes
    again = requests.post(f"{running.url}/webhooks/chat", data=body, headers=headers, timeout=30)
    assert (again.status_code, again.json()["inquiry_id"]) == (202, inquiry_id)

    # forged signature: 401, nothing stored
    forged_body, _ = signed_chat({**payload, "message_id": f"web-{uuid.uuid4()}"})
    forged = requests.post(
        f"{running.url}/webhooks/chat",
        data=forged_body,
        headers={"X-Desk-Signature": "sha256=" + "ab" * 32},
        timeout=30,
    )
    assert forged.status_code == 401 and forged.json()["error"] == "bad_signature"

    # the API needs a token; with one, the inquiry and its timeline come back
    assert requests.get(f"{running.url}/api/inquiries/{inquiry_id}", timeout=30).status_code == 401
    auth = {"Authorization": f"Bearer {running.token('agent')}"}
    got = requests.get(f"{running.url}/api/inquiries/{inquiry_id}", headers=auth, timeout=30)
    assert got.status_code == 200
    assert got.json()["inquiry"]["order_number"] == "SO-1001"
    assert len(got.json()["messages"]) == 1

    listed = running.desk("inquiries", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [i["inquiry_id"] for i in json.loads(listed.stdout)["inquiries"]] == [inquiry_id]
    shown = running.desk("inquiries", "show", inquiry_id, "--json")
    assert json.loads(shown.stdout)["inquiry"]["customer_name"] == "Li Lei"

    # an agent acknowledges; the team queue shows it
    acted = requests.post(
        f"{running.url}/api/inquiries/{inquiry_id}/actions",
        headers=auth,
        json={"action": "acknowledge"},
        timeout=30,
    )
    assert acted.status_code == 200 and acted.json()["inquiry"]["status"] == "acknowledged"
    team = acted.json()["inquiry"]["team"]
    queue = requests.get(f"{running.url}/api/queues/{team}", headers=auth, timeout=30).json()
    assert inquiry_id in [i["inquiry_id"] for i in queue["inquiries"]]

    # restart: the data survive
    running.stop()
    restarted = start_desk(desk_data)
    try:
        shown = restarted.desk("inquiries", "show", inquiry_id, "--json")
        assert shown.returncode == 0, shown.stderr
        after = json.loads(shown.stdout)
        assert after["inquiry"]["status"] == "acknowledged"
        types = [e["type"] for e in after["events"]]
        assert types[:4] == ["received", "classified", "assigned", "acknowledged"]
        auth = {"Authorization": f"Bearer {restarted.token('supervisor')}"}
        assert requests.get(f"{restarted.url}/api/inquiries/{inquiry_id}", headers=auth, timeout=30).ok
        # still deduplicated after the restart
        again = requests.post(f"{restarted.url}/webhooks/chat", data=body, headers=headers, timeout=30)
        assert again.json()["inquiry_id"] == inquiry_id
        assert len(json.loads(restarted.desk("inquiries", "list", "--json").stdout)["inquiries"]) == 1
    finally:
        restarted.stop()
