"""The policy file: loader errors (file + JSON path + reason), rule selection, schema drift."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from inquiry_desk.deadlines import PolicyError, SlaPolicy, load_policy, select_rule, shipped_policy_path
from inquiry_desk.deadlines.schema import default_path, render
from inquiry_desk.model import Urgency

SHIPPED: dict[str, Any] = json.loads(shipped_policy_path().read_text(encoding="utf-8"))


def write(tmp_path: Path, doc: Any, name: str = "bad.sla.json") -> Path:
    p = tmp_path / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def problems_of(path: Path) -> tuple[str, list[tuple[str, str]]]:
    with pytest.raises(PolicyError) as err:
        load_policy(path)
    return str(err.value), err.value.problems


def test_shipped_policy_loads_with_both_calendars(policy: SlaPolicy) -> None:
    assert policy.version
    assert set(policy.calendars) == {"cn_office", "us_east"}
    assert policy.calendars["cn_office"].timezone == "Asia/Shanghai"
    assert policy.calendars["us_east"].timezone == "America/New_York"
    assert policy.join_window.minutes > 0
    assert policy.defaults.category in policy.categories
    assert all(rule.id for rule in policy.rules)


def test_error_names_file_json_path_and_reason(tmp_path: Path) -> None:
    doc = copy.deepcopy(SHIPPED)
    doc["rules"][3]["targets"]["resolve"] = {"hours": 2, "minutes": 5}
    path = write(tmp_path, doc)
    text, problems = problems_of(path)
    assert problems == [("$.rules[3].targets.resolve", "give exactly one of seconds, minutes, hours, days")]
    assert text == f"{path}: $.rules[3].targets.resolve: give exactly one of seconds, minutes, hours, days"


def test_field_errors_point_inside_lists_and_maps(tmp_path: Path) -> None:
    doc = copy.deepcopy(SHIPPED)
    doc["calendars"]["cn_office"]["hours"]["mon"][1] = "13:30-25:00"
    doc["rules"][0]["match"]["channel"] = ["chat", "fax"]
    doc["rules"][2]["targets"]["detailed_reply"]["clock"] = "lunar"
    _, problems = problems_of(write(tmp_path, doc))
    paths = {p for p, _ in problems}
    assert "$.calendars.cn_office.hours.mon[1]" in paths
    assert "$.rules[0].match.channel[1]" in paths
    assert "$.rules[2].targets.detailed_reply.clock" in paths
    reasons = dict(problems)
    assert "25:00" in reasons["$.calendars.cn_office.hours.mon[1]"]


def test_reference_errors_name_the_referring_path(tmp_path: Path) -> None:
    doc = copy.deepcopy(SHIPPED)
    doc["rules"][1]["escalation"] = "no-such-ladder"
    doc["rules"][5]["id"] = doc["rules"][4]["id"]
    doc["rules"][16]["targets"]["acknowledge"]["calendar"] = "mars_office"
    doc["defaults"]["category"] = "gossip"
    doc["calendars"]["us_east"]["holidays"]["country"] = "ZZ"
    _, problems = problems_of(write(tmp_path, doc))
    reasons = dict(problems)
    assert reasons["$.rules[1].escalation"] == "unknown escalation ladder 'no-such-ladder'"
    assert reasons["$.rules[5].id"].startswith("duplicate rule id")
    assert reasons["$.rules[16].targets.acknowledge.calendar"] == "unknown calendar 'mars_office'"
    assert reasons["$.defaults.category"] == "unknown category 'gossip'"
    assert "ZZ" in reasons["$.calendars.us_east.holidays"]


def test_invalid_json_and_missing_file(tmp_path: Path) -> None:
    path = write(tmp_path, '{"version": "1",\n  "rules": [,]}')
    text, problems = problems_of(path)
    assert problems[0][0] == "$" and "line 2" in problems[0][1]
    assert text.startswith(str(path))
    text, _ = problems_of(tmp_path / "missing.sla.json")
    assert "missing.sla.json: $: cannot read file" in text


def test_unknown_fields_are_refused(tmp_path: Path) -> None:
    doc = copy.deepcopy(SHIPPED)
    doc["rules"][0]["tagrets"] = {}
    _, problems = problems_of(write(tmp_path, doc))
    assert ("$.rules[0].tagrets", "Extra inputs are not permitted") in problems


def test_warn_before_is_a_duration_or_a_fraction(tmp_path: Path) -> None:
    doc = copy.deepcopy(SHIPPED)
    doc["warn_before"]["default"] = {"fraction": 0.5, "minutes": 3}
    _, problems = problems_of(write(tmp_path, doc))
    assert problems[0][0] == "$.warn_before.default"


def test_most_specific_rule_wins_and_ties_go_to_the_earlier_rule(policy: SlaPolicy) -> None:
    def rule_id(kind: str, facts: dict[str, str]) -> str | None:
        rule = select_rule(policy, kind, facts)
        return rule.id if rule else None

    complaint = {"channel": "email", "category": "complaint", "team": "complaints", "urgency": "urgent"}
    assert rule_id("resolve", complaint) == "R4.2-complaint"
    # email (channel) and R2.4-urgent (urgency) both set first_reply with one field: email comes first
    assert rule_id("first_reply", complaint) == "R2.1-email"
    assert rule_id("first_reply", {**complaint, "channel": "chat"}) == "R2.4-urgent"
    assert rule_id("resolve", {"channel": "chat"}) == "fallback"
    assert rule_id("contact_after_assign", {"channel": "chat"}) == "R2.5-stages"


def test_default_categories_cover_the_requirements(policy: SlaPolicy) -> None:
    expected = {
        "pre_sales",
        "after_sales_return",
        "after_sales_repair",
        "usage_help",
        "complaint",
        "fault_report",
        "account_request",
        "order_payment",
        "order_logistics",
        "promotion",
        "membership",
        "suggestion",
        "dispute",
    }
    assert expected <= set(policy.categories)
    assert policy.defaults.category == "unclassified"  # R1.4: low confidence waits in a triage queue
    for cid, c in policy.categories.items():
        assert c.name_zh and c.name_en and c.team, cid
        if cid == policy.defaults.category:
            continue
        assert any(not k.isascii() for k in c.keywords), f"{cid} has no Chinese keyword"
        assert any(k.isascii() for k in c.keywords), f"{cid} has no English keyword"
    urgent = {cid for cid, c in policy.categories.items() if c.urgency is Urgency.URGENT}
    assert {"complaint", "fault_report", "dispute"} <= urgent  # R1.5
    assert "pre_sales" not in urgent and "suggestion" not in urgent
    assert policy.categories["pre_sales"].team == "presales"  # 售前组 (R4.2)
    assert policy.categories["after_sales_return"].team == "aftersales"  # 售后组
    assert policy.categories["complaint"].team == "complaints"  # 投诉处理组


def test_every_target_is_data_in_the_policy(policy: SlaPolicy) -> None:
    kinds = {k for r in policy.rules for k in r.targets}
    assert kinds == {
        "acknowledge",
        "first_reply",
        "detailed_reply",
        "resolve",
        "progress_notice",
        "identify",
        "assign",
        "contact_after_assign",
    }


def test_committed_schema_matches_the_models() -> None:
    committed = default_path().read_text(encoding="utf-8")
    assert committed == render(), "run: .venv/bin/python -m inquiry_desk.deadlines.schema"


def test_shipped_policy_validates_against_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(render())
    jsonschema.Draft202012Validator(schema).validate(SHIPPED)
    bad = copy.deepcopy(SHIPPED)
    bad["rules"][0]["targets"]["first_reply"]["clock"] = "lunar"
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
