"""The shop feeds orders through the agents' API (admins), the CSV import reports bad rows and
imports good ones, exceptions open one urgent inquiry (R10.2), agents' replies follow the identity
rule (R8.2); the shop's own order system over signed HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from desk_ops.local.front import api_gateway_event
from desk_ops.orders_cli import import_rows, read_rows
from inquiry_desk.model import Identity

from tests.conftest import signed_chat
from tests.integration.conftest import agent_claims


def _api(runner: Any, method: str, path: str, claims: dict[str, str], body: Any = None) -> tuple[int, dict[str, Any]]:
    raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    event = api_gateway_event(method, path, {"Content-Type": "application/json"}, raw, claims, "v1")
    got = runner.invoke("console_api", event)
    return got["statusCode"], json.loads(got["body"] or "{}")


def _chat(runner: Any, customer: str, text: str) -> str:
    body, headers = signed_chat({"message_id": f"m-{uuid.uuid4()}", "customer_id": customer, "text": text})
    got = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1"))
    assert got["statusCode"] == 202, got["body"]
    return str(json.loads(got["body"])["inquiry_id"])


@pytest.fixture(scope="module")
def people(stack: Any) -> dict[str, dict[str, str]]:
    return {"admin": agent_claims("orders-admin", "admins", ()), "agent": agent_claims("orders-feed-agent")}


def _order(chat: str, **changes: Any) -> dict[str, Any]:
    return {
        "status": "shipped",
        "phone": "13800138000",
        "channel_ids": [{"kind": "chat_customer", "value": chat}],
        "address": "上海市浦东新区世纪大道100号",
        "payment_status": "paid",
        "logistics": {"carrier": "SF Express", "tracking_number": "SF99887766", "events": []},
        **changes,
    }


def test_R10_2_admins_feed_orders_agents_may_not(runner: Any, people: dict[str, Any]) -> None:
    number = f"SO-{uuid.uuid4().int % 10**9:09d}"
    status, body = _api(runner, "PUT", f"/api/orders/{number}", people["agent"], _order("c-1"))
    assert status == 403 and body["error"] == "forbidden"
    assert _api(runner, "PUT", f"/api/orders/{number}", people["admin"], _order("c-1"))[0] == 201
    assert _api(runner, "PUT", f"/api/orders/{number}", people["admin"], _order("c-1", status="completed"))[0] == 200
    from inquiry_desk.runtime import composition

    stored = composition.order_store().order(number)
    assert stored is not None and stored.phone == "+8613800138000" and stored.status.value == "completed"


def test_bad_order_bodies_are_4xx_with_the_reason(runner: Any, people: dict[str, Any]) -> None:
    status, body = _api(runner, "PUT", "/api/orders/SO-BAD1", people["admin"], _order("c-1", status="lost"))
    assert status in (400, 422) and body["reason"]
    status, body = _api(runner, "PUT", "/api/orders/SO-BAD2", people["admin"], _order("c-1", phone="12ab"))
    assert status == 400 and body["reason"].startswith("phone:")
    huge = _order("c" * 5000)
    status, body = _api(runner, "PUT", "/api/orders/SO-BAD3", people["admin"], huge)
    assert status == 400 and body["reason"].startswith("channel_ids:")
    naive = _order("c-1", placed_at="2026-03-01T10:00:00")
    assert _api(runner, "PUT", "/api/orders/SO-BAD4", people["admin"], naive)[0] == 400


def test_R10_2_an_exception_opens_one_urgent_inquiry_for_the_orders_customer(
    runner: Any, people: dict[str, Any]
) -> None:
    from inquiry_desk.runtime import composition

    chat = f"c-{uuid.uuid4().hex[:8]}"
    first = _chat(runner, chat, "你好")
    number = f"SO-{uuid.uuid4().int % 10**9:09d}"
    failed = _order(chat, status="received", payment_status="failed", exception={"kind": "payment_failed"})
    status, body = _api(runner, "PUT", f"/api/orders/{number}", people["admin"], failed)
    assert status == 201 and body["exception_inquiry"]
    inquiry = composition.repository().get(body["exception_inquiry"])
    assert inquiry is not None and inquiry.urgency.value == "urgent" and inquiry.order_number == number
    assert inquiry.inquiry_id != first and inquiry.team  # its own inquiry, routed like any other
    known = composition.repository().get(first)
    assert known is not None and inquiry.customer_id == known.customer_id  # the same customer
    again = _api(runner, "PUT", f"/api/orders/{number}", people["admin"], failed)[1]
    assert again["exception_inquiry"] == body["exception_inquiry"]
    assert len(composition.repository().customer_inquiries(inquiry.customer_id)) == 2


def test_R8_2_an_agents_reply_with_someone_elses_order_details_is_refused(runner: Any, people: dict[str, Any]) -> None:
    owner, stranger = f"c-{uuid.uuid4().hex[:8]}", f"c-{uuid.uuid4().hex[:8]}"
    number = f"SO-{uuid.uuid4().int % 10**9:09d}"
    assert _api(runner, "PUT", f"/api/orders/{number}", people["admin"], _order(owner))[0] == 201
    asked = _chat(runner, stranger, f"where is my order {number}?")
    reply = {"action": "reply", "text": "Your parcel SF99887766 is on its way"}
    status, body = _api(runner, "POST", f"/api/inquiries/{asked}/actions", people["agent"], reply)
    assert status == 409 and body["error"] == "identity_not_verified" and "not verified" in body["reason"]
    ask = {"action": "reply", "text": "Could you tell us the phone number on the order?"}
    assert _api(runner, "POST", f"/api/inquiries/{asked}/actions", people["agent"], ask)[0] == 200
    mine = _chat(runner, owner, f"where is my order {number}?")
    assert _api(runner, "POST", f"/api/inquiries/{mine}/actions", people["agent"], reply)[0] == 200


def test_R10_2_csv_import_reports_each_bad_row_and_imports_the_good_ones(
    runner: Any, people: dict[str, Any], tmp_path: Path
) -> None:
    from inquiry_desk.runtime import composition

    tag = uuid.uuid4().hex[:6]
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text(
        "order_number,status,payment_status,phone,email,channel_ids,items,carrier,tracking_number,event_at,event,exception\n"
        f"SO-{tag}1,shipped,paid,13800138000,,chat_customer:c-{tag},T恤*2,SF,SF{tag},2026-03-02T08:00:00+08:00,已揽收,\n"
        f"SO-{tag}2,lost,paid,13800138000,,,,,,,,\n"
        f"SO-{tag}3,shipped,paid,12ab,,,,,,,,\n"
        f"SO-{tag}4,packed,paid,,li@example.com,wechat_openid,,,,,,\n"
        f"bad number!,packed,paid,,,,,,,,,\n"
        f"SO-{tag}6,received,failed,+8613900139000,,,,,,,,payment_failed\n",
        encoding="utf-8",
    )
    rows, unknown = read_rows(csv_file)
    assert unknown == []

    def put(number: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return _api(runner, "PUT", f"/api/orders/{number}", people["admin"], body)

    ticks: list[int] = []
    done = import_rows(rows, put, lambda: ticks.append(1))
    assert len(ticks) == 6  # the progress moved once per row
    assert done.imported == 2 and len(done.exception_inquiries) == 1
    assert [(e.row, e.column) for e in done.errors] == [
        (3, "status"),
        (4, "phone"),
        (5, "channel_ids"),
        (6, "order_number"),
    ]
    assert all(e.reason for e in done.errors)
    assert composition.order_store().order(f"SO-{tag}1") is not None
    assert composition.order_store().order(f"SO-{tag}3") is None


# --- the shop's own order system over signed HTTP ------------------------------------------------
SECRET = b"shop-order-secret"


class _Shop(BaseHTTPRequestHandler):
    orders: ClassVar[dict[str, dict[str, Any]]] = {}
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        ts, sig = self.headers.get("X-Desk-Timestamp", ""), self.headers.get("X-Desk-Signature", "")
        expected = "sha256=" + hmac.new(SECRET, f"{ts}.GET {self.path}".encode(), hashlib.sha256).hexdigest()
        self.seen.append({"path": self.path, "signature_ok": str(hmac.compare_digest(sig, expected))})
        if not hmac.compare_digest(sig, expected):
            return self._answer(401, {"error": "bad signature"})
        if self.path.startswith("/orders/"):
            found = self.orders.get(self.path.removeprefix("/orders/"))
            return self._answer(200, found) if found else self._answer(404, {"error": "no such order"})
        if self.path.startswith("/orders?"):
            return self._answer(200, {"orders": list(self.orders.values())})
        return self._answer(404, {})

    def _answer(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def shop() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_the_shops_own_system_is_read_with_signed_requests(shop: str) -> None:
    from inquiry_desk.adapters.shop_orders import ShopOrderSystem, ShopUnavailable

    _Shop.orders = {"SO-77": {"order_number": "SO-77", "status": "packed", "phone": "+8613800138000"}}
    _Shop.seen = []
    book = ShopOrderSystem(shop, SECRET)
    got = book.order("SO-77")
    assert got is not None and got.status.value == "packed"
    assert book.order("SO-404") is None
    assert [o.order_number for o in book.orders_of([Identity(kind="phone", value="+8613800138000")])] == ["SO-77"]
    assert all(s["signature_ok"] == "True" for s in _Shop.seen)
    with pytest.raises(ShopUnavailable):
        ShopOrderSystem(shop, b"wrong secret").order("SO-77")


@pytest.fixture
def bot_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The bot switched on by its policy file, with the automatic answers on too."""
    from inquiry_desk.runtime import composition

    shipped = Path(composition.__file__).resolve().parent.parent / "policies" / "assistant.json"
    policy = json.loads(shipped.read_text(encoding="utf-8"))
    (tmp_path / "assistant.json").write_text(json.dumps({**policy, "enabled": True}), encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_POLICY_PATH", str(tmp_path / "assistant.json"))
    monkeypatch.setenv("AUTO_ANSWERS", "true")
    composition.assistant_policy.cache_clear()
    yield
    composition.assistant_policy.cache_clear()


def test_R1_8_the_bot_answers_through_the_intake_handler_and_the_faq_stays_quiet(
    runner: Any, people: dict[str, Any], bot_on: None
) -> None:
    from inquiry_desk.runtime import composition

    owner = f"c-{uuid.uuid4().hex[:8]}"
    number = f"SO-{uuid.uuid4().int % 10**9:09d}"
    assert _api(runner, "PUT", f"/api/orders/{number}", people["admin"], _order(owner))[0] == 201
    inquiry_id = _chat(runner, owner, f"where is my order {number}?")
    timeline = composition.repository().timeline(inquiry_id)
    assert timeline is not None
    refs = [m.content_ref for m in timeline.messages if m.author == "bot"]
    assert "template:bot.order_status@1" in refs and "template:bot.order_tracking@1" in refs
    assert "template:faq.order_logistics@1" not in refs  # where the bot answers, the FAQ does not
    assert "template:received@1" in refs or "template:out_of_hours@1" in refs  # the notices still go
