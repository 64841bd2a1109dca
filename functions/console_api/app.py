"""The agents' API behind the Cognito authorizer: inquiries, timelines, queues, actions."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.access.rules import Need, TeamScope, check_team, supervises_all, visible_teams
from inquiry_desk.errors import NotFound, PayloadError
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.intake.recorded import recorded_message
from inquiry_desk.model import utc_now
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.http import current_principal, install_access_guard, json_response, make_resolver, requires
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import ConsoleSettings, CorsSettings, load, parse
from inquiry_desk.triage.rules import peak_order
from pydantic import BaseModel, Field

# CONSOLE_ORIGIN: the hosted console (https://<its CloudFront domain>); the only origin CORS allows
app = make_resolver(cors_origin=parse(CorsSettings, os.environ).console_origin)
install_access_guard(app)  # every route: who is calling, and the route's need (R8.2)


class _Action(BaseModel):
    """One console action on an inquiry; each action has its own request model (R2.8, R5, R7)."""


class AcknowledgeRequest(_Action):
    action: Literal["acknowledge"]


class StartRequest(_Action):
    action: Literal["start"]


class AssignRequest(_Action):
    action: Literal["assign"]
    owner: str | None = Field(default=None, max_length=128, description="the agent (default: the caller)")
    team: str | None = Field(default=None, max_length=64, description="move it to this team's queue too")


class ReplyRequest(_Action):
    action: Literal["reply"]
    text: str | None = Field(default=None, max_length=20_000, description="the answer (or use a template)")
    template: str | None = Field(default=None, max_length=100, description="reply from this template (R7.3)")
    values: dict[str, str] | None = Field(default=None, description="the template's placeholders")
    content_ref: str | None = Field(
        default=None, max_length=200, description="the template/article version used, e.g. template:returns@3"
    )


class WaitOnCustomerRequest(_Action):
    action: Literal["wait_on_customer"]
    reason: str | None = Field(default=None, max_length=2_000, description="what we wait for")


class CustomerRepliedRequest(_Action):
    action: Literal["customer_replied"]
    text: str | None = Field(default=None, max_length=20_000)


class ResolveRequest(_Action):
    action: Literal["resolve"]
    result: str | None = Field(default=None, max_length=5_000, description="the outcome told to the customer")
    cause: str | None = Field(default=None, max_length=5_000, description="why it happened (R2.8)")
    solution: str | None = Field(default=None, max_length=5_000, description="what was done (R2.8)")
    customer_todos: list[Annotated[str, Field(max_length=500)]] | None = Field(
        default=None, max_length=20, description="what the customer still has to do (send documents...)"
    )
    promise_working_days: int | None = Field(
        default=None, ge=0, le=60, description="completion promised in N working days (team calendar)"
    )


class CloseRequest(_Action):
    action: Literal["close"]
    result: str | None = Field(default=None, max_length=5_000)
    satisfaction: int | None = Field(default=None, ge=1, le=5)


class ReopenRequest(_Action):
    action: Literal["reopen"]
    reason: str | None = Field(default=None, max_length=2_000)
    owner: str | None = Field(default=None, max_length=128)


class ReclassifyRequest(_Action):
    action: Literal["reclassify"]
    category: str | None = Field(default=None, max_length=64)
    urgency: Literal["normal", "urgent"] | None = None
    team: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=2_000)


class NoteRequest(_Action):
    action: Literal["note"]
    text: str | None = Field(default=None, max_length=20_000)


ActionRequest = Annotated[
    AcknowledgeRequest
    | StartRequest
    | AssignRequest
    | ReplyRequest
    | WaitOnCustomerRequest
    | CustomerRepliedRequest
    | ResolveRequest
    | CloseRequest
    | ReopenRequest
    | ReclassifyRequest
    | NoteRequest,
    Field(discriminator="action"),
]


class RecordedInquiry(BaseModel):
    """A phone call or an in-store visit, typed in by the agent who took it (R1.1, R8.4)."""

    channel: Literal["phone", "in_store"]
    description: str = Field(min_length=1, max_length=20_000)
    contact: str | None = Field(default=None, max_length=320, description="caller's number or e-mail")
    customer_name: str | None = Field(default=None, max_length=200)
    order_number: str | None = Field(default=None, max_length=128)
    member_id: str | None = Field(default=None, max_length=128)
    voice_summary: str | None = Field(default=None, max_length=20_000, description="summary of the recording")
    link_to: str | None = Field(
        default=None,
        max_length=64,
        description="the inquiry this call or visit belongs to; without it, it opens an inquiry of its own",
    )
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="the agent tool's own id for this record: sending it again records nothing new",
    )


class UnlinkRequest(BaseModel):
    identity: str = Field(min_length=3, max_length=600, description="kind#value, e.g. phone#+8613800138000")
    reason: str = Field(min_length=3, max_length=2_000)


def _teams() -> frozenset[str] | None:
    """The teams whose data the caller sees (None: every team, admins): reports, reviews, monitor."""
    return visible_teams(current_principal(app))


def _dimension(dimension: str) -> str:
    """A drill-down's dimension: another team's is refused, not answered empty (R8.2)."""
    kind, _, value = dimension.partition("#")
    if kind == "team":
        check_team(current_principal(app), value, "this dimension")
    return dimension


MONITOR_SCAN = 1000  # open inquiries read per team for the live picture of a non-admin (a page, not a target)


def _actor() -> str:
    return current_principal(app).user


def _dump(obj: Any) -> Any:
    return obj.model_dump(mode="json")


@app.get("/api/inquiries", tags=["inquiries"], summary="Recent inquiries, newest first")
@requires(Need.SIGNED_IN, teams=TeamScope.FILTERED)
def list_inquiries(
    days: Annotated[int, Query(ge=1, le=92)] = 7, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> Any:
    principal = current_principal(app)
    found = composition.repository().recent(utc_now() - timedelta(days=days), limit)
    return json_response(200, {"inquiries": [_dump(i) for i in found if principal.sees(i.team)]})


@app.get("/api/inquiries/<inquiry_id>", tags=["inquiries"], summary="An inquiry with its timeline")
@requires(Need.INQUIRY, teams=TeamScope.PATH)
def get_inquiry(inquiry_id: Annotated[str, Path(max_length=64)]) -> Any:
    timeline = composition.repository().timeline(inquiry_id)
    if timeline is None:
        raise NotFound(f"no inquiry {inquiry_id}")
    return json_response(
        200,
        {
            "inquiry": _dump(timeline.inquiry),
            "events": [_dump(e) for e in timeline.events],
            "messages": [_dump(m) for m in timeline.messages],
        },
    )


@app.post("/api/inquiries/<inquiry_id>/actions", tags=["inquiries"], summary="Act on an inquiry")
@requires(Need.INQUIRY_ACTION, teams=TeamScope.PATH)
def act(inquiry_id: Annotated[str, Path(max_length=64)], request: Annotated[ActionRequest, Body()]) -> Any:
    data = request.model_dump(exclude={"action"}, exclude_none=True)
    inquiry = composition.inquiry_service().act(inquiry_id, Action(request.action), _actor(), utc_now(), **data)
    return json_response(200, {"inquiry": _dump(inquiry)})


@app.post(
    "/api/inquiries",
    tags=["inquiries"],
    summary="Record a phone call or in-store visit",
    responses={
        201: {"description": "Recorded: a new inquiry, or the message joined an open one"},
        200: {"description": "Already recorded (the same reference): nothing new"},
    },
)
@requires(Need.SIGNED_IN, teams=TeamScope.BODY)
def record_inquiry(request: Annotated[RecordedInquiry, Body()]) -> Any:
    if request.link_to:  # joining an inquiry: it must be one of the caller's teams' (R8.2)
        linked = composition.repository().get(request.link_to)
        if linked is not None:
            check_team(current_principal(app), linked.team, "the inquiry to link to")
    message = recorded_message(request.model_dump(), _actor(), utc_now(), composition.default_country_code())
    result = composition.receive(message)
    return json_response(201 if result.created else 200, {"inquiry_id": result.inquiry_id})


@app.post(
    "/api/customers/<customer_id>/unlink",
    tags=["customers"],
    summary="Undo an automatic link: the identity becomes a customer of its own again (supervisors)",
)
@requires(Need.SUPERVISE_CUSTOMER, teams=TeamScope.PATH)
def unlink_identity(customer_id: Annotated[str, Path(max_length=64)], request: Annotated[UnlinkRequest, Body()]) -> Any:
    done = composition.customer_service().unlink(customer_id, request.identity, _actor(), utc_now(), request.reason)
    return json_response(200, done.__dict__)


@app.get("/api/queues/<team>", tags=["queues"], summary="A team's open inquiries, next deadline first")
@requires(Need.TEAM, teams=TeamScope.PATH)
def team_queue(team: Annotated[str, Path(max_length=64)], limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    queues = composition.policy().queues
    waiting = composition.repository().team_queue(team, limit)
    ordered = peak_order(
        waiting, queues.peak_waiting, queues.first_at_peak, lambda i: i.category, lambda i: i.urgency.value == "urgent"
    )
    return json_response(
        200, {"team": team, "peak": len(waiting) > queues.peak_waiting, "inquiries": [_dump(i) for i in ordered]}
    )


@app.get("/api/customers/<customer_id>/inquiries", tags=["customers"], summary="A customer's history")
@requires(Need.CUSTOMER, teams=TeamScope.PATH)
def customer_history(customer_id: Annotated[str, Path(max_length=64)]) -> Any:
    repo, principal = composition.repository(), current_principal(app)
    customer = repo.get_customer(customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return json_response(
        200,
        {
            "customer": _dump(customer),
            "inquiries": [_dump(i) for i in repo.customer_inquiries(customer_id) if principal.sees(i.team)],
        },
    )


class EraseRequest(BaseModel):
    reason: str = Field(min_length=3, max_length=2_000, description="the customer's request, e.g. its ticket")


@app.post(
    "/api/customers/<customer_id>/erase",
    tags=["customers"],
    summary="Erase a customer's personal data on request (admins); timelines keep a tombstone",
)
@requires(Need.ADMIN, teams=TeamScope.EVERY_TEAM)
def erase_customer(customer_id: Annotated[str, Path(max_length=64)], request: Annotated[EraseRequest, Body()]) -> Any:
    done = composition.eraser().erase(customer_id, _actor(), utc_now(), request.reason)
    logger.info("customer erased", extra={"customer_id": customer_id, "inquiries": len(done.inquiries)})
    return json_response(200, done.__dict__)


class CorrectionRequest(BaseModel):
    """Mark content wrong (R6.2): a template/article version (`content_ref`) or one sent message."""

    corrected_text: str = Field(min_length=1, max_length=5_000)
    cause: Literal["knowledge_gap", "training", "system_fault"]
    content_ref: str | None = Field(default=None, max_length=200, description="e.g. template:returns@3")
    inquiry_id: str | None = Field(default=None, max_length=64)
    message_id: str | None = Field(default=None, max_length=64)
    public: bool = Field(default=False, description="public content (auto-reply, FAQ, article): fix within 1 h")
    source_inquiry_id: str | None = Field(default=None, max_length=64, description="a survey report behind it")


class ReviewOutcome(BaseModel):
    outcome: Literal["pass", "fail"]
    notes: str | None = Field(default=None, max_length=5_000)


@app.post("/api/corrections", tags=["corrections"], summary="Mark content wrong: correct every customer who got it")
@requires(Need.SUPERVISE, teams=TeamScope.BODY)
def mark_wrong(request: Annotated[CorrectionRequest, Body()]) -> Any:
    from inquiry_desk.corrections.model import Cause

    service = composition.correction_service()
    # a correction reaches every customer who got the content: rights on every team it reached (R8.2)
    reached = service.teams_reached(request.content_ref, request.inquiry_id)
    supervises_all(current_principal(app), reached, "this content")
    correction = service.mark_wrong(
        _actor(),
        request.corrected_text,
        Cause(request.cause),
        content_ref=request.content_ref,
        inquiry_id=request.inquiry_id,
        message_id=request.message_id,
        public=request.public,
        source_inquiry_id=request.source_inquiry_id,
        teams=reached,
    )
    return json_response(202, {"correction": _dump(correction)})


@app.get("/api/corrections", tags=["corrections"], summary="Who was corrected and when; causes over time")
@requires(Need.SUPERVISE, teams=TeamScope.FILTERED)
def corrections_report() -> Any:
    return json_response(200, composition.correction_service().report(visible_teams(current_principal(app))))


@app.post("/api/corrections/<correction_id>/fixed", tags=["corrections"], summary="The public content is fixed")
@requires(Need.SUPERVISE_CORRECTION, teams=TeamScope.PATH)
def content_fixed(correction_id: Annotated[str, Path(max_length=64)]) -> Any:
    return json_response(
        200, {"correction": _dump(composition.correction_service().content_fixed(correction_id, _actor()))}
    )


@app.get("/api/reviews/<day>", tags=["quality"], summary="The review queue of one day's sample (R6.1)")
@requires(Need.SUPERVISE, teams=TeamScope.FILTERED)
def review_queue(day: Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$")]) -> Any:
    return json_response(200, {"reviews": [_dump(r) for r in composition.quality_service().queue(day, _teams())]})


@app.post("/api/reviews/<day>/<agent>/<inquiry_id>", tags=["quality"], summary="Record a review's outcome")
@requires(Need.SUPERVISE_INQUIRY, teams=TeamScope.PATH)
def review_outcome(
    day: Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$")],
    agent: Annotated[str, Path(max_length=128)],
    inquiry_id: Annotated[str, Path(max_length=64)],
    request: Annotated[ReviewOutcome, Body()],
) -> Any:
    review = composition.quality_service().record_outcome(
        day, agent, inquiry_id, request.outcome, request.notes, _actor()
    )
    return json_response(200, {"review": _dump(review)})


def _day(value: str | None) -> Any:
    from datetime import date

    if not value:
        return utc_now().astimezone(composition.report_policy().zone).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"date must be YYYY-MM-DD, not {value!r}") from None


ReportPeriod = Literal["daily", "weekly", "monthly", "quarterly"]


@app.get("/api/reports/<period>", tags=["reports"], summary="A report (JSON, or CSV with format=csv)")
@requires(Need.SUPERVISE, teams=TeamScope.FILTERED)
def get_report(
    period: Annotated[ReportPeriod, Path()],
    date: Annotated[str | None, Query(max_length=10, description="a day of the period, YYYY-MM-DD")] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    from aws_lambda_powertools.event_handler import Response
    from inquiry_desk.reports.building import build_report
    from inquiry_desk.reports.render import csv_text

    policy = composition.report_policy()
    report = build_report(composition.counter_store(), policy, period, _day(date), _teams())
    if format == "csv":
        return Response(status_code=200, content_type="text/csv; charset=utf-8", body=csv_text(report, policy))
    return json_response(200, report.to_json(policy))


@app.get("/api/reports/<period>/inquiries", tags=["reports"], summary="The inquiries behind one figure")
@requires(Need.SUPERVISE, teams=TeamScope.FILTERED)
def report_drill_down(
    period: Annotated[ReportPeriod, Path()],
    metric: Annotated[str, Query(max_length=64, description="a metric id of the catalogue")],
    date: Annotated[str | None, Query(max_length=10)] = None,
    dimension: Annotated[str, Query(max_length=200, description="all, channel#chat, agent#alice ...")] = "all",
) -> Any:
    from inquiry_desk.reports.building import drill_down

    try:
        ids = drill_down(
            composition.counter_store(),
            composition.report_policy(),
            period,
            _day(date),
            metric,
            _dimension(dimension),
            _teams(),
        )
    except KeyError as err:
        raise NotFound(str(err.args[0])) from None
    return json_response(200, {"metric": metric, "dimension": dimension, "inquiry_ids": ids})


@app.get("/api/reports/<period>/unresolved", tags=["reports"], summary="Unresolved inquiries and why (R9.1)")
@requires(Need.SUPERVISE, teams=TeamScope.FILTERED)
def report_unresolved(
    period: Annotated[ReportPeriod, Path()],
    date: Annotated[str | None, Query(max_length=10)] = None,
    dimension: Annotated[str, Query(max_length=200)] = "all",
) -> Any:
    from inquiry_desk.reports.building import unresolved, unresolved_reasons

    ids = unresolved(
        composition.counter_store(), composition.report_policy(), period, _day(date), _dimension(dimension), _teams()
    )
    return json_response(200, {"unresolved": unresolved_reasons(ids, composition.unresolved_status)})


@app.get("/api/monitor", tags=["reports"], summary="Live: per channel waiting, oldest wait, average response")
@requires(Need.SIGNED_IN, teams=TeamScope.FILTERED)
def live_monitor() -> Any:
    from dataclasses import asdict

    from inquiry_desk.reports.monitor import live, live_for_teams

    teams = _teams()
    if teams is None:
        picture = live(composition.counter_store(), composition.report_policy(), utc_now())
    else:  # the caller's teams' open inquiries (R8.2)
        repo = composition.repository()
        picture = live_for_teams((i for t in sorted(teams) for i in repo.team_queue(t, MONITOR_SCAN)), utc_now())
    return json_response(200, {"channels": [asdict(c) for c in picture]})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(ConsoleSettings)  # cold start: a missing variable fails here, named
    return app.resolve(event, context)
