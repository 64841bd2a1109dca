"""One sender per channel: the channel codec's payload, POSTed to the provider (R5.1).

Every provider base URL is configurable, so the local runtime points them at its channel sink:

* chat: POST `build_chat_reply` JSON, signed `X-Desk-Signature`, to DESK_CHAT_CALLBACK_URL
  (the shop's chat backend; unset: no chat sender).
* wechat: DESK_WECHAT_API_BASE (default https://api.weixin.qq.com): GET /cgi-bin/token, then
  POST /cgi-bin/message/custom/send?access_token=... (needs wechat.app_secret).
* messenger, instagram, whatsapp: DESK_META_API_BASE (default https://graph.facebook.com/v21.0):
  POST /me/messages?access_token=..., WhatsApp POST /<phone-number-id>/messages with a Bearer
  token (needs meta.page_access_token).
* sms: Twilio at DESK_TWILIO_API_BASE (default https://api.twilio.com):
  POST /2010-04-01/Accounts/<sid>/Messages.json, basic auth (needs twilio.account_sid and
  from_number); and/or AWS End User Messaging SendTextMessage from DESK_SMS_ORIGINATION.
* marketplace: POST the signed reply JSON to MarketplaceConfig.callback_url, else to
  DESK_MARKETPLACE_CALLBACK_URL.
* email: SES SendRawEmail of `build_reply_email`, From DESK_MAIL_FROM (unset: no email sender).

DESK_SEND_TIMEOUT_SECONDS (10) bounds each HTTP call. A channel whose credentials or settings
are missing gets no sender, so the outbox falls back to another channel (or records why not).
Errors become `outbox.SendError`: retryable for network errors, timeouts, 408/429/5xx and the
providers' "busy / rate limited" codes; permanent otherwise.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from inquiry_desk.channels.chat import build_chat_reply, sign_chat
from inquiry_desk.channels.config import (
    ChannelsConfig,
    ChatConfig,
    MarketplaceConfig,
    MetaConfig,
    TwilioConfig,
    WeChatConfig,
)
from inquiry_desk.channels.email import build_reply_email
from inquiry_desk.channels.marketplace import build_marketplace_reply, sign_marketplace
from inquiry_desk.channels.meta import build_meta_replies
from inquiry_desk.channels.twilio import build_aws_sms, build_twilio_sms
from inquiry_desk.channels.wechat import build_wechat_customer_message
from inquiry_desk.model import Channel, Message, utc_now
from inquiry_desk.outbox.decision import Delivery, SendError
from inquiry_desk.runtime.settings import OutboxSettings

DEFAULT_TIMEOUT = 10.0
WECHAT_API_BASE = "https://api.weixin.qq.com"
META_API_BASE = "https://graph.facebook.com/v21.0"
TWILIO_API_BASE = "https://api.twilio.com"
_RETRY_STATUS = frozenset({408, 425, 429})
_USER_AGENT = "inquiry-desk-outbox/1"


# --- HTTP ----------------------------------------------------------------------------------
class HttpSendError(SendError):
    """A provider's non-2xx answer (status and body kept for provider-specific classification)."""

    def __init__(self, reason: str, *, retryable: bool, status: int, body: bytes) -> None:
        super().__init__(reason, retryable=retryable)
        self.status, self.body = status, body


