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
from inquiry_desk.access.rules import TeamScope
from inquiry_desk.model import utc_now

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
    ("POST", "/api/corrections/{correction_id}/fixed"): frozenset({"orders-supervisor", "admin"}),
    ("GET", "/api/reviews/{day}"): SUPERVISORS,
    ("POST", "/api/reviews/{day}/{agent}/{inquiry_id}"): frozenset({"orders-supervisor", "admin"}),
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
    from inquiry_desk.corrections.model import Cause, Correction
    from inquiry_desk.runtime import composition

    correction = Correction(
        correction_id=f"K-acl-{inquiry_id}",
        wrong="template:acl-orders@1",
        corrected_text="the right answer",
        cause=Cause.KNOWLEDGE_GAP,
        created_at=utc_now(),
        created_by="admin",
        teams=["orders"],
    )
    composition.loop_store().put_correction(correction)
    from inquiry_desk.quality.model import Review

    composition.loop_store().put_review(
        Review(day="2026-11-30", agent="orders-agent", inquiry_id=inquiry_id, sampled_at=utc_now())
    )
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
            "correction_id": correction.correction_id,
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


# --- team scope (R8.2): every route says how it keeps to the caller's teams ---------------------
# How each route keeps to the caller's teams, as the handler declares it (requires(..., teams=)).
# PATH routes are proven by the route x role test above (another team's resource: 403); every
# other scope has its proof below. A new route needs its line here, and its declaration.
SCOPES: dict[tuple[str, str], TeamScope] = {
    ("GET", "/api/inquiries"): TeamScope.FILTERED,
    ("POST", "/api/inquiries"): TeamScope.BODY,
    ("GET", "/api/inquiries/{inquiry_id}"): TeamScope.PATH,
    ("POST", "/api/inquiries/{inquiry_id}/actions"): TeamScope.PATH,
    ("GET", "/api/queues/{team}"): TeamScope.PATH,
    ("GET", "/api/customers/{customer_id}/inquiries"): TeamScope.PATH,
    ("POST", "/api/customers/{customer_id}/unlink"): TeamScope.PATH,
    ("POST", "/api/customers/{customer_id}/erase"): TeamScope.EVERY_TEAM,
    ("GET", "/api/corrections"): TeamScope.FILTERED,
    ("POST", "/api/corrections"): TeamScope.BODY,
    ("POST", "/api/corrections/{correction_id}/fixed"): TeamScope.PATH,
    ("GET", "/api/reviews/{day}"): TeamScope.FILTERED,
    ("POST", "/api/reviews/{day}/{agent}/{inquiry_id}"): TeamScope.PATH,
    ("GET", "/api/reports/{period}"): TeamScope.FILTERED,
    ("GET", "/api/reports/{period}/inquiries"): TeamScope.FILTERED,
    ("GET", "/api/reports/{period}/unresolved"): TeamScope.FILTERED,
    ("GET", "/api/monitor"): TeamScope.FILTERED,
    ("GET", "/api/supervision/late"): TeamScope.FILTERED,
    ("POST", "/api/reviews/{day}/sample"): TeamScope.FILTERED,
    ("GET", "/api/inquiries/{inquiry_id}/suggestions"): TeamScope.PATH,
    ("POST", "/api/inquiries/{inquiry_id}/department-requests"): TeamScope.PATH,
    ("POST", "/api/inquiries/{inquiry_id}/department-requests/{request_id}/answer"): TeamScope.PATH,
    # no team's data: the desk's shared content and settings (the role is the rule)
    ("GET", "/api/knowledge"): TeamScope.SHARED,
    ("POST", "/api/knowledge"): TeamScope.SHARED,
    ("GET", "/api/knowledge/{article_id}"): TeamScope.SHARED,
    ("PUT", "/api/knowledge/{article_id}"): TeamScope.SHARED,
    ("GET", "/api/knowledge/{article_id}/versions"): TeamScope.SHARED,
    ("POST", "/api/knowledge/{article_id}/unpublish"): TeamScope.SHARED,
    ("POST", "/api/knowledge/{article_id}/publish"): TeamScope.SHARED,
    ("GET", "/api/templates/ab"): TeamScope.SHARED,
    ("GET", "/api/departments"): TeamScope.SHARED,
    ("PUT", "/api/orders/{order_number}"): TeamScope.SHARED,
    ("GET", "/api/policies"): TeamScope.SHARED,
    ("GET", "/api/policies/{document}"): TeamScope.SHARED,
    ("GET", "/api/policies/{document}/versions"): TeamScope.SHARED,
    ("GET", "/api/policies/{document}/versions/{version}"): TeamScope.SHARED,
    ("POST", "/api/policies/{document}/check"): TeamScope.SHARED,
    ("PUT", "/api/policies/{document}"): TeamScope.SHARED,
    ("POST", "/api/policies/{document}/rollback"): TeamScope.SHARED,
}


