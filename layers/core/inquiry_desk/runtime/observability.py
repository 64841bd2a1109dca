"""One place for logging and metrics, shared by every handler.

X-Ray tracing is switched on per function in the CDK (active tracing), not with the powertools
Tracer: creating a Tracer loads the X-Ray SDK (about 0.4-0.5 s measured here), which would more
than double the cold start of every webhook. Lambda's own segments still trace each invocation.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics(namespace="InquiryDesk")
