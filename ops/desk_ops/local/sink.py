"""The local channel sink: stands in for the providers replies are sent to, and keeps what each
customer would have received.

The HTTP front hands every request under `/_sink/` to `ChannelSink.handle`; the dispatcher's
provider base URLs point there (DESK_WECHAT_API_BASE=http://127.0.0.1:<port>/_sink/wechat, ...).
Answers have the providers' success shapes:

| request | answer |
|---|---|
| GET  /_sink/wechat/cgi-bin/token?grant_type=client_credential&appid=..&secret=.. | {"access_token", "expires_in"} |
| POST /_sink/wechat/cgi-bin/message/custom/send?access_token=.. | {"errcode": 0, "errmsg": "ok"} |
| POST /_sink/meta/me/messages?access_token=.. (Messenger, Instagram) | {"recipient_id", "message_id"} |
| POST /_sink/meta/<phone-number-id>/messages (WhatsApp) | {"messaging_product", "contacts", "messages"} |
| POST /_sink/twilio/2010-04-01/Accounts/<sid>/Messages.json | 201 {"sid": "SM...", "status": "queued", ...} |
| POST /_sink/marketplace/callback, /_sink/chat/callback | {"ok": true} |

Each delivered message is recorded as {"channel", "provider", "to", "text", "at", "payload"} in
memory (`records()`) and appended as one JSON line to `<data dir>/outbox.jsonl` (OUTBOX_FILE),
which `desk outbox` reads. `fail_next(provider, status)` makes the next request(s) to a provider
fail, to watch retries and failures. Email goes through the emulated SES; the local system hooks
its send to `record_email`, so mail lands in the same file.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from email import message_from_string, policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

PREFIX = "/_sink/"
OUTBOX_FILE = "outbox.jsonl"
JSON = "application/json"

Answer = tuple[int, str, bytes]


def _answer(status: int, body: Mapping[str, Any]) -> Answer:
    return status, JSON, json.dumps(body, ensure_ascii=False).encode("utf-8")


class ChannelSink:
    def __init__(self, data_dir: Path | str | None = None) -> None:
        self._file = Path(data_dir) / OUTBOX_FILE if data_dir is not None else None
        self._records: list[dict[str, Any]] = []
        self._failures: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    # --- the front's hook ----------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Answer | None:
        """The answer to a request under /_sink/, or None for any other path."""
        parts = urlsplit(path)
        if not parts.path.startswith(PREFIX):
            return None
        provider, _, rest = parts.path[len(PREFIX) :].partition("/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        failure = self._take_failure(provider)
        if failure is not None:
            return _answer(failure, _failure_body(provider, failure))
        method = method.upper()
        try:
            if provider == "wechat":
                return self._wechat(method, rest, query, body)
            if provider == "meta":
                return self._meta(method, rest, query, body)
            if provider == "twilio":
                return self._twilio(method, rest, body)
            if provider in ("marketplace", "chat") and method == "POST":
                return self._callback(provider, body)
        except (ValueError, KeyError, TypeError) as err:
            return _answer(400, {"error": f"bad {provider} request: {err}"})
        return _answer(404, {"error": f"the sink has no {method} {parts.path}"})

    def fail_next(self, provider: str, status: int, times: int = 1) -> None:
        """The next `times` requests to `provider` answer `status` (with the provider's error shape)."""
        with self._lock:
            self._failures.setdefault(provider, []).extend([status] * times)

    def records(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._records]

    def records_for(self, to: str) -> list[dict[str, Any]]:
        """What one customer received (other inquiries' replies may arrive in the same sink)."""
        return [r for r in self.records() if r.get("to") == to]

    # --- providers ---------------------------------------------------------------------------
    def _wechat(self, method: str, rest: str, query: dict[str, str], body: bytes) -> Answer:
        if method == "GET" and rest == "cgi-bin/token":
            if not query.get("appid") or not query.get("secret"):
                return _answer(200, {"errcode": 41002, "errmsg": "appid missing"})
            return _answer(200, {"access_token": "sink-" + secrets.token_hex(8), "expires_in": 7200})
        if method == "POST" and rest == "cgi-bin/message/custom/send":
            if not query.get("access_token"):
                return _answer(200, {"errcode": 41001, "errmsg": "access_token missing"})
            payload = json.loads(body)
            text = payload["text"]["content"] if payload.get("msgtype") == "text" else ""
            self._record("wechat", "wechat", str(payload["touser"]), text, payload)
            return _answer(200, {"errcode": 0, "errmsg": "ok"})
        return _answer(404, {"errcode": 40066, "errmsg": "invalid url"})

    def _meta(self, method: str, rest: str, query: dict[str, str], body: bytes) -> Answer:
        if method != "POST" or not rest.endswith("/messages"):
            return _answer(404, {"error": {"message": "Unknown path", "type": "OAuthException", "code": 803}})
        payload = json.loads(body)
        node = rest.removesuffix("/messages")
        if payload.get("messaging_product") == "whatsapp":
            to = str(payload["to"])
            self._record("whatsapp", "meta", to, str(payload.get("text", {}).get("body", "")), payload)
            wamid = "wamid.sink" + secrets.token_hex(12)
            return _answer(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to.lstrip("+")}],
                    "messages": [{"id": wamid}],
                },
            )
        if node != "me":
            return _answer(400, {"error": {"message": "Unsupported post request", "type": "GraphMethodException"}})
        recipient = str(payload["recipient"]["id"])
        self._record("messenger", "meta", recipient, str(payload.get("message", {}).get("text", "")), payload)
        return _answer(200, {"recipient_id": recipient, "message_id": "m_sink" + secrets.token_hex(12)})

    def _twilio(self, method: str, rest: str, body: bytes) -> Answer:
        segments = rest.split("/")
        if method != "POST" or len(segments) != 4 or segments[:2] != ["2010-04-01", "Accounts"]:
            return _answer(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
        if segments[3] != "Messages.json":
            return _answer(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        to, text = form["To"], form.get("Body", "")
        self._record("sms", "twilio", to, text, form)
        sid = "SM" + secrets.token_hex(16)
        now = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        return _answer(
            201,
            {
                "sid": sid,
                "account_sid": segments[2],
                "to": to,
                "from": form.get("From"),
                "body": text,
                "status": "queued",
                "direction": "outbound-api",
                "date_created": now,
                "uri": f"/2010-04-01/Accounts/{segments[2]}/Messages/{sid}.json",
            },
        )

    def _callback(self, provider: str, body: bytes) -> Answer:
        payload = json.loads(body)
        chat = provider == "chat"
        to = str(payload["customer_id"]) if chat else f"{payload['marketplace']}:{payload['buyer_id']}"
        self._record(provider, provider, to, str(payload.get("text", "")), payload)
        return _answer(200, {"ok": True, "message_id": payload.get("message_id")})

    def record_email(self, source: str, destinations: list[str], raw_data: str) -> None:
        """Mail the emulated SES accepted (the local system hooks SES's send to call this)."""
        mail = message_from_string(raw_data, policy=policy.default)
        body = mail.get_body(preferencelist=("plain",)) if hasattr(mail, "get_body") else None
        text = body.get_content() if body is not None else ""
        to = ", ".join(dict.fromkeys(destinations)) or str(mail.get("To", ""))
        payload = {
            "from": source,
            "subject": str(mail.get("Subject", "")),
            "in_reply_to": str(mail.get("In-Reply-To", "")),
            "message_id": str(mail.get("Message-ID", "")),
        }
        self._record("email", "ses", to, str(text).strip(), payload)

    # --- bookkeeping -------------------------------------------------------------------------
    def _take_failure(self, provider: str) -> int | None:
        with self._lock:
            queue = self._failures.get(provider)
            return queue.pop(0) if queue else None

    def _record(self, channel: str, provider: str, to: str, text: str, payload: Any) -> None:
        record = {
            "channel": channel,
            "provider": provider,
            "to": to,
            "text": text,
            "at": datetime.now(UTC).isoformat(),
            "payload": payload,
        }
        with self._lock:
            self._records.append(record)
            if self._file is not None:
                self._file.parent.mkdir(parents=True, exist_ok=True)
                with self._file.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _failure_body(provider: str, status: int) -> dict[str, Any]:
    if provider == "meta":
        return {"error": {"message": f"sink failure {status}", "type": "OAuthException", "code": 100}}
    if provider == "twilio":
        return {"code": 21211 if status < 500 else 20500, "message": f"sink failure {status}", "status": status}
    if provider == "wechat":
        return {"errcode": -1, "errmsg": f"sink failure {status}"}
    return {"error": f"sink failure {status}"}


def read_records(data_dir: Path | str) -> list[dict[str, Any]]:
    """What the sink recorded under `data_dir` (the JSONL file; a torn last line is skipped)."""
    path = Path(data_dir) / OUTBOX_FILE
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found
