"""Email codec: raw MIME as SES stores it. Mails are built here with the stdlib, in the
charsets Chinese and cross-border customers actually use (GB2312/GBK, Big5, ISO-8859-1)."""

from __future__ import annotations

import base64
import quopri
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from inquiry_desk.channels import email as mail
from inquiry_desk.channels.identity import strong_identities
from inquiry_desk.channels.limits import MAX_EMAIL_BYTES
from inquiry_desk.errors import PayloadError, PayloadTooLarge
from inquiry_desk.model import Channel, Identity

SES_RECEIVED = (
    "from mail.example.cn (mail.example.cn [203.0.113.5]) by inbound-smtp.us-east-1.amazonaws.com"
    " with SMTP id 5h3k2j for kf@shop.example; Wed, 01 May 2024 02:00:05 +0000 (UTC)"
)


def raw_mail(headers: list[tuple[str, str | bytes]], body: bytes) -> bytes:
    lines = [name.encode() + b": " + (v if isinstance(v, bytes) else v.encode()) for name, v in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def encoded_word(text: str, charset: str, codec: str | None = None) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec or charset)).decode()}?="


def gb2312_mail() -> bytes:
    body = "您好，我的订单还没有收到，请帮忙查一下。——陶喆\r\n".encode("gbk")  # 喆 is GBK, not GB2312
    return raw_mail(
        [
            ("Received", SES_RECEIVED),
            ("From", f"{Header('李雷', 'gb2312').encode()} <LiLei@Example.CN>"),
            ("To", "kf@shop.example"),
            ("Subject", encoded_word("关于订单的问题——陶喆 [INQ-Q01HZX9K]", "gb2312", "gbk")),
            ("Message-ID", "<20240501100000.1234@example.cn>"),
            ("Date", "Wed, 01 May 2024 09:59:58 +0800"),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'text/plain; charset="gb2312"'),
            ("Content-Transfer-Encoding", "base64"),
        ],
        base64.encodebytes(body),
    )


def test_gb2312_mail_with_gbk_characters(now: datetime) -> None:
    parsed = mail.parse_email(gb2312_mail(), now=now)
    msg = parsed.message
    assert msg.channel is Channel.EMAIL
    assert msg.channel_message_id == "<20240501100000.1234@example.cn>"
    assert msg.sender == Identity(kind="email", value="lilei@example.cn")
    assert (msg.name, msg.contact) == ("李雷", "lilei@example.cn")
    assert msg.subject == "关于订单的问题——陶喆 [INQ-Q01HZX9K]"
    assert msg.text == "您好，我的订单还没有收到，请帮忙查一下。——陶喆"
    assert msg.metadata["thread_token"] == "INQ-Q01HZX9K"
    assert msg.metadata["to"] == "kf@shop.example"
    assert msg.sent_at is not None and msg.sent_at.year == 2024  # the Date header: shown only
    assert parsed.automated is None and parsed.attachments == []


