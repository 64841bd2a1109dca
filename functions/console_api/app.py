"""The agents' API behind the Cognito authorizer: inquiries, timelines, queues, actions."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.access.rules import Need, TeamScope, check_team, supervises_all, visible_teams
from inquiry_desk.errors import NotFound, PayloadError
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.intake.recorded import recorded_message
from inquiry_desk.model import utc_now
from inquiry_desk.orders.model import OrderRecord
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
    suggestion_rank: int | None = Field(
        default=None,
        ge=1,
        le=50,
        description="the text came from the suggestions offered, at this rank (R7.2 hit rate)",
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


class AddEvidenceRequest(_Action):
    """R2.9: evidence on a dispute (the policy's kinds: photo, document, carrier_record...)."""

    action: Literal["add_evidence"]
    kind: str = Field(max_length=40, description="one of the policy's evidence kinds")
    source: Literal["customer", "shop", "carrier", "platform", "other"]
    description: str = Field(min_length=1, max_length=5_000, description="what the evidence shows")
    ref: str | None = Field(default=None, max_length=1_000, description="where it is kept (s3://..., a URL)")


class DecideLiabilityRequest(_Action):
    """R2.9: liability decided from the recorded evidence, with its reason (supervisors)."""

    action: Literal["decide_liability"]
    liability: str = Field(
        max_length=40, description="one of the policy's liabilities (shipped: shop, customer, carrier, shared, none)"
    )
    reason: str = Field(min_length=1, max_length=5_000)
    evidence_ids: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=100, description="the evidence it rests on (default: all recorded)"
    )


class ReportDisputeResultRequest(_Action):
    """R2.9: the decision told to the customer from the dispute_result template."""

    action: Literal["report_dispute_result"]
    next_steps: str = Field(min_length=1, max_length=5_000, description="what happens next for the customer")


class PromiseMetRequest(_Action):
    """R2.8: the promised work is done: the customer's progress updates stop."""

    action: Literal["promise_met"]
    note: str | None = Field(default=None, max_length=2_000, description="what was done")


class TransferRequest(_Action):
    """Hand the inquiry over to another agent and/or another team's queue, saying why."""

    action: Literal["transfer"]
    reason: str = Field(min_length=1, max_length=2_000)
    owner: str | None = Field(default=None, max_length=128, description="the agent (none: the team's queue)")
    team: str | None = Field(default=None, max_length=64, description="the team (default: the inquiry's)")


class EscalateRequest(_Action):
    """Hand the inquiry up to its team's supervisors, saying why."""

    action: Literal["escalate"]
    reason: str = Field(min_length=1, max_length=2_000)


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
    | NoteRequest
    | AddEvidenceRequest
    | DecideLiabilityRequest
    | ReportDisputeResultRequest
    | PromiseMetRequest
    | TransferRequest
    | EscalateRequest,
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
    if isinstance(request, AddEvidenceRequest | DecideLiabilityRequest | ReportDisputeResultRequest):
        return json_response(200, {"inquiry": _dump(_dispute_action(inquiry_id, request))})
    if isinstance(request, PromiseMetRequest):
        done = composition.closing_loop_service().promise_met(inquiry_id, _actor(), request.note)
        return json_response(200, {"inquiry": _dump(done)})
    data = request.model_dump(exclude={"action"}, exclude_none=True)
    if data.get("content_ref"):
        composition.check_content_ref(str(data["content_ref"]))  # a real template/article version (R7)
    if isinstance(request, ReplyRequest):
        _check_reply_identity(inquiry_id, request)  # R8.2: order details only to the order's customer
    inquiry = composition.inquiry_service().act(inquiry_id, Action(request.action), _actor(), utc_now(), **data)
    return json_response(200, {"inquiry": _dump(inquiry)})


