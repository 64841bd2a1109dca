"""Email: raw MIME (SES stores it in S3; the local SMTP server hands over the same bytes).

`parse_email` reads the bytes with the stdlib `email` package (policy.default) and returns a
`ParsedEmail`: the InboundMessage, the attachments as (filename, content_type, bytes) for the
caller to store, and, for auto-replies and bounces, the reason (`is_automated`).

What it copes with: UTF-8, GB2312/GBK (decoded as their superset GB18030), Big5 (as Big5-HKSCS),
ISO-8859-1, RFC 2047 encoded-word headers (`=?gb2312?B?...?=`) and raw 8-bit header bytes;
HTML-only bodies (turned into text: script/style dropped, block elements on their own lines,
entities unescaped); quoted replies ("On ... wrote:", "在 ... 写道:", "-----Original
Message-----", Outlook/Foxmail header blocks, trailing "> " lines) are cut off.

Threading: `thread_keys` holds the Message-IDs of In-Reply-To and References; a subject token
`[INQ-<inquiry id>]` goes to `metadata["thread_token"]` (e.g. "INQ-Q01J...").
Dedupe key: Message-ID, or `sha256:<hex of the raw bytes>` when there is none.

Outbound: `build_reply_email` ("Re: <subject> [INQ-<id>]", In-Reply-To and References set).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from typing import NamedTuple

from inquiry_desk.channels import identity
from inquiry_desk.channels._common import build_message, clip, sent_time
from inquiry_desk.channels.identity import normalize_email
from inquiry_desk.channels.limits import MAX_EMAIL_BYTES, ensure_within_limit
from inquiry_desk.errors import PayloadError
from inquiry_desk.model import Channel, Identity, InboundMessage

MAX_TEXT_CHARS = 100_000
MAX_THREAD_KEYS = 20
THREAD_TOKEN = re.compile(r"\[\s*(INQ-[A-Za-z0-9_-]{1,64})\s*\]", re.IGNORECASE)

_CHARSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "iso-8859-1": "cp1252",  # mail labelled Latin-1 is very often Windows-1252 (as browsers assume)
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
    "utf8": "utf-8",
}
_FALLBACKS = ("utf-8", "gb18030", "latin-1")


class EmailAttachment(NamedTuple):
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ParsedEmail:
    message: InboundMessage
    attachments: list[EmailAttachment] = field(default_factory=list)
    automated: str | None = None  # why this is an auto-reply or bounce; None for a person's mail


def read_email(raw: bytes) -> EmailMessage:
    """The raw bytes as an EmailMessage (policy.default), after the size check."""
    data = ensure_within_limit(raw, MAX_EMAIL_BYTES, "email")
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def parse_email(raw: bytes, now: datetime | None = None) -> ParsedEmail:
    """An inbound email as a ParsedEmail (sender identity kind `email`, lower-cased).

    `received_at` is `now`, the moment our front received the mail (SES's receipt timestamp; the
    current time when not given); the Date header is the sender's claim, kept as `sent_at` only.
    """
    data = ensure_within_limit(raw, MAX_EMAIL_BYTES, "email")
    msg = read_email(data)
    name, address = parseaddr(header_text(msg, "From"))
    try:
        sender = normalize_email(address)
    except ValueError:
        raise PayloadError("email without a usable From address") from None
    subject = " ".join(header_text(msg, "Subject").split()) or None
    meta: dict[str, str] = {}
    message_id = _first_message_id(header_text(msg, "Message-ID"))
    if message_id is None or len(message_id) > 512:
        message_id = "sha256:" + hashlib.sha256(data).hexdigest()
    if subject and (token := find_thread_token(subject)):
        meta["thread_token"] = token
    automated = is_automated(msg)
    if automated:
        meta["automated"] = automated
    meta.update(_auth_results(msg))
    recipients = getaddresses([header_text(msg, "To")])
    if recipients and recipients[0][1]:
        meta["to"] = recipients[0][1].lower()
    reply_to = parseaddr(header_text(msg, "Reply-To"))[1]
    if reply_to:
        meta["reply_to"] = reply_to.lower()
    body, attachments = _body_and_attachments(msg)
    text = strip_quoted(body)
    if len(text) > MAX_TEXT_CHARS:
        text, meta["truncated"] = text[:MAX_TEXT_CHARS], "true"
    message = build_message(
        channel=Channel.EMAIL,
        channel_message_id=message_id,
        sender=Identity(kind=identity.EMAIL, value=sender),
        text=text,
        received_at=now,
        sent_at=sent_time(_date_header(msg)),
        name=clip(name, 200),
        contact=sender,
        subject=clip(subject, 998),
        thread_keys=thread_keys(msg),
        metadata=meta,
    )
    return ParsedEmail(message=message, attachments=attachments, automated=automated)


def is_automated(msg: Message) -> str | None:
    """Why this message is an auto-reply or a bounce, or None (RFC 3834 and common practice).

    Checked: Content-Type multipart/report, From mailer-daemon/postmaster, Auto-Submitted other
    than "no", X-Autoreply, X-Autorespond, Precedence bulk/junk/auto_reply.
    """
    if msg.get_content_type() == "multipart/report":
        report = msg.get_param("report-type") or "report"
        return f"bounce: multipart/report ({report})"
    local = parseaddr(header_text(msg, "From"))[1].lower().partition("@")[0]
    if local in {"mailer-daemon", "postmaster"}:
        return f"bounce: from {local}"
    auto = header_text(msg, "Auto-Submitted").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"auto-submitted: {auto}"
    for name in ("X-Autoreply", "X-Autorespond"):
        value = header_text(msg, name).strip().lower()
        if msg.get(name) is not None and value != "no":
            return f"{name.lower()}: {value or 'yes'}"
    precedence = header_text(msg, "Precedence").strip().lower()
    if precedence in {"bulk", "junk", "auto_reply"}:
        return f"precedence: {precedence}"
    return None


def find_thread_token(subject: str) -> str | None:
    """The `INQ-<id>` token of a subject like "Re: 退货 [INQ-Q01J...]", upper-cased prefix."""
    match = THREAD_TOKEN.search(subject)
    if not match:
        return None
    return "INQ-" + match.group(1)[4:]


def thread_keys(msg: Message) -> tuple[str, ...]:
    """Message-IDs this mail answers: In-Reply-To first, then References newest first."""
    keys: list[str] = []
    ids = _MESSAGE_IDS.findall(header_text(msg, "In-Reply-To"))
    ids += reversed(_MESSAGE_IDS.findall(header_text(msg, "References")))
    for key in ids:
        if key not in keys and len(key) <= 512:
            keys.append(key)
    return tuple(keys[:MAX_THREAD_KEYS])


def header_text(msg: Message, name: str) -> str:
    """A header decoded robustly: RFC 2047 words in any charset (GB2312 as GB18030), raw 8-bit
    bytes (UTF-8, else GB18030), folding removed. Empty string when absent."""
    raw = next((value for key, value in msg.raw_items() if key.lower() == name.lower()), None)
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raw = str(raw)
    raw = re.sub(r"\r?\n(?=[ \t])", "", raw)
    if any("\udc80" <= ch <= "\udcff" for ch in raw):
        return decode_bytes(raw.encode("utf-8", "surrogateescape"), None)
    try:
        parts = decode_header(raw)
    except Exception:  # malformed encoded words: keep the raw text
        return raw.strip()
    return "".join(part if isinstance(part, str) else decode_bytes(part, charset) for part, charset in parts).strip()


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text: the declared charset (mapped to its superset), else UTF-8, GB18030, Latin-1."""
    candidates = []
    if charset:
        label = charset.strip().strip('"').lower()
        candidates.append(_CHARSETS.get(label, label))
    candidates += [c for c in _FALLBACKS if c not in candidates]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")  # pragma: no cover - latin-1 decodes every byte