def test_big5_mail() -> None:
    body = "請問我的訂單何時出貨？謝謝。".encode("big5")
    raw = raw_mail(
        [
            ("From", f"{encoded_word('陳小姐', 'big5')} <chen@example.com.tw>"),
            ("Subject", encoded_word("訂單查詢", "big5")),
            ("Message-ID", "<big5-1@example.com.tw>"),
            ("Content-Type", "text/plain; charset=big5"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ],
        quopri.encodestring(body),
    )
    msg = mail.parse_email(raw).message
    assert (msg.name, msg.subject, msg.text) == ("陳小姐", "訂單查詢", "請問我的訂單何時出貨？謝謝。")


def test_iso_8859_1_mail() -> None:
    body = "Où est ma commande ? Ça fait deux semaines.".encode("latin-1")
    raw = raw_mail(
        [
            ("From", "=?iso-8859-1?Q?Ren=E9e_Dupr=E9?= <renee@example.fr>"),
            ("Subject", "=?ISO-8859-1?Q?O=F9_est_ma_commande_=3F?="),
            ("Message-ID", "<fr-1@example.fr>"),
            ("Content-Type", "text/plain; charset=ISO-8859-1"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ],
        quopri.encodestring(body),
    )
    msg = mail.parse_email(raw).message
    assert (msg.name, msg.subject) == ("Renée Dupré", "Où est ma commande ?")
    assert msg.text == "Où est ma commande ? Ça fait deux semaines."


def test_raw_8bit_gbk_headers_and_undeclared_charset_are_decoded() -> None:
    raw = raw_mail(
        [("From", "kehu@example.cn"), ("Subject", "退货申请".encode("gbk")), ("Content-Type", "text/plain")],
        "我要退货".encode("gbk"),
    )
    msg = mail.parse_email(raw).message
    assert (msg.subject, msg.text) == ("退货申请", "我要退货")


def test_html_only_mail_becomes_clean_text() -> None:
    html = (
        "<html><head><title>t</title><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>Hello &amp; welcome,</p><div>my order <b>#A1234</b> is late.<br>Please check.</div>"
        "<ul><li>item one</li><li>item&nbsp;two</li></ul><table><tr><td>Qty</td><td>2</td></tr></table>"
        "<p>&lt;Thanks&gt; &#36;5 &eacute;</p></body></html>"
    )
    message = EmailMessage()
    message["From"] = "buyer@example.com"
    message["Subject"] = "Late order"
    message.set_content(html, subtype="html")
    text = mail.parse_email(message.as_bytes()).message.text
    assert text == (
        "Hello & welcome,\n\nmy order #A1234 is late.\nPlease check.\n\n- item one\n- item two\n\n"
        "Qty 2\n\n<Thanks> $5 é"
    )
    assert "alert" not in text and "color" not in text


def test_an_empty_plain_part_falls_back_to_the_html_alternative() -> None:
    message = EmailMessage()
    message["From"] = "buyer@example.com"
    message.set_content(" \n")
    message.add_alternative("<p>Real content</p>", subtype="html")
    assert mail.parse_email(message.as_bytes()).message.text == "Real content"


def test_attachments_are_returned_with_their_bytes() -> None:
    message = EmailMessage()
    message["From"] = "buyer@example.com"
    message["Message-ID"] = "<att-1@example.com>"
    message.set_content("发票和照片见附件。")
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="发票 2024.pdf")
    message.add_attachment(b"\x89PNG fake", maintype="image", subtype="png", filename="../../etc/破损.png")
    message.add_attachment(b"no name", maintype="application", subtype="octet-stream")
    forwarded = EmailMessage()
    forwarded["From"] = "courier@example.com"
    forwarded["Subject"] = "Delivery failed"
    forwarded.set_content("We could not deliver.")
    message.add_attachment(forwarded)
    parsed = mail.parse_email(message.as_bytes())
    assert parsed.message.text == "发票和照片见附件。"
    names = [(a.filename, a.content_type) for a in parsed.attachments]
    assert names == [
        ("发票 2024.pdf", "application/pdf"),
        ("破损.png", "image/png"),
        ("attachment-3.bin", "application/octet-stream"),
        ("attachment-4.eml", "message/rfc822"),
    ]
    assert parsed.attachments[0].content == b"%PDF-1.4 fake"
    assert b"We could not deliver." in parsed.attachments[3].content


def test_thread_keys_and_quoted_reply_are_handled() -> None:
    raw = raw_mail(
        [
            ("From", "LiLei <lilei@example.cn>"),
            ("Subject", "Re: Your order [INQ-Q01HZX9K]"),
            ("Message-ID", "<reply-2@example.cn>"),
            ("In-Reply-To", "<desk-1@shop.example>"),
            ("References", "<orig-1@example.cn>\r\n <desk-1@shop.example>"),
            ("Content-Type", "text/plain; charset=utf-8"),
        ],
        b"Thanks, it arrived today!\r\n\r\nOn Wed, 1 May 2024 at 10:00, Shop Service\r\n"
        b"<kf@shop.example> wrote:\r\n> Your parcel is on its way.\r\n> Tracking: SF123\r\n",
    )
    msg = mail.parse_email(raw).message
    assert msg.text == "Thanks, it arrived today!"
    assert msg.thread_keys == ("<desk-1@shop.example>", "<orig-1@example.cn>")
    assert msg.metadata["thread_token"] == "INQ-Q01HZX9K"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("好的，谢谢！\n\n在 2024年5月1日 10:00，客服 <kf@shop.example> 写道：\n> 已发货", "好的，谢谢！"),
        ("Got it.\n\n-----Original Message-----\nFrom: kf@shop.example\nSent: Wed\n\nold", "Got it."),
        ("收到\n\n------------------ 原始邮件 ------------------\n发件人: 客服\n发送时间: 2024", "收到"),
        ("OK\n\nFrom: Shop <kf@shop.example>\nSent: Wednesday, May 1, 2024 10:00 AM\nTo: me\n\nold", "OK"),
        ("OK\n\n发件人: 客服 <kf@shop.example>\n时间: 2024年5月1日\n收件人: 我", "OK"),
        ("Fine\n\nOn Wed, May 1, 2024 at 10:00 AM Shop <kf@shop.example> wrote:\n> old", "Fine"),
        ("Top\n> quoted tail\n> more\n", "Top"),
        ("Answer inline:\n> question?\nyes\n", "Answer inline:\n> question?\nyes"),
        ("On second thought I want to return it.", "On second thought I want to return it."),
        ("> only quoted text", "> only quoted text"),
    ],
)
def test_strip_quoted(body: str, expected: str) -> None:
    assert mail.strip_quoted(body) == expected


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([("Auto-Submitted", "auto-replied")], "auto-submitted: auto-replied"),
        ([("Auto-Submitted", "auto-generated; owner-email=x@y")], "auto-submitted: auto-generated"),
        ([("X-Autoreply", "yes")], "x-autoreply: yes"),
        ([("X-Autorespond", "Out of office")], "x-autorespond: out of office"),
        ([("Precedence", "bulk")], "precedence: bulk"),
        ([("Precedence", "auto_reply")], "precedence: auto_reply"),
        ([("From", "MAILER-DAEMON@amazonses.com")], "bounce: from mailer-daemon"),
        ([("From", "Mail Delivery <postmaster@example.cn>")], "bounce: from postmaster"),
    ],
)
def test_auto_replies_and_bounces_are_detected(headers: list[tuple[str, str]], reason: str) -> None:
    names = {name for name, _ in headers}
    base = [] if "From" in names else [("From", "buyer@example.com")]
    raw = raw_mail(base + headers + [("Content-Type", "text/plain")], b"I am away.")
    parsed = mail.parse_email(raw)
    assert parsed.automated == reason
    assert parsed.message.metadata["automated"] == reason


