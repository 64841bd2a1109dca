"""`desk kb import` on fakes (R7.2): stable keys, unchanged rows skipped, changed rows a new version,
a row whose article moved meanwhile fails alone."""

from __future__ import annotations

from datetime import UTC, datetime

from inquiry_desk.knowledge.importer import ImportRow, article_id, derived_key, import_articles
from inquiry_desk.knowledge.model import Article
from inquiry_desk.knowledge.service import KnowledgeService

from tests.fakes.knowledge import FakeKnowledgeStore

AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _service(store: FakeKnowledgeStore) -> KnowledgeService:
    return KnowledgeService(store, lambda: AT)


def test_a_row_without_key_gets_a_stable_one_from_language_and_title_R7_2() -> None:
    row = ImportRow(title=" Warranty ", body="two years", language="en-GB")
    assert derived_key(row) == derived_key(row.model_copy(update={"body": "three years"}))
    assert derived_key(row).startswith("en-gb-") and derived_key(row) != derived_key(
        row.model_copy(update={"title": "Repairs"})
    )


def test_unchanged_rows_are_skipped_and_a_changed_one_is_the_next_version_R7_2() -> None:
    store = FakeKnowledgeStore()
    rows = [
        {"key": "a", "title": "A", "body": "one", "language": "en", "categories": ["x", "y"]},
        {"key": "b", "title": "B", "body": "two", "language": "en"},
    ]
    assert import_articles(_service(store), rows, "ops").summary() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "error": 0,
    }
    rows[0] = {**rows[0], "categories": ["y", "x", "x"], "title": " A "}  # the same once cleaned
    rows[1] = {**rows[1], "body": "two, revised"}
    report = import_articles(_service(store), rows, "ops")
    assert [r.outcome for r in report.rows] == ["unchanged", "updated"]
    assert [a.version for a in store.versions(article_id("b"))] == [1, 2]


class _EditedMeanwhile(FakeKnowledgeStore):
    """Another editor saves article kb-a between the import's read and its write."""

    def save(self, article: Article) -> None:
        if article.article_id == article_id("a") and article.version == 2:
            super().save(article.model_copy(update={"body": "someone else's"}))
        super().save(article)


def test_a_row_whose_article_moved_meanwhile_fails_alone_R7_2() -> None:
    store = _EditedMeanwhile()
    rows = [{"key": "a", "title": "A", "body": "one", "language": "en"}]
    import_articles(_service(store), rows, "ops")
    rows = [{**rows[0], "body": "mine"}, {"key": "c", "title": "C", "body": "three", "language": "en"}]
    report = import_articles(_service(store), rows, "ops")
    assert [r.outcome for r in report.rows] == ["error", "created"]
    assert "changed meanwhile" in str(report.rows[0].error)
    current = store.current(article_id("a"))
    assert current is not None and current.body == "someone else's"
