"""Channel webhooks -> one intake. Thin: verify, parse with the channel's codec, record once."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk import wiring
from inquiry_desk.channels import chat
from inquiry_desk.config import settings
from inquiry_desk.errors import ChannelNotConfigured
from inquiry_desk.http import json_response, make_resolver, raw_body
from inquiry_desk.observability import logger, metrics
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
    config = wiring.channels().chat
    if config is None:
        raise ChannelNotConfigured("the chat channel has no secret configured")
    chat.verify_chat(app.current_event.headers, raw, config)
    result = wiring.receive(chat.parse_chat(raw))
    metrics.add_metric(name="InquiryOpened" if result.created else "MessageRecorded", unit="Count", value=1)
    return json_response(202, {"inquiry_id": result.inquiry_id})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring.bind_context(context)
    return app.resolve(event, context)