@pytest.mark.parametrize("headers", [[("Auto-Submitted", "no")], [("Precedence", "list")], []])
def test_a_persons_mail_is_not_automated(headers: list[tuple[str, str]]) -> None:
    raw = raw_mail([("From", "buyer@example.com"), *headers], b"Hello")
    assert mail.parse_email(raw).automated is None


def test_a_delivery_status_report_is_a_bounce() -> None:
    raw = raw_mail(
        [
            ("From", "Mail Delivery System <bounces@example.net>"),
            ("Subject", "Undelivered Mail Returned to Sender"),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'multipart/report; report-type=delivery-status; boundary="B"'),
        ],
        b"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
        b"Final-Recipient: rfc822; nobody@example.cn\r\nAction: failed\r\nStatus: 5.1.1\r\n--B--\r\n",
    )
    parsed = mail.parse_email(raw)
    assert parsed.automated == "bounce: multipart/report (delivery-status)"
    assert parsed.attachments == []


def test_message_id_is_the_dedupe_key_else_a_hash_of_the_bytes() -> None:
    raw = raw_mail([("From", "buyer@example.com")], b"no message id")
    first, again = mail.parse_email(raw).message, mail.parse_email(raw).message
    assert first.channel_message_id.startswith("sha256:")
    assert first.channel_message_id == again.channel_message_id
    other = mail.parse_email(raw + b"!").message
    assert other.channel_message_id != first.channel_message_id


def test_received_is_our_arrival_and_the_date_header_is_only_sent_at(now: datetime) -> None:
    dated = raw_mail([("From", "b@example.com"), ("Date", "Tue, 30 Apr 2024 08:00:00 -0000")], b"x")
    parsed = mail.parse_email(dated, now=now).message
    assert parsed.received_at == now
    assert parsed.sent_at == datetime(2024, 4, 30, 8, tzinfo=UTC)
    future = raw_mail(
        [("Received", "by mx; Fri, 01 May 2099 00:00:00 +0000"), ("Date", "Sat, 01 Jan 2033 00:00:00 +0000"),
         ("From", "b@example.com")],
        b"x",
    )  # fmt: skip
    parsed = mail.parse_email(future, now=now).message
    assert parsed.received_at == now and parsed.sent_at == datetime(2033, 1, 1, tzinfo=UTC)