def html_to_text(html: str) -> str:
    """Readable text from HTML: no script/style, one line per block element, entities unescaped."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = "".join(parser.out).split("\n")
    return _tidy("\n".join(line.strip() for line in lines))


_QUOTE_HEADERS = [
    re.compile(r"^\s*On\b.{0,400}\bwrote\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*在.{0,400}写道\s*[:：]\s*$"),
    re.compile(r"^\s*-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(原始邮件|原始郵件)\s*-{2,}\s*$"),
]
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|发件人|寄件者)\s*\*?\s*[:：]", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(r"^\s*\*?(Sent|Date|发送时间|寄件日期|时间|日期)\s*\*?\s*[:：]", re.IGNORECASE)


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything from the quoted-reply header on is dropped.

    Keeps the whole text when nothing would remain (a bare forward is still an inquiry).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        joined = line + " " + lines[index + 1].strip() if index + 1 < len(lines) else line
        if any(p.match(line) for p in _QUOTE_HEADERS) or (
            line.strip().lower().startswith("on ") and _QUOTE_HEADERS[0].match(joined)
        ):
            cut = index
            break
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_NEXT.match(n) for n in lines[index + 1 : index + 4]):
            cut = index
            break
    kept = lines[:cut]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = _tidy("\n".join(kept))
    return result or _tidy(text)


def reply_subject(subject: str | None, inquiry_id: str) -> str:
    """The reply subject: `Re: <subject without Re:/回复: prefixes or old tokens> [INQ-<id>]`."""
    core = THREAD_TOKEN.sub("", " ".join((subject or "").split()))
    previous = None
    while previous != core:
        previous = core
        core = re.sub(r"^\s*(re|aw|sv|回复|回覆|答复)\s*[:：]\s*", "", core, flags=re.IGNORECASE)
    core = " ".join(core.split())
    token = f"[INQ-{inquiry_id}]"
    return f"Re: {core} {token}" if core else f"Re: {token}"


def build_reply_email(
    *,
    to: str,
    from_addr: str,
    subject: str | None,
    body_text: str,
    inquiry_id: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    now: datetime | None = None,
    message_id: str | None = None,
    body_html: str | None = None,
    auto_submitted: bool = False,
) -> EmailMessage:
    """The reply MIME: subject "Re: ... [INQ-<id>]", In-Reply-To / References to the customer's mail.

    `message_id` defaults to a random id at the From domain. Set `auto_submitted` for
    machine-sent mail (acknowledgements, out-of-hours notices) so auto-responders stay quiet
    (RFC 3834 `Auto-Submitted: auto-replied`).
    """
    msg = EmailMessage()
    msg["From"] = from_addr
    msg["To"] = to
    msg["Subject"] = reply_subject(subject, inquiry_id)
    domain = parseaddr(from_addr)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = message_id or f"<{secrets.token_hex(16)}@{domain}>"
    if now is not None:
        msg["Date"] = format_datetime(now.astimezone(UTC))
    chain = [r for r in references if r]
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        if in_reply_to not in chain:
            chain.append(in_reply_to)
    if chain:
        msg["References"] = " ".join(chain[-MAX_THREAD_KEYS:])
    if auto_submitted:
        msg["Auto-Submitted"] = "auto-replied"
    # SES relays 7-bit MIME: non-ASCII text goes base64 encoded, never as raw 8-bit bytes
    msg.set_content(body_text, charset="utf-8", cte=None if body_text.isascii() else "base64")
    if body_html is not None:
        msg.add_alternative(body_html, subtype="html", charset="utf-8", cte=None if body_html.isascii() else "base64")
    return msg


_MESSAGE_IDS = re.compile(r"<[^<>\s]+>")


def _first_message_id(value: str) -> str | None:
    match = _MESSAGE_IDS.search(value)
    if match:
        return match.group(0)
    value = value.strip()
    return f"<{value}>" if value and " " not in value else None


def _auth_results(msg: Message) -> dict[str, str]:
    """spf/dkim/dmarc verdicts from the topmost Authentication-Results (our server adds it),
    plus SES's spam and virus verdict headers."""
    result: dict[str, str] = {}
    auth = header_text(msg, "Authentication-Results")
    for method, verdict in re.findall(r"\b(spf|dkim|dmarc)\s*=\s*([a-zA-Z]+)", auth):
        result.setdefault(method.lower(), verdict.lower())
    for name, key in (("X-SES-Spam-Verdict", "spam_verdict"), ("X-SES-Virus-Verdict", "virus_verdict")):
        value = header_text(msg, name).strip().lower()
        if value:
            result[key] = value
    return result


