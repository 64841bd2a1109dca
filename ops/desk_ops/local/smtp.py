"""The local SMTP listener: mail sent to 127.0.0.1:DESK_SMTP_PORT takes the SES path.

Like an SES receipt rule: the raw MIME is stored in the mail bucket under inbound/<mail id>, then
intake_email is invoked with the SES event that names it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Any

from aiosmtpd.controller import Controller
from inquiry_desk.model import utc_now

from infra.names import MAIL_PREFIX

VERIFIED_DOMAINS_ENV = "DESK_SMTP_VERIFIED_DOMAINS"


def verdicts(raw: bytes, verified_domains: frozenset[str]) -> dict[str, str]:
    """What SES would decide about a mail that reached it from this machine. Nothing here can look
    up DNS: no sending domain authorises 127.0.0.1 (SPF fails), an unverifiable or absent
    signature is no DKIM pass, so DMARC fails: the From address is not a verified identity. A
    domain listed in DESK_SMTP_VERIFIED_DOMAINS stands in for one whose mail is signed and aligned."""
    msg = message_from_bytes(raw, policy=default_policy)
    domain = next((a for _, a in getaddresses([str(v) for v in msg.get_all("From", [])]) if a), "")
    domain = domain.rpartition("@")[2].lower()
    if domain and domain in verified_domains:
        return {"spf": "pass", "dkim": "pass", "dmarc": "pass", "domain": domain}
    return {"spf": "fail", "dkim": "none", "dmarc": "fail", "domain": domain}


def with_receipt_headers(raw: bytes, verdict: dict[str, str]) -> bytes:
    """SES prepends its Authentication-Results and spam/virus verdicts to the stored mail."""
    results = (
        f"Authentication-Results: amazonses.com; spf={verdict['spf']} smtp.mailfrom={verdict['domain']}; "
        f"dkim={verdict['dkim']} header.i=@{verdict['domain']}; "
        f"dmarc={verdict['dmarc']} header.from={verdict['domain']};"
    )
    return f"{results}\r\nX-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n".encode() + raw


def mail_id_for(raw: bytes) -> str:
    """The same Message-ID mailed twice is stored once (the mail's own id decides the key)."""
    msg = message_from_bytes(raw, policy=default_policy)
    message_id = str(msg.get("Message-ID", "")).strip()
    return hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()[:32]


def ses_event(
    mail_id: str,
    raw: bytes,
    mail_from: str,
    recipients: list[str],
    function_arn: str,
    checks: dict[str, str] | None = None,
) -> dict[str, Any]:
    msg = message_from_bytes(raw, policy=default_policy)
    now = utc_now().astimezone(UTC).isoformat().replace("+00:00", "Z")  # the local clock: SES receipt time
    verdict = {"status": "PASS"}
    checks = checks or {"spf": "pass", "dkim": "pass", "dmarc": "pass"}
    ses_status = {"pass": "PASS", "fail": "FAIL", "none": "GRAY"}

    def addresses(name: str) -> list[str]:
        return [a for _, a in getaddresses([str(v) for v in msg.get_all(name, [])]) if a]

    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": now,
                        "source": mail_from,
                        "messageId": mail_id,
                        "destination": recipients,
                        "headersTruncated": False,
                        "headers": [{"name": k, "value": str(v)} for k, v in msg.items()],
                        "commonHeaders": {
                            "from": addresses("From") or [mail_from],
                            "to": addresses("To") or recipients,
                            "returnPath": mail_from,
                            "messageId": str(msg.get("Message-ID", mail_id)),
                            "date": str(msg.get("Date", now)),
                            "subject": str(msg.get("Subject", "")),
                        },
                    },
                    "receipt": {
                        "timestamp": now,
                        "processingTimeMillis": 1,
                        "recipients": recipients,
                        "spamVerdict": verdict,
                        "virusVerdict": verdict,
                        "spfVerdict": {"status": ses_status[checks["spf"]]},
                        "dkimVerdict": {"status": ses_status[checks["dkim"]]},
                        "dmarcVerdict": {"status": ses_status[checks["dmarc"]]},
                        "action": {"type": "Lambda", "functionArn": function_arn, "invocationType": "Event"},
                    },
                },
            }
        ]
    }


class _Handler:
    def __init__(self, deliver: Callable[[bytes, str, list[str]], None]) -> None:
        self._deliver = deliver

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        try:
            self._deliver(raw, envelope.mail_from, list(envelope.rcpt_tos))
        except Exception as err:  # SMTP's answer for "try again later"; the sender keeps the mail
            return f"451 Requested action aborted: {err}"
        return "250 Message accepted for delivery"


class SmtpListener:
    def __init__(
        self,
        port: int,
        s3: Any,
        bucket: str,
        invoke: Callable[[dict[str, Any]], Any],
        fn_arn: str,
        durable: Callable[[], None] = lambda: None,
    ) -> None:
        trusted = frozenset(d.strip().lower() for d in os.environ.get(VERIFIED_DOMAINS_ENV, "").split(",") if d.strip())

        def deliver(raw: bytes, mail_from: str, recipients: list[str]) -> None:
            checks = verdicts(raw, trusted)
            stored = with_receipt_headers(raw, checks)
            mail_id = mail_id_for(raw)
            s3.put_object(Bucket=bucket, Key=f"{MAIL_PREFIX}{mail_id}", Body=stored)
            invoke(ses_event(mail_id, stored, mail_from, recipients, fn_arn, checks))
            durable()  # the 250 promises the sender that the mail is kept

        self._controller = Controller(
            _Handler(deliver), hostname="127.0.0.1", port=port, data_size_limit=40 * 1024 * 1024
        )

    def start(self) -> None:
        self._controller.start()

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def stop(self) -> None:
        self._controller.stop()