def _dispute_action(
    inquiry_id: str, request: AddEvidenceRequest | DecideLiabilityRequest | ReportDisputeResultRequest
) -> Any:
    disputes = composition.dispute_service()
    if isinstance(request, AddEvidenceRequest):
        return disputes.add_evidence(
            inquiry_id, _actor(), request.kind, request.description, request.source, request.ref
        )
    if isinstance(request, DecideLiabilityRequest):
        return disputes.decide_liability(inquiry_id, _actor(), request.liability, request.reason, request.evidence_ids)
    return disputes.report_result(inquiry_id, _actor(), request.next_steps)


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
    """A review's outcome (R6.1); a failed one may name the corrected text (R6.2): a correction
    candidate for the supervisors, or the correction itself with `start_correction`."""

    outcome: Literal["pass", "fail"]
    notes: str | None = Field(default=None, max_length=5_000)
    corrected_text: str | None = Field(default=None, min_length=1, max_length=5_000)
    cause: Literal["knowledge_gap", "training", "system_fault"] | None = None
    message_id: str | None = Field(default=None, max_length=64, description="the wrong answer (default: latest)")
    whole_content: bool = Field(default=False, description="the template/article version it came from is wrong")
    start_correction: bool = Field(default=False, description="start the correction now, not a candidate")


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
    from inquiry_desk.quality.service import FoundWrong

    found_wrong = None
    if request.corrected_text is not None:
        if request.cause is None:
            raise PayloadError("a corrected text needs its cause: knowledge_gap, training or system_fault")
        found_wrong = FoundWrong(
            request.corrected_text, request.cause, request.message_id, request.whole_content, request.start_correction
        )
    elif request.start_correction:
        raise PayloadError("starting a correction needs the corrected text")
    review = composition.quality_service().record_outcome(
        day, agent, inquiry_id, request.outcome, request.notes, _actor(), found_wrong
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
    from inquiry_desk.reports.render import csv_text
    from inquiry_desk.reports.stored import report_document, report_of

    policy = composition.report_policy()
    teams = _teams()
    if teams is None:  # the whole desk: a finished period's stored report
        today = utc_now().astimezone(policy.zone).date()
        body, source = report_document(
            composition.counter_store(), composition.stored_reports(), policy, period, _day(date), today
        )
    else:  # a supervisor's teams (R8.2): built from their teams' rows; stored reports are the whole desk's
        from inquiry_desk.reports.building import build_report

        body = build_report(composition.counter_store(), policy, period, _day(date), teams).to_json(policy)
        source = "built"
    if format == "csv":
        return Response(status_code=200, content_type="text/csv; charset=utf-8", body=csv_text(report_of(body), policy))
    return json_response(200, {**body, "source": source})


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


# --- knowledge base (R7.1, R7.2): agents and product staff edit; every edit a new version --------
class ArticleRequest(BaseModel):
    """A new article, or the next version of one (with the version it was edited from)."""

    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000, description="plain text; always shown as text")
    language: str = Field(min_length=2, max_length=16, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    categories: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=20)
    product: str | None = Field(default=None, max_length=200)
    base_version: int | None = Field(default=None, ge=1, description="editing: the version the edit started from")
    change_note: str | None = Field(default=None, max_length=2_000)


class ArticleStatusRequest(BaseModel):
    note: str | None = Field(default=None, max_length=2_000, description="why")


def _draft(request: ArticleRequest) -> Any:
    from inquiry_desk.knowledge.model import ArticleDraft

    categories = composition.policy().categories
    unknown = [c for c in request.categories if c not in categories]
    if unknown:
        raise PayloadError(f"no category {unknown[0]!r}; categories are {', '.join(sorted(categories))}")
    return ArticleDraft.model_validate(
        request.model_dump(include={"title", "body", "language", "categories", "product"})
    )


_ARTICLE_ERRORS: dict[int, Any] = {
    200: {"description": "The article (or its versions)"},
    404: {"description": "No such article (or version)"},
}


