"""Channel webhooks -> one intake. Thin: verify, parse with the channel's codec, record once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.answers.templates import render
from inquiry_desk.channels import meta, twilio, wechat
from inquiry_desk.channels.webhooks import WEBHOOKS, SignedRequest
from inquiry_desk.errors import ChannelNotConfigured
from inquiry_desk.model import InboundMessage, utc_now
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.http import json_response, make_resolver, raw_body, refuse_repeated_signature_parts
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import IntakeSettings, load
from pydantic import BaseModel

app = make_resolver()


class Accepted(BaseModel):
    inquiry_id: str


_ACCEPTED: dict[int, OpenAPIResponse] = {
    202: {
        "description": "Recorded (or recognised as already recorded)",
        "content": {"application/json": {"schema": Accepted.model_json_schema()}},
    }
}
_REFUSED: dict[int, OpenAPIResponse] = {
    400: {"description": "Malformed body or missing fields; nothing stored"},
    401: {"description": "Signature missing, forged, replayed or stale; nothing stored"},
    413: {"description": "Body over the size limit; nothing stored"},
}


def _signed_request() -> SignedRequest:
    event = app.current_event
    return SignedRequest(
        headers=event.headers or {},
        raw=raw_body(event.raw_event, composition.max_body_bytes()),
        received_at=_arrival(),
        url=_requested_url(),
        query=_query(),
    )


def _arrival() -> datetime:
    """When our front (API Gateway) received the request: every deadline starts here, never at a
    time the sender or provider wrote in the message."""
    epoch = app.current_event.request_context.request_time_epoch
    return datetime.fromtimestamp(epoch / 1000, UTC) if epoch else utc_now()


def _receive_webhook(name: str) -> list[str]:
    """Read within the limit -> verify the channel's signature -> parse -> record each message once."""
    codec = WEBHOOKS[name]
    request = _signed_request()
    codec.verify(request, _config(codec.config))
    return _record(codec.parse(request))


def _record(messages: list[InboundMessage]) -> list[str]:
    ids = []
    for message in messages:
        result = composition.receive(message)
        metrics.add_metric(
            name="DuplicateIgnored" if result.duplicate else "InquiryOpened" if result.created else "MessageRecorded",
            unit="Count",
            value=1,
        )
        ids.append(result.inquiry_id)
    return ids


def _config(name: str) -> Any:
    config = getattr(composition.channels(name), name)  # that channel's secret only
    if config is None:
        raise ChannelNotConfigured(f"the {name} channel has no credentials configured")
    return config


def _query() -> dict[str, str]:
    refuse_repeated_signature_parts(app.current_event.raw_event)
    return dict(app.current_event.query_string_parameters or {})


def _text(body: str, content_type: str = "text/plain") -> Response[str]:
    return Response(status_code=200, content_type=content_type, body=body)


def _requested_url() -> str:
    """The URL the provider called (Twilio signs it): scheme, host, path as requested, query."""
    event = app.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    proto = headers.get("x-forwarded-proto", "https")
    path = event.request_context.path or event.path
    query = event.raw_event.get("multiValueQueryStringParameters") or {}
    suffix = ("?" + urlencode([(k, v) for k, vs in query.items() for v in vs])) if query else ""
    return f"{proto}://{headers.get('host', '')}{path}{suffix}"


@app.post(
    "/webhooks/chat",
    summary="The shop's web/app chat widget",
    description="Body: ChatWebhook JSON. Header X-Desk-Signature: sha256=<hex HMAC-SHA256(raw body)>.",
    responses={**_ACCEPTED, **_REFUSED},
    tags=["webhooks"],
)
def chat_webhook() -> Any:
    return json_response(202, {"inquiry_id": _receive_webhook("chat")[0]})


@app.get(
    "/webhooks/wechat",
    summary="WeChat server URL verification",
    tags=["webhooks"],
    responses={200: {"description": "echostr"}, 401: _REFUSED[401]},
)
def wechat_verify() -> Any:
    return _text(wechat.verify_wechat_url(_query(), _config("wechat"), utc_now()))


@app.post(
    "/webhooks/wechat",
    summary="WeChat official account messages (plain or safe mode)",
    tags=["webhooks"],
    responses={200: {"description": "success, or a passive XML reply"}, **_REFUSED},
)
def wechat_message() -> Any:
    config = _config("wechat")
    request = _signed_request()
    envelope = wechat.verify_wechat(request.query, request.raw, config, request.received_at)
    message = wechat.parse_wechat(envelope.xml, request.received_at)
    if message is None:
        return _text("success")  # events that are not inquiries (unsubscribe, location reports)
    if message.metadata.get("event") == "subscribe":
        reply = render("greeting", message.language)
    else:
        ids = _record([message])
        reply = render("received", message.language) if ids else ""
    if not reply:
        return _text("success")
    now = int(request.received_at.timestamp())
    xml = wechat.build_wechat_text_reply(message.sender.value, message.metadata.get("to_user", ""), reply, now)
    if envelope.encrypted:
        query = request.query
        xml = wechat.seal_wechat_reply(xml, config, query.get("timestamp", str(now)), query.get("nonce", ""))
    return _text(xml, "application/xml")


@app.get(
    "/webhooks/meta",
    summary="Meta webhook subscription handshake",
    tags=["webhooks"],
    responses={200: {"description": "hub.challenge"}, 401: _REFUSED[401]},
)
def meta_verify() -> Any:
    return _text(meta.verify_meta_subscription(_query(), _config("meta")))


@app.post(
    "/webhooks/meta",
    summary="Messenger, Instagram and WhatsApp Cloud API messages",
    tags=["webhooks"],
    responses={200: {"description": "Recorded"}, **_REFUSED},
)
def meta_message() -> Any:
    return json_response(200, {"inquiry_ids": _receive_webhook("meta")})


@app.post(
    "/webhooks/twilio",
    summary="Twilio inbound SMS",
    tags=["webhooks"],
    responses={200: {"description": "TwiML"}, **_REFUSED},
)
def twilio_message() -> Any:
    _receive_webhook("twilio")
    return _text(twilio.build_twiml_reply(None), "application/xml")


@app.post(
    "/webhooks/marketplace",
    summary="Marketplace connector messages (docs/channels/marketplace.md)",
    tags=["webhooks"],
    responses={**_ACCEPTED, **_REFUSED},
)
def marketplace_message() -> Any:
    return json_response(202, {"inquiry_id": _receive_webhook("marketplace")[0]})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(IntakeSettings)  # cold start: a missing variable fails here, named
    composition.bind_context(context)
    return app.resolve(event, context)
