"""Closing the loop (R5.2-R5.4, R6.3). Two triggers, one domain service:

- API Gateway `GET /survey/{token}` (the page) and `POST /survey/{token}` (the answer): no sign-in,
  the signed, expiring link is the credential; HTML for a phone, customer text escaped;
- a closing-loop timer (EventBridge Scheduler, planned by sla_timer like the deadlines):
  `{"loop": {"inquiry_id", "kind": "survey_send" | "survey_remind" | "confirm_timeout", "episode"}}`.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseContentSchema
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.http import make_resolver, raw_body
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import SurveySettings, load
from inquiry_desk.surveys.page import CSP

app = make_resolver()
MAX_FORM_BYTES = 16 * 1024
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never leak it to another site
    "X-Content-Type-Options": "nosniff",
}


def _html(page: Any) -> Response[str]:
    metrics.add_metric(name=f"Survey_{page.outcome}", unit="Count", value=1)
    return Response(status_code=page.status, content_type="text/html; charset=utf-8", body=page.html, headers=HEADERS)


_ERROR_JSON: OpenAPIResponseContentSchema = {"schema": {"$ref": "#/components/schemas/Error"}}


def _pages(**statuses: str) -> dict[int, OpenAPIResponse]:
    """The survey routes answer with HTML pages (the customer's browser shows them); a refusal may
    also come from the gateway or the router before the handler (a path that matches nothing, a
    malformed request) in the API's JSON error shape."""
    return {
        int(code[1:]): {
            "description": why,
            "content": {"text/html": {}} if code == "s200" else {"text/html": {}, "application/json": _ERROR_JSON},
        }
        for code, why in statuses.items()
    }


_REFUSED_PAGES = _pages(
    s400="a tampered or unreadable link, or a form without a score: a page saying so",
    s404="a link to no survey: a page saying so",
    s410="an expired link, or the inquiry moved on: a page saying so",
)


@app.get(
    "/survey/<token>",
    tags=["survey"],
    summary="The survey page (signed link)",
    responses={**_pages(s200="the survey form, or the thanks page once answered"), **_REFUSED_PAGES},
)
def show(token: Annotated[str, Path(max_length=512)]) -> Response[str]:
    return _html(composition.closing_loop_service().show(token, app.current_event.get_query_string_value("lang")))


@app.post(
    "/survey/<token>",
    tags=["survey"],
    summary="Answer the survey once (form post)",
    responses={
        **_pages(s200="thanks (a second submit: 'already answered', nothing recorded)"),
        **_REFUSED_PAGES,
        **_pages(s413="a form over the size limit: a page saying so"),
    },
)
def submit(token: Annotated[str, Path(max_length=512)]) -> Response[str]:
    raw = raw_body(app.current_event.raw_event, MAX_FORM_BYTES)
    form = dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
    page = composition.closing_loop_service().submit(token, form, app.current_event.get_query_string_value("lang"))
    logger.info("survey answered", extra={"outcome": page.outcome})
    return _html(page)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(SurveySettings)  # cold start: a missing variable fails here, named
    if "loop" in event:
        t = event["loop"]
        result: dict[str, Any] = composition.closing_loop_service().fire(
            str(t["inquiry_id"]), str(t["kind"]), int(t["episode"])
        )
        logger.info("closing-loop timer fired", extra=result)
        metrics.add_metric(name=f"Loop_{result['done']}", unit="Count", value=1)
        return result
    return app.resolve(event, context)
