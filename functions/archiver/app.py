"""Daily: closed inquiries older than the retention policy's age move to the archive bucket."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.model import utc_now
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import ArchiverSettings, load


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(ArchiverSettings)  # cold start: a missing variable fails here, named
    moved = composition.archiver().sweep(utc_now())
    metrics.add_metric(name="InquiriesArchived", unit="Count", value=len(moved))
    logger.info("archived", extra={"count": len(moved)})
    return {"archived": moved}