def test_R8_2_every_route_declares_its_team_scope(runner: Any) -> None:
    from inquiry_desk.runtime.http import declared_access

    declared = declared_access(runner.module("console_api").app)
    assert set(declared) == set(API_OPERATIONS), "docs/openapi.json and the handler's routes differ: make openapi"
    for operation, access in sorted(declared.items()):
        assert access is not None, f"{operation}: no requires(need, teams=...) in the handler"
        assert operation in SCOPES, f"{operation}: say in SCOPES how it keeps to the caller's teams, and prove it"
        assert access[1] is SCOPES[operation], (
            f"{operation}: the handler declares {access[1]}, SCOPES {SCOPES[operation]}"
        )


@pytest.fixture(scope="module")
def two_teams(runner: Any, world: dict[str, Any]) -> dict[str, Any]:
    """One unanswered inquiry of team orders (phone) and one of team complaints (in store), counted,
    with a review, a correction and shared content each (the world's users)."""
    from desk_ops.local.harness import drain_streams
    from inquiry_desk.adapters.dynamo import _lineage_attrs
    from inquiry_desk.corrections.model import Cause, Correction
    from inquiry_desk.quality.model import Review
    from inquiry_desk.runtime import composition

    admin = world["claims"]["admin"]
    made: dict[str, str] = {}
    # triage routes them to these teams at once (reports count an inquiry for its first team)
    matters = {"orders": "where is my parcel, order not shipped", "complaints": "投诉: 客服态度太差 terrible service"}
    for team, channel in (("orders", "phone"), ("complaints", "in_store")):
        got = _call(
            runner,
            "POST",
            "/api/inquiries",
            admin,
            {"channel": channel, "description": matters[team], "reference": f"scope-{team}-{utc_now():%H%M%S%f}"},
        )
        inquiry_id = json.loads(got["body"])["inquiry_id"]
        moved = _call(
            runner, "POST", f"/api/inquiries/{inquiry_id}/actions", admin, {"action": "reclassify", "team": team}
        )
        assert moved["statusCode"] == 200, moved["body"]
        made[team] = inquiry_id
    drain_streams()
    store, now = composition.loop_store(), utc_now()
    day = now.date().isoformat()
    for team, inquiry_id in made.items():
        store.put_review(Review(day=day, agent=f"{team}-agent", inquiry_id=inquiry_id, sampled_at=now))
        store.put_correction(
            Correction(
                correction_id=f"K-scope-{inquiry_id}",
                wrong=f"template:scope-{team}@1",
                corrected_text="right",
                cause=Cause.TRAINING,
                created_at=now,
                created_by="admin",
                teams=[team],
            )
        )
    shared = f"template:shared-{made['orders']}@1"
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(composition.repository()._table)
    for inquiry_id in made.values():  # both teams' customers got the shared template (its lineage)
        timeline = composition.repository().timeline(inquiry_id)
        assert timeline is not None
        sent = timeline.messages[0].model_copy(update={"content_ref": shared})
        table.put_item(Item=_lineage_attrs(sent, timeline.inquiry.customer_id))
    assert {e.inquiry_id for e in store.lineage(shared)} == set(made.values())
    day_of_report = now.astimezone(composition.report_policy().zone).date().isoformat()
    return {"ids": made, "day": day, "report_day": day_of_report, "shared": shared}


