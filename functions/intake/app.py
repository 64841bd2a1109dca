"""Channel webhooks -> one intake. Thin: verify, parse with the channel's codec, record once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.answers.templates import render
from inquiry_desk.channels import chat, marketplace, meta, twilio, wechat
from inquiry_desk.errors import ChannelNotConfigured
from inquiry_desk.model import InboundMessage, utc_now
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.http import json_response, make_resolver, raw_body
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import settings
from pydantic import BaseModel

app = make_resolver()


class Accepted(BaseModel):
    inquiry_id: str


_ACCEPTED = {
    202: {
        "description": "Recorded (or recognised as already recorded)",
        "content": {"application/json": {"schema": Accepted.model_json_schema()}},
    }
}
_REFUSED = {
    400: {"description": "Malformed body or missing fields; nothing stored"},
    401: {"description": "Signature missing, forged, replayed or stale; nothing stored"},
    413: {"description": "Body over the size limit; nothing stored"},
}


@app.post(
    "/webhooks/chat",
    summary="The shop's web/app chat widget",
    description="Body: ChatWebhook JSON. Header X-Desk-Signature: sha256=<hex HMAC-SHA256(raw body)>.",
    responses={**_ACCEPTED, **_REFUSED},
    tags=["webhooks"],
)
def chat_webhook() -> Any:
    raw = raw_body(app.current_event.raw_event, settings().max_body_bytes)
    chat.verify_chat(app.current_event.headers, raw, _config("chat"))
    return json_response(202, {"inquiry_id": _record([chat.parse_chat(raw, utc_now())])[0]})


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
    config = getattr(composition.channels(), name)
    if config is None:
        raise ChannelNotConfigured(f"the {name} channel has no credentials configured")
    return config


def _query() -> dict[str, str]:
    return dict(app.current_event.query_string_parameters or {})


def _text(body: str, content_type: str = "text/plain") -> Response[str]:
    return Response(status_code=200, content_type=content_type, body=body)


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
    query = _query()
    envelope = wechat.verify_wechat(
        query, raw_body(app.current_event.raw_event, settings().max_body_bytes), config, utc_now()
    )
    message = wechat.parse_wechat(envelope.xml, utc_now())
    if message is None:
        return _text("success")  # events that are not inquiries (unsubscribe, location reports)
    if message.metadata.get("event") == "subscribe":
        reply = render("greeting", message.language)
    else:
        ids = _record([message])
        reply = render("received", message.language) if ids else ""
    if not reply:
        return _text("success")
    now = int(utc_now().timestamp())
    xml = wechat.build_wechat_text_reply(message.sender.value, message.metadata.get("to_user", ""), reply, now)
    if envelope.encrypted:
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
    raw = raw_body(app.current_event.raw_event, settings().max_body_bytes)
    meta.verify_meta(app.current_event.headers, raw, _config("meta"))
    return json_response(200, {"inquiry_ids": _record(meta.parse_meta(raw, utc_now()))})


def _requested_url() -> str:
    """The URL the provider called (Twilio signs it): scheme, host, path as requested, query."""
    event = app.current_event
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    proto = headers.get("x-forwarded-proto", "https")
    path = event.request_context.path or event.path
    query = event.raw_event.get("multiValueQueryStringParameters") or {}
    from urllib.parse import urlencode

    suffix = ("?" + urlencode([(k, v) for k, vs in query.items() for v in vs])) if query else ""
    return f"{proto}://{headers.get('host', '')}{path}{suffix}"


@app.post(
    "/webhooks/twilio",
    summary="Twilio inbound SMS",
    tags=["webhooks"],
    responses={200: {"description": "TwiML"}, **_REFUSED},
)
def twilio_message() -> Any:
    raw = raw_body(app.current_event.raw_event, settings().max_body_bytes)
    twilio.verify_twilio(app.current_event.headers, _requested_url(), raw, _config("twilio"))
    _record([twilio.parse_twilio_sms(raw, utc_now())])
    return _text(twilio.build_twiml_reply(None), "application/xml")


@app.post(
    "/webhooks/marketplace",
    summary="Marketplace connector messages (docs/channels/marketplace.md)",
    tags=["webhooks"],
    responses={**_ACCEPTED, **_REFUSED},
)
def marketplace_message() -> Any:
    raw = raw_body(app.current_event.raw_event, settings().max_body_bytes)
    marketplace.verify_marketplace(app.current_event.headers, raw, _config("marketplace"), utc_now())
    ids = _record([marketplace.parse_marketplace(raw, utc_now())])
    return json_response(202, {"inquiry_id": ids[0]})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    composition.bind_context(context)
    return app.resolve(event, context)
