"""Articles and their versions, and the store the knowledge service needs (a port)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field


class ArticleStatus(StrEnum):
    PUBLISHED = "published"  # offered to agents (suggestions) and searchable
    UNPUBLISHED = "unpublished"  # archived: kept and readable, never suggested


class ArticleDraft(BaseModel):
    """What an editor writes: the content of one version."""

    model_config = ConfigDict(frozen=True)

    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000)
    language: str = Field(min_length=2, max_length=16, description="zh, en, ... (the customer's language)")
    categories: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=20, description="category tags (the triage categories)"
    )
    product: str | None = Field(default=None, max_length=200, description="the product it is about, if any")


class Article(ArticleDraft):
    """One version of an article. A version is never changed: an edit writes the next one."""

    article_id: str
    version: int = Field(ge=1)
    status: ArticleStatus = ArticleStatus.PUBLISHED
    edited_by: str
    edited_at: datetime
    created_by: str
    created_at: datetime
    change_note: str | None = Field(default=None, max_length=2_000)

    @property
    def content_ref(self) -> str:
        """The lineage a message sent from this version records (R6.2, R7)."""
        return f"article:{self.article_id}@{self.version}"


class StaleArticle(Exception):
    """Another editor saved a version first (optimistic concurrency)."""


class KnowledgeStore(Protocol):
    def save(self, article: Article) -> None:
        """Write `article` as its version and as the current one, atomically; raise StaleArticle
        when that version exists already (another editor got there first)."""

    def current(self, article_id: str) -> Article | None: ...

    def version(self, article_id: str, version: int) -> Article | None: ...

    def versions(self, article_id: str) -> list[Article]:
        """Every version, oldest first."""

    def catalogue(self, limit: int = 1000) -> list[Article]:
        """The current version of every article (published or not), newest first: one bounded
        Query of the catalogue partition, never a scan."""
