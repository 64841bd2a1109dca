"""Shared HTTP plumbing for the API Gateway handlers: one resolver factory, one error shape.

Every domain error becomes `{"error": <code>, "reason": <sentence>}` with its HTTP status, so a
channel or an agent always learns why a request was refused.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from inquiry_desk.access.rules import (
    Need,
    Principal,
    Role,
    TeamScope,
    Unauthorized,
    check_action,
    check_team,
    principal_from_claims,
    require_role,
    supervises_all,
)
from inquiry_desk.errors import DeskError, Forbidden, NotFound, PayloadError, PayloadTooLarge, UnsupportedMediaType
from inquiry_desk.runtime.observability import logger

F = TypeVar("F", bound=Callable[..., Any])


def error_response(status: int, code: str, reason: str) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps({"error": code, "reason": reason}, ensure_ascii=False),
    )


def json_response(status: int, body: Any) -> Response[str]:
    return Response(
        status_code=status,
        content_type="application/json",
        body=json.dumps(body, ensure_ascii=False, default=str),
    )


def make_resolver(cors_origin: str | None = None) -> APIGatewayRestResolver:
    """`cors_origin`: the one browser origin allowed to call (the hosted console); None: no CORS."""
    cors = (
        CORSConfig(allow_origin=cors_origin, allow_headers=["Authorization", "Content-Type"], max_age=3600)
        if cors_origin
        else None
    )
    app = APIGatewayRestResolver(enable_validation=True, cors=cors)

    def _desk_error(err: DeskError) -> Response[str]:
        # the reason goes to the caller only: it may quote what was sent (personal data, R8.2)
        logger.info("request refused", extra={"error": err.code, "status": err.http_status})
        return error_response(err.http_status, err.code, err.reason)

    def _invalid(err: RequestValidationError) -> Response[str]:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in err.errors())
        return error_response(422, "invalid_request", problems)

    # registered by call, not as decorators: powertools' decorators are untyped
    app.exception_handler(DeskError)(_desk_error)
    app.exception_handler(RequestValidationError)(_invalid)

    @app.not_found
    def _not_found(_: Exception) -> Response[str]:
        return error_response(404, "not_found", "no such route")

    return app


# What a channel's signature depends on: sent twice, which one was checked would be a guess.
SIGNED_HEADERS = frozenset({"x-desk-signature", "x-desk-timestamp", "x-hub-signature-256", "x-twilio-signature"})
SIGNED_QUERY = frozenset({"signature", "msg_signature", "timestamp", "nonce", "echostr", "hub.verify_token"})


def refuse_repeated_signature_parts(event: dict[str, Any]) -> None:
    """A signature header or query parameter given more than once is refused (400, with which)."""
    for key, values in (event.get("multiValueHeaders") or {}).items():
        if key.lower() in SIGNED_HEADERS and len(values or []) > 1:
            raise PayloadError(f"header {key} is given {len(values)} times; send it once")
    for key, values in (event.get("multiValueQueryStringParameters") or {}).items():
        if key in SIGNED_QUERY and len(values or []) > 1:
            raise PayloadError(f"query parameter {key} is given {len(values)} times; send it once")


def raw_body(event: dict[str, Any], limit: int) -> bytes:
    """The request body exactly as the channel sent it (signatures are over these bytes)."""
    refuse_repeated_signature_parts(event)
    body = event.get("body") or ""
    raw = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    if len(raw) > limit:
        raise PayloadTooLarge(f"body is {len(raw)} bytes; the limit is {limit}")
    return raw


# --- access: one guard in front of every agents' API route --------------------------------------
_NEEDS: dict[Callable[..., Any], tuple[Need, TeamScope]] = {}
PRINCIPAL = "principal"


def requires(need: Need, *, teams: TeamScope) -> Callable[[F], F]:
    """Name what a route needs and how it keeps to the caller's teams (put it under the route
    decorator); a route without one is refused, and the route x role tests check both."""

    def mark(func: F) -> F:
        _NEEDS[func] = (need, teams)
        return func

    return mark


def route_need(func: Callable[..., Any]) -> Need | None:
    declared = _NEEDS.get(func)
    return declared[0] if declared else None


def declared_access(app: APIGatewayRestResolver) -> dict[tuple[str, str], tuple[Need, TeamScope] | None]:
    """(METHOD, /openapi/{path}) -> the route's need and team scope, None where a route declares none."""
    routes = [*app._static_routes, *app._dynamic_routes]  # powertools keeps them here
    return {(str(r.method).upper(), r.openapi_path): _NEEDS.get(r.func) for r in routes}


def current_principal(app: APIGatewayRestResolver) -> Principal:
    principal: Principal = app.context[PRINCIPAL]
    return principal


