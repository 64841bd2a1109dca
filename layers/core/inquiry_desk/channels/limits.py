"""Size limits every channel codec applies before it looks at a body.

A webhook body is checked before its signature is computed or a parser runs, so an oversized
request costs nothing but the comparison. Email is larger by nature (attachments): SES accepts
messages up to 40 MB, so that is its limit.
"""

from __future__ import annotations

from inquiry_desk.errors import PayloadTooLarge

MAX_WEBHOOK_BYTES = 256 * 1024
MAX_EMAIL_BYTES = 40 * 1024 * 1024


def ensure_within_limit(raw: bytes | str, limit: int = MAX_WEBHOOK_BYTES, what: str = "request body") -> bytes:
    """Return the body as bytes, or raise PayloadTooLarge when it is over `limit` bytes."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > limit:
        raise PayloadTooLarge(f"{what} is {len(data)} bytes, over the {limit}-byte limit")
    return data
