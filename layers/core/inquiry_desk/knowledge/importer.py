"""Importing articles from a file, idempotently (R7.2): `desk kb import FILE`.

Every row carries a stable ``key`` (lower-case letters, digits, ``.``, ``_``, ``-``; at most 60);
the article's id is ``kb-<key>``, so the same row always lands on the same article. A row whose
content (title, body, language, categories, product) equals the article's current version is
unchanged; a different one becomes the next version of that article (versions are kept; the write
is conditional on the version read, so a concurrent edit makes that row fail, not overwrite); a new
key creates version 1. A row without ``key`` gets one derived from its language and title (so
changing such a row's title makes a new article: give keys). A bad row is reported with its
number and reason; the good rows are imported all the same.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, ValidationError

from inquiry_desk.errors import Conflict, PayloadError
from inquiry_desk.knowledge.model import Article, ArticleDraft
from inquiry_desk.knowledge.service import KnowledgeService, clean_draft

KEY_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,59}$"
ID_PREFIX = "kb-"


class ImportRow(ArticleDraft):
    """One article of the file: its stable key and the content of its current version."""

    key: str | None = Field(default=None, pattern=KEY_PATTERN, description="stable key: the article is kb-<key>")


def article_id(key: str) -> str:
    return ID_PREFIX + key


def derived_key(draft: ArticleDraft) -> str:
    """A key for a row without one: its language and a digest of its title."""
    digest = hashlib.sha256(draft.title.strip().encode("utf-8")).hexdigest()[:12]
    return f"{re.sub(r'[^a-z0-9]+', '-', draft.language.lower()).strip('-') or 'x'}-{digest}"


def _content(draft: ArticleDraft) -> dict[str, Any]:
    return clean_draft(draft).model_dump(include={"title", "body", "language", "categories", "product"})


@dataclass(frozen=True)
class RowResult:
    row: int  # 1-based position in the file's "articles"
    key: str | None
    outcome: str  # created | updated | unchanged | error
    article: Article | None = None
    error: str | None = None


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == "error"]

    def summary(self) -> dict[str, int]:
        return {k: self.count(k) for k in ("created", "updated", "unchanged", "error")}


def _reason(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in err.errors())


def import_articles(service: KnowledgeService, entries: Sequence[Any], by: str) -> ImportReport:
    """Each entry in turn: created, updated (a new version), unchanged, or an error for that row only."""
    report = ImportReport()
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        key = str(entry.get("key")) if isinstance(entry, dict) and entry.get("key") is not None else None
        try:
            row = ImportRow.model_validate(entry)
            key = row.key or derived_key(row)
            if key in seen:
                raise PayloadError(f"key {key!r} is also row {seen[key]}")
            seen[key] = number
            outcome, article = _import_row(service, key, row, by)
        except ValidationError as err:
            report.rows.append(RowResult(number, key, "error", error=_reason(err)))
            continue
        except (PayloadError, Conflict) as err:
            report.rows.append(RowResult(number, key, "error", error=str(err)))
            continue
        report.rows.append(RowResult(number, key, outcome, article))
    return report


def _import_row(service: KnowledgeService, key: str, row: ImportRow, by: str) -> tuple[str, Article]:
    draft = ArticleDraft.model_validate(row.model_dump(exclude={"key"}))
    current = service.find(article_id(key))
    if current is None:
        return "created", service.create(draft, by, article_id=article_id(key))
    if _content(current) == _content(draft):
        return "unchanged", current
    return "updated", service.edit(current.article_id, draft, by, current.version, note="import")