@app.get("/api/knowledge", tags=["knowledge"], summary="Knowledge-base articles (current versions), searchable")
@requires(Need.KNOWLEDGE, teams=TeamScope.SHARED)
def list_articles(
    q: Annotated[str | None, Query(max_length=500, description="words to search for (BM25 ranking)")] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    category: Annotated[str | None, Query(max_length=64)] = None,
    include_unpublished: Annotated[bool, Query()] = False,
) -> Any:
    articles = composition.knowledge_service().catalogue(language, category, include_unpublished, q)
    return json_response(200, {"articles": [_dump(a) for a in articles]})


@app.post(
    "/api/knowledge",
    tags=["knowledge"],
    summary="Write a new article (version 1)",
    responses={201: {"description": "Created"}},
)
@requires(Need.KNOWLEDGE, teams=TeamScope.SHARED)
def create_article(request: Annotated[ArticleRequest, Body()]) -> Any:
    article = composition.knowledge_service().create(_draft(request), _actor())
    logger.info("article created", extra={"article_id": article.article_id})
    return json_response(201, {"article": _dump(article)})


@app.get(
    "/api/knowledge/<article_id>",
    tags=["knowledge"],
    summary="An article: current or one version",
    responses=_ARTICLE_ERRORS,
)
@requires(Need.KNOWLEDGE, teams=TeamScope.SHARED)
def get_article(
    article_id: Annotated[str, Path(max_length=64)], version: Annotated[int | None, Query(ge=1)] = None
) -> Any:
    return json_response(200, {"article": _dump(composition.knowledge_service().get(article_id, version))})


@app.get(
    "/api/knowledge/<article_id>/versions",
    tags=["knowledge"],
    summary="Every version, who and when",
    responses=_ARTICLE_ERRORS,
)
@requires(Need.KNOWLEDGE, teams=TeamScope.SHARED)
def article_versions(article_id: Annotated[str, Path(max_length=64)]) -> Any:
    return json_response(200, {"versions": [_dump(a) for a in composition.knowledge_service().versions(article_id)]})


@app.put(
    "/api/knowledge/<article_id>",
    tags=["knowledge"],
    summary="Edit: a new version (old ones are kept)",
    responses={**_ARTICLE_ERRORS, 409: {"description": "Someone saved a newer version: re-read and edit"}},
)
@requires(Need.KNOWLEDGE, teams=TeamScope.SHARED)
def edit_article(article_id: Annotated[str, Path(max_length=64)], request: Annotated[ArticleRequest, Body()]) -> Any:
    if request.base_version is None:
        raise PayloadError("say which version you edited (base_version)")
    article = composition.knowledge_service().edit(
        article_id, _draft(request), _actor(), request.base_version, request.change_note
    )
    return json_response(200, {"article": _dump(article)})


def _set_status(article_id: str, unpublish: bool, note: str | None) -> Any:
    from inquiry_desk.knowledge.model import ArticleStatus

    wanted = ArticleStatus.UNPUBLISHED if unpublish else ArticleStatus.PUBLISHED
    article = composition.knowledge_service().set_status(article_id, wanted, _actor(), note)
    return json_response(200, {"article": _dump(article)})


@app.post(
    "/api/knowledge/<article_id>/unpublish",
    tags=["knowledge"],
    summary="Unpublish (archive): a new version, kept and readable, never suggested",
    responses=_ARTICLE_ERRORS,
)
@requires(Need.KNOWLEDGE, teams=TeamScope.SHARED)
def unpublish_article(
    article_id: Annotated[str, Path(max_length=64)], request: Annotated[ArticleStatusRequest, Body()]
) -> Any:
    return _set_status(article_id, True, request.note)


@app.post(
    "/api/knowledge/<article_id>/publish",
    tags=["knowledge"],
    summary="Publish an unpublished article again: a new version",
    responses=_ARTICLE_ERRORS,
)
@requires(Need.KNOWLEDGE, teams=TeamScope.SHARED)
def publish_article(
    article_id: Annotated[str, Path(max_length=64)], request: Annotated[ArticleStatusRequest, Body()]
) -> Any:
    return _set_status(article_id, False, request.note)


