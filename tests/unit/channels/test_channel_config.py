from __future__ import annotations

import json

import pytest
from inquiry_desk.channels.config import ChannelsConfig, ChatConfig, WeChatConfig
from pydantic import ValidationError

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def test_loads_the_documented_secret_json() -> None:
    raw = json.dumps(
        {
            "chat": {"secret": "chat-secret"},
            "wechat": {"token": "pamtest", "app_id": "wxb11529c136998cb6", "aes_key": AES_KEY},
            "meta": {"app_secret": "meta-secret", "verify_token": "verify-me"},
            "twilio": {"auth_token": "12345"},
            "marketplace": {"secret": "mk-secret"},
        }
    )
    config = ChannelsConfig.from_json(raw)
    assert config.chat is not None and config.chat.secret.get_secret_value() == "chat-secret"
    assert config.wechat is not None and config.wechat.aes_key_bytes is not None
    assert len(config.wechat.aes_key_bytes) == 32
    assert config.twilio is not None and config.twilio.account_sid is None
    assert ChannelsConfig.from_json(json.loads(raw)) == config


def test_every_channel_is_optional() -> None:
    config = ChannelsConfig.from_json("{}")
    assert (config.chat, config.wechat, config.meta, config.twilio, config.marketplace) == (None,) * 5


def test_secrets_do_not_show_in_repr() -> None:
    config = ChatConfig(secret="s3cr3t-value")  # type: ignore[arg-type]
    assert "s3cr3t-value" not in repr(config) and "s3cr3t-value" not in str(config.model_dump())


@pytest.mark.parametrize(
    "data",
    [
        {"chat": {"secret": ""}},
        {"chat": {"secret": "x", "typo": 1}},
        {"chats": {"secret": "x"}},
        {"wechat": {"token": "t", "app_id": "wx1", "aes_key": AES_KEY[:-1]}},
        {"wechat": {"token": "t", "app_id": "wx1", "aes_key": AES_KEY[:-1] + "*"}},
        {"wechat": {"token": "t", "app_id": " ", "aes_key": AES_KEY}},
        {"meta": {"app_secret": "x"}},
    ],
)
def test_bad_config_is_refused_at_load_time(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ChannelsConfig.from_json(data)


def test_plain_mode_wechat_has_no_aes_key() -> None:
    config = WeChatConfig(token="t", app_id="wx1")  # type: ignore[arg-type]
    assert config.aes_key_bytes is None
