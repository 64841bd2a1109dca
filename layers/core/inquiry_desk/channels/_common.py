"""Helpers shared by the channel codecs (private: not part of the package's API)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from inquiry_desk.errors import PayloadError, SignatureError
from inquiry_desk.model import InboundMessage


def get_header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """Case-insensitive header lookup (API Gateway REST keeps the case, HTTP APIs lower it)."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def hmac_hex(secret: str, data: bytes, digest: str = "sha256") -> str:
    return hmac.new(secret.encode("utf-8"), data, getattr(hashlib, digest)).hexdigest()


def same(expected: str, provided: str) -> bool:
    """Constant-time comparison of two signature strings (any characters, any lengths)."""
    return hmac.compare_digest(expected.encode("utf-8"), provided.encode("utf-8"))


def verify_sha256_hmac(headers: Mapping[str, str] | None, name: str, secret: str, signed: bytes) -> None:
    """Raise SignatureError unless header `name` is `sha256=<hex HMAC-SHA256(signed, secret)>`.

    The one check behind the chat, Meta and marketplace webhooks (each signs different bytes)."""
    provided = require_sha256_header(headers, name)
    if not same(hmac_hex(secret, signed), provided):
        raise SignatureError(f"{name} does not match the body (forged or altered request)")


def reply_payload(required: dict[str, Any], **optional: str | None) -> dict[str, Any]:
    """A reply payload: every required field, and the optional ones that are set."""
    return {**required, **{k: v for k, v in optional.items() if v}}


def require_sha256_header(headers: Mapping[str, str] | None, name: str) -> str:
    """The lower-cased hex digest of a `sha256=<hex>` header, or SignatureError."""
    value = get_header(headers, name)
    if not value:
        raise SignatureError(f"missing {name} header")
    scheme, _, digest = value.strip().partition("=")
    if scheme.strip().lower() != "sha256" or not digest:
        raise SignatureError(f"{name} must look like sha256=<hex digest>")
    return digest.strip().lower()


# No channel nests its JSON this deep; deeper is an attack on the parser, refused with a reason.
MAX_JSON_DEPTH = 64


def load_json_object(raw: bytes, what: str) -> dict[str, Any]:
    """A JSON object from the channel's bytes, or PayloadError (400) with the reason: invalid
    UTF-8, malformed, nested deeper than MAX_JSON_DEPTH, numbers too long to convert."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise PayloadError(f"{what} is not UTF-8: {err}") from None
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _nesting(text) > MAX_JSON_DEPTH:
        raise PayloadError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as err:  # JSONDecodeError, or a number past the digit limit
        raise PayloadError(f"{what} is not valid JSON: {str(err)[:200]}") from None
    if not isinstance(value, dict):
        raise PayloadError(f"{what} must be a JSON object")
    return value


def _nesting(text: str) -> int:
    """The deepest bracket nesting outside strings, in one pass (before any recursive parser)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def clip(value: str | None, limit: int) -> str | None:
    """Provider display names have no length promise; keep what fits the record."""
    if value is None:
        return None
    value = value.strip()
    return value[:limit] or None


def from_epoch(value: Any, *, millis: bool = False) -> datetime | None:
    """A provider's unix timestamp (seconds or milliseconds) as aware UTC, None when absent/bad."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if millis:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def sent_time(provider_time: datetime | None) -> datetime | None:
    """The sender's (or provider's) own time for the message: data for display, never a clock.

    Every deadline starts at `received_at`, the moment our front received the message; a sender's
    clock may be wrong by years (a `Date:` header of 2033), so it is kept as `sent_at` only.
    """
    return provider_time


def build_message(**fields: Any) -> InboundMessage:
    """Construct an InboundMessage; a field the model refuses becomes a PayloadError."""
    if fields.get("received_at") is None:
        fields.pop("received_at", None)
    try:
        return InboundMessage(**fields)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise PayloadError(f"{where}: {first.get('msg')}") from None


def check_freshness(timestamp: str | None, now: datetime, tolerance: timedelta, what: str) -> None:
    """Refuse a signed unix-seconds timestamp further than `tolerance` from `now` (SignatureError)."""
    if not timestamp or not timestamp.strip().isdigit():
        raise SignatureError(f"{what} timestamp is missing or not unix seconds")
    at = from_epoch(timestamp.strip())
    if at is None:
        raise SignatureError(f"{what} timestamp is out of range")
    if abs(now - at) > tolerance:
        raise SignatureError(
            f"stale {what} request: timestamp is {int((now - at).total_seconds())} s from now, "
            f"tolerance {int(tolerance.total_seconds())} s"
        )