@app.get(
    "/api/inquiries/<inquiry_id>/suggestions",
    tags=["knowledge"],
    summary="Suggested templates and articles in the customer's language, and similar resolved cases",
)
@requires(Need.INQUIRY, teams=TeamScope.PATH)
def inquiry_suggestions(inquiry_id: Annotated[str, Path(max_length=64)]) -> Any:
    principal = current_principal(app)
    return json_response(200, composition.suggestions_for(inquiry_id, principal.sees).to_json())


@app.get(
    "/api/templates/ab", tags=["knowledge"], summary="A/B template variants: replies, CSAT and reopens per variant"
)
@requires(Need.SUPERVISE, teams=TeamScope.SHARED)
def template_ab() -> Any:
    return json_response(200, {"variants": composition.template_ab_outcomes()})


# --- cross-department requests (R4.3) ----------------------------------------------------------------
class DepartmentRequestBody(BaseModel):
    department: str = Field(min_length=1, max_length=64, description="a department of policies/departments.json")
    needed: str = Field(min_length=1, max_length=5_000, description="what the department is asked for")


class DepartmentAnswerBody(BaseModel):
    answer: str = Field(min_length=1, max_length=5_000)


@app.get(
    "/api/departments", tags=["departments"], summary="The departments an agent can ask, with their response times"
)
@requires(Need.SIGNED_IN, teams=TeamScope.SHARED)
def list_departments() -> Any:
    from inquiry_desk.departments.service import load_departments

    return json_response(200, {"departments": {k: _dump(v) for k, v in load_departments().departments.items()}})


@app.post(
    "/api/inquiries/<inquiry_id>/department-requests",
    tags=["departments"],
    summary="Ask another department (warehouse, logistics, tech) for what is needed, with its deadline",
    responses={201: {"description": "Opened; the timeline shows it with its due time"}},
)
@requires(Need.INQUIRY, teams=TeamScope.PATH)
def open_department_request(
    inquiry_id: Annotated[str, Path(max_length=64)], request: Annotated[DepartmentRequestBody, Body()]
) -> Any:
    inquiry, request_id = composition.department_requests().open(
        inquiry_id, request.department, request.needed, _actor(), utc_now()
    )
    return json_response(201, {"request_id": request_id, "inquiry": _dump(inquiry)})


@app.post(
    "/api/inquiries/<inquiry_id>/department-requests/<request_id>/answer",
    tags=["departments"],
    summary="The department's answer (after its due time it is recorded as a breach)",
    responses={
        200: {"description": "Recorded (late: with a breach on the timeline)"},
        404: {"description": "No such request"},
        409: {"description": "Answered already"},
    },
)
@requires(Need.INQUIRY, teams=TeamScope.PATH)
def answer_department_request(
    inquiry_id: Annotated[str, Path(max_length=64)],
    request_id: Annotated[str, Path(max_length=64)],
    request: Annotated[DepartmentAnswerBody, Body()],
) -> Any:
    inquiry = composition.department_requests().answer(inquiry_id, request_id, request.answer, _actor(), utc_now())
    return json_response(200, {"inquiry": _dump(inquiry)})


@app.get(
    "/api/supervision/late",
    tags=["supervision"],
    summary="Overdue, unacknowledged and resolved-but-unconfirmed inquiries of the caller's teams (R3.1)",
)
@requires(Need.SUPERVISE, teams=TeamScope.FILTERED)
def late_inquiries(
    days: Annotated[int, Query(ge=1, le=92, description="resolved ones received in the last N days")] = 30,
) -> Any:
    from inquiry_desk.supervision.lists import late_lists

    principal, repo, now = current_principal(app), composition.repository(), utc_now()
    teams = [t for t in composition.teams() if principal.supervises(t)]
    lists = late_lists(
        teams,
        lambda team: repo.overdue(team, now),
        lambda team: repo.team_queue(team, 200),
        repo.recent(now - timedelta(days=days), 500),
        timedelta(minutes=composition.report_policy().monitor.unconfirmed_after_minutes),
        now,
    )
    return json_response(
        200,
        {
            "teams": teams,
            "overdue": [_dump(i) for i in lists.overdue],
            "unacknowledged": [_dump(i) for i in lists.unacknowledged],
            "awaiting_confirmation": [_dump(i) for i in lists.awaiting_confirmation],
        },
    )


