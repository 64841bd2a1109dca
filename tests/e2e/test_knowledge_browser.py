"""The knowledge base and suggestions in a real browser against the local system (R7.1, R7.2):
an agent writes an article and edits it (a new version, the history kept), then answers a
customer from the suggestions in the reply box; the timeline names the article and its version,
and the message records it. Article bodies show as text."""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests

from tests.e2e.conftest import RunningDesk
from tests.e2e.test_console_browser import Console, browser, chat, console, desk

__all__ = ["browser", "console", "desk"]


def test_R7_2_an_agent_answers_from_a_suggested_article_and_the_timeline_shows_its_version(
    console: Console, desk: RunningDesk
) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("agent", "en")
    page.goto(f"{console.url}/console/#/knowledge")
    page.click("#new-article")
    page.fill("#article-form input[name=title]", "Parcel tracking not updated")
    page.fill(
        "#article-form textarea[name=body]",
        "<b>Tracking</b> not updated for 3 days? We chase the courier and send you the new status.",
    )
    page.fill("#article-form input[name=language]", "en")
    page.fill("#article-form input[name=categories]", "order_logistics")
    page.click("#save-article")
    expect(page.locator("#article-meta")).to_contain_text("@1")
    expect(page.locator("#article-body")).to_contain_text("<b>Tracking</b>")  # shown as text
    article_id = page.locator("#article-meta").inner_text().split("@")[0].removeprefix("article:").strip()
    page.click("#edit-article")
    page.fill(
        "#article-form textarea[name=body]",
        "Parcel tracking not updated for 3 days? We chase the courier today and send you the new status.",
    )
    page.fill("#article-form input[name=change_note]", "say today")
    page.click("#save-article")
    expect(page.locator("#article-meta")).to_contain_text("@2")
    expect(page.locator("#article-versions li")).to_have_count(2)
    console.assert_accessible()
    console.shot("knowledge-article-en")

    customer = f"kb-{uuid.uuid4().hex[:6]}"
    inquiry_id = chat(desk, "Hi, where is my parcel? The tracking has not updated for days", customer)
    page.goto(f"{console.url}/console/#/inquiry/{inquiry_id}")
    ref = f"article:{article_id}@2"
    offered = page.locator(f'#suggestions li[data-ref="{ref}"]')
    expect(offered).to_be_visible()
    offered.locator("button.use-suggestion").click()
    expect(page.locator("#reply")).to_have_value(
        "Parcel tracking not updated for 3 days? We chase the courier today and send you the new status."
    )
    expect(page.locator("#reply-source")).to_contain_text(ref)
    console.shot("inquiry-suggestions-en")
    page.click("#send")
    expect(page.locator("#timeline")).to_contain_text(f"replied to the customer (from {ref})")

    token = desk.token("agent")
    got: dict[str, Any] = requests.get(
        f"{desk.url}/api/inquiries/{inquiry_id}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ).json()
    reply = next(e for e in got["events"] if e["type"] == "replied")
    assert reply["data"]["content_ref"] == ref and reply["data"]["suggestion_rank"] >= 1, json.dumps(reply)
    assert any(m.get("content_ref") == ref for m in got["messages"])
    page.select_option("#lang", "zh-CN")
    expect(page.locator("#timeline")).to_contain_text(f"来自 {ref}")

    # R4.3: ask the warehouse from the same page; the request shows with its due time, then its answer
    page.select_option("#department-ask select[name=department]", "warehouse")
    page.fill("#department-ask textarea[name=needed]", "还有蓝色的库存吗 / blue in stock?")
    page.click("#department-ask button[type=submit]")
    expect(page.locator("#department-requests li")).to_have_count(1)
    expect(page.locator("#timeline")).to_contain_text("请求 仓库 部门")  # the policy's name, not the key
    page.fill("#department-requests input[name=answer]", "3 left")
    page.click("#department-requests button[type=submit]")
    expect(page.locator("#department-requests li")).to_have_count(0)
    expect(page.locator("#timeline")).to_contain_text("仓库 部门答复：3 left")
    console.assert_accessible()
    console.shot("inquiry-departments-zh")
    assert console.errors == [], console.errors


def test_R7_2_product_staff_sign_in_to_the_knowledge_base_only(console: Console, desk: RunningDesk) -> None:
    from playwright.sync_api import expect

    page = console.page
    console.sign_in("product", "en")
    expect(page.locator("#knowledge-title")).to_be_visible()
    expect(page.locator('nav a[href^="#/view/"]')).to_have_count(0)
    page.click("#new-article")
    page.fill("#article-form input[name=title]", "Power bank: charging safely")
    page.fill("#article-form textarea[name=body]", "Use the cable in the box; stop if it gets hot.")
    page.fill("#article-form input[name=language]", "en")
    page.fill("#article-form input[name=categories]", "fault_report usage_help")
    page.click("#save-article")
    expect(page.locator("#article-meta")).to_contain_text("fault_report, usage_help")
    page.click("#toggle-publish")
    expect(page.locator("#article-meta")).to_contain_text("unpublished")
    expect(page.locator("#article-versions li")).to_have_count(2)
    console.assert_accessible()
    console.shot("knowledge-product-en")
    token = desk.token("product")
    refused = requests.get(f"{desk.url}/api/inquiries", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert refused.status_code == 403  # product staff reach the knowledge base only
    assert console.errors == [], console.errors
