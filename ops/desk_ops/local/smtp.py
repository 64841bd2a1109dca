"""The local SMTP listener: mail sent to 127.0.0.1:DESK_SMTP_PORT takes the SES path.

Like an SES receipt rule: the raw MIME is stored in the mail bucket under inbound/<mail id>, then
intake_email is invoked with the SES event that names it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Any

from aiosmtpd.controller import Controller
from inquiry_desk.model import utc_now

from infra.names import MAIL_PREFIX


def ses_event(mail_id: str, raw: bytes, mail_from: str, recipients: list[str], function_arn: str) -> dict[str, Any]:
    msg = message_from_bytes(raw, policy=default_policy)
    now = utc_now().astimezone(UTC).isoformat().replace("+00:00", "Z")  # the local clock: SES receipt time
    verdict = {"status": "PASS"}

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
                        "spfVerdict": verdict,
                        "dkimVerdict": verdict,
                        "dmarcVerdict": verdict,
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
    def __init__(self, port: int, s3: Any, bucket: str, invoke: Callable[[dict[str, Any]], Any], fn_arn: str) -> None:
        def deliver(raw: bytes, mail_from: str, recipients: list[str]) -> None:
            mail_id = uuid.uuid4().hex
            s3.put_object(Bucket=bucket, Key=f"{MAIL_PREFIX}{mail_id}", Body=raw)
            invoke(ses_event(mail_id, raw, mail_from, recipients, fn_arn))

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
