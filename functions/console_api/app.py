"""The agents' API behind the Cognito authorizer: inquiries, timelines, queues, actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from inquiry_desk.customers.linking import CustomerService
from inquiry_desk.errors import Forbidden, NotFound
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.intake.recorded import recorded_message
from inquiry_desk.model import utc_now
from inquiry_desk.runtime import composition
from inquiry_desk.runtime.http import json_response, make_resolver
from inquiry_desk.runtime.observability import logger, metrics
from inquiry_desk.runtime.settings import settings
from inquiry_desk.triage.rules import peak_order
from pydantic import BaseModel, Field

app = make_resolver()


class ActionRequest(BaseModel):
    action: Literal[
        "acknowledge",
        "assign",
        "start",
        "reply",
        "wait_on_customer",
        "customer_replied",
        "resolve",
        "close",
        "reopen",
        "reclassify",
        "note",
    ]
    text: str | None = Field(default=None, max_length=20_000)
    template: str | None = Field(default=None, max_length=100, description="reply from this template (R7.3)")
    values: dict[str, str] | None = Field(default=None, description="the template's placeholders")
    result: str | None = Field(default=None, max_length=5_000)
    owner: str | None = None
    team: str | None = None
    urgency: Literal["normal", "urgent"] | None = None
    category: str | None = None
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    reason: str | None = None


class RecordedInquiry(BaseModel):
    """A phone call or an in-store visit, typed in by the agent who took it (R1.1, R8.4)."""

    channel: Literal["phone", "in_store"]
    description: str = Field(min_length=1, max_length=20_000)
    contact: str | None = Field(default=None, max_length=320, description="caller's number or e-mail")
    customer_name: str | None = Field(default=None, max_length=200)
    order_number: str | None = Field(default=None, max_length=128)
    member_id: str | None = Field(default=None, max_length=128)
    voice_summary: str | None = Field(default=None, max_length=20_000, description="summary of the recording")
    reference: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="the agent tool's own id for this record: sending it again records nothing new",
    )


class UnlinkRequest(BaseModel):
    identity: str = Field(min_length=3, max_length=600, description="kind#value, e.g. phone#+8613800138000")
    reason: str = Field(min_length=3, max_length=2_000)


def _groups() -> set[str]:
    claims = app.current_event.request_context.authorizer.claims or {}
    raw = claims.get("cognito:groups") or ""
    return set(raw.replace(",", " ").split()) if isinstance(raw, str) else set(raw)


def _actor() -> str:
    claims = app.current_event.request_context.authorizer.claims or {}
    return str(claims.get("cognito:username") or claims.get("username") or claims.get("sub") or "unknown")


def _dump(obj: Any) -> Any:
    return obj.model_dump(mode="json")


@app.get("/api/inquiries", tags=["inquiries"], summary="Recent inquiries, newest first")
def list_inquiries(
    days: Annotated[int, Query(ge=1, le=92)] = 7, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> Any:
    found = composition.repository().recent(utc_now() - timedelta(days=days), limit)
    return json_response(200, {"inquiries": [_dump(i) for i in found]})


@app.get("/api/inquiries/<inquiry_id>", tags=["inquiries"], summary="An inquiry with its timeline")
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
def act(inquiry_id: Annotated[str, Path(max_length=64)], request: Annotated[ActionRequest, Body()]) -> Any:
    data = request.model_dump(exclude={"action"}, exclude_none=True)
    inquiry = composition.inquiry_service().act(inquiry_id, Action(request.action), _actor(), utc_now(), **data)
    return json_response(200, {"inquiry": _dump(inquiry)})


@app.post("/api/inquiries", tags=["inquiries"], summary="Record a phone call or in-store visit")
def record_inquiry(request: Annotated[RecordedInquiry, Body()]) -> Any:
    message = recorded_message(request.model_dump(), _actor(), utc_now(), settings().default_country_code)
    result = composition.receive(message)
    return json_response(201 if result.created else 200, {"inquiry_id": result.inquiry_id})


@app.post(
    "/api/customers/<customer_id>/unlink",
    tags=["customers"],
    summary="Undo an automatic link: the identity becomes a customer of its own again (supervisors)",
)
def unlink_identity(customer_id: Annotated[str, Path(max_length=64)], request: Annotated[UnlinkRequest, Body()]) -> Any:
    if not _groups() & {"supervisors", "admins"}:
        raise Forbidden("only supervisors and admins may undo a customer link")
    done = CustomerService(composition.repository(), composition.inquiry_service()).unlink(
        customer_id, request.identity, _actor(), utc_now(), request.reason
    )
    return json_response(200, done.__dict__)


@app.get("/api/queues/<team>", tags=["queues"], summary="A team's open inquiries, next deadline first")
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
def customer_history(customer_id: Annotated[str, Path(max_length=64)]) -> Any:
    repo = composition.repository()
    customer = repo.get_customer(customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return json_response(
        200,
        {"customer": _dump(customer), "inquiries": [_dump(i) for i in repo.customer_inquiries(customer_id)]},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
