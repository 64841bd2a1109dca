"""The knowledge base, suggestions and cross-department requests through the agents' API on the
stack deployed into moto (R7.1, R7.2, R4.3): the real table, its keys, the access guard."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from desk_ops.local.front import api_gateway_event

from tests.integration.conftest import agent_claims


def _call(runner: Any, method: str, path: str, claims: dict[str, str], body: Any = None) -> tuple[int, Any]:
    raw = b"" if body is None else json.dumps(body).encode()
    event = api_gateway_event(method, path, {"Content-Type": "application/json"}, raw, claims, "v1")
    result: dict[str, Any] = runner.invoke("console_api", event)
    return result["statusCode"], json.loads(result["body"]) if result["body"] else None


@pytest.fixture(scope="module")
def people(runner: Any, stack: Any) -> dict[str, dict[str, str]]:
    return {
        "product": agent_claims("kb-product", "product", ()),
        "agent": agent_claims("kb-agent", "agents", ("orders",)),
        "supervisor": agent_claims("kb-supervisor", "supervisors", ("orders",)),
    }


ARTICLE = {
    "title": "Where is my parcel",
    "body": "Open the order under My orders for the tracking number; delivered but not received? "
    "Reply with the order number.",
    "language": "en",
    "categories": ["order_logistics"],
}


def test_R7_2_product_staff_and_agents_edit_versioned_articles_kept_in_the_table(
    runner: Any, people: dict[str, dict[str, str]], dynamodb: Any
) -> None:
    status, created = _call(runner, "POST", "/api/knowledge", people["product"], ARTICLE)
    assert status == 201, created
    article_id = created["article"]["article_id"]
    status, edited = _call(
        runner,
        "PUT",
        f"/api/knowledge/{article_id}",
        people["agent"],
        {**ARTICLE, "body": ARTICLE["body"] + " We chase the courier first.", "base_version": 1},
    )
    assert status == 200 and edited["article"]["version"] == 2 and edited["article"]["edited_by"] == "kb-agent"
    stale, refused = _call(
        runner, "PUT", f"/api/knowledge/{article_id}", people["product"], {**ARTICLE, "base_version": 1}
    )
    assert stale == 409 and refused["error"] == "conflict"
    status, versions = _call(runner, "GET", f"/api/knowledge/{article_id}/versions", people["agent"])
    assert [(v["version"], v["edited_by"]) for v in versions["versions"]] == [(1, "kb-product"), (2, "kb-agent")]
    status, old = _call(runner, "GET", f"/api/knowledge/{article_id}?version=1", people["agent"])
    assert old["article"]["body"] == ARTICLE["body"]
    status, found = _call(runner, "GET", "/api/knowledge?q=parcel%20tracking&language=en", people["agent"])
    assert article_id in [a["article_id"] for a in found["articles"]]
    status, gone = _call(runner, "POST", f"/api/knowledge/{article_id}/unpublish", people["product"], {"note": "old"})
    assert status == 200 and gone["article"]["status"] == "unpublished" and gone["article"]["version"] == 3
    status, listed = _call(runner, "GET", "/api/knowledge", people["agent"])
    assert article_id not in [a["article_id"] for a in listed["articles"]]
    status, listed = _call(runner, "GET", "/api/knowledge?include_unpublished=true", people["agent"])
    assert article_id in [a["article_id"] for a in listed["articles"]]
    status, _ = _call(runner, "POST", f"/api/knowledge/{article_id}/publish", people["product"], {})
    assert status == 200
    # the keys the README names: every version in the article's partition, one catalogue item
    from inquiry_desk.runtime.settings import TableSettings, load

    table = load(TableSettings).table_name
    kept = dynamodb.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ARTICLE#{article_id}"}},
    )["Items"]
    assert [i["SK"]["S"] for i in kept] == ["V#000001", "V#000002", "V#000003", "V#000004"]
    head = dynamodb.get_item(TableName=table, Key={"PK": {"S": "KNOWLEDGE"}, "SK": {"S": f"ARTICLE#{article_id}"}})
    assert head["Item"]["version"]["N"] == "4"
    bad, why = _call(runner, "POST", "/api/knowledge", people["agent"], {**ARTICLE, "categories": ["nope"]})
    assert bad == 400 and "nope" in why["reason"]


def test_R7_2_a_reply_from_a_suggested_article_shows_its_version_on_the_timeline(
    runner: Any, people: dict[str, dict[str, str]]
) -> None:
    admin = agent_claims("kb-admin", "admins", ())
    status, made = _call(
        runner,
        "POST",
        "/api/inquiries",
        admin,
        {
            "channel": "phone",
            "contact": "138-0013-8222",
            "description": "where is my parcel? tracking not updated",
            "reference": "kb-1",
        },
    )
    assert status in (200, 201), made
    inquiry_id = made["inquiry_id"]
    _call(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        admin,
        {"action": "reclassify", "team": "orders", "category": "order_logistics"},
    )
    status, created = _call(runner, "POST", "/api/knowledge", people["product"], ARTICLE)
    article = created["article"]
    status, suggested = _call(runner, "GET", f"/api/inquiries/{inquiry_id}/suggestions", people["agent"])
    assert status == 200, suggested
    refs = [a["content_ref"] for a in suggested["answers"]]
    ref = f"article:{article['article_id']}@1"
    assert ref in refs, refs
    rank = refs.index(ref) + 1
    status, replied = _call(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        people["agent"],
        {"action": "reply", "text": article["body"], "content_ref": ref, "suggestion_rank": rank},
    )
    assert status == 200, replied
    status, got = _call(runner, "GET", f"/api/inquiries/{inquiry_id}", people["agent"])
    reply = next(e for e in got["events"] if e["type"] == "replied")
    assert (reply["data"]["content_ref"], reply["data"]["suggestion_rank"]) == (ref, rank)
    assert any(m.get("content_ref") == ref for m in got["messages"])
    made_up, why = _call(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/actions",
        people["agent"],
        {"action": "reply", "text": "x", "content_ref": "article:ANONE@1"},
    )
    assert made_up == 400 and "no article" in why["reason"]


def test_R4_3_a_department_request_and_its_answer_are_on_the_timeline(
    runner: Any, stack: Any, people: dict[str, dict[str, str]]
) -> None:
    admin = agent_claims("kb-admin", "admins", ())
    status, made = _call(
        runner,
        "POST",
        "/api/inquiries",
        admin,
        {
            "channel": "phone",
            "contact": "138-0013-8333",
            "description": "is the blue one in stock",
            "reference": "kb-2",
        },
    )
    inquiry_id = made["inquiry_id"]
    _call(runner, "POST", f"/api/inquiries/{inquiry_id}/actions", admin, {"action": "reclassify", "team": "orders"})
    status, opened = _call(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/department-requests",
        people["agent"],
        {"department": "warehouse", "needed": "stock of blue"},
    )
    assert status == 201, opened
    request_id = opened["request_id"]
    # its own timer: a named schedule at the due time, fired into sla_timer
    from desk_ops.local.harness import drain_streams

    drain_streams()
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    group = stack.outputs["ScheduleGroupName"]
    schedule = scheduler.get_schedule(Name=f"{inquiry_id}-dept-{request_id}", GroupName=group)
    assert json.loads(schedule["Target"]["Input"]) == {
        "department": {"inquiry_id": inquiry_id, "request_id": request_id}
    }
    assert "slatimer" in schedule["Target"]["Arn"], schedule["Target"]
    fired = runner.invoke("sla_timer", json.loads(schedule["Target"]["Input"]))
    assert fired == {"verdict": "not due yet"}, fired
    status, answered = _call(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/department-requests/{request_id}/answer",
        people["agent"],
        {"answer": "3 left"},
    )
    assert status == 200, answered
    status, got = _call(runner, "GET", f"/api/inquiries/{inquiry_id}", people["agent"])
    kinds = [e["type"] for e in got["events"]]
    assert "department_requested" in kinds and "department_answered" in kinds
    assert next(e for e in got["events"] if e["type"] == "department_requested")["data"]["due"]
    again, _ = _call(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/department-requests/{request_id}/answer",
        people["agent"],
        {"answer": "again"},
    )
    assert again == 409
    unknown, _ = _call(
        runner,
        "POST",
        f"/api/inquiries/{inquiry_id}/department-requests",
        people["agent"],
        {"department": "marketing", "needed": "x"},
    )
    assert unknown == 400
