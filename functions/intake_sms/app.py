"""Two-way SMS through AWS End User Messaging: inbound texts arrive as SNS notifications."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.channels.twilio import parse_aws_sms
from inquiry_desk.model import utc_now
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=SNSEvent)  # the message itself is validated by the codec (parse_aws_sms)
def lambda_handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    composition.bind_context(context)
    ids = []
    for record in event.records:
        result = composition.receive(parse_aws_sms(record.sns.message, utc_now()))
        metrics.add_metric(
            name="DuplicateIgnored" if result.duplicate else "InquiryOpened" if result.created else "MessageRecorded",
            unit="Count",
            value=1,
        )
        ids.append(result.inquiry_id)
    return {"inquiry_ids": ids}
