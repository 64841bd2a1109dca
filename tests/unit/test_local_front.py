"""The local front behaves as API Gateway (headers, limits, slow clients), the SMTP listener as SES
receiving (verdicts, one object per Message-ID), replies as SES sends them (7-bit MIME)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.policy import default
from typing import Any

import pytest
from desk_ops.local import front as front_module
from desk_ops.local.front import Front, forwarded_headers
from desk_ops.local.routes import ApiRoute
from desk_ops.local.smtp import mail_id_for, verdicts, with_receipt_headers
from inquiry_desk.channels import email as mail
from inquiry_desk.channels.identity import strong_identities
from pytest_socket import enable_socket, socket_allow_hosts


def test_forwarded_headers_name_the_scheme_and_the_caller() -> None:
    headers, source = forwarded_headers({"Host": "127.0.0.1:8080"}, "10.0.0.7")
    assert headers["X-Forwarded-Proto"] == "http"  # a Twilio URL signed as http://127.0.0.1:8080/...
    assert headers["X-Forwarded-For"] == "10.0.0.7" and headers["X-Forwarded-Port"] == "8080"
    assert source == "10.0.0.7"
    proxied, source = forwarded_headers(
        {"Host": "shop.ngrok.app", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}, "127.0.0.1"
    )
    assert proxied["X-Forwarded-Proto"] == "https" and source == "203.0.113.9"
    assert proxied["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"


@pytest.fixture
def front(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Front, list[dict[str, Any]]]]:
    enable_socket()
    socket_allow_hosts(["127.0.0.1"])
    monkeypatch.setattr(front_module, "READ_TIMEOUT", 0.5)
    monkeypatch.setattr(front_module, "MAX_PAYLOAD", 1000)
    seen: list[dict[str, Any]] = []

    def invoke(name: str, event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 202, "body": "{}"}

    routes = [ApiRoute("POST", ("webhooks", "chat"), "intake", needs_token=False)]
    running = Front("127.0.0.1", 0, invoke, lambda: None, lambda path: None, routes)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running, seen
    running.shutdown()


def _raw(port: int, request: bytes, wait: float = 5.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(request)
        chunks = []
        while True:
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_oversized_payload_refused_before_the_body_is_read(front: tuple[Front, list[Any]]) -> None:
    running, seen = front
    answer = _raw(running.port, b"POST /webhooks/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 413") and b"Request Too Long" in answer and not seen


@pytest.mark.parametrize(
    "request_head",
    [
        b"POST /webhooks/chat HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n{}",
        b"POST /webhooks/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}",  # longer than the body
    ],
)
def test_a_lying_client_gets_an_answer_and_holds_no_thread(front: tuple[Front, list[Any]], request_head: bytes) -> None:
    running, seen = front
    answer = _raw(running.port, request_head)
    assert answer.split(b" ", 2)[1] in (b"400", b"408") and not seen


def test_chunked_body_reaches_the_handler(front: tuple[Front, list[Any]]) -> None:
    running, seen = front
    answer = _raw(
        running.port,
        b"POST /webhooks/chat HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        b'3\r\n{"a\r\n5\r\n": 1}\r\n0\r\n\r\n',
    )
    assert answer.startswith(b"HTTP/1.1 202") and seen[0]["body"] == '{"a": 1}'
    assert seen[0]["headers"]["X-Forwarded-Proto"] == "http"
    assert seen[0]["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"


UNSIGNED = (
    b"From: Wang <wang.fang@example.com>\r\nTo: support@shop.example\r\nSubject: hi\r\n"
    b"Message-ID: <m1@example.com>\r\n\r\nhello\r\n"
)


def test_unsigned_local_mail_is_not_a_verified_identity() -> None:
    checks = verdicts(UNSIGNED, frozenset())
    assert (checks["spf"], checks["dkim"], checks["dmarc"]) == ("fail", "none", "fail")
    parsed = mail.parse_email(with_receipt_headers(UNSIGNED, checks)).message
    assert parsed.metadata["dmarc"] == "fail"
    assert not [i for i in strong_identities(parsed) if i.kind == "email"]
    trusted = mail.parse_email(with_receipt_headers(UNSIGNED, verdicts(UNSIGNED, frozenset({"example.com"})))).message
    assert [i.value for i in strong_identities(trusted) if i.kind == "email"] == ["wang.fang@example.com"]


def test_the_same_message_id_is_one_stored_object() -> None:
    again = UNSIGNED.replace(b"hello", b"hello again")
    assert mail_id_for(UNSIGNED) == mail_id_for(again)
    assert mail_id_for(UNSIGNED) != mail_id_for(UNSIGNED.replace(b"<m1@", b"<m2@"))


def test_a_reply_in_chinese_is_seven_bit_mime() -> None:
    reply = mail.build_reply_email(
        to="wang@example.com",
        from_addr="support@shop.example",
        subject="耳机故障",
        body_text="您好，建议选大一码。",
        inquiry_id="Q01",
        body_html="<p>您好</p>",
    )
    raw = reply.as_bytes()
    assert all(b < 128 for b in raw)
    back = message_from_bytes(raw, policy=default)
    assert back.get_body(("plain",)).get_content().strip() == "您好，建议选大一码。"  # type: ignore[union-attr]
    assert "耳机故障" in str(back["Subject"])