@app.post(
    "/api/reviews/<day>/sample",
    tags=["quality"],
    summary="Sample one day's answers into the review queue now (the daily job does yesterday); safe twice",
)
@requires(Need.SUPERVISE, teams=TeamScope.FILTERED)
def review_sample(day: Annotated[str, Path(pattern=r"^\d{4}-\d{2}-\d{2}$")]) -> Any:
    counts = composition.quality_service().sample(_day(day))  # the daily job's own choice, made early
    teams = _teams()
    if teams is not None:  # R8.2: the counts of agents with answers in the caller's teams' queue only
        seen = {r.agent for r in composition.quality_service().queue(day, teams)}
        counts = {a: n for a, n in counts.items() if a in seen}
    return json_response(200, {"day": day, "sampled": counts})


def _check_reply_identity(inquiry_id: str, request: ReplyRequest) -> None:
    timeline = composition.repository().timeline(inquiry_id)
    if timeline is None:
        raise NotFound(f"no inquiry {inquiry_id}")
    said = " ".join([request.text or "", *(request.values or {}).values()])
    if said.strip():
        composition.order_privacy().check_reply(timeline, said)


@app.put(
    "/api/orders/<order_number>",
    tags=["orders"],
    summary="Feed one order (the shop's system, admins): stored; an exception opens an urgent inquiry once",
    responses={
        200: {"description": "Stored (replaced an earlier version)"},
        201: {"description": "Stored (a new order)"},
    },
)
@requires(Need.ADMIN, teams=TeamScope.SHARED)
def put_order(
    order_number: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")],
    request: Annotated[OrderRecord, Body()],
) -> Any:
    try:
        order = request.to_order(order_number, composition.default_country_code())
    except ValueError as err:
        raise PayloadError(_first_problem(err)) from None
    fed = composition.order_feed().put(order)
    logger.info("order fed", extra={"order_created": fed.created, "exception_inquiry": fed.exception_inquiry})
    return json_response(
        201 if fed.created else 200,
        {"order_number": order.order_number, "created": fed.created, "exception_inquiry": fed.exception_inquiry},
    )


def _first_problem(err: ValueError) -> str:
    from pydantic import ValidationError

    if isinstance(err, ValidationError):
        first = err.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        return f"{where}: {first['msg']}"
    return str(err)


# --- administration: the policy documents' versions (admins edit; supervisors read) -------------
# a document's name (sla, routing, templates, closing_loop, reports: policies.documents.DOCUMENTS)
PolicyName = Annotated[str, Path(max_length=32, pattern=r"^[a-z_]+$")]
_POLICY_PROBLEMS: dict[int, OpenAPIResponse] = {
    422: {"description": "The document is invalid: every problem with its JSON path (nothing saved)"},
    409: {"description": "Another admin saved a newer version since base_version: reload"},
    404: {"description": "No such document"},
}


class PolicyVersionRequest(BaseModel):
    """A new version of a policy document: the whole document, and the version it was edited from."""

    content: dict[str, Any] = Field(description="the whole document (JSON object)")
    base_version: int = Field(ge=0, description="the active version the admin edited (conflict if it moved on)")
    reason: str | None = Field(default=None, max_length=2_000, description="why, for the audit")


class PolicyCheckRequest(BaseModel):
    content: dict[str, Any] = Field(description="the whole document (JSON object)")


class PolicyRollbackRequest(BaseModel):
    to_version: int = Field(ge=0, description="the version whose content comes back (0: the shipped file)")
    base_version: int = Field(ge=0, description="the active version now")
    reason: str | None = Field(default=None, max_length=2_000)


