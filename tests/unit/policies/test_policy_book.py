"""The policy book on a fake store: versions, validation with paths, audit, rollback, the cache."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from inquiry_desk.errors import Conflict, NotFound
from inquiry_desk.policies.book import ActivePolicies, PolicyBook, PolicyInvalid
from inquiry_desk.policies.documents import DOCUMENTS, shipped_content, summarize

from tests.fakes.policies import FakePolicyStore

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def store() -> FakePolicyStore:
    return FakePolicyStore()


@pytest.fixture
def book(store: FakePolicyStore) -> PolicyBook:
    return PolicyBook(store, shipped_content, lambda: AT)


def routing_with(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(shipped_content("routing"))
    doc["agents"]["li.na"].update(changes)
    return doc


def test_every_shipped_document_is_valid_as_version_0(book: PolicyBook) -> None:
    for name in DOCUMENTS:
        assert book.check(name, shipped_content(name)) == [], name
        assert book.active(name).version == 0


def test_save_makes_a_new_active_version_with_its_audit(book: PolicyBook) -> None:
    saved = book.save("routing", routing_with(capacity=4), "ada", base=0, reason="fewer for training")
    assert saved.version == 1
    assert book.active("routing").content["agents"]["li.na"]["capacity"] == 4
    audit = book.history("routing")[0].audit()
    assert audit["saved_by"] == "ada" and audit["saved_at"] == AT.isoformat() and audit["version"] == 1
    assert audit["reason"] == "fewer for training"
    assert audit["summary"] == ['changed $.agents["li.na"].capacity: 10 -> 4']
    assert [v.version for v in book.history("routing")] == [1, 0]


def test_a_bad_value_is_refused_with_its_path_and_nothing_is_saved(book: PolicyBook, store: FakePolicyStore) -> None:
    with pytest.raises(PolicyInvalid) as refused:
        book.save("routing", routing_with(capacity=0, shift="moon_base"), "ada", base=0)
    problems = {p.path: p.message for p in refused.value.problems}
    assert '$.agents["li.na"].capacity' in problems
    assert store.saved == {}


def test_routing_must_name_calendars_and_teams_of_the_sla_policy(book: PolicyBook) -> None:
    doc = routing_with(shift="moon_base", teams=["aftersales", "astronauts"])
    problems = {p.path: p.message for p in book.check("routing", doc)}
    assert "unknown calendar 'moon_base'" in problems['$.agents["li.na"].shift']
    assert "unknown team 'astronauts'" in problems['$.agents["li.na"].teams[1]']


def test_sla_errors_are_those_of_desk_sla_check(book: PolicyBook) -> None:
    from inquiry_desk.deadlines.policy import PolicyError, parse_policy

    doc = copy.deepcopy(shipped_content("sla"))
    calendar = next(iter(doc["calendars"]))
    doc["calendars"][calendar]["timezone"] = "Mars/Olympus"
    with pytest.raises(PolicyError) as cli:
        parse_policy(doc, "x")
    assert [(p.path, p.message) for p in book.check("sla", doc)] == cli.value.problems


def test_a_calendar_that_is_a_shift_cannot_be_removed(book: PolicyBook) -> None:
    doc = copy.deepcopy(shipped_content("sla"))
    del doc["calendars"]["us_east"]
    messages = [p.message for p in book.check("sla", doc)]
    assert any("us_east" in m for m in messages)


def test_templates_with_an_unknown_placeholder_are_refused(book: PolicyBook) -> None:
    doc = copy.deepcopy(shipped_content("templates"))
    doc["templates"]["received"]["en"] = "Hello {customer_name}"
    doc["templates"]["received"]["version"] += 1
    problems = book.check("templates", doc)
    assert [p.path for p in problems] == ["$.templates.received.en"]


def test_saving_over_a_newer_version_is_a_conflict(book: PolicyBook) -> None:
    book.save("routing", routing_with(capacity=4), "ada", base=0)
    with pytest.raises(Conflict):
        book.save("routing", routing_with(capacity=5), "bob", base=0)


def test_rollback_is_a_new_version_with_the_old_content(book: PolicyBook) -> None:
    book.save("routing", routing_with(capacity=4), "ada", base=0)
    book.save("routing", routing_with(capacity=6), "ada", base=1)
    back = book.rollback("routing", 0, "bob", base=2)
    assert back.version == 3 and back.rollback_of == 0 and back.saved_by == "bob"
    assert book.active("routing").content == shipped_content("routing")
    assert back.summary == ('changed $.agents["li.na"].capacity: 6 -> 10',)
    with pytest.raises(NotFound):
        book.get("routing", 9)


def test_unknown_document_is_not_found(book: PolicyBook) -> None:
    with pytest.raises(NotFound):
        book.active("payroll")


def test_active_policies_read_once_per_ttl_and_parse_once_per_version(book: PolicyBook, store: FakePolicyStore) -> None:
    now = [0.0]
    active = ActivePolicies(store, shipped_content, 30, lambda: now[0])
    first = active.parsed("routing")
    assert first.agents["li.na"].capacity == 10 and active.reads == 1
    assert active.parsed("routing") is first and active.parsed("sla") is not None and active.reads == 1
    book.save("routing", routing_with(capacity=4), "ada", base=0)
    assert active.parsed("routing") is first  # cached until the TTL passes
    now[0] = 31.0
    assert active.parsed("routing").agents["li.na"].capacity == 4 and active.reads == 2
    assert active.version("routing") == 1


def test_active_policies_fall_back_to_the_file_when_the_store_fails() -> None:
    class Broken(FakePolicyStore):
        def active_all(self) -> dict[str, Any]:
            raise RuntimeError("no table")

    active = ActivePolicies(Broken(), shipped_content, 30, lambda: 0.0)
    assert active.parsed("routing").agents["li.na"].capacity == 10
    assert active.version("routing") == 0


def test_summary_lists_added_removed_and_changed_paths() -> None:
    lines = summarize({"a": 1, "b": {"c": [1, 2]}}, {"b": {"c": [1, 3]}, "d": "x"}, 10)
    assert lines == ["removed $.a", "changed $.b.c[1]: 2 -> 3", 'added $.d = "x"']
    assert summarize({}, {str(i): i for i in range(5)}, 2)[-1] == "... and 3 more changes"


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("reports", {"targets": ["not", "a", "map"]}),
        ("closing_loop", ["not an object"]),
        ("templates", {"templates": {"x": {"version": 1, "zh": "{"}}}),
        ("sla", {}),
        ("routing", {"agents": {"a": {"teams": "orders"}}}),
    ],
)
def test_any_wrong_shape_is_a_list_of_problems_never_a_crash(book: PolicyBook, name: str, bad: Any) -> None:
    problems = book.check(name, bad)
    assert problems and all(p.path.startswith("$") and p.message for p in problems)


def test_R7_a_changed_wording_needs_a_higher_template_version(book: PolicyBook) -> None:
    doc = copy.deepcopy(shipped_content("templates"))
    doc["templates"]["received"]["en"] = "Thanks, we have your message."
    problems = book.check("templates", doc)
    assert [p.path for p in problems] == ["$.templates.received.version"]
    doc["templates"]["received"]["version"] += 1
    saved = book.save("templates", doc, "ada", base=0)
    assert saved.version == 1 and book.check("templates", doc) == []
