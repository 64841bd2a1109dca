"""The outbox dispatcher (R5.1): sends each pending reply on the customer's own channel.

Triggers:
- the table's stream (filtered to INSERTed outbound messages with delivery_status "pending"):
  one `Dispatcher.dispatch` per record (powertools Batch, partial failures: a retryable send
  error fails only its record, which the stream retries, then the dead-letter queue);
- a direct invoke `{"dispatch": {"inquiry_id": "...", "message_id": "..."}}` (an operator's
  redrive; idempotent: a message that is not pending is not sent again).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import DispatcherSettings, load
from pydantic import BaseModel, Field

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


class DispatchTarget(BaseModel):
    inquiry_id: str = Field(min_length=1, max_length=64)
    message_id: str = Field(min_length=1, max_length=64)


class DispatchEvent(BaseModel):
    """An operator's redrive: `{"dispatch": {"inquiry_id": ..., "message_id": ...}}`."""

    dispatch: DispatchTarget


def _dispatch(inquiry_id: str, message_id: str) -> dict[str, Any]:
    result = composition.dispatcher().dispatch(inquiry_id, message_id)
    logger.info("dispatch", extra={"inquiry_id": inquiry_id, "message_id": message_id, "outcome": result.outcome})
    metrics.add_metric(name=f"Reply_{result.outcome}", unit="Count", value=1)
    return {"outcome": result.outcome, "reason": result.reason, **result.details}


def _record(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    if change is None or str(getattr(record.event_name, "name", record.event_name)) != "INSERT":
        return
    image = change.new_image or {}
    sk = str((change.keys or {}).get("SK", ""))
    if not sk.startswith("MSG#") or image.get("direction") != "outbound" or image.get("delivery_status") != "pending":
        return  # the event source filter lets only these through; checked again for emulators
    _dispatch(str(image["inquiry_id"]), str(image["message_id"]))


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(DispatcherSettings)  # cold start: a missing variable fails here, named
    if "Records" in event:
        return dict(process_partial_response(event=event, record_handler=_record, processor=processor, context=context))
    if "dispatch" in event:
        target = DispatchEvent.model_validate(event).dispatch
        return _dispatch(target.inquiry_id, target.message_id)
    raise ValueError(f"dispatcher does not know this event: {sorted(event)}")