def _policy_version(v: Any) -> dict[str, Any]:
    return {**v.audit(), "content": v.content}


def _invalid_policy(err: Exception) -> Any:
    from inquiry_desk.policies.book import PolicyInvalid

    assert isinstance(err, PolicyInvalid)
    return json_response(
        422,
        {"error": err.code, "reason": err.reason, "problems": [p.to_json() for p in err.problems]},
    )


def _register_policy_errors() -> None:
    from inquiry_desk.policies.book import PolicyInvalid

    app.exception_handler(PolicyInvalid)(_invalid_policy)


_register_policy_errors()


@app.get("/api/policies", tags=["administration"], summary="The policy documents and their active versions")
@requires(Need.SUPERVISE, teams=TeamScope.SHARED)
def list_policies() -> Any:
    return json_response(200, {"documents": composition.policy_book().documents()})


@app.get(
    "/api/policies/<document>",
    tags=["administration"],
    summary="A policy document's active version (content and audit)",
    responses={404: {"description": "No such document"}},
)
@requires(Need.SUPERVISE, teams=TeamScope.SHARED)
def get_policy(document: PolicyName) -> Any:
    return json_response(200, _policy_version(composition.policy_book().active(document)))


@app.get(
    "/api/policies/<document>/versions",
    tags=["administration"],
    summary="A policy document's versions, newest first, each with its audit (who, when, why, what changed)",
    responses={404: {"description": "No such document"}},
)
@requires(Need.SUPERVISE, teams=TeamScope.SHARED)
def policy_history(document: PolicyName) -> Any:
    return json_response(200, {"versions": [v.audit() for v in composition.policy_book().history(document)]})


@app.get(
    "/api/policies/<document>/versions/<version>",
    tags=["administration"],
    summary="One version of a policy document (0: the file shipped with the functions)",
    responses={404: {"description": "No such document or version"}},
)
@requires(Need.SUPERVISE, teams=TeamScope.SHARED)
def get_policy_version(document: PolicyName, version: Annotated[int, Path(ge=0)]) -> Any:
    return json_response(200, _policy_version(composition.policy_book().get(document, version)))


@app.post(
    "/api/policies/<document>/check",
    tags=["administration"],
    summary="Validate a document without saving it: the problems a save would be refused with",
    responses={404: {"description": "No such document"}},
)
@requires(Need.ADMIN, teams=TeamScope.SHARED)
def check_policy(document: PolicyName, request: Annotated[PolicyCheckRequest, Body()]) -> Any:
    problems = composition.policy_book().check(document, request.content)
    return json_response(200, {"problems": [p.to_json() for p in problems]})


@app.put(
    "/api/policies/<document>",
    tags=["administration"],
    summary="Save a new version of a policy document (validated, audited, active at once)",
    responses={201: {"description": "Saved and active: the new version's audit"}, **_POLICY_PROBLEMS},
)
@requires(Need.ADMIN, teams=TeamScope.SHARED)
def save_policy(document: PolicyName, request: Annotated[PolicyVersionRequest, Body()]) -> Any:
    saved = composition.policy_book().save(document, request.content, _actor(), request.base_version, request.reason)
    logger.info("policy saved", extra={"document": document, "version": saved.version})
    return json_response(201, saved.audit())


@app.post(
    "/api/policies/<document>/rollback",
    tags=["administration"],
    summary="Roll back: a new version with an earlier version's content (validated again, audited)",
    responses={
        201: {"description": "Rolled back: the new version's audit"},
        404: {"description": "No such version"},
        **_POLICY_PROBLEMS,
    },
)
@requires(Need.ADMIN, teams=TeamScope.SHARED)
def rollback_policy(document: PolicyName, request: Annotated[PolicyRollbackRequest, Body()]) -> Any:
    saved = composition.policy_book().rollback(
        document, request.to_version, _actor(), request.base_version, request.reason
    )
    return json_response(201, saved.audit())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    load(ConsoleSettings)  # cold start: a missing variable fails here, named
    return app.resolve(event, context)
