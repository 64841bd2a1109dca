"""Report counters from the table's stream (R9): every new timeline event is counted once.

The stream is filtered to INSERTed timeline events (SK EVT#); each record adds its counters, its
drill-down entries and its live-queue change in one transaction guarded by a "counted" marker, so a
redelivered record, a retried batch or a redelivered webhook counts nothing (powertools Batch,
partial failures; what keeps failing goes to the dead-letter queue).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.model import InquiryEvent
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import MetricsSettings, load

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def _count(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    if change is None or str(getattr(record.event_name, "name", record.event_name)) != "INSERT":
        return
    keys = change.keys or {}
    if not (str(keys.get("PK", "")).startswith("INQ#") and str(keys.get("SK", "")).startswith("EVT#")):
        return  # the event source filter lets only timeline events through; checked again for emulators
    image = {k: v for k, v in (change.new_image or {}).items() if k not in ("PK", "SK", "kind")}
    event = InquiryEvent.model_validate(image)
    counted = composition.event_counter().count(event)
    metrics.add_metric(name="EventsCounted" if counted else "EventsSkipped", unit="Count", value=1)
    if counted and event.type == "received":
        metrics.add_metric(name="InquiriesOpened", unit="Count", value=1)
    if counted and event.type == "deadline_breached":
        metrics.add_metric(name="DeadlinesBreached", unit="Count", value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(MetricsSettings)  # cold start: a missing variable fails here, named
    composition.event_counter().forget()
    return dict(process_partial_response(event=event, record_handler=_count, processor=processor, context=context))
