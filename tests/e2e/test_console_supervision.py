"""The supervisor's pages in a real browser (Debian's Chromium via Playwright) against the local
system: the overdue and unconfirmed lists (R3.1), the quality-review queue (R6.1), corrections
(R6.2) and reports with CSV export and drill-down (R9.2), in both languages, at 800 px, with
axe-core (no serious or critical findings) and no browser console errors; an agent sees none of it
and the API refuses them. Screenshots go to test-artifacts/console/supervision-*.png."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import RunningDesk, start_desk
from tests.e2e.test_console_browser import (
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    Console,
    chat,
    sink_replies,
)

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or not AXE.exists() or not (ROOT / "console" / "dist" / "index.html").exists(),
    reason="needs Debian's chromium and the built console (make setup)",
)
PAGES = ["late", "reviews", "corrections", "reports"]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningDesk]:
    running = start_desk(Path(tmp_path_factory.mktemp("supervision-desk")))
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def console(browser: Any, desk: RunningDesk) -> Iterator[Console]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Asia/Shanghai", accept_downloads=True
    )
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    seen = Console(page, desk.url)
    page.on("console", lambda m: m.type == "error" and seen.errors.append(m.text))
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
    yield seen
    context.close()


def _api(desk: RunningDesk, user: str, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(
        method, f"{desk.url}{path}", json=body, headers={"Authorization": f"Bearer {desk.token(user)}"}, timeout=30
    )


@pytest.fixture(scope="module")
def unattended(desk: RunningDesk) -> str:
    """A chat nobody acknowledges: past its acknowledge deadline (30 s) it is overdue."""
    return chat(desk, "投诉：快递员态度差 rude courier", f"late-{uuid.uuid4().hex[:6]}")


@pytest.fixture(scope="module")
def answered(desk: RunningDesk) -> dict[str, str]:
    """One inquiry the agent `agent` answered (with a wrong answer) and resolved: today's only one."""
    customer = f"qa-{uuid.uuid4().hex[:6]}"
    inquiry_id = chat(desk, "退货要几天？how long does a return take", customer, name="李雷")
    for action in ({"action": "assign"}, {"action": "reply", "text": "退货需要 30 天 / returns take 30 days"}):
        got = _api(desk, "agent", "POST", f"/api/inquiries/{inquiry_id}/actions", action)
        assert got.status_code == 200, got.text
    got = _api(desk, "agent", "POST", f"/api/inquiries/{inquiry_id}/actions", {"action": "resolve", "result": "told"})
    assert got.status_code == 200, got.text
    timeline = _api(desk, "agent", "GET", f"/api/inquiries/{inquiry_id}").json()
    message_id = next(m["message_id"] for m in timeline["messages"] if m["direction"] == "outbound")
    return {"inquiry_id": inquiry_id, "customer": customer, "message_id": message_id}


def test_supervisor_opens_every_page_in_both_languages_R3_1(
    console: Console, desk: RunningDesk, unattended: str, answered: dict[str, str]
) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("supervisor")
    for name in PAGES:
        expect(page.locator(f'nav a[href="#/{name}"]')).to_be_visible()
    page.click('nav a[href="#/late"]')
    expect(page.locator("#late-title")).to_have_text("超时与未确认的咨询")
    # resolved, not yet confirmed by the customer: on the supervisor's list, linked to the inquiry
    row = page.locator(f'#unconfirmed a.row[data-id="{answered["inquiry_id"]}"]')
    expect(row).to_be_visible()
    # left unacknowledged past its deadline: on the overdue list, without a reload
    expect(page.locator(f'#overdue a.row[data-id="{unattended}"] .deadline.breached')).to_be_visible(timeout=90_000)
    for lang in ("zh-CN", "en"):
        page.select_option("#lang", lang)
        for name in PAGES:
            page.goto(f"{console.url}/console/#/{name}")
            expect(page.locator(f'nav a[href="#/{name}"]')).to_have_attribute("aria-current", "page")
            expect(page.locator(".sup h1")).to_be_visible()
            expect(page.locator(".sup")).not_to_contain_text("加载中")
            expect(page.locator(".sup")).not_to_contain_text("Loading…")
            console.assert_accessible()
            console.shot(f"supervision-{name}-{'zh' if lang == 'zh-CN' else 'en'}")
    expect(page.locator("#reports-title")).to_have_text("Reports")
    for width, height in ((800, 900), (768, 1024)):  # a narrow window, a tablet upright
        page.set_viewport_size({"width": width, "height": height})
        for name in PAGES:
            page.goto(f"{console.url}/console/#/{name}")
            expect(page.locator(".sup h1")).to_be_visible()
            assert console.fits(width), f"{name} scrolls sideways at {width} px"
    console.shot("supervision-reports-800px")
    page.goto(f"{console.url}/console/#/late")
    row.click()
    expect(page.locator("#status")).to_have_attribute("data-status", "resolved")
    assert console.errors == [] and console.dialogs == []


