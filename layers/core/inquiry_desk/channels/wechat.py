"""WeChat official account (公众号) messages: plain and safe mode (消息加解密).

Inbound:
* URL verification (`GET ?signature&timestamp&nonce&echostr`): `verify_wechat_url` checks
  `signature == sha1(sorted(token, timestamp, nonce))` and returns `echostr` to echo back.
* Messages (`POST` XML): `verify_wechat` checks the signature and, in safe mode
  (`encrypt_type=aes`), `msg_signature == sha1(sorted(token, timestamp, nonce, Encrypt))`,
  decrypts `Encrypt` (AES-256-CBC, key = base64decode(EncodingAESKey + "="), IV = key[:16],
  PKCS#7 padding to 32-byte blocks; plaintext = 16 random bytes + 4-byte big-endian length +
  XML + AppID) and checks the AppID. `parse_wechat` turns the XML into an InboundMessage.
  All XML is parsed with defusedxml: DTDs and entities are refused (no entity-expansion bombs).

Outbound: `build_wechat_text_reply` (passive reply XML, within WeChat's 5 s window),
`seal_wechat_reply` (its safe-mode envelope) and `build_wechat_customer_message` (the
customer-service message API body for later replies).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from inquiry_desk.channels import identity
from inquiry_desk.channels._common import build_message, check_freshness, from_epoch, same, sent_time
from inquiry_desk.channels.config import WeChatConfig
from inquiry_desk.channels.limits import ensure_within_limit
from inquiry_desk.errors import ChannelNotConfigured, PayloadError, SignatureError
from inquiry_desk.model import Attachment, Channel, Identity, InboundMessage

# WeChat retries within seconds; a signed timestamp older (or newer) than this is refused.
TIMESTAMP_TOLERANCE = timedelta(minutes=5)
PASSIVE_REPLY_MAX_BYTES = 2048
_BLOCK = 32  # WeChat pads to 32-byte blocks, not AES's 16
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class WeChatEnvelope:
    """A verified request: the message XML (decrypted in safe mode) and how to answer it."""

    xml: bytes
    encrypted: bool  # True: a passive reply must be sealed with `seal_wechat_reply`


def wechat_signature(*parts: str) -> str:
    """SHA1 hex of the parts sorted and concatenated (WeChat's signature and msg_signature)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def verify_wechat_url(query: Mapping[str, str], config: WeChatConfig, now: datetime | None = None) -> str:
    """Check the server-address verification GET and return the `echostr` to send back."""
    _check_signature(query, config, now)
    echostr = query.get("echostr")
    if not echostr:
        raise PayloadError("WeChat URL verification without echostr")
    return echostr


def verify_wechat(
    query: Mapping[str, str], raw_body: bytes, config: WeChatConfig, now: datetime | None = None
) -> WeChatEnvelope:
    """Verify a message POST (plain or safe mode) and return its message XML.

    `query` is the request's query string parameters; `now`, when given, also refuses a
    timestamp more than 5 minutes away (SignatureError "stale").
    """
    raw = ensure_within_limit(raw_body)
    outer = _fields(raw)
    encrypted = query.get("encrypt_type", "").lower() == "aes" or "Encrypt" in outer
    if not encrypted:
        _check_signature(query, config, now)
        return WeChatEnvelope(xml=raw, encrypted=False)
    if config.aes_key is None:
        if "MsgType" in outer and "FromUserName" in outer:  # compatible mode: plain copy alongside
            _check_signature(query, config, now)
            return WeChatEnvelope(xml=raw, encrypted=False)
        raise ChannelNotConfigured("WeChat safe-mode message, but no EncodingAESKey is configured")
    encrypt = outer.get("Encrypt")
    if not encrypt:
        raise PayloadError("WeChat safe-mode message without Encrypt")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    provided = query.get("msg_signature")
    if not provided:
        raise SignatureError("missing msg_signature")
    expected = wechat_signature(config.token.get_secret_value(), timestamp, nonce, encrypt)
    if not same(expected, provided.lower()):
        raise SignatureError("msg_signature does not match (forged or altered request)")
    if now is not None:
        check_freshness(timestamp, now, TIMESTAMP_TOLERANCE, "WeChat")
    return WeChatEnvelope(xml=decrypt_wechat(encrypt, config), encrypted=True)


def decrypt_wechat(encrypt: str, config: WeChatConfig) -> bytes:
    """Decrypt an `Encrypt` value and check its AppID; SignatureError when it is not ours."""
    key = config.aes_key_bytes
    if key is None:
        raise ChannelNotConfigured("WeChat safe mode needs the EncodingAESKey")
    try:
        data = base64.b64decode(encrypt, validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError("WeChat Encrypt is not base64") from None
    if not data or len(data) % 16:
        raise PayloadError("WeChat Encrypt is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(data) + decryptor.finalize()
    pad = plain[-1]
    if not 1 <= pad <= _BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise SignatureError("WeChat message does not decrypt with our EncodingAESKey")
    content = plain[16:-pad]
    if len(content) < 4:
        raise SignatureError("WeChat message does not decrypt with our EncodingAESKey")
    (length,) = struct.unpack(">I", content[:4])
    if length > len(content) - 4:
        raise SignatureError("WeChat message does not decrypt with our EncodingAESKey")
    xml, app_id = content[4 : 4 + length], content[4 + length :]
    if not same(config.app_id, app_id.decode("utf-8", errors="replace")):
        raise SignatureError("WeChat message is for another AppID")
    return xml


def encrypt_wechat(plaintext: str | bytes, config: WeChatConfig, random_prefix: bytes | None = None) -> str:
    """Encrypt XML for WeChat (the inverse of `decrypt_wechat`); base64 text.

    `random_prefix` (16 bytes) is for reproducible tests; by default it is random.
    """
    key = config.aes_key_bytes
    if key is None:
        raise ChannelNotConfigured("WeChat safe mode needs the EncodingAESKey")
    prefix = secrets.token_bytes(16) if random_prefix is None else random_prefix
    if len(prefix) != 16:
        raise ValueError("random_prefix must be 16 bytes")
    body = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    data = prefix + struct.pack(">I", len(body)) + body + config.app_id.encode("utf-8")
    pad = _BLOCK - len(data) % _BLOCK
    data += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")


def parse_wechat(xml: bytes, now: datetime | None = None) -> InboundMessage | None:
    """The message XML as an InboundMessage; None for events that are not customer messages.

    Handled: text, image, voice (Recognition, when WeChat's speech recognition is on, becomes
    the text), video/shortvideo, location, link, and the subscribe / CLICK events. Dedupe key:
    MsgId, or FromUserName#CreateTime for events (WeChat's own advice). Metadata keeps
    `to_user` (our account: the FromUserName of a passive reply), `msg_type` and `event`.
    """
    fields = _fields(ensure_within_limit(xml))
    sender = fields.get("FromUserName")
    msg_type = fields.get("MsgType", "").lower()
    create_time = fields.get("CreateTime", "")
    if not sender or not msg_type:
        raise PayloadError("WeChat message without FromUserName or MsgType")
    meta = {"msg_type": msg_type, "to_user": fields.get("ToUserName", "")}
    text = ""
    attachments: list[Attachment] = []
    if msg_type == "event":
        event = fields.get("Event", "").lower()
        if event not in {"subscribe", "click"}:
            return None
        if not create_time:
            raise PayloadError("WeChat event without CreateTime")
        message_id = f"{sender}#{create_time}"
        meta["event"] = event
        if fields.get("EventKey"):
            meta["event_key"] = fields["EventKey"]
            text = fields["EventKey"] if event == "click" else ""
    else:
        message_id = fields.get("MsgId", "")
        if not message_id:
            raise PayloadError("WeChat message without MsgId")
        media_id = fields.get("MediaId")
        if msg_type == "text":
            text = fields.get("Content", "")
        elif msg_type == "image":
            attachments.append(_media(media_id, fields.get("PicUrl"), "image/jpeg", "jpg"))
        elif msg_type == "voice":
            text = fields.get("Recognition", "")
            fmt = (fields.get("Format") or "amr").lower()
            attachments.append(_media(media_id, None, f"audio/{fmt}", fmt))
            meta["voice_recognised"] = "true" if text else "false"
        elif msg_type in {"video", "shortvideo"}:
            attachments.append(_media(media_id, None, "video/mp4", "mp4"))
        elif msg_type == "location":
            text = fields.get("Label", "")
            meta["latitude"], meta["longitude"] = fields.get("Location_X", ""), fields.get("Location_Y", "")
        elif msg_type == "link":
            text = "\n".join(v for v in (fields.get("Title"), fields.get("Description"), fields.get("Url")) if v)
        else:
            return None
        if media_id:
            meta["media_id"] = media_id
    unionid = fields.get("UnionId") or fields.get("UnionID") or fields.get("unionid")
    others = (Identity(kind=identity.WECHAT_UNIONID, value=unionid),) if unionid else ()
    return build_message(
        channel=Channel.WECHAT,
        channel_message_id=message_id,
        sender=Identity(kind=identity.WECHAT_OPENID, value=sender),
        text=text,
        received_at=now,
        sent_at=sent_time(from_epoch(create_time)),
        other_identities=others,
        attachments=tuple(attachments),
        metadata=meta,
    )


def build_wechat_text_reply(to_user: str, from_user: str, content: str, create_time: int) -> str:
    """A passive text reply: to the customer's openid, from our account (the message's ToUserName).

    ValueError when the content is over WeChat's 2048-byte limit: send it with the
    customer-service message API instead (`build_wechat_customer_message`).
    """
    if len(content.encode("utf-8")) > PASSIVE_REPLY_MAX_BYTES:
        raise ValueError("reply is over the 2048-byte limit of a passive reply")
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


def seal_wechat_reply(
    reply_xml: str, config: WeChatConfig, timestamp: str, nonce: str, random_prefix: bytes | None = None
) -> str:
    """The safe-mode envelope of a passive reply: Encrypt, MsgSignature, TimeStamp, Nonce."""
    encrypt = encrypt_wechat(reply_xml, config, random_prefix)
    signature = wechat_signature(config.token.get_secret_value(), timestamp, nonce, encrypt)
    return (
        f"<xml><Encrypt>{_cdata(encrypt)}</Encrypt><MsgSignature>{_cdata(signature)}</MsgSignature>"
        f"<TimeStamp>{_digits(timestamp)}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>"
    )


def build_wechat_customer_message(openid: str, text: str) -> dict[str, Any]:
    """The JSON body of a customer-service text message (POST .../message/custom/send)."""
    return {"touser": openid, "msgtype": "text", "text": {"content": text}}


def _check_signature(query: Mapping[str, str], config: WeChatConfig, now: datetime | None) -> None:
    provided = query.get("signature")
    if not provided:
        raise SignatureError("missing signature")
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    expected = wechat_signature(config.token.get_secret_value(), timestamp, nonce)
    if not same(expected, provided.lower()):
        raise SignatureError("signature does not match (forged request or wrong token)")
    if now is not None:
        check_freshness(timestamp, now, TIMESTAMP_TOLERANCE, "WeChat")


def _fields(xml: bytes) -> dict[str, str]:
    """The <xml> root's child elements as {tag: text}, parsed with defusedxml."""
    try:
        root: Element = SafeET.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as err:
        raise PayloadError(f"WeChat XML refused: {type(err).__name__} (DTDs and entities are not allowed)") from None
    except ParseError as err:
        raise PayloadError(f"WeChat body is not well-formed XML: {err}") from None
    if root.tag != "xml":
        raise PayloadError(f"WeChat XML root must be <xml>, not <{root.tag}>")
    return {child.tag: (child.text or "").strip() for child in root}


def _media(media_id: str | None, url: str | None, content_type: str, ext: str) -> Attachment:
    if not media_id and not url:
        raise PayloadError("WeChat media message without MediaId")
    name = f"{media_id or 'media'}.{ext}"
    return Attachment(name=name, content_type=content_type, url=url or f"wechat-media:{media_id}")


def _cdata(value: str) -> str:
    clean = _XML_ILLEGAL.sub("", value)
    return "<![CDATA[" + clean.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _digits(value: str) -> str:
    if not value.isdigit():
        raise ValueError("timestamp must be unix seconds")
    return value
