"""Access by team on every route of the agents' API (R8.2).

The routes come from docs/openapi.json (generated from the handlers, drift-tested), and every one
is tried with every role: a route added without an expectation here fails, and a route added
without an access rule in the handler is refused by the guard (403) and fails here too.
Bodies are empty on purpose: the guard answers before request validation, so a caller without
the right learns nothing, and a caller with it gets past the guard (a 422, not a 403).
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from desk_ops.local.front import api_gateway_event

from infra.names import ROOT
from tests.integration.conftest import agent_claims

OPENAPI = json.loads((ROOT / "docs" / "openapi.json").read_text())
API_OPERATIONS = sorted(
    (method.upper(), path) for path, ops in OPENAPI["paths"].items() if path.startswith("/api/") for method in ops
)

# The inquiry, queue and customer of every request belong to team "orders".
ROLES: dict[str, tuple[str, tuple[str, ...]]] = {  # user -> (role group, teams)
    "orders-agent": ("agents", ("orders",)),
    "complaints-agent": ("agents", ("complaints",)),
    "orders-supervisor": ("supervisors", ("orders",)),
    "complaints-supervisor": ("supervisors", ("complaints",)),
    "admin": ("admins", ()),
    "no-role": ("", ("orders",)),  # signed in, in a team, but in none of the role groups
    "product-staff": ("product", ()),  # product staff: the knowledge base only (R7.2)
}
EVERY_ROLE = frozenset(u for u, (role, _) in ROLES.items() if role and role != "product")
KNOWLEDGE_EDITORS = EVERY_ROLE | {"product-staff"}
ORDERS = frozenset({"orders-agent", "orders-supervisor", "admin"})
SUPERVISORS = frozenset({"orders-supervisor", "complaints-supervisor", "admin"})

# Who gets past the guard, per route. A new route needs its line here.
ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/inquiries"): EVERY_ROLE,  # listed: only the caller's teams (tested below)
    ("POST", "/api/inquiries"): EVERY_ROLE,  # recording a call: any agent
    ("GET", "/api/inquiries/{inquiry_id}"): ORDERS,
    ("POST", "/api/inquiries/{inquiry_id}/actions"): ORDERS,
    ("GET", "/api/queues/{team}"): ORDERS,
    ("GET", "/api/customers/{customer_id}/inquiries"): ORDERS,
    ("POST", "/api/customers/{customer_id}/unlink"): frozenset({"orders-supervisor", "admin"}),
    ("POST", "/api/customers/{customer_id}/erase"): frozenset({"admin"}),
    # supervision (R6.1, R6.2, R9): corrections, quality reviews and reports
    ("GET", "/api/corrections"): SUPERVISORS,
    ("POST", "/api/corrections"): SUPERVISORS,
    ("POST", "/api/corrections/{correction_id}/fixed"): SUPERVISORS,
    ("GET", "/api/reviews/{day}"): SUPERVISORS,
    ("POST", "/api/reviews/{day}/{agent}/{inquiry_id}"): SUPERVISORS,
    ("GET", "/api/reports/{period}"): SUPERVISORS,
    ("GET", "/api/reports/{period}/inquiries"): SUPERVISORS,
    ("GET", "/api/reports/{period}/unresolved"): SUPERVISORS,
    ("GET", "/api/monitor"): EVERY_ROLE,  # the live picture per channel (counts, no customer data)
    # knowledge base (R7.2): agents and product staff edit it; suggestions follow the inquiry's team
    ("GET", "/api/knowledge"): KNOWLEDGE_EDITORS,
    ("POST", "/api/knowledge"): KNOWLEDGE_EDITORS,
    ("GET", "/api/knowledge/{article_id}"): KNOWLEDGE_EDITORS,
    ("PUT", "/api/knowledge/{article_id}"): KNOWLEDGE_EDITORS,
    ("GET", "/api/knowledge/{article_id}/versions"): KNOWLEDGE_EDITORS,
    ("POST", "/api/knowledge/{article_id}/unpublish"): KNOWLEDGE_EDITORS,
    ("POST", "/api/knowledge/{article_id}/publish"): KNOWLEDGE_EDITORS,
    ("GET", "/api/inquiries/{inquiry_id}/suggestions"): ORDERS,
    ("GET", "/api/templates/ab"): SUPERVISORS,
    # cross-department requests (R4.3)
    ("GET", "/api/departments"): EVERY_ROLE,
    ("POST", "/api/inquiries/{inquiry_id}/department-requests"): ORDERS,
    ("POST", "/api/inquiries/{inquiry_id}/department-requests/{request_id}/answer"): ORDERS,
    ("POST", "/api/reviews/{day}/sample"): SUPERVISORS,
    ("GET", "/api/supervision/late"): SUPERVISORS,  # listed: only the teams the caller supervises
    ("PUT", "/api/orders/{order_number}"): frozenset({"admin"}),  # the shop's feed (R10.2)
    # administration: the policy documents' versions (supervisors read, admins change)
    ("GET", "/api/policies"): SUPERVISORS,
    ("GET", "/api/policies/{document}"): SUPERVISORS,
    ("GET", "/api/policies/{document}/versions"): SUPERVISORS,
    ("GET", "/api/policies/{document}/versions/{version}"): SUPERVISORS,
    ("POST", "/api/policies/{document}/check"): frozenset({"admin"}),
    ("PUT", "/api/policies/{document}"): frozenset({"admin"}),
    ("POST", "/api/policies/{document}/rollback"): frozenset({"admin"}),
}


def _call(runner: Any, method: str, path: str, claims: dict[str, str] | None, body: Any = None) -> dict[str, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    event = api_gateway_event(method, path, {"Content-Type": "application/json"}, raw, claims, "v1")
    result: dict[str, Any] = runner.invoke("console_api", event)
    return result


@pytest.fixture(scope="module")
def world(runner: Any, stack: Any) -> dict[str, Any]:
    """The users of every role and one inquiry of team orders (with its customer)."""
    claims = {user: agent_claims(user, role, teams) for user, (role, teams) in ROLES.items()}
    made = _call(
        runner,
        "POST",
        "/api/inquiries",
        claims["admin"],
        {"channel": "phone", "contact": "138-0013-8111", "description": "where is my parcel", "reference": "acl-1"},
    )
    assert made["statusCode"] in (200, 201), made["body"]
    inquiry_id = json.loads(made["body"])["inquiry_id"]
    moved = _call(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        claims["admin"],
        {"action": "reclassify", "team": "orders"},
    )
    assert moved["statusCode"] == 200, moved["body"]
    inquiry = json.loads(moved["body"])["inquiry"]
    disabled = agent_claims("disabled-agent", "agents", ("orders",))
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = next(p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"])
    idp.admin_disable_user(UserPoolId=pool, Username="disabled-agent")
    return {
        "claims": claims,
        "disabled": disabled,
        "params": {
            "inquiry_id": inquiry_id,
            "team": "orders",
            "customer_id": inquiry["customer_id"],
            "correction_id": "CNONE",
            "day": "2026-11-30",
            "agent": "orders-agent",
            "period": "daily",
            "article_id": "ANONE",
            "request_id": "DNONE",
            "order_number": "SO-ACCESS-1",
            "document": "routing",
            "version": "0",
        },
    }


def _path(template: str, params: dict[str, str]) -> str:
    return template.format(**params)


@pytest.mark.parametrize("user", sorted(ROLES))
@pytest.mark.parametrize(("method", "route"), API_OPERATIONS)
def test_R8_2_every_route_checks_the_callers_role_and_team(
    runner: Any, world: dict[str, Any], method: str, route: str, user: str
) -> None:
    assert (method, route) in ALLOWED, f"{method} {route}: say who may call it in ALLOWED (and in the handler)"
    got = _call(runner, method, _path(route, world["params"]), world["claims"][user], {} if method == "POST" else None)
    if user in ALLOWED[(method, route)]:
        assert got["statusCode"] not in (401, 403), f"{user} refused on {method} {route}: {got['body']}"
    else:
        assert got["statusCode"] == 403, f"{user} let in on {method} {route}: {got['statusCode']} {got['body']}"
        assert json.loads(got["body"])["error"] == "forbidden"


@pytest.mark.parametrize(("method", "route"), API_OPERATIONS)
def test_R8_2_every_route_refuses_a_disabled_agent_and_no_sign_in(
    runner: Any, world: dict[str, Any], method: str, route: str
) -> None:
    path = _path(route, world["params"])
    for claims in (world["disabled"], None, {"cognito:username": "never-existed", "cognito:groups": "admins"}):
        got = _call(runner, method, path, claims, {} if method == "POST" else None)
        assert got["statusCode"] == 401, f"{claims} on {method} {route}: {got['statusCode']} {got['body']}"


def test_R8_2_lists_show_only_the_callers_teams(runner: Any, world: dict[str, Any]) -> None:
    inquiry_id = world["params"]["inquiry_id"]

    def listed(user: str) -> set[str]:
        got = _call(runner, "GET", "/api/inquiries?days=92&limit=500", world["claims"][user])
        assert got["statusCode"] == 200, got["body"]
        return {i["inquiry_id"] for i in json.loads(got["body"])["inquiries"]}

    assert inquiry_id in listed("orders-agent")
    assert inquiry_id in listed("admin")
    assert inquiry_id not in listed("complaints-agent")
    assert inquiry_id not in listed("complaints-supervisor")


def _act(runner: Any, world: dict[str, Any], user: str, body: dict[str, Any]) -> dict[str, Any]:
    return _call(runner, "POST", f"/api/inquiries/{world['params']['inquiry_id']}/actions", world["claims"][user], body)


def test_R8_2_reclassify_and_assign_name_only_teams_and_agents_that_exist(runner: Any, world: dict[str, Any]) -> None:
    for body in (
        {"action": "reclassify", "team": "nowhere"},
        {"action": "reclassify", "category": "no_such_category"},
        {"action": "assign", "team": "nowhere"},
        {"action": "assign", "owner": "ghost-agent"},
        {"action": "assign", "owner": "complaints-agent"},  # exists, but not in team orders
        {"action": "assign", "owner": "disabled-agent"},
    ):
        got = _act(runner, world, "orders-supervisor", body)
        assert got["statusCode"] == 400, (body, got["body"])
        assert json.loads(got["body"])["error"] == "bad_payload"
    assert _act(runner, world, "orders-supervisor", {"action": "assign", "owner": "orders-agent"})["statusCode"] == 200


def test_R8_2_supervision_rights(runner: Any, world: dict[str, Any]) -> None:
    other = _act(runner, world, "orders-agent", {"action": "assign", "owner": "orders-supervisor"})
    assert other["statusCode"] == 403, other["body"]
    mine = _act(runner, world, "orders-agent", {"action": "assign", "owner": "orders-agent"})
    assert mine["statusCode"] == 200, mine["body"]
    assert _act(runner, world, "orders-agent", {"action": "resolve", "result": "parcel found"})["statusCode"] == 200
    refused = _act(runner, world, "orders-agent", {"action": "reopen", "reason": "customer called again"})
    assert refused["statusCode"] == 403 and "supervision" in json.loads(refused["body"])["reason"]
    assert _act(runner, world, "orders-supervisor", {"action": "reopen", "reason": "called again"})["statusCode"] == 200