def test_supervisor_reviews_a_sampled_answer_and_starts_a_correction_R6_1_R6_2(
    console: Console, desk: RunningDesk, answered: dict[str, str]
) -> None:
    from playwright.sync_api import expect

    page = console.page
    day = datetime.now(UTC).date().isoformat()
    console.sign_in("supervisor", lang="en")
    page.goto(f"{console.url}/console/#/reviews")
    page.fill("#review-day", day)
    page.click("#sample")  # the daily job samples yesterday; a supervisor can sample a day now
    row = page.locator(f'table.reviews[data-agent="agent"] tr[data-inquiry="{answered["inquiry_id"]}"]')
    expect(row).to_have_attribute("data-outcome", "pending")
    # from the keyboard only: open, choose fail, write the notes, record
    row.locator("a.open-review").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#answers .msg.outbound")).to_contain_text("returns take 30 days")
    expect(page.locator("#review-panel")).to_contain_text("how long does a return take")
    page.locator("#review-form input[value=pass]").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#review-form input[value=fail]")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("退货期是 7 天 <b>not 30</b>")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(row).to_have_attribute("data-outcome", "fail")
    expect(row.locator(".notes")).to_have_text("退货期是 7 天 <b>not 30</b>")  # notes shown as text
    console.assert_accessible()
    console.shot("supervision-review-open-en")
    got = _api(desk, "supervisor", "GET", f"/api/reviews/{day}").json()["reviews"]
    assert [(r["agent"], r["outcome"]) for r in got if r["inquiry_id"] == answered["inquiry_id"]] == [("agent", "fail")]

    # the failed answer proposes its correction: the form comes filled with the inquiry and message
    page.locator(f'#answers [data-message="{answered["message_id"]}"] a.propose').click()
    expect(page.locator("#new-correction [name=inquiry_id]")).to_have_value(answered["inquiry_id"])
    expect(page.locator("#new-correction [name=message_id]")).to_have_value(answered["message_id"])
    page.fill("#new-correction [name=corrected_text]", "Returns take 7 days, not 30.")
    page.select_option("#new-correction [name=cause]", "training")
    page.click("#new-correction button[type=submit]")
    expect(page.locator("#correction-started")).to_contain_text("started")
    correction = page.locator("#corrections li.correction").first
    # the state machine finds the customer and sends the correction; the page follows without a reload
    expect(correction).to_have_attribute("data-status", "done", timeout=60_000)
    expect(correction.locator(".found")).to_have_text("1")
    expect(correction.locator(".corrected")).to_have_text("1")
    expect(correction.locator(".failed")).to_have_text("0")
    correction.locator("summary").click()
    expect(correction.locator(f'table.deliveries a[href="#/inquiry/{answered["inquiry_id"]}"]')).to_be_visible()
    expect(correction).to_contain_text("training")
    assert sink_replies(desk, answered["customer"], "7 days"), "the correction never reached the customer"
    console.assert_accessible()
    console.shot("supervision-correction-done-en")
    page.select_option("#lang", "zh-CN")
    expect(correction.locator(".cstatus-done")).to_have_text("已完成")
    console.shot("supervision-correction-done-zh")
    assert console.errors == [] and console.dialogs == []


def test_supervisor_reads_a_report_exports_csv_and_drills_down_R9_2(
    console: Console, desk: RunningDesk, answered: dict[str, str]
) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("supervisor", lang="en")
    volume = page.locator('#figures tr[data-metric="volume"] td.value')
    deadline = time.monotonic() + 60  # the day counters follow the table's stream
    page.goto(f"{console.url}/console/#/reports")
    while True:
        expect(volume).to_be_visible()
        if volume.inner_text().strip() not in ("0", "-") or time.monotonic() > deadline:
            break
        time.sleep(2)
        page.reload()
    assert int(volume.inner_text().split()[0]) >= 1
    expect(page.locator("#trend-chart")).to_be_visible()
    page.select_option("#period", "monthly")
    expect(page.locator("#report-range")).to_contain_text("-01 to ")
    page.select_option("#period", "daily")

    with page.expect_download() as download:
        page.click("#export-csv")
    saved = Path(download.value.path())
    text = saved.read_text(encoding="utf-8")
    assert text.startswith("period,start,end,dimension,metric,value"), text[:300]
    assert ",all,volume," in text
    assert download.value.suggested_filename.startswith("report-daily-")

    page.locator('#figures tr[data-metric="volume"] button.drill').click()
    link = page.locator(f'#drill a.row[data-id="{answered["inquiry_id"]}"]')
    expect(link).to_contain_text("how long does a return take")  # the inquiry's own row
    console.assert_accessible()
    console.shot("supervision-report-drill-en")
    link.click()
    expect(page.locator("#status")).to_be_visible()
    assert console.errors == [] and console.dialogs == []


def test_an_agent_sees_no_supervision_and_the_api_refuses_R8_2(console: Console, desk: RunningDesk) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("agent", lang="en")
    for name in PAGES:
        expect(page.locator(f'nav a[href="#/{name}"]')).to_have_count(0)
        page.goto(f"{console.url}/console/#/{name}")
        expect(page.locator("#view-title")).to_be_visible()  # the agent's own queue instead
        expect(page.locator(".sup")).to_have_count(0)
    day = datetime.now(UTC).date().isoformat()
    for method, path in (
        ("GET", "/api/supervision/late"),
        ("GET", f"/api/reviews/{day}"),
        ("POST", f"/api/reviews/{day}/sample"),
        ("GET", "/api/corrections"),
        ("GET", "/api/reports/daily"),
        ("GET", "/api/reports/daily/inquiries?metric=volume"),
    ):
        got = _api(desk, "agent", method, path)
        assert got.status_code == 403, (path, got.status_code, got.text)
        assert got.json()["error"] == "forbidden"
    assert console.errors == []
