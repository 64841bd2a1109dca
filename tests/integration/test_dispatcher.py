"""The outbox (R5.1): an agent's reply is stored pending, and the dispatcher (fed the stream record
of that message item) sends it on the customer's own channel, once, recording the result on the
message and on the inquiry's timeline. The chat backend is the local channel sink behind a real
HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from boto3.dynamodb.types import TypeDeserializer
from desk_ops.local.front import api_gateway_event
from desk_ops.local.sink import ChannelSink
from inquiry_desk.runtime import settings

from infra import names
from tests.conftest import chat_secret, signed_chat
from tests.integration.conftest import agent_claims

_deser = TypeDeserializer()


class _Sink:
    """ChannelSink behind a ThreadingHTTPServer; remembers each request's headers and body.

    Other inquiries' replies may arrive too (the session's stream consumers send whatever is still
    pending to the callback in force): a test reads only its own (`request_for`, `records_for`).
    """

    def __init__(self) -> None:
        self.sink = ChannelSink()
        self.requests: list[tuple[dict[str, str], bytes]] = []
        sink, seen = self.sink, self.requests

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append((dict(self.headers.items()), body))
                answer = sink.handle(self.command, self.path, dict(self.headers.items()), body)
                status, content_type, payload = answer or (404, "text/plain", b"not the sink")
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 5
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def request_for(self, message_id: str) -> tuple[dict[str, str], bytes]:
        """The one request that carried our message (headers, body as sent)."""

        def carries(body: bytes) -> bool:
            try:
                sent = json.loads(body)
            except ValueError:
                return False
            return isinstance(sent, dict) and sent.get("message_id") == message_id

        [found] = [(h, b) for h, b in self.requests if carries(b)]
        return found

    def __enter__(self) -> _Sink:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def chat_sink(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Sink]:
    from inquiry_desk.runtime import settings

    with _Sink() as sink:
        monkeypatch.setenv("DESK_CHAT_CALLBACK_URL", f"{sink.url}/_sink/chat/callback")
        monkeypatch.setenv("DESK_SEND_TIMEOUT_SECONDS", "5")
        settings.reset()  # as a redeployed function: the new environment is read at its cold start
        yield sink
    settings.reset()


def _post_chat(runner: Any, text: str) -> tuple[str, str]:
    customer = f"c-{uuid.uuid4()}"
    payload = {"message_id": f"m-{uuid.uuid4()}", "customer_id": customer, "text": text}
    body, headers = signed_chat(payload)
    result = runner.invoke("intake", api_gateway_event("POST", "/webhooks/chat", headers, body, None, "v1"))
    assert result["statusCode"] == 202, result["body"]
    return str(json.loads(result["body"])["inquiry_id"]), customer


def _reply(runner: Any, inquiry_id: str, text: str) -> None:
    event = api_gateway_event(
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        {"Content-Type": "application/json"},
        json.dumps({"action": "reply", "text": text}).encode(),
        agent_claims("agent-7"),
        "v1",
    )
    result = runner.invoke("console_api", event)
    assert result["statusCode"] == 200, result["body"]


def _outbound_item(dynamodb: Any, stack: Any, inquiry_id: str) -> dict[str, Any]:
    page = dynamodb.query(
        TableName=stack.outputs[names.OUT_TABLE],
        KeyConditionExpression="PK = :pk AND begins_with(SK, :msg)",
        ExpressionAttributeValues={":pk": {"S": f"INQ#{inquiry_id}"}, ":msg": {"S": "MSG#"}},
        ConsistentRead=True,
    )
    [item] = [i for i in page["Items"] if i["direction"]["S"] == "outbound"]
    return dict(item)


def _stream_event(item: dict[str, Any]) -> dict[str, Any]:
    """The stream record DynamoDB sends for the INSERT of `item` (NEW_AND_OLD_IMAGES)."""
    return {
        "Records": [
            {
                "eventID": uuid.uuid4().hex,
                "eventName": "INSERT",
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": {
                    "ApproximateCreationDateTime": datetime.now(UTC).timestamp(),
                    "Keys": {"PK": item["PK"], "SK": item["SK"]},
                    "NewImage": item,
                    "SequenceNumber": str(uuid.uuid4().int)[:21],
                    "SizeBytes": 512,
                    "StreamViewType": "NEW_AND_OLD_IMAGES",
                },
                "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Inquiries/stream/2026-01-01T00:00",
            }
        ]
    }


def _as_inserted(item: dict[str, Any]) -> dict[str, Any]:
    """The image the reply's INSERT carried (pending, no attempts), whatever happened since."""
    inserted = {k: v for k, v in item.items() if k not in ("delivery_error", "delivered_at")}
    return {**inserted, "delivery_status": {"S": "pending"}, "delivery_attempts": {"N": "0"}}


