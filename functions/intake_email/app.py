"""SES inbound mail -> one intake. SES has already stored the raw MIME in S3 (receipt rule S3
action); this reads it, decodes it with the email codec, keeps attachments in S3 and records the
message once. Auto-replies and bounces never open inquiries."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import SesModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.channels.email import parse_email
from inquiry_desk.model import Attachment
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import MailIntakeSettings, load


@logger.inject_lambda_context
@metrics.log_metrics
@event_parser(model=SesModel)
def lambda_handler(event: SesModel, context: LambdaContext) -> dict[str, Any]:
    composition.bind_context(context)
    load(MailIntakeSettings)  # cold start: a missing variable fails here, named
    store = composition.mail_store()
    results = []
    for record in event.Records:
        mail_id = record.ses.mail.messageId
        parsed = parse_email(store.raw(mail_id), record.ses.mail.timestamp)  # SES received it then
        if parsed.automated:
            logger.info("automated mail not opened as an inquiry", extra={"mail": mail_id, "why": parsed.automated})
            metrics.add_metric(name="AutomatedMailIgnored", unit="Count", value=1)
            results.append({"mail": mail_id, "ignored": parsed.automated})
            continue
        attachments = tuple(
            Attachment(
                name=a.filename,
                content_type=a.content_type,
                size=len(a.content),
                url=store.keep_attachment(mail_id, i, a.filename, a.content),
            )
            for i, a in enumerate(parsed.attachments)
        )
        # the SES mail id names the raw MIME and attachments in the bucket (erasure finds them by it)
        metadata = {**parsed.message.metadata, "mail_id": mail_id}
        result = composition.receive(
            parsed.message.model_copy(update={"attachments": attachments, "metadata": metadata})
        )
        metrics.add_metric(
            name="DuplicateIgnored" if result.duplicate else "InquiryOpened" if result.created else "MessageRecorded",
            unit="Count",
            value=1,
        )
        results.append({"mail": mail_id, "inquiry_id": result.inquiry_id})
    return {"disposition": "CONTINUE", "results": results}
