"""One place for logging and metrics, shared by every handler.

X-Ray tracing is switched on per function in the CDK (active tracing), not with the powertools
Tracer: creating a Tracer loads the X-Ray SDK (about 0.4-0.5 s measured here), which would more
than double the cold start of every webhook. Lambda's own segments still trace each invocation.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics(namespace="InquiryDesk")

# Personal data (R8.2): never logged as is. Log ids; where a payload must be logged, log
# masked(payload): these fields, at any depth, become "*****" (powertools data masking).
PERSONAL_FIELDS = (
    "name",
    "nickname",
    "customer_name",
    "contact",
    "phone",
    "email",
    "address",
    "text",
    "body",
    "description",
    "subject",
    "voice_summary",
    "order_number",
    "member_id",
    "sender",
    "from",
    "to",
    "value",
    "identity",
    "reason",
    "tracking_number",
)


def masked(payload: Any) -> Any:
    """`payload` with every personal field erased (a copy; safe to log)."""
    import warnings

    from aws_lambda_powertools.utilities.data_masking import DataMasking

    with warnings.catch_warnings():  # a field absent from this payload is not news
        warnings.simplefilter("ignore")
        return DataMasking(raise_on_missing_field=False).erase(payload, fields=[f"$..{f}" for f in PERSONAL_FIELDS])
