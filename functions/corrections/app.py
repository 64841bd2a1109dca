"""Corrections and quality sampling (R6.1-R6.3). Triggers:

- the corrections state machine, one step per call: `{"step": "affected" | "correct_one" |
  "finish" | "check_fix", "correction_id": ..., "recipient": {...}}`;
- the daily EventBridge rule `{"sample": true}`: the supervisors' review sample of yesterday's answers.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.corrections.model import Recipient
from inquiry_desk.model import utc_now
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import CorrectionsSettings, load


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(CorrectionsSettings)  # cold start: a missing variable fails here, named
    if event.get("sample") or event.get("detail-type") == "Scheduled Event":
        counts = composition.quality_service().sample()
        metrics.add_metric(name="ReviewsSampled", unit="Count", value=sum(counts.values()))
        return {"sampled": counts}
    step, correction_id = str(event.get("step")), str(event.get("correction_id"))
    service = composition.correction_service()
    if step == "affected":
        recipients = service.affected(correction_id)
        correction = composition.loop_store().get_correction(correction_id)
        fix_in = 0
        if correction is not None and correction.fix_due_at is not None:
            fix_in = max(0, int((correction.fix_due_at - utc_now()).total_seconds()))
        metrics.add_metric(name="CorrectionRecipients", unit="Count", value=len(recipients))
        return {
            "correction_id": correction_id,
            "public": bool(correction and correction.public),
            "fix_in_seconds": fix_in,
            "recipients": [r.model_dump() for r in recipients],
        }
    if step == "correct_one":
        outcome = service.correct_one(correction_id, Recipient.model_validate(event["recipient"]))
        metrics.add_metric(name=f"Correction_{outcome}", unit="Count", value=1)
        return {"outcome": outcome}
    if step == "finish":
        finished: dict[str, Any] = service.finish(correction_id)
        return finished
    if step == "check_fix":
        return {"fix": service.check_fix(correction_id)}
    raise ValueError(f"corrections does not know this event: {sorted(event)}")