def install_access_guard(app: APIGatewayRestResolver) -> None:
    """Every route passes here first: who is signing in, which route, and its need (R8.2)."""
    from inquiry_desk.runtime import composition

    def guard(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        claims = app.current_event.request_context.authorizer.claims
        principal = principal_from_claims(claims)
        if composition.directory().teams_of(principal.user) is None:
            raise Unauthorized(f"{principal.user} is not an active agent")
        require_role(principal)
        route = app.context.get("_route")
        need = route_need(route.func) if route is not None else None
        if need is None:
            raise Forbidden("this route declares no access rule")
        args: dict[str, str] = app.context.get("_route_args") or {}
        _check(app, principal, need, args)
        app.context[PRINCIPAL] = principal
        return next_middleware(app)

    # The guard runs before request validation, so a caller without the right learns nothing
    # from validation errors either: wrap the resolver's validation middleware (made by
    # make_resolver) with it. The route x role tests fail if this ever stops being first.
    validation = getattr(app, "_request_validation_middleware", None)
    if validation is None:
        app.use(middlewares=[guard])
        return

    def guard_then_validate(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
        then: Any = lambda a: validation(_json_only(a), next_middleware)  # noqa: E731
        return guard(app, then)

    setattr(app, "_request_validation_middleware", guard_then_validate)  # noqa: B010 - powertools' private hook


def _json_only(app: APIGatewayRestResolver) -> APIGatewayRestResolver:
    """The agents' API reads JSON bodies only: any other declared type is a 415 with the reason."""
    kind = (app.current_event.headers or {}).get("Content-Type") or next(
        (v for k, v in (app.current_event.headers or {}).items() if k.lower() == "content-type"), ""
    )
    if app.current_event.body and kind and not kind.split(";")[0].strip().lower().endswith("json"):
        raise UnsupportedMediaType(f"send the body as application/json, not {kind.split(';')[0]}")
    return app


def _json_object(app: APIGatewayRestResolver) -> dict[str, Any]:
    """The body as a JSON object, or {} (validation, which runs next, says what is wrong)."""
    try:
        body = json.loads(app.current_event.decoded_body or "{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def _check(app: APIGatewayRestResolver, principal: Principal, need: Need, args: dict[str, str]) -> None:
    from inquiry_desk.runtime import composition

    if need is Need.KNOWLEDGE:
        return
    if not principal.works_inquiries:
        raise Forbidden("product staff keep the knowledge base; inquiries need the agents, supervisors or admins group")
    if need is Need.SIGNED_IN:
        return
    if need is Need.ADMIN:
        if not principal.is_admin:
            raise Forbidden("only admins may do this")
        return
    if need is Need.SUPERVISE:
        if not (principal.is_admin or Role.SUPERVISOR in principal.roles):
            raise Forbidden("only supervisors and admins may do this")
        return
    if need is Need.SUPERVISE_INQUIRY:
        found = composition.repository().get(args["inquiry_id"])
        if found is None:
            raise NotFound(f"no inquiry {args['inquiry_id']}")
        if not principal.supervises(found.team):
            raise Forbidden(f"this inquiry belongs to team {found.team or '(none)'}, which you do not supervise")
        return
    if need is Need.SUPERVISE_CORRECTION:
        correction = composition.loop_store().get_correction(args["correction_id"])
        if correction is None:
            raise NotFound(f"no correction {args['correction_id']}")
        supervises_all(principal, correction.teams, "this correction")
        return
    if need is Need.TEAM:
        team = args["team"]
        if team not in composition.teams():
            raise NotFound(f"no team {team}")
        check_team(principal, team, "this queue")
        return
    if need in (Need.INQUIRY, Need.INQUIRY_ACTION):
        inquiry = composition.repository().get(args["inquiry_id"])
        if inquiry is None:
            raise NotFound(f"no inquiry {args['inquiry_id']}")
        if need is Need.INQUIRY:
            check_team(principal, inquiry.team, "this inquiry")
            return
        body = _json_object(app)
        owner = body.get("owner")
        agents = {str(owner): composition.directory().teams_of(str(owner))} if owner else {}
        check_action(
            principal,
            inquiry.team,
            str(body.get("action")),
            body,
            composition.teams(),
            composition.policy().categories,
            agents,
        )
        return
    customer_id = args["customer_id"]
    repo = composition.repository()
    if repo.get_customer(customer_id) is None:
        raise NotFound(f"no customer {customer_id}")
    teams = [i.team for i in repo.customer_inquiries(customer_id, limit=500)]
    if need is Need.CUSTOMER:
        if not principal.sees_any(teams):
            raise Forbidden("this customer has no inquiry in your teams")
        return
    if not any(principal.supervises(t) for t in teams) and not principal.is_admin:
        raise Forbidden("undoing a customer link needs supervision rights on one of the customer's teams")
