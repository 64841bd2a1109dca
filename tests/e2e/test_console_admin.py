"""Administration in a real browser against the local system: an admin changes a business hour
and adds an agent to the teams, sees the validation error of a bad value next to its field, saves,
and the next inquiry is timed and routed by the new versions; the history shows the audit and
rolls back. An agent sees no administration and the API refuses them (403). Transfer and escalate
from the inquiry page. Screenshots in both languages go to test-artifacts/console/."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import requests

from tests.e2e.conftest import RunningDesk
from tests.e2e.test_console_browser import Console, browser, chat, console, desk, pytestmark

# the browser, console and desk fixtures are the console tests' own (one system per module)
__all__ = ["browser", "console", "desk", "pytestmark"]
FRENCH = "Bonjour, où est mon colis ? Je l'attends depuis une semaine, merci de vérifier la livraison."


def api(desk: RunningDesk, method: str, path: str, user: str, body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {desk.token(user)}", "Content-Type": "application/json"}
    return requests.request(method, f"{desk.url}{path}", headers=headers, json=body, timeout=30)


def test_agent_sees_no_administration_and_the_api_refuses_them_R8_2(console: Console, desk: RunningDesk) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("agent", lang="en")
    expect(page.locator('nav a[href="#/admin"]')).to_have_count(0)
    page.goto(f"{console.url}/console/#/admin/routing")
    expect(page.locator("#view-title")).to_be_visible()  # the agent's queue, not the editor
    expect(page.locator("#policy-form")).to_have_count(0)
    for method, path in (("GET", "/api/policies"), ("GET", "/api/policies/routing")):
        refused = api(desk, method, path, "agent")
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    saved = api(desk, "PUT", "/api/policies/routing", "agent", {"content": {}, "base_version": 0})
    assert saved.status_code == 403
    assert api(desk, "GET", "/api/policies", "supervisor").status_code == 200  # supervisors read
    assert console.errors == []


def test_admin_changes_hours_and_adds_an_agent_and_the_next_inquiry_follows(
    console: Console, desk: RunningDesk
) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("admin", lang="en")
    page.click('nav a[href="#/admin"]')
    expect(page.locator("#documents")).to_be_visible()
    console.assert_accessible()
    console.shot("admin-documents-en")

    # the SLA policy: cn_office open around the clock, no holidays (a bad hour first)
    page.click("#doc-sla")
    monday = page.locator("#cal-cn_office-hours-mon")
    monday.fill("25:00-26:00")
    monday.press("Tab")
    expect(page.locator("#cal-cn_office-hours-mon-error")).to_contain_text("00:00-24:00")
    expect(page.locator("#save")).to_be_enabled()
    console.shot("admin-sla-error-en")
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        field = page.locator(f"#cal-cn_office-hours-{day}")
        field.fill("00:00-24:00")
        field.press("Tab")
    page.fill("#cal-cn_office-holidays", "")
    page.locator("#cal-cn_office-holidays").press("Tab")
    page.locator("details.panel summary").click()  # the JSON editor: the policy's own version label
    editor = page.locator("#json-editor")
    expect(editor).to_have_value(re.compile('"00:00-24:00"'))
    document = json.loads(editor.input_value())
    label = f"admin-e2e-{uuid.uuid4().hex[:6]}"
    document["version"] = label
    editor.fill(json.dumps(document, ensure_ascii=False))  # one line: fill is slow on many lines
    expect(page.locator("#cal-cn_office-hours-mon-error")).to_have_count(0)
    expect(page.locator("#problems")).to_contain_text("Valid")
    page.fill("#reason", "around the clock for the e2e test")
    page.click("#save")
    expect(page.locator("#admin-message")).to_contain_text("Saved version 1")
    expect(page.locator("#active-version")).to_contain_text("1")

    # routing: a new agent in every team, the only one who reads French
    page.goto(f"{console.url}/console/#/admin/routing")
    expect(page.locator("#agents")).to_be_visible()
    page.fill("#new-agent", "nina.new")
    page.click("#add-agent")
    teams = ", ".join(json.loads(requests.get(f"{desk.url}/console/config.json", timeout=10).text)["teams"])
    for field, value in (("teams", teams), ("skills", "fr, en, zh"), ("capacity", "0")):
        box = page.locator(f"#agent-nina_new-{field}")
        box.fill(value)
        box.press("Tab")
    expect(page.locator("#agent-nina_new-capacity-error")).to_contain_text("greater than or equal to 1")
    console.shot("admin-routing-error-en")
    page.click("#save")  # refused by the API too: 422, nothing saved
    expect(page.locator("#problems")).to_contain_text('$.agents["nina.new"].capacity')
    expect(page.locator("#active-version")).to_contain_text("0")
    page.locator("#agent-nina_new-capacity").fill("20")
    page.locator("#agent-nina_new-capacity").press("Tab")
    page.select_option("#agent-nina_new-shift", "cn_office")
    expect(page.locator("#agent-nina_new-capacity-error")).to_have_count(0)
    page.fill("#reason", "Nina joins for French customers")
    page.click("#save")
    expect(page.locator("#admin-message")).to_contain_text("Saved version 1")
    console.assert_accessible()

    # the next inquiry: routed to Nina (on shift around the clock, the French skill) and timed
    # by the SLA version just saved
    inquiry_id = chat(desk, FRENCH, f"fr-{uuid.uuid4().hex[:6]}")
    got = api(desk, "GET", f"/api/inquiries/{inquiry_id}", "admin").json()["inquiry"]
    assert got["owner"] == "nina.new", got
    assert got["policy_version"] == label

    # history with the audit, a difference, a rollback
    page.click("#tab-history")
    latest = page.locator('#versions li[data-version="1"]')
    expect(latest).to_contain_text("admin")
    expect(latest).to_contain_text("Nina joins for French customers")
    expect(latest.locator(".changes")).to_contain_text('added $.agents["nina.new"]')
    page.locator('#versions li[data-version="0"] button', has_text="View").click()
    expect(page.locator("#diff-0")).to_contain_text('- $.agents["nina.new"]')
    console.shot("admin-history-en")
    page.click("#rollback-0")
    page.click("#confirm-rollback-0")
    expect(page.locator("#admin-message")).to_contain_text("Rolled back: new version 2")
    assert "nina.new" not in api(desk, "GET", "/api/policies/routing", "admin").json()["content"]["agents"]

    page.select_option("#lang", "zh-CN")
    expect(page.locator("#tab-history")).to_have_text("版本历史")
    console.shot("admin-history-zh")
    page.set_viewport_size({"width": 800, "height": 900})
    page.click("#tab-editor")
    assert console.fits(800)
    console.shot("admin-routing-800-zh")
    assert console.errors == [] or all("422" in e for e in console.errors), console.errors
    assert console.dialogs == []


def test_agent_transfers_and_escalates_with_a_reason(console: Console, desk: RunningDesk) -> None:
    from playwright.sync_api import expect

    inquiry_id = chat(desk, "where is my parcel, it is late", f"hand-{uuid.uuid4().hex[:6]}")
    page = console.page
    console.sign_in("agent", lang="en")
    page.goto(f"{console.url}/console/#/inquiry/{inquiry_id}")
    expect(page.locator("#status")).to_be_visible()
    page.click("#escalate")
    page.fill("#handover-reason", "the customer asks for a manager")
    page.click("#confirm-handover")
    expect(page.locator("#timeline")).to_contain_text("escalated it to team")
    expect(page.locator("#escalate")).to_have_count(0)  # already with the supervisors
    page.click("#transfer")
    team = page.locator("#transfer-team")
    other = next(o for o in team.locator("option").all_inner_texts() if o != team.input_value())
    team.select_option(other)
    page.fill("#handover-reason", "belongs to another team")
    page.click("#confirm-handover")
    expect(page.locator("#timeline")).to_contain_text(f"transferred it to - (team {other})")
    console.assert_accessible()
    console.shot("inquiry-handover-en")
    events = api(desk, "GET", f"/api/inquiries/{inquiry_id}", "admin").json()["events"]
    kinds = [e["type"] for e in events]
    assert "escalated_to_supervisor" in kinds and "transferred" in kinds
    moved = next(e for e in events if e["type"] == "transferred")["data"]
    assert moved["team"] == other and moved["reason"] == "belongs to another team"
    page.goto(f"{console.url}/console/#/view/mine")
    expect(page.locator("#view-title")).to_be_visible()
    resolved = api(desk, "POST", f"/api/inquiries/{inquiry_id}/actions", "admin", {"action": "resolve", "result": "ok"})
    assert resolved.status_code == 200
    page.goto(f"{console.url}/console/#/inquiry/{inquiry_id}")
    expect(page.locator("#status")).to_have_attribute("data-status", "resolved")
    expect(page.locator("#transfer")).to_have_count(0)
    expect(page.locator("#escalate")).to_have_count(0)