def test_authentication_results_feed_strong_identities() -> None:
    passing = raw_mail(
        [
            ("Authentication-Results", "amazonses.com; spf=pass (spfCheck: ok) smtp.mailfrom=b@example.com;"
             " dkim=pass header.i=@example.com; dmarc=pass header.from=example.com;"),
            ("X-SES-Spam-Verdict", "PASS"),
            ("From", "B@Example.com"),
        ],
        b"x",
    )  # fmt: skip
    msg = mail.parse_email(passing).message
    assert (msg.metadata["spf"], msg.metadata["dkim"], msg.metadata["dmarc"]) == ("pass", "pass", "pass")
    assert msg.metadata["spam_verdict"] == "pass"
    assert strong_identities(msg) == [Identity(kind="email", value="b@example.com")]
    spoofed = passing.replace(b"dmarc=pass", b"dmarc=fail")
    assert strong_identities(mail.parse_email(spoofed).message) == []


@pytest.mark.parametrize("sender", [None, "not an address", "Undisclosed recipients:;"])
def test_a_mail_without_a_usable_from_is_refused(sender: str | None) -> None:
    headers = [("From", sender)] if sender else []
    with pytest.raises(PayloadError, match="From"):
        mail.parse_email(raw_mail([*headers, ("Subject", "hi")], b"x"))


def test_an_oversized_mail_is_refused() -> None:
    with pytest.raises(PayloadTooLarge):
        mail.parse_email(b"x" * (MAX_EMAIL_BYTES + 1))


def test_a_very_long_body_is_truncated_not_refused() -> None:
    raw = raw_mail([("From", "b@example.com")], b"a" * 150_000)
    msg = mail.parse_email(raw).message
    assert len(msg.text) == 100_000 and msg.metadata["truncated"] == "true"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("关于订单的问题", "Re: 关于订单的问题 [INQ-Q01NEW]"),
        ("回复: RE: Re:关于订单 [INQ-Q01OLD]", "Re: 关于订单 [INQ-Q01NEW]"),
        ("AW: Bestellung", "Re: Bestellung [INQ-Q01NEW]"),
        (None, "Re: [INQ-Q01NEW]"),
    ],
)
def test_reply_subject(subject: str | None, expected: str) -> None:
    assert mail.reply_subject(subject, "Q01NEW") == expected


def test_build_reply_email_threads_and_round_trips(now: datetime) -> None:
    reply = mail.build_reply_email(
        to="李雷 <lilei@example.cn>",
        from_addr="Shop Service <kf@shop.example>",
        subject="关于订单的问题 [INQ-Q01HZX9K]",
        body_text="您好，您的订单已发货，快递单号 SF123。",
        inquiry_id="Q01HZX9K",
        in_reply_to="<20240501100000.1234@example.cn>",
        references=["<orig-0@example.cn>"],
        now=now,
        message_id="<desk-2@shop.example>",
        body_html="<p>您好，您的订单已发货。</p>",
        auto_submitted=True,
    )
    assert reply["Subject"] == "Re: 关于订单的问题 [INQ-Q01HZX9K]"
    assert reply["In-Reply-To"] == "<20240501100000.1234@example.cn>"
    assert reply["References"] == "<orig-0@example.cn> <20240501100000.1234@example.cn>"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["Date"] == "Wed, 01 May 2024 02:00:00 +0000"
    wire = reply.as_bytes()
    back = BytesParser(policy=policy.default).parsebytes(wire)
    assert back["Subject"] == "Re: 关于订单的问题 [INQ-Q01HZX9K]"
    plain = back.get_body(preferencelist=("plain",))
    assert plain is not None and plain.get_content().strip() == "您好，您的订单已发货，快递单号 SF123。"
    # the customer's answer to it threads back to the same inquiry
    answer = mail.parse_email(
        raw_mail(
            [
                ("From", "lilei@example.cn"),
                ("Subject", back["Subject"].encode("utf-8")),
                ("In-Reply-To", "<desk-2@shop.example>"),
            ],
            "谢谢".encode(),
        )
    ).message
    assert answer.metadata["thread_token"] == "INQ-Q01HZX9K"
    assert answer.thread_keys == ("<desk-2@shop.example>",)


def test_build_reply_email_generates_a_message_id_at_our_domain() -> None:
    reply = mail.build_reply_email(
        to="a@example.cn", from_addr="kf@shop.example", subject="x\r\nBcc: evil@example.com", body_text="y",
        inquiry_id="Q1",
    )  # fmt: skip
    assert reply["Message-ID"].endswith("@shop.example>")
    assert reply["Subject"] == "Re: x Bcc: evil@example.com [INQ-Q1]"
    assert reply["Bcc"] is None and reply["Auto-Submitted"] is None