def _date_header(msg: Message) -> datetime | None:
    return _to_datetime(header_text(msg, "Date"))


def _to_datetime(value: str) -> datetime | None:
    value = re.sub(r"\([^)]*\)", "", value).strip()
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # "-0000": UTC, zone unknown
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


def _body_and_attachments(msg: EmailMessage) -> tuple[str, list[EmailAttachment]]:
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    body_parts = {id(p) for p in (plain, html) if p is not None}
    text = _text_of(plain).strip() if plain is not None else ""
    if not text and html is not None:
        text = html_to_text(_text_of(html))
    attachments: list[EmailAttachment] = []
    for part in _leaf_parts(msg):
        if id(part) in body_parts:
            continue
        attachment = _attachment(part, len(attachments) + 1)
        if attachment is not None:
            attachments.append(attachment)
    return text, attachments


def _leaf_parts(part: Message) -> list[Message]:
    """Non-multipart parts in order; an attached message (message/rfc822) is one part, not opened."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        return [part]
    payload = part.get_payload()
    children = payload if isinstance(payload, list) else []
    return [leaf for child in children if isinstance(child, Message) for leaf in _leaf_parts(child)]


def _attachment(part: Message, number: int) -> EmailAttachment | None:
    content_type = part.get_content_type()
    disposition = part.get_content_disposition()
    filename = part.get_filename()
    if content_type == "message/delivery-status":
        return None
    if content_type.startswith("text/") and disposition != "attachment" and not filename:
        return None  # an alternative body part, not a file
    if content_type == "message/rfc822":
        inner = part.get_payload(0) if isinstance(part.get_payload(), list) else None
        data = inner.as_bytes(policy=policy.default) if isinstance(inner, Message) else b""
    else:
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
    name = _safe_filename(str(filename)) if filename else ""
    if not name:
        name = f"attachment-{number}{mimetypes.guess_extension(content_type) or '.bin'}"
    return EmailAttachment(filename=name, content_type=content_type, content=data)


def _safe_filename(name: str) -> str:
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).replace("\\", "/").rpartition("/")[2].strip()
    return "" if name in {".", ".."} else name[:255]


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\xa0", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_SKIP = {"script", "style", "head", "title", "noscript", "template"}
_BLOCK = {
    "p", "div", "br", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer", "dl", "dt", "dd",
    "address", "form", "fieldset", "figure", "main", "nav", "aside",
}  # fmt: skip


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "pre":
            self._pre += 1
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in {"td", "th"}:
            self.out.append(" ")
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "hr"}:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
            self.out.append("\n")
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre:
            self.out.append(data)
            return
        collapsed = re.sub(r"\s+", " ", data)
        if collapsed.strip() or (self.out and not self.out[-1].endswith((" ", "\n"))):
            self.out.append(collapsed)