def _first_dispatch(runner: Any, stack: Any, dynamodb: Any, inquiry_id: str) -> dict[str, Any]:
    """Dispatch the reply once: through the stream when the deployed stack maps it to the
    dispatcher (the local runtime delivers it), else by invoking the handler with the stream
    record. Returns the message item as inserted (pending)."""
    item = _outbound_item(dynamodb, stack, inquiry_id)
    if "dispatcher" not in stack.functions:
        runner.invoke("dispatcher", _stream_event(item))
        return item
    from desk_ops.local import harness

    drain = getattr(harness, "drain_streams", None)
    if drain is not None:
        drain()
        item = _outbound_item(dynamodb, stack, inquiry_id)
    deadline = time.monotonic() + 10

    def settled() -> bool:  # attempted, and a final result also on the timeline
        state = _plain(item)
        if state["delivery_attempts"] == 0:
            return False
        return state["delivery_status"] == "pending" or bool(_delivery_events(inquiry_id))

    while not settled() and time.monotonic() < deadline:
        time.sleep(0.05)
        item = _outbound_item(dynamodb, stack, inquiry_id)
    return _as_inserted(item)


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deser.deserialize(v) for k, v in item.items()}


def _delivery_events(inquiry_id: str) -> list[dict[str, Any]]:
    from inquiry_desk.runtime import composition

    timeline = composition.repository().timeline(inquiry_id)
    assert timeline is not None
    return [e.data for e in timeline.events if "delivery" in e.data]


def test_R5_1_reply_is_sent_on_the_chat_channel_once(runner: Any, dynamodb: Any, stack: Any, chat_sink: _Sink) -> None:
    inquiry_id, customer = _post_chat(runner, "我的订单还没发货 where is my order?")
    _reply(runner, inquiry_id, "已发货，单号 SF123 — shipped today")
    pending = _first_dispatch(runner, stack, dynamodb, inquiry_id)
    assert pending["delivery_status"]["S"] == "pending"

    [received] = chat_sink.sink.records_for(customer)
    assert (received["channel"], received["to"], received["text"]) == (
        "chat",
        customer,
        "已发货，单号 SF123 — shipped today",
    )
    assert received["payload"]["message_id"] == pending["message_id"]["S"]
    headers, raw = chat_sink.request_for(pending["message_id"]["S"])  # ours, not another inquiry's
    assert json.loads(raw) == received["payload"]
    signature = headers["X-Desk-Signature"]
    assert signature == "sha256=" + hmac.new(chat_secret(), raw, hashlib.sha256).hexdigest()

    sent = _plain(_outbound_item(dynamodb, stack, inquiry_id))
    assert sent["delivery_status"] == "sent" and sent["delivery_attempts"] == 1 and sent.get("delivered_at")
    assert sent["metadata"]["delivery_channel"] == "chat" and sent["metadata"]["delivery_to"] == customer
    [event] = _delivery_events(inquiry_id)
    assert event["delivery"] == "sent" and event["message_id"] == pending["message_id"]["S"]

    # the stream redelivers the same record: nothing is sent again, nothing recorded twice
    assert runner.invoke("dispatcher", _stream_event(pending)) == {"batchItemFailures": []}
    assert len(chat_sink.sink.records_for(customer)) == 1
    assert len(_delivery_events(inquiry_id)) == 1


