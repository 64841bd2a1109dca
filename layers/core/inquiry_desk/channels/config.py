"""Channel credentials as small pydantic models (loaded by the caller, e.g. from Secrets Manager).

Secrets are `SecretStr`, so a config printed or logged by accident shows `**********`. Unknown
keys are refused, so a typo in the secret's JSON fails at load time, not at the first webhook.

Example secret JSON (every channel optional)::

    {"chat": {"secret": "..."},
     "wechat": {"token": "...", "app_id": "wx...", "aes_key": "<43 chars>", "app_secret": "..."},
     "meta": {"app_secret": "...", "verify_token": "...", "page_access_token": "..."},
     "twilio": {"auth_token": "...", "account_sid": "AC...", "from_number": "+1..."},
     "marketplace": {"secret": "...", "callback_url": "https://..."}}
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


class _Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _not_blank(value: SecretStr | None) -> SecretStr | None:
    if value is not None and not value.get_secret_value().strip():
        raise ValueError("must not be empty")
    return value


class ChatConfig(_Config):
    """The shop's own chat widget: HMAC-SHA256 shared secret."""

    secret: SecretStr

    _check = field_validator("secret")(_not_blank)


class WeChatConfig(_Config):
    """WeChat official account: the server Token, AppID and, for safe mode, the EncodingAESKey."""

    token: SecretStr
    app_id: str
    aes_key: SecretStr | None = None  # EncodingAESKey: 43 base64 characters (32-byte AES key)
    app_secret: SecretStr | None = None  # for the access token the sender needs

    _check = field_validator("token", "app_secret")(_not_blank)

    @field_validator("app_id")
    @classmethod
    def _app_id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @field_validator("aes_key")
    @classmethod
    def _aes_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        text = value.get_secret_value()
        if len(text) != 43:
            raise ValueError("EncodingAESKey must be 43 characters")
        try:
            key = base64.b64decode(text + "=", validate=True)
        except binascii.Error:
            raise ValueError("EncodingAESKey must be base64 characters") from None
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        return value

    @property
    def aes_key_bytes(self) -> bytes | None:
        """The 32-byte AES key (base64decode(EncodingAESKey + "=")), None in plain mode."""
        if self.aes_key is None:
            return None
        return base64.b64decode(self.aes_key.get_secret_value() + "=")


class MetaConfig(_Config):
    """Messenger, Instagram and WhatsApp Cloud API: the app secret and the webhook verify token."""

    app_secret: SecretStr
    verify_token: SecretStr
    page_access_token: SecretStr | None = None

    _check = field_validator("app_secret", "verify_token", "page_access_token")(_not_blank)


class TwilioConfig(_Config):
    """Twilio SMS: the account's auth token signs every webhook."""

    auth_token: SecretStr
    account_sid: str | None = None  # when set, a webhook for another account is refused
    from_number: str | None = None  # our sending number (E.164) for outbound SMS

    _check = field_validator("auth_token")(_not_blank)


class MarketplaceConfig(_Config):
    """Marketplace connectors (docs/channels/marketplace.md): one shared HMAC secret."""

    secret: SecretStr
    callback_url: str | None = None  # where replies are posted back to the connector

    _check = field_validator("secret")(_not_blank)


class SurveyConfig(_Config):
    """Survey links (R5.3): the HMAC key that signs them and the public base URL of the page."""

    signing_key: SecretStr
    base_url: str | None = None  # e.g. the API's URL; the link is <base_url>/survey/<token>

    @field_validator("signing_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value().strip()) < 16:
            raise ValueError("the survey signing key needs at least 16 characters")
        return value


class ShopOrdersConfig(_Config):
    """The shop's own order system (``adapters/shop_orders.py``): where, and the key that signs our
    requests. Without it, the bot reads the order store the shop feeds."""

    base_url: str = Field(min_length=8, pattern=r"^https?://")
    secret: SecretStr


class ChannelsConfig(_Config):
    """Every channel's credentials; a channel left out is not configured (its webhooks are refused)."""

    chat: ChatConfig | None = None
    wechat: WeChatConfig | None = None
    meta: MetaConfig | None = None
    twilio: TwilioConfig | None = None
    marketplace: MarketplaceConfig | None = None
    survey: SurveyConfig | None = None
    shop_orders: ShopOrdersConfig | None = None

    @classmethod
    def from_json(cls, text: str | bytes | dict[str, Any]) -> ChannelsConfig:
        """Load from the secret's JSON text (or its already-decoded object)."""
        if isinstance(text, dict):
            return cls.model_validate(text)
        return cls.model_validate(json.loads(text))


# One secret per section (Secrets Manager, `<prefix><section>`); who reads which (infra grants
# exactly these, a template test checks): the webhooks verify with every channel's, the outbox
# sends with every channel's, the survey pages sign links with the survey key.
SECRET_SECTIONS: tuple[str, ...] = tuple(ChannelsConfig.model_fields)
WEBHOOK_SECTIONS: tuple[str, ...] = ("chat", "wechat", "meta", "twilio", "marketplace")
SENDING_SECTIONS: tuple[str, ...] = ("chat", "wechat", "meta", "twilio", "marketplace")
SURVEY_SECTIONS: tuple[str, ...] = ("survey",)
