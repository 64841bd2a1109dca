"""The knowledge policy (``policies/knowledge.json``): suggestion settings."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

SHIPPED = Path(__file__).resolve().parent.parent / "policies" / "knowledge.json"


class SimilarCases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(ge=1, le=366)
    candidates: int = Field(ge=1, le=2_000)
    top: int = Field(ge=0, le=20)


class SuggestionSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top: int = Field(ge=1, le=20)
    category_boost: float = Field(ge=0)
    fallback_language: str
    max_articles: int = Field(ge=1, le=10_000)
    similar_cases: SimilarCases


class KnowledgePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    comment: str | None = Field(default=None, alias="$comment")
    version: str
    suggestions: SuggestionSettings


@cache
def load_knowledge_policy(path: str | None = None) -> KnowledgePolicy:
    return KnowledgePolicy.model_validate_json(Path(path or SHIPPED).read_text(encoding="utf-8"))
