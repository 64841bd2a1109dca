"""Create, edit, unpublish and find knowledge-base articles (R7.1, R7.2).

Every change is a new version written by one conditional transaction: the current version moves
only when the version the editor started from is still the current one, so two editors never
overwrite each other (the second gets a 409 and re-reads).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from inquiry_desk.errors import Conflict, NotFound, PayloadError
from inquiry_desk.ids import new_id
from inquiry_desk.knowledge.model import Article, ArticleDraft, ArticleStatus, KnowledgeStore, StaleArticle


class KnowledgeService:
    def __init__(self, store: KnowledgeStore, now: Callable[[], datetime]) -> None:
        self._store = store
        self._now = now

    def create(self, draft: ArticleDraft, by: str, article_id: str | None = None) -> Article:
        """Version 1 of a new article; `article_id` fixed by the caller (an import's stable key)
        or a new one. A fixed id that exists already is a conflict, never an overwrite."""
        at = self._now()
        article = Article(
            **_clean(draft).model_dump(),
            article_id=article_id or new_id(at, "A"),
            version=1,
            edited_by=by,
            edited_at=at,
            created_by=by,
            created_at=at,
        )
        try:
            self._store.save(article)
        except StaleArticle:
            raise Conflict(f"article {article.article_id} exists already: re-read and edit") from None
        return article

    def find(self, article_id: str) -> Article | None:
        """The current version, or None when there is no such article."""
        return self._store.current(article_id)

    def edit(
        self, article_id: str, draft: ArticleDraft, by: str, base_version: int, note: str | None = None
    ) -> Article:
        """A new version with the editor's content; `base_version` is the version they edited."""
        current = self.get(article_id)
        return self._next(current, base_version, by, note, **_clean(draft).model_dump())

    def set_status(self, article_id: str, status: ArticleStatus, by: str, note: str | None = None) -> Article:
        """Unpublish (archive) or publish again: a new version with the same content."""
        current = self.get(article_id)
        if current.status is status:
            return current
        return self._next(current, current.version, by, note, status=status)

    def get(self, article_id: str, version: int | None = None) -> Article:
        found = self._store.current(article_id) if version is None else self._store.version(article_id, version)
        if found is None:
            raise NotFound(f"no article {article_id}" + (f" version {version}" if version else ""))
        return found

    def versions(self, article_id: str) -> list[Article]:
        found = self._store.versions(article_id)
        if not found:
            raise NotFound(f"no article {article_id}")
        return found

    def catalogue(
        self,
        language: str | None = None,
        category: str | None = None,
        include_unpublished: bool = False,
        query: str | None = None,
    ) -> list[Article]:
        """Current versions (newest edit first), or with `query` the matching ones, best first (BM25
        over title, body and product; the title counts twice)."""
        found = [
            a
            for a in self._store.catalogue()
            if (include_unpublished or a.status is ArticleStatus.PUBLISHED)
            and (language is None or _same_language(a.language, language))
            and (category is None or category in a.categories)
        ]
        if not query or not query.strip():
            return found
        from inquiry_desk.answers.ranking import bm25_scores

        scores = bm25_scores(query, [f"{a.title} {a.title} {a.body} {a.product or ''}" for a in found])
        ranked = sorted(zip(scores, range(len(found)), found, strict=True), key=lambda t: (-t[0], t[1]))
        return [a for score, _, a in ranked if score > 0]

    def _next(self, current: Article, base_version: int, by: str, note: str | None, **changes: object) -> Article:
        if base_version != current.version:
            raise Conflict(
                f"article {current.article_id} is at version {current.version}, not {base_version}: re-read and edit"
            )
        update = {**changes, "version": current.version + 1, "edited_by": by, "edited_at": self._now()}
        article = Article.model_validate({**current.model_dump(), **update, "change_note": note})
        try:
            self._store.save(article)
        except StaleArticle:
            raise Conflict(f"article {current.article_id} was changed meanwhile: re-read and edit") from None
        return article


def _same_language(article_language: str, wanted: str) -> bool:
    """zh-CN matches zh, en-GB matches en: the primary subtag decides."""
    return article_language.lower().split("-")[0] == wanted.lower().split("-")[0]


def clean_draft(draft: ArticleDraft) -> ArticleDraft:
    """The draft as it is stored: title and body trimmed, categories trimmed, unique and sorted."""
    return _clean(draft)


def _clean(draft: ArticleDraft) -> ArticleDraft:
    title, body = draft.title.strip(), draft.body.strip()
    if not title or not body:
        raise PayloadError("an article needs a title and a body")
    categories = sorted({c.strip() for c in draft.categories if c.strip()})
    return draft.model_copy(update={"title": title, "body": body, "categories": categories})