def http_request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    what: str = "provider",
) -> tuple[int, bytes]:
    """One HTTP call; a 2xx answer is returned, anything else raises SendError."""
    if not url.startswith(("https://", "http://")):
        raise SendError(f"{what}: not an http(s) URL: {url[:80]}", retryable=False)
    request = urllib.request.Request(
        url, data=body, method=method, headers={"User-Agent": _USER_AGENT, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # scheme checked above
            return int(response.status), response.read()
    except urllib.error.HTTPError as err:
        raw = err.read()
        detail = _error_text(raw)
        reason = f"{what} answered {err.code}" + (f": {detail}" if detail else "")
        raise HttpSendError(reason, retryable=_retryable(err.code), status=err.code, body=raw) from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        cause = err.reason if isinstance(err, urllib.error.URLError) else err
        raise SendError(f"{what} unreachable: {cause}", retryable=True) from None


def _retryable(status: int) -> bool:
    return status >= 500 or status in _RETRY_STATUS


def _error_text(raw: bytes, limit: int = 300) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return " ".join(text.split())[:limit]


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _json_body(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- senders -------------------------------------------------------------------------------
class ChatSender:
    """The shop's chat backend: POST the reply JSON, signed like the widget's own webhooks."""

    def __init__(self, callback_url: str, config: ChatConfig | None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._url, self._config, self._timeout = callback_url, config, timeout

    def send(self, delivery: Delivery, message: Message) -> str | None:
        payload = build_chat_reply(
            delivery.to,
            message.body,
            message_id=message.message_id,
            sent_at=message.at,
            in_reply_to=delivery.in_reply_to,
            agent_name=message.author,
        )
        raw = _json_body(payload)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self._config is not None:
            headers.update(sign_chat(raw, self._config))
        http_request("POST", self._url, body=raw, headers=headers, timeout=self._timeout, what="chat backend")
        return message.message_id


class WeChatSender:
    """Customer-service message API (客服消息): access token from AppID/AppSecret, cached until
    shortly before it expires and refreshed once when WeChat says it is no longer valid."""

    _TOKEN_INVALID = frozenset({40001, 40014, 42001})
    _RETRY = frozenset({-1, 45009})  # system busy; API call limit reached
    _tokens: ClassVar[dict[tuple[str, str], tuple[str, float]]] = {}  # per process, shared by instances
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, config: WeChatConfig, api_base: str = WECHAT_API_BASE, timeout: float = DEFAULT_TIMEOUT) -> None:
        if config.app_secret is None:
            raise ValueError("WeChat customer-service messages need wechat.app_secret")
        self._config, self._base, self._timeout = config, api_base.rstrip("/"), timeout

    def send(self, delivery: Delivery, message: Message) -> str | None:
        raw = _json_body(build_wechat_customer_message(delivery.to, message.body))
        for attempt in (1, 2):
            token = self._token(refresh=attempt == 2)
            url = f"{self._base}/cgi-bin/message/custom/send?" + urllib.parse.urlencode({"access_token": token})
            _, answer = http_request(
                "POST",
                url,
                body=raw,
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=self._timeout,
                what="WeChat",
            )
            body = _json(answer)
            code = int(body.get("errcode") or 0)
            if code == 0:
                return str(body["msgid"]) if body.get("msgid") else None
            if code in self._TOKEN_INVALID and attempt == 1:
                continue
            raise SendError(f"WeChat errcode {code}: {body.get('errmsg', '')}", retryable=code in self._RETRY)
        raise SendError("WeChat refused a fresh access token", retryable=True)  # pragma: no cover

    def _token(self, refresh: bool = False) -> str:
        key = (self._base, self._config.app_id)
        with self._lock:
            cached = self._tokens.get(key)
            if cached and not refresh and cached[1] > time.monotonic():
                return cached[0]
            query = urllib.parse.urlencode(
                {
                    "grant_type": "client_credential",
                    "appid": self._config.app_id,
                    "secret": self._config.app_secret.get_secret_value() if self._config.app_secret else "",
                }
            )
            _, answer = http_request("GET", f"{self._base}/cgi-bin/token?{query}", timeout=self._timeout, what="WeChat")
            body = _json(answer)
            token = body.get("access_token")
            if not token:
                code = int(body.get("errcode") or 0)
                raise SendError(
                    f"WeChat access token refused: errcode {code}: {body.get('errmsg', '')}",
                    retryable=code in self._RETRY,
                )
            lifetime = float(body.get("expires_in") or 7200)
            self._tokens[key] = (str(token), time.monotonic() + max(60.0, lifetime - 300.0))
            return str(token)


class MetaSender:
    """Send API: Messenger/Instagram `POST /me/messages?access_token=<page token>`, WhatsApp
    `POST /<phone-number-id>/messages` with `Authorization: Bearer <token>`; one request per
    chunk of the platform's text limit."""

    _RETRY_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80007, 130429, 131000, 131016, 131056})

    def __init__(self, config: MetaConfig, api_base: str = META_API_BASE, timeout: float = DEFAULT_TIMEOUT) -> None:
        if config.page_access_token is None:
            raise ValueError("sending on Meta channels needs meta.page_access_token")
        self._token = config.page_access_token.get_secret_value()
        self._base, self._timeout = api_base.rstrip("/"), timeout

    def send(self, delivery: Delivery, message: Message) -> str | None:
        headers = {"Content-Type": "application/json"}
        if delivery.channel is Channel.WHATSAPP:
            number_id = delivery.context.get("phone_number_id")
            if not number_id:
                raise SendError("WhatsApp: the customer's message did not say which business number", retryable=False)
            url = f"{self._base}/{urllib.parse.quote(number_id, safe='')}/messages"
            headers["Authorization"] = f"Bearer {self._token}"
        else:
            url = f"{self._base}/me/messages?" + urllib.parse.urlencode({"access_token": self._token})
        last: str | None = None
        for payload in build_meta_replies(delivery.channel, delivery.to, message.body):
            try:
                _, answer = http_request(
                    "POST", url, body=_json_body(payload), headers=headers, timeout=self._timeout, what="Meta"
                )
            except HttpSendError as err:
                if not err.retryable and _meta_code(err.body) in self._RETRY_CODES:
                    raise SendError(err.reason, retryable=True) from None
                raise
            body = _json(answer)
            messages = body.get("messages")
            if isinstance(messages, list) and messages and isinstance(messages[0], dict):
                last = str(messages[0].get("id") or "") or last
            else:
                last = str(body.get("message_id") or "") or last
        return last


def _meta_code(body: bytes) -> int | None:
    """The Graph API error code of an error answer (`{"error": {"code": 613, ...}}`)."""
    error = _json(body).get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, int) else None


