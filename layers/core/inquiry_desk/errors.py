"""Domain errors. Handlers map each to an HTTP status with a JSON reason; nothing is stored."""

from __future__ import annotations


class DeskError(Exception):
    """Base of every error the domain raises on purpose."""

    http_status = 400
    code = "bad_request"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PayloadError(DeskError):
    """The request body is not what the channel sends (malformed, missing fields, too large)."""

    http_status = 400
    code = "bad_payload"


class PayloadTooLarge(PayloadError):
    http_status = 413
    code = "payload_too_large"


class UnsupportedMediaType(PayloadError):
    http_status = 415
    code = "unsupported_media_type"


class SignatureError(DeskError):
    """The request is not signed by the channel (forged, replayed or stale)."""

    http_status = 401
    code = "bad_signature"


class NotFound(DeskError):
    http_status = 404
    code = "not_found"


class Conflict(DeskError):
    """A concurrent change won; the caller may re-read and retry."""

    http_status = 409
    code = "conflict"


class InvalidTransition(DeskError):
    http_status = 409
    code = "invalid_transition"


class Forbidden(DeskError):
    http_status = 403
    code = "forbidden"


class ChannelNotConfigured(DeskError):
    """The shop has no credentials for this channel: it cannot be verified, so it is refused."""

    http_status = 404
    code = "channel_not_configured"
