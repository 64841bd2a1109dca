"""Administration of the policy documents on the emulated stack: versions, validation, audit,
rollback, who may do what, and a new inquiry routed and timed by the version an admin saved."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from desk_ops.local.front import api_gateway_event
from inquiry_desk.adapters.policy_store import DynamoPolicyStore
from inquiry_desk.errors import Conflict
from inquiry_desk.policies.book import Version
from inquiry_desk.policies.documents import shipped_content

from tests.fakes.policies import FakePolicyStore
from tests.integration.conftest import agent_claims


def _call(runner: Any, method: str, path: str, claims: dict[str, str], body: Any = None) -> tuple[int, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    event = api_gateway_event(method, path, {"Content-Type": "application/json"}, raw, claims, "v1")
    got = runner.invoke("console_api", event)
    return got["statusCode"], json.loads(got["body"]) if got["body"] else None


@pytest.fixture(scope="module")
def users(runner: Any, stack: Any) -> dict[str, dict[str, str]]:
    return {
        "admin": agent_claims("policy-admin", "admins", ()),
        "supervisor": agent_claims("policy-supervisor", "supervisors", ("orders",)),
        "agent": agent_claims("policy-agent", "agents", ("orders",)),
    }


@pytest.fixture
def restored(runner: Any, users: dict[str, dict[str, str]]) -> Iterator[None]:
    """Other tests of the session read the shipped policies: put their content back afterwards."""
    yield
    for name in ("sla", "routing"):
        status, active = _call(runner, "GET", f"/api/policies/{name}", users["admin"])
        if status == 200 and active["version"] > 0 and active["content"] != shipped_content(name):
            back = {"to_version": 0, "base_version": active["version"], "reason": "test cleanup"}
            assert _call(runner, "POST", f"/api/policies/{name}/rollback", users["admin"], back)[0] == 201


def test_R8_2_agents_get_403_supervisors_read_admins_write(runner: Any, users: dict[str, dict[str, str]]) -> None:
    assert _call(runner, "GET", "/api/policies", users["agent"])[0] == 403
    assert _call(runner, "GET", "/api/policies/routing", users["agent"])[0] == 403
    status, listed = _call(runner, "GET", "/api/policies", users["supervisor"])
    assert status == 200 and {d["document"] for d in listed["documents"]} >= {"sla", "routing", "templates"}
    body = {"content": shipped_content("routing"), "base_version": 0}
    assert _call(runner, "PUT", "/api/policies/routing", users["supervisor"], body)[0] == 403
    assert _call(runner, "GET", "/api/policies/payroll", users["admin"])[0] == 404


def test_a_bad_value_is_refused_with_every_path_and_nothing_changes(
    runner: Any, users: dict[str, dict[str, str]]
) -> None:
    _, before = _call(runner, "GET", "/api/policies/routing", users["admin"])
    bad = copy.deepcopy(before["content"])
    bad["agents"]["li.na"]["capacity"] = -1
    bad["agents"]["li.na"]["shift"] = "moon_base"
    body = {"content": bad, "base_version": before["version"]}
    status, refused = _call(runner, "PUT", "/api/policies/routing", users["admin"], body)
    assert status == 422 and refused["error"] == "invalid_policy"
    assert '$.agents["li.na"].capacity' in {p["path"] for p in refused["problems"]}
    status, checked = _call(runner, "POST", "/api/policies/routing/check", users["admin"], {"content": bad})
    assert status == 200 and checked["problems"] == refused["problems"]
    assert _call(runner, "GET", "/api/policies/routing", users["admin"])[1]["version"] == before["version"]


def test_R4_1_a_saved_version_routes_and_times_the_next_inquiry_then_rolls_back(
    runner: Any, users: dict[str, dict[str, str]], restored: None
) -> None:
    admin = users["admin"]
    _, sla = _call(runner, "GET", "/api/policies/sla", admin)
    _, routing = _call(runner, "GET", "/api/policies/routing", admin)
    new_sla = copy.deepcopy(sla["content"])
    new_sla["version"] = "admin-test-1"
    always = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    new_sla["calendars"]["cn_office"].update(hours=always, holidays=None, makeup_days=False)
    status, saved = _call(
        runner,
        "PUT",
        "/api/policies/sla",
        admin,
        {"content": new_sla, "base_version": sla["version"], "reason": "7x24"},
    )
    assert status == 201, saved
    assert saved["saved_by"] == "policy-admin" and saved["reason"] == "7x24"
    assert any("calendars.cn_office.hours" in line for line in saved["summary"])

    new_routing = copy.deepcopy(routing["content"])
    every_skill = sorted({s for a in new_routing["agents"].values() for s in a["skills"]})
    teams = sorted({c["team"] for c in new_sla["categories"].values()})
    new_routing["agents"] = {
        "nina.new": {"name": "Nina", "teams": teams, "skills": every_skill, "capacity": 50, "shift": "cn_office"}
    }
    body = {"content": new_routing, "base_version": routing["version"]}
    status, saved_routing = _call(runner, "PUT", "/api/policies/routing", admin, body)
    assert status == 201, saved_routing
    assert _call(runner, "PUT", "/api/policies/routing", admin, body)[0] == 409  # same base again: conflict

    recorded = {
        "channel": "phone",
        "contact": "138-0013-8222",
        "description": "where is my parcel",
        "reference": "pa-1",
    }
    status, made = _call(runner, "POST", "/api/inquiries", admin, recorded)
    assert status == 201, made
    _, got = _call(runner, "GET", f"/api/inquiries/{made['inquiry_id']}", admin)
    assert got["inquiry"]["owner"] == "nina.new"
    assert got["inquiry"]["policy_version"] == "admin-test-1"

    status, history = _call(runner, "GET", "/api/policies/routing/versions", admin)
    assert status == 200 and history["versions"][0]["version"] == saved_routing["version"]
    assert history["versions"][-1]["version"] == 0 and history["versions"][-1]["saved_by"] == "packaged"
    back = {"to_version": routing["version"], "base_version": saved_routing["version"], "reason": "undo"}
    status, rolled = _call(runner, "POST", "/api/policies/routing/rollback", admin, back)
    assert status == 201 and rolled["rollback_of"] == routing["version"]
    _, active = _call(runner, "GET", "/api/policies/routing", admin)
    assert active["content"] == routing["content"] and active["version"] == saved_routing["version"] + 1
    _, old = _call(runner, "GET", f"/api/policies/routing/versions/{saved_routing['version']}", admin)
    assert "nina.new" in old["content"]["agents"]


def test_the_dynamo_store_keeps_the_fakes_contract(stack: Any) -> None:
    """The same behaviour on the table as on the in-memory fake the unit tests use."""
    db = boto3.client("dynamodb", region_name="us-east-1")
    table = os.environ["TABLE_NAME"]
    for store in (DynamoPolicyStore(db, table), FakePolicyStore()):
        first = Version("contract_doc", 1, {"a": 1.5, "b": ["x"]}, "ada", None, ("added $.a",), "why")
        store.save(first, 0)
        with pytest.raises(Conflict):
            store.save(Version("contract_doc", 2, {"a": 2}, "bob", None), 0)
        store.save(Version("contract_doc", 2, {"a": 2}, "bob", None, rollback_of=0), 1)
        assert store.active_all()["contract_doc"].version == 2
        assert store.version("contract_doc", 1) == first
        assert [v.version for v in store.versions("contract_doc", 10)] == [2, 1]
        assert store.versions("contract_doc", 1)[0].rollback_of == 0
    for key in (
        {"PK": "POLICIES", "SK": "ACTIVE#contract_doc"},
        *({"PK": "POLICY#contract_doc", "SK": f"V#{n:06d}"} for n in (1, 2)),
    ):
        db.delete_item(TableName=table, Key={k: {"S": v} for k, v in key.items()})
