"""Hostile input against the local system over HTTP (R8.2).

schemathesis generates requests for every operation of docs/openapi.json (a few examples each, so
`make test` stays well under two minutes for this module): no 5xx, every answer's status is
documented, every body matches its schema, every reference resolves. Then the webhooks by hand:
invalid UTF-8, 10,000-level nesting, 5,000-digit numbers, a signature header sent twice, a body
at and over the size limit, all signed correctly: each a 4xx with a reason, and the system
stays healthy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi import checks as openapi_checks

from infra.names import ROOT
from tests.conftest import CHANNELS_FILE, chat_secret
from tests.e2e.conftest import RunningDesk

DOC = json.loads((ROOT / "docs" / "openapi.json").read_text())
schema = schemathesis.openapi.from_dict(DOC)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
LIMIT = 256 * 1024  # MAX_BODY_BYTES default: what each webhook handler enforces


@pytest.fixture(scope="module")
def agent_token(running: RunningDesk) -> str:
    return running.token("agent")


def _every_ref_resolves(node: Any) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            target: Any = DOC
            for part in ref.removeprefix("#/").split("/"):
                assert isinstance(target, dict) and part in target, f"unresolvable {ref}"
                target = target[part]
        for value in node.values():
            _every_ref_resolves(value)
    elif isinstance(node, list):
        for value in node:
            _every_ref_resolves(value)


def test_every_reference_in_the_document_resolves() -> None:
    _every_ref_resolves(DOC)


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_R8_2_fuzzed_requests_get_documented_answers_and_no_5xx(
    case: Any, running: RunningDesk, agent_token: str
) -> None:
    headers = {"Authorization": f"Bearer {agent_token}"} if case.path.startswith("/api/") else {}
    case.call_and_validate(base_url=running.url, headers=headers, checks=CHECKS, timeout=30)


def _signed(body: bytes, header: str = "X-Desk-Signature") -> dict[str, str]:
    digest = hmac.new(chat_secret(), body, hashlib.sha256).hexdigest()
    return {header: f"sha256={digest}", "Content-Type": "application/json"}


def _marketplace(desk: RunningDesk, body: bytes) -> requests.Response:
    secret = json.loads(CHANNELS_FILE.read_text())["marketplace"]["secret"]
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    headers = {"X-Desk-Timestamp": ts, "X-Desk-Signature": f"sha256={digest}", "Content-Type": "application/json"}
    return requests.post(f"{desk.url}/webhooks/marketplace", data=body, headers=headers, timeout=60)


def _meta(desk: RunningDesk, body: bytes) -> requests.Response:
    secret = json.loads(CHANNELS_FILE.read_text())["meta"]["app_secret"]
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}
    return requests.post(f"{desk.url}/webhooks/meta", data=body, headers=headers, timeout=60)


def _chat(desk: RunningDesk, body: bytes) -> requests.Response:
    return requests.post(f"{desk.url}/webhooks/chat", data=body, headers=_signed(body), timeout=60)


HOSTILE: dict[str, bytes] = {
    "invalid UTF-8": b'{"message_id": "x", "customer_id": "c", "text": "\xff\xfe\xc3\x28"}',
    "10,000-level nesting": b'{"message_id": "x", "customer_id": "c", "text": "t", "deep": '
    + b"[" * 10_000
    + b"]" * 10_000
    + b"}",
    "5,000-digit number": b'{"message_id": "x", "customer_id": "c", "text": "t", "n": ' + b"9" * 5_000 + b"}",
    "a JSON array": b"[1, 2, 3]",
}


@pytest.mark.parametrize("channel", ["chat", "meta", "marketplace"])
@pytest.mark.parametrize("what", sorted(HOSTILE))
def test_R8_2_signed_hostile_bodies_are_4xx_with_a_reason(running: RunningDesk, channel: str, what: str) -> None:
    send = {"chat": _chat, "meta": _meta, "marketplace": _marketplace}[channel]
    got = send(running, HOSTILE[what])
    assert 400 <= got.status_code < 500, (what, got.status_code, got.text[:300])
    assert got.json()["reason"], got.text
    assert requests.get(f"{running.url}/health", timeout=10).status_code == 200


def test_R8_2_a_signature_header_sent_twice_is_refused(running: RunningDesk) -> None:
    body = json.dumps({"message_id": f"dup-{uuid.uuid4()}", "customer_id": "c-dup", "text": "hello"}).encode()
    good = _signed(body)["X-Desk-Signature"]
    for pair in ([good, "sha256=" + "0" * 64], ["sha256=" + "0" * 64, good]):
        raw = "POST /webhooks/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        raw += "".join(f"X-Desk-Signature: {v}\r\n" for v in pair)
        raw += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        status, answer = _raw_http(running, raw.encode() + body)
        assert status == 400, (pair, status, answer)
        assert "X-Desk-Signature" in json.loads(answer)["reason"]


def _raw_http(desk: RunningDesk, data: bytes) -> tuple[int, str]:
    import socket

    host, port = desk.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(data)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


def test_bodies_at_and_over_the_size_limit(running: RunningDesk) -> None:
    prefix = b'{"message_id": "' + f"big-{uuid.uuid4()}".encode() + b'", "customer_id": "c-big", "text": "'
    suffix = b'"}'
    at_limit = prefix + b"a" * (LIMIT - len(prefix) - len(suffix)) + suffix
    assert len(at_limit) == LIMIT
    accepted = _chat(running, at_limit)
    assert accepted.status_code in (202, 400), accepted.text[:300]  # accepted, or refused for its text length
    if accepted.status_code == 400:
        assert accepted.json()["reason"]
    over = _chat(running, at_limit[:-2] + b'a"}')
    assert over.status_code == 413 and over.json()["error"] == "payload_too_large"
    assert requests.get(f"{running.url}/health", timeout=10).status_code == 200
