"""A dispute in the console, in a real browser (R2.9): a supervisor records evidence, decides
liability and reports the result; the customer receives it on their channel from the template,
each step is on the timeline, the page has no serious accessibility findings and no browser errors."""

from __future__ import annotations

import uuid

from tests.e2e.conftest import RunningDesk
from tests.e2e.test_console_browser import (  # the same browser, desk and page fixtures
    Console,
    browser,
    chat,
    console,
    desk,
    pytestmark,
    sink_replies,
)

__all__ = ["browser", "console", "desk", "pytestmark"]


def test_R2_9_a_supervisor_works_a_dispute_in_the_console(console: Console, desk: RunningDesk) -> None:
    customer = f"cust-{uuid.uuid4().hex[:8]}"
    inquiry_id = chat(desk, "快递把货摔坏了,我要求赔偿,不赔我就去12315投诉", customer)  # a dispute (R2.9)
    console.sign_in("supervisor")
    page = console.page
    page.goto(f"{desk.url}/console/#/inquiry/{inquiry_id}")
    page.wait_for_selector("#dispute")
    page.select_option("#form-add-evidence select[name=kind]", "photo")
    page.fill("#form-add-evidence input[name=description]", "外箱破损照片 <b>不是标签</b>")
    page.click("#form-add-evidence button[type=submit]")
    page.wait_for_selector("#evidence >> text=外箱破损照片 <b>不是标签</b>")  # customer-side text stays text
    page.select_option("#form-decide-liability select[name=liability]", "carrier")
    page.fill("#form-decide-liability input[name=reason]", "签收单注明外包装破损")
    page.click("#form-decide-liability button[type=submit]")
    page.wait_for_selector("#liability >> text=carrier")
    page.fill("#form-report-dispute input[name=next_steps]", "我们补发新品")
    page.click("#form-report-dispute button[type=submit]")
    page.wait_for_selector("#timeline >> text=纠纷结果")
    console.shot("dispute-zh")
    console.assert_accessible()
    assert sink_replies(desk, customer, "签收单注明外包装破损"), "the result did not reach the customer"
    assert console.errors == [], console.errors