def _get(runner: Any, world: dict[str, Any], user: str, path: str) -> dict[str, Any]:
    got = _call(runner, "GET", path, world["claims"][user])
    assert got["statusCode"] == 200, (user, path, got["body"])
    body: dict[str, Any] = json.loads(got["body"])
    return body


def _prove_inquiry_list(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    def listed(user: str) -> set[str]:
        return {i["inquiry_id"] for i in _get(runner, world, user, "/api/inquiries?days=92&limit=500")["inquiries"]}

    assert t["ids"]["complaints"] not in listed("orders-supervisor") | listed("orders-agent")
    assert t["ids"]["orders"] in listed("orders-supervisor") and t["ids"]["complaints"] in listed("admin")


def _prove_record_links_only_to_own_teams(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    body = {"channel": "phone", "description": "calling again", "link_to": t["ids"]["complaints"]}
    refused = _call(runner, "POST", "/api/inquiries", world["claims"]["orders-agent"], body)
    assert refused["statusCode"] == 403, refused["body"]


def _prove_corrections_list(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    def listed(user: str) -> set[str]:
        return {c["correction_id"] for c in _get(runner, world, user, "/api/corrections")["corrections"]}

    orders, complaints = (f"K-scope-{t['ids'][team]}" for team in ("orders", "complaints"))
    assert orders in listed("orders-supervisor") and complaints not in listed("orders-supervisor")
    assert {orders, complaints} <= listed("admin")


def _prove_marking_content_needs_every_team_it_reached(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    from inquiry_desk.runtime import composition

    timeline = composition.repository().timeline(t["ids"]["complaints"])
    assert timeline is not None
    message = {"inquiry_id": t["ids"]["complaints"], "message_id": timeline.messages[0].message_id}
    body = {"corrected_text": "right", "cause": "training", **message}
    refused = _call(runner, "POST", "/api/corrections", world["claims"]["orders-supervisor"], body)
    assert refused["statusCode"] == 403, refused["body"]
    shared = {"corrected_text": "right", "cause": "training", "content_ref": t["shared"]}
    refused = _call(runner, "POST", "/api/corrections", world["claims"]["orders-supervisor"], shared)
    assert refused["statusCode"] == 403 and "complaints" in json.loads(refused["body"])["reason"], refused["body"]


def _prove_review_queue(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    def listed(user: str) -> set[str]:
        return {r["inquiry_id"] for r in _get(runner, world, user, f"/api/reviews/{t['day']}")["reviews"]}

    assert t["ids"]["orders"] in listed("orders-supervisor")
    assert t["ids"]["complaints"] not in listed("orders-supervisor")
    assert t["ids"]["complaints"] in listed("admin")


def _prove_report(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    path = f"/api/reports/daily?date={t['report_day']}"
    everything = _get(runner, world, "admin", path)["counters"]
    assert "team#complaints" in everything and "team#orders" in everything, sorted(everything)
    mine = _get(runner, world, "orders-supervisor", path)["counters"]
    assert set(mine) == {"all", "team#orders"}, sorted(mine)
    assert mine["all"] == mine["team#orders"] == everything["team#orders"]
    csv = _call(runner, "GET", f"{path}&format=csv", world["claims"]["orders-supervisor"])
    assert "team#complaints" not in csv["body"] and "channel#" not in csv["body"]


def _drilled(runner: Any, world: dict[str, Any], t: dict[str, Any], route: str, key: str, extra: str = "") -> None:
    base = f"/api/reports/daily/{route}?date={t['report_day']}{extra}"

    def ids(user: str, dimension: str = "all") -> set[str]:
        got = _get(runner, world, user, f"{base}&dimension={dimension}")[key]
        return {g if isinstance(g, str) else g["inquiry_id"] for g in got}

    assert t["ids"]["orders"] in ids("orders-supervisor") and t["ids"]["complaints"] not in ids("orders-supervisor")
    assert t["ids"]["complaints"] in ids("admin")
    assert t["ids"]["complaints"] not in ids("orders-supervisor", "channel#in_store")
    refused = _call(runner, "GET", f"{base}&dimension=team%23complaints", world["claims"]["orders-supervisor"])
    assert refused["statusCode"] == 403, refused["body"]


def _prove_drill_down(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    _drilled(runner, world, t, "inquiries", "inquiry_ids", "&metric=volume")


def _prove_unresolved(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    _drilled(runner, world, t, "unresolved", "unresolved")


def _prove_monitor(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    from inquiry_desk.runtime import composition

    def picture(user: str) -> dict[str, Any]:
        return {c["channel"]: c for c in _get(runner, world, user, "/api/monitor")["channels"]}

    queue = composition.repository().team_queue("orders", 1000)
    mine = picture("orders-supervisor")
    for channel, live in mine.items():
        expected = [i for i in queue if i.channel.value == channel and i.first_response_at is None]
        assert live["waiting"] == len(expected), (channel, live)
        assert live["response_seconds_last_hour"] is None  # the hourly figures span teams
    complaints = picture("complaints-supervisor")["in_store"]["waiting"]
    assert complaints >= 1 and picture("admin")["in_store"]["waiting"] >= complaints


def _prove_late_lists(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    from inquiry_desk.runtime import composition

    repo = composition.repository()
    for user, team in (("orders-supervisor", "orders"), ("complaints-supervisor", "complaints")):
        got = _get(runner, world, user, "/api/supervision/late")
        assert got["teams"] == [team], got["teams"]
        for kind in ("overdue", "unacknowledged", "awaiting_confirmation"):
            for row in got[kind]:
                found = repo.get(row["inquiry_id"])
                assert found is not None and found.team == team, (user, kind, row["inquiry_id"])
    assert {"orders", "complaints"} <= set(_get(runner, world, "admin", "/api/supervision/late")["teams"])


def _prove_sampling_counts(runner: Any, world: dict[str, Any], t: dict[str, Any]) -> None:
    from inquiry_desk.runtime import composition

    got = _call(runner, "POST", f"/api/reviews/{t['day']}/sample", world["claims"]["orders-supervisor"])
    assert got["statusCode"] == 200, got["body"]
    in_orders = {r.agent for r in composition.quality_service().queue(t["day"], frozenset({"orders"}))}
    for agent in json.loads(got["body"])["sampled"]:  # only agents with answers in team orders
        assert agent in in_orders, agent


PROOFS = {
    ("GET", "/api/supervision/late"): _prove_late_lists,
    ("POST", "/api/reviews/{day}/sample"): _prove_sampling_counts,
    ("GET", "/api/inquiries"): _prove_inquiry_list,
    ("POST", "/api/inquiries"): _prove_record_links_only_to_own_teams,
    ("GET", "/api/corrections"): _prove_corrections_list,
    ("POST", "/api/corrections"): _prove_marking_content_needs_every_team_it_reached,
    ("GET", "/api/reviews/{day}"): _prove_review_queue,
    ("GET", "/api/reports/{period}"): _prove_report,
    ("GET", "/api/reports/{period}/inquiries"): _prove_drill_down,
    ("GET", "/api/reports/{period}/unresolved"): _prove_unresolved,
    ("GET", "/api/monitor"): _prove_monitor,
}


@pytest.mark.parametrize(("method", "route"), API_OPERATIONS)
def test_R8_2_another_teams_data_stays_out_of_every_route(
    runner: Any, world: dict[str, Any], two_teams: dict[str, Any], method: str, route: str
) -> None:
    scope = SCOPES[(method, route)]
    if scope is TeamScope.PATH:  # proven per route and role above: another team's resource is a 403
        assert not {"complaints-agent", "complaints-supervisor"} & ALLOWED[(method, route)]
        return
    if scope is TeamScope.EVERY_TEAM:
        assert ALLOWED[(method, route)] == {"admin"}
        return
    if scope is TeamScope.SHARED:  # no team's resource may be named by a shared route
        assert not {"{inquiry_id}", "{customer_id}", "{team}", "{correction_id}"} & set(route.split("/")), route
        return
    assert (method, route) in PROOFS, f"{method} {route} ({scope}): prove it keeps to the caller's teams in PROOFS"
    PROOFS[(method, route)](runner, world, two_teams)
