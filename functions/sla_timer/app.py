"""Deadline enforcement: one function, five triggers, each a typed contract (deadlines.contracts):

- the table's stream (an inquiry changed): arm its one timer at its next due instant;
- the timer queue (SQS message timers, second precision): warn, tell the customer, or breach;
- a Scheduler timer (instants more than 15 minutes away): hands over to the queue near the instant;
- the escalation state machine: one ladder step, returns the next state;
- the reconciler rule: act on every overdue deadline whose timer was lost;
- a cross-department request's named timer: its breach, notices and ladder (R4.3, departments/).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.deadlines.contracts import (
    DepartmentDue,
    EscalationStep,
    QueueBatch,
    Reconcile,
    ScheduledEvent,
    StreamBatch,
    TimerFired,
    TimerSpec,
    sla_timer_event,
)
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import SlaTimerSettings, load

stream = BatchProcessor(event_type=EventType.DynamoDBStreams)
queue = BatchProcessor(event_type=EventType.SQS)


def _plan(record: DynamoDBRecord) -> None:
    keys = record.dynamodb.keys if record.dynamodb else {}
    pk, sk = str(keys.get("PK", "")), str(keys.get("SK", ""))
    if not (pk.startswith("INQ#") and sk == "META"):
        return  # only the inquiry record carries what deadlines depend on
    raw = record.raw_event.get("dynamodb", {}).get("OldImage")
    previous = composition.inquiry_from_image(raw) if raw else None
    changes = _enforcer.plan(pk.removeprefix("INQ#"), previous)
    metrics.add_metric(name="TimerRequests", unit="Count", value=changes["requests"])


def _fire(timer: TimerSpec) -> dict[str, Any]:
    result: dict[str, Any] = _enforcer.fire(timer)
    logger.info("timer fired", extra={"timer": timer.model_dump(mode="json"), **result})
    metrics.add_metric(name=f"Timer_{result['verdict']}", unit="Count", value=1)
    return result


def _fire_queued(record: SQSRecord) -> None:
    _fire(TimerFired.model_validate_json(record.body).timer)


_enforcer: Any = None


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _enforcer
    load(SlaTimerSettings)  # cold start: a missing variable fails here, named
    if _enforcer is None:
        _enforcer = composition.enforcer(context.invoked_function_arn)
    parsed = sla_timer_event.validate_python(event)  # a malformed event fails here, named
    if isinstance(parsed, StreamBatch):
        return dict(process_partial_response(event=event, record_handler=_plan, processor=stream, context=context))
    if isinstance(parsed, QueueBatch):
        fired = process_partial_response(event=event, record_handler=_fire_queued, processor=queue, context=context)
        return dict(fired)
    if isinstance(parsed, TimerFired):
        return _fire(parsed.timer)
    if isinstance(parsed, EscalationStep):  # a deadline's ladder, or a department request's (R4.3)
        stepper = composition.department_escalations() if parsed.escalation.request_id else _enforcer
        state = stepper.escalate(parsed.escalation)
        logger.info("escalation step", extra=state.model_dump(mode="json"))
        return dict(state.model_dump(mode="json"))
    if isinstance(parsed, DepartmentDue):  # a cross-department request's due time (R4.3)
        from inquiry_desk.model import utc_now

        due = parsed.department
        outcome = composition.department_escalations().overdue(due.inquiry_id, due.request_id, utc_now())
        logger.info("department request due", extra={"request_id": due.request_id, "outcome": outcome})
        return {"verdict": outcome}
    assert isinstance(parsed, (Reconcile, ScheduledEvent))
    return dict(_enforcer.reconcile(composition.teams()))