def test_R5_1_provider_500_is_retried_then_sent(runner: Any, dynamodb: Any, stack: Any, chat_sink: _Sink) -> None:
    inquiry_id, customer = _post_chat(runner, "退货 return please")
    chat_sink.sink.fail_next("chat", 500)
    _reply(runner, inquiry_id, "请寄回 please send it back")
    if "dispatcher" not in stack.functions:
        pending = _outbound_item(dynamodb, stack, inquiry_id)
        # the only record of the batch failed: the whole batch fails and the stream retries it
        # (in a larger batch only its own record would be reported in batchItemFailures)
        with pytest.raises(BatchProcessingError, match="chat backend answered 500"):
            runner.invoke("dispatcher", _stream_event(pending))
    else:
        pending = _first_dispatch(runner, stack, dynamodb, inquiry_id)
    retrying = _plain(_outbound_item(dynamodb, stack, inquiry_id))
    assert retrying["delivery_status"] == "pending" and retrying["delivery_attempts"] == 1
    assert "500" in retrying["delivery_error"]
    assert chat_sink.sink.records_for(customer) == [] and _delivery_events(inquiry_id) == []

    assert runner.invoke("dispatcher", _stream_event(pending)) == {"batchItemFailures": []}
    done = _plain(_outbound_item(dynamodb, stack, inquiry_id))
    assert done["delivery_status"] == "sent" and done["delivery_attempts"] == 2 and "delivery_error" not in done
    assert len(chat_sink.sink.records_for(customer)) == 1


def test_R5_1_provider_400_marks_the_reply_failed_on_the_timeline(
    runner: Any, dynamodb: Any, stack: Any, chat_sink: _Sink
) -> None:
    inquiry_id, customer = _post_chat(runner, "发票 invoice")
    chat_sink.sink.fail_next("chat", 400)
    _reply(runner, inquiry_id, "发票已开 invoice issued")
    pending = _first_dispatch(runner, stack, dynamodb, inquiry_id)  # not retried: final
    failed = _plain(_outbound_item(dynamodb, stack, inquiry_id))
    assert failed["delivery_status"] == "failed" and "400" in failed["delivery_error"]
    [event] = _delivery_events(inquiry_id)
    assert event["delivery"] == "failed" and "chat backend answered 400" in event["reason"]
    assert chat_sink.sink.records_for(customer) == []
    # a failed reply is final: a redelivered record sends nothing
    assert runner.invoke("dispatcher", _stream_event(pending)) == {"batchItemFailures": []}
    assert chat_sink.sink.records_for(customer) == [] and len(_delivery_events(inquiry_id)) == 1


def test_R5_1_reply_without_a_chat_backend_fails_visibly(
    runner: Any, dynamodb: Any, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DESK_CHAT_CALLBACK_URL", raising=False)
    settings.reset()
    inquiry_id, _ = _post_chat(runner, "where is my parcel")
    _reply(runner, inquiry_id, "on its way")
    if "dispatcher" in stack.functions:
        _first_dispatch(runner, stack, dynamodb, inquiry_id)
    message_id = _outbound_item(dynamodb, stack, inquiry_id)["message_id"]["S"]
    # an operator's redrive (direct invoke) is idempotent: the first one records the failure
    first = runner.invoke("dispatcher", {"dispatch": {"inquiry_id": inquiry_id, "message_id": message_id}})
    again = runner.invoke("dispatcher", {"dispatch": {"inquiry_id": inquiry_id, "message_id": message_id}})
    assert first["outcome"] == ("skipped" if "dispatcher" in stack.functions else "failed")
    assert again["outcome"] == "skipped"
    [event] = _delivery_events(inquiry_id)
    assert event["reason"] == "no chat sender is configured and no other channel"
    assert _plain(_outbound_item(dynamodb, stack, inquiry_id))["delivery_status"] == "failed"