class TwilioSender:
    """Twilio Messages API: form POST with HTTP basic auth (Account SID : Auth Token)."""

    def __init__(self, config: TwilioConfig, api_base: str = TWILIO_API_BASE, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not config.account_sid or not config.from_number:
            raise ValueError("sending SMS with Twilio needs twilio.account_sid and twilio.from_number")
        self._config, self._sid = config, config.account_sid
        self._base, self._timeout = api_base.rstrip("/"), timeout

    def send(self, delivery: Delivery, message: Message) -> str | None:
        form = build_twilio_sms(delivery.to, message.body, self._config)
        url = f"{self._base}/2010-04-01/Accounts/{urllib.parse.quote(self._sid, safe='')}/Messages.json"
        auth = base64.b64encode(f"{self._sid}:{self._config.auth_token.get_secret_value()}".encode()).decode()
        _, answer = http_request(
            "POST",
            url,
            body=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {auth}"},
            timeout=self._timeout,
            what="Twilio",
        )
        return str(_json(answer).get("sid") or "") or None


class AwsSmsSender:
    """AWS End User Messaging SMS (pinpoint-sms-voice-v2 SendTextMessage)."""

    _RETRY = frozenset({"ThrottlingException", "InternalServerException", "ServiceUnavailableException"})

    def __init__(self, client: Any, origination_identity: str) -> None:
        self._client, self._origination = client, origination_identity

    def send(self, delivery: Delivery, message: Message) -> str | None:
        try:
            answer = self._client.send_text_message(**build_aws_sms(delivery.to, message.body, self._origination))
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            raise SendError(f"SendTextMessage: {code}: {err}", retryable=code in self._RETRY) from None
        except BotoCoreError as err:
            raise SendError(f"SendTextMessage: {err}", retryable=True) from None
        return str(answer.get("MessageId") or "") or None


class SmsSender:
    """SMS through the provider the customer wrote to when it is configured, else the other."""

    def __init__(self, twilio: TwilioSender | None, aws: AwsSmsSender | None) -> None:
        if twilio is None and aws is None:
            raise ValueError("no SMS provider")
        self._twilio, self._aws = twilio, aws

    def send(self, delivery: Delivery, message: Message) -> str | None:
        if delivery.context.get("provider") == "aws" and self._aws is not None:
            return self._aws.send(delivery, message)
        sender = self._twilio or self._aws
        assert sender is not None
        return sender.send(delivery, message)


class MarketplaceSender:
    """The connector's callback: the reply JSON signed with X-Desk-Timestamp / X-Desk-Signature."""

    def __init__(self, callback_url: str, config: MarketplaceConfig, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._url, self._config, self._timeout = callback_url, config, timeout

    def send(self, delivery: Delivery, message: Message) -> str | None:
        marketplace = delivery.context.get("marketplace") or delivery.to.partition(":")[0]
        buyer = delivery.context.get("buyer_id") or delivery.to.partition(":")[2]
        payload = build_marketplace_reply(
            marketplace,
            buyer,
            message.body,
            message_id=message.message_id,
            sent_at=message.at,
            in_reply_to=delivery.in_reply_to,
            order_number=delivery.context.get("order_number"),
        )
        raw = _json_body(payload)
        headers = {"Content-Type": "application/json; charset=utf-8", **sign_marketplace(raw, self._config, utc_now())}
        http_request("POST", self._url, body=raw, headers=headers, timeout=self._timeout, what="marketplace connector")
        return message.message_id


class EmailSender:
    """SES SendRawEmail of `build_reply_email` (threaded; Message-ID from the desk's message id)."""

    _RETRY = frozenset({"Throttling", "ThrottlingException", "ServiceUnavailable", "InternalFailure"})

    def __init__(self, client: Any, mail_from: str) -> None:
        self._client, self._from = client, mail_from

    def send(self, delivery: Delivery, message: Message) -> str | None:
        domain = self._from.rpartition("@")[2].strip(" >") or "localhost"
        mime = build_reply_email(
            to=delivery.to,
            from_addr=self._from,
            subject=delivery.subject,
            body_text=message.body,
            inquiry_id=message.inquiry_id,
            in_reply_to=delivery.in_reply_to,
            references=delivery.references,
            now=utc_now(),
            message_id=f"<{message.message_id}@{domain}>",
        )
        try:
            answer = self._client.send_raw_email(RawMessage={"Data": mime.as_bytes()}, Destinations=[delivery.to])
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            raise SendError(f"SES SendRawEmail: {code}: {err}", retryable=code in self._RETRY) from None
        except BotoCoreError as err:
            raise SendError(f"SES SendRawEmail: {err}", retryable=True) from None
        return str(answer.get("MessageId") or "") or None


# --- composition ---------------------------------------------------------------------------
def build_senders(channels: ChannelsConfig, outbox: OutboxSettings, client: Callable[[str], Any]) -> dict[Channel, Any]:
    """A sender for every channel the configuration allows (see the module docstring)."""
    timeout = outbox.send_timeout_seconds
    senders: dict[Channel, Any] = {}
    if chat_url := outbox.chat_callback_url:
        senders[Channel.CHAT] = ChatSender(chat_url, channels.chat, timeout)
    if channels.wechat is not None and channels.wechat.app_secret is not None:
        senders[Channel.WECHAT] = WeChatSender(channels.wechat, outbox.wechat_api_base or WECHAT_API_BASE, timeout)
    if channels.meta is not None and channels.meta.page_access_token is not None:
        meta = MetaSender(channels.meta, outbox.meta_api_base or META_API_BASE, timeout)
        for channel in (Channel.MESSENGER, Channel.INSTAGRAM, Channel.WHATSAPP):
            senders[channel] = meta
    twilio = None
    if channels.twilio is not None and channels.twilio.account_sid and channels.twilio.from_number:
        twilio = TwilioSender(channels.twilio, outbox.twilio_api_base or TWILIO_API_BASE, timeout)
    aws = (
        AwsSmsSender(client("pinpoint-sms-voice-v2"), origination) if (origination := outbox.sms_origination) else None
    )
    if twilio is not None or aws is not None:
        senders[Channel.SMS] = SmsSender(twilio, aws)
    if channels.marketplace is not None:
        url = channels.marketplace.callback_url or outbox.marketplace_callback_url
        if url:
            senders[Channel.MARKETPLACE] = MarketplaceSender(url, channels.marketplace, timeout)
    if mail_from := outbox.mail_from:
        senders[Channel.EMAIL] = EmailSender(client("ses"), mail_from)
    return senders


# --- the supervisors' daily report (reports.daily) ---------------------------------------------
class SesReportMailer:
    """reports.daily.ReportMailer on SES: one SendRawEmail, multipart/alternative (text, HTML)."""

    def __init__(self, client: Any, mail_from: str) -> None:
        self._client, self._from = client, mail_from

    def send(self, to: Sequence[str], subject: str, text: str, html: str) -> str | None:
        from email.message import EmailMessage
        from email.utils import format_datetime, make_msgid

        domain = self._from.rpartition("@")[2].strip(" >") or "localhost"
        mail = EmailMessage()
        mail["From"] = self._from
        mail["To"] = ", ".join(to)
        mail["Subject"] = subject
        mail["Date"] = format_datetime(utc_now())
        mail["Message-ID"] = make_msgid("daily-report", domain=domain)
        mail.set_content(text)
        mail.add_alternative(html, subtype="html")
        answer = self._client.send_raw_email(
            Source=self._from, Destinations=list(to), RawMessage={"Data": mail.as_bytes()}
        )
        return str(answer.get("MessageId") or "") or None
