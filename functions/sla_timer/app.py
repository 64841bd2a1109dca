"""Deadline enforcement. Four triggers, one domain service:

- the table's stream (an inquiry changed): re-plan its schedules (powertools Batch, partial failures);
- a Scheduler timer fired: `{"timer": {...}}` -> warn, tell the customer of progress, or breach;
- the escalation state machine: `{"escalation": {...}}` -> one ladder step, returns the next state;
- the reconciler rule: `{"reconcile": true}` -> fire every overdue deadline whose timer was lost.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import SlaTimerSettings, load

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def _plan(record: DynamoDBRecord) -> None:
    keys = record.dynamodb.keys if record.dynamodb else {}
    pk, sk = str(keys.get("PK", "")), str(keys.get("SK", ""))
    if not (pk.startswith("INQ#") and sk == "META"):
        return  # only the inquiry record carries what deadlines depend on
    changes = _enforcer.plan(pk.removeprefix("INQ#"))
    metrics.add_metric(name="SchedulesChanged", unit="Count", value=sum(changes.values()))


_enforcer: Any = None


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _enforcer
    load(SlaTimerSettings)  # cold start: a missing variable fails here, named
    if _enforcer is None:
        _enforcer = composition.enforcer(context.invoked_function_arn)
    if "Records" in event:
        return dict(process_partial_response(event=event, record_handler=_plan, processor=processor, context=context))
    if "timer" in event:
        t = event["timer"]
        result: dict[str, Any] = _enforcer.fire(t["inquiry_id"], t["kind"], int(t["episode"]), t["phase"])
        logger.info("timer fired", extra={"timer": t, **result})
        metrics.add_metric(name=f"Timer_{result['verdict']}", unit="Count", value=1)
        return result
    if "escalation" in event:
        state: dict[str, Any] = _enforcer.escalate(event["escalation"])
        logger.info("escalation step", extra=state)
        return state
    if event.get("reconcile") or event.get("detail-type") == "Scheduled Event":
        return dict(_enforcer.reconcile(composition.teams()))
    raise ValueError(f"sla_timer does not know this event: {sorted(event)}")
