"""Signed, expiring survey links (pure): HMAC-SHA256 over the inquiry, its episode and the expiry.

A token is `<base64url(JSON claims)>.<base64url(HMAC)>`; it names no customer data. Tampered,
malformed and expired tokens are refused with a reason; replays (the episode already answered, or
a newer episode started) are judged by the survey service on the inquiry's timeline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime


class LinkRefused(Exception):
    """The link cannot be used; `reason` is one of tampered, malformed, expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SurveyLink:
    inquiry_id: str
    episode: int
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the survey signing key must have at least 16 bytes")
        self._key = key

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, b"survey." + body.encode(), hashlib.sha256).digest())

    def sign(self, link: SurveyLink) -> str:
        claims = {"i": link.inquiry_id, "e": link.episode, "x": int(link.expires_at.timestamp())}
        body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str, now: datetime) -> SurveyLink:
        body, dot, mac = token.partition(".")
        if not dot or not body or not mac or len(token) > 512:
            raise LinkRefused("malformed")
        if not hmac.compare_digest(self._mac(body), mac):
            raise LinkRefused("tampered")
        try:
            claims = json.loads(_unb64(body))
            link = SurveyLink(str(claims["i"]), int(claims["e"]), datetime.fromtimestamp(int(claims["x"]), tz=UTC))
        except (ValueError, KeyError, TypeError):
            raise LinkRefused("malformed") from None
        if now >= link.expires_at:
            raise LinkRefused("expired")
        return link
