"""The agents' console in a real browser (Debian's Chromium driven by Playwright): sign in with
Cognito, find the new inquiry, acknowledge it and reply; the reply goes out on the chat channel."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import signed_chat
from tests.e2e.conftest import RunningDesk, start_desk

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    running = start_desk(Path(tmp_path_factory.mktemp("console-desk")))
    yield running
    running.stop()


def test_agent_signs_in_acknowledges_and_replies_in_the_browser(desk: RunningDesk, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    text = f"耳机没声音 no sound {uuid.uuid4().hex[:4]}"
    body, headers = signed_chat({"message_id": f"m-{uuid.uuid4()}", "customer_id": "browser-1", "text": text})
    inquiry_id = requests.post(f"{desk.url}/webhooks/chat", data=body, headers=headers, timeout=30).json()["inquiry_id"]

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page()
        page.goto(f"{desk.url}/console/")
        page.fill("#user", "agent")
        page.fill("#password", "wrong-password")
        page.click("#signin button")
        expect(page.locator("#signin-error")).not_to_be_empty()
        page.fill("#password", "Desk-demo-2026!")
        page.click("#signin button")
        row = page.locator(f'tr.row[data-id="{inquiry_id}"]')
        expect(row).to_be_visible(timeout=15_000)
        row.click()
        expect(page.locator("#status")).to_have_text("new")
        page.click("#ack")
        expect(page.locator("#status")).to_have_text("acknowledged", timeout=15_000)
        page.fill("#reply", "请检查蓝牙连接 / please check the Bluetooth pairing")
        page.click("#send")
        expect(page.locator(".msg.outbound")).to_contain_text("Bluetooth", timeout=15_000)
        page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
        browser.close()

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        sent = json.loads(desk.desk("outbox", "--json").stdout)["replies"]
        if any(r.get("to") == "browser-1" for r in sent):
            break
        time.sleep(0.5)
    assert any(r.get("to") == "browser-1" and "Bluetooth" in r["text"] for r in sent)
