"""Two-way SMS through AWS End User Messaging: inbound texts arrive as SNS notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.channels.twilio import parse_aws_sms
from inquiry_desk.model import utc_now
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import IntakeSettings, load


def _arrival(timestamp: str | None) -> datetime:
    """When SNS received the text (its publish time): every deadline starts here."""
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")) if timestamp else utc_now()
    except ValueError:
        return utc_now()


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=SNSEvent)  # the message itself is validated by the codec (parse_aws_sms)
def lambda_handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    load(IntakeSettings)  # cold start: a missing variable fails here, named
    composition.bind_context(context)
    ids = []
    for record in event.records:
        result = composition.receive(parse_aws_sms(record.sns.message, _arrival(record.sns.timestamp)))
        metrics.add_metric(
            name="DuplicateIgnored" if result.duplicate else "InquiryOpened" if result.created else "MessageRecorded",
            unit="Count",
            value=1,
        )
        ids.append(result.inquiry_id)
    return {"inquiry_ids": ids}
