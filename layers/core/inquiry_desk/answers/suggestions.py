"""Suggested answers and similar past cases for an agent's reply (R7.2).

Templates and published knowledge-base articles in the customer's language are ranked lexically
(BM25 over the inquiry's own words, ``answers.ranking``) with a boost for an item tagged with the
inquiry's category; similar past cases are recent resolved inquiries of the same category ranked
the same way, each with its cause, solution and result. Everything here is pure: the candidates
come in bounded lists the caller read through existing keys (the catalogue partition, the day
index), never a scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from inquiry_desk.answers import templates
from inquiry_desk.answers.ranking import bm25_scores
from inquiry_desk.knowledge.model import Article, ArticleStatus
from inquiry_desk.knowledge.policy import SuggestionSettings
from inquiry_desk.model import Direction, Inquiry, Message, Status


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "template" | "article"
    content_id: str
    version: int
    title: str
    text: str
    language: str
    content_ref: str  # what a reply from it records (lineage, R6.2)
    categories: list[str]
    score: float
    rank: int = 0
    variant: str | None = None


@dataclass(frozen=True)
class SimilarCase:
    inquiry_id: str
    category: str | None
    status: str
    description: str
    result: str | None
    cause: str | None
    solution: str | None
    score: float


@dataclass(frozen=True)
class Suggestions:
    language: str
    category: str | None
    answers: list[Suggestion] = field(default_factory=list)
    similar_cases: list[SimilarCase] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def primary(language: str | None) -> str:
    return (language or "").lower().split("-")[0].split("_")[0]


def template_candidates(inquiry_id: str, language: str) -> list[Suggestion]:
    """Every template tagged with categories (the answers agents pick), in `language` (zh or en),
    with the inquiry's own A/B variant."""
    out: list[Suggestion] = []
    for template_id in templates.template_ids():
        data = templates.template(template_id)
        if not data.get("categories"):
            continue  # system wording (greeting, survey...), not an answer
        try:
            composed = templates.compose(template_id, language, inquiry_id)
        except KeyError:
            continue  # needs placeholders only the system fills
        out.append(
            Suggestion(
                kind="template",
                content_id=template_id,
                version=composed.version,
                title=str(data.get(f"title_{composed.language}") or template_id),
                text=composed.text,
                language=composed.language,
                content_ref=composed.content_ref,
                categories=list(data["categories"]),
                score=0.0,
                variant=composed.variant,
            )
        )
    return out


def article_candidates(articles: Sequence[Article], language: str, fallback: str) -> list[Suggestion]:
    """Published articles in the customer's language (the fallback language when none is)."""
    published = [a for a in articles if a.status is ArticleStatus.PUBLISHED]
    chosen = [a for a in published if primary(a.language) == language] or [
        a for a in published if primary(a.language) == fallback
    ]
    return [
        Suggestion(
            kind="article",
            content_id=a.article_id,
            version=a.version,
            title=a.title,
            text=a.body,
            language=a.language,
            content_ref=a.content_ref,
            categories=list(a.categories),
            score=0.0,
        )
        for a in chosen
    ]


def rank(
    query: str, category: str | None, candidates: Sequence[Suggestion], boost: float, top: int
) -> list[Suggestion]:
    """BM25 scaled to the best match (0..1), plus `boost` when tagged with `category`; best first."""
    scores = bm25_scores(query, [f"{c.title} {c.text} {' '.join(c.categories)}" for c in candidates])
    best = max(scores, default=0.0) or 1.0
    scored = [
        (s / best + (boost if category and category in c.categories else 0.0), i, c)
        for i, (s, c) in enumerate(zip(scores, candidates, strict=True))
    ]
    scored = [t for t in scored if t[0] > 0]
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [
        Suggestion(**{**asdict(c), "score": round(score, 4), "rank": n})
        for n, (score, _, c) in enumerate(scored[:top], start=1)
    ]


def similar_cases(query: str, inquiry: Inquiry, recent: Sequence[Inquiry], top: int) -> list[SimilarCase]:
    """Resolved inquiries (same category when known) that read most like this one."""
    done = [
        i
        for i in recent
        if i.inquiry_id != inquiry.inquiry_id
        and i.status in (Status.RESOLVED, Status.CLOSED)
        and (i.result or i.solution)
        and (inquiry.category is None or i.category == inquiry.category)
    ]
    scores = bm25_scores(query, [f"{i.subject or ''} {i.description} {i.solution or ''}" for i in done])
    ranked = sorted((t for t in zip(scores, done, strict=True) if t[0] > 0), key=lambda t: -t[0])[:top]
    return [
        SimilarCase(
            inquiry_id=i.inquiry_id,
            category=i.category,
            status=i.status.value,
            description=i.description[:500],
            result=i.result,
            cause=i.cause,
            solution=i.solution,
            score=round(s, 4),
        )
        for s, i in ranked
    ]


def inquiry_query(inquiry: Inquiry, messages: Sequence[Message], limit: int = 5_000) -> str:
    """What the suggestions are ranked for: the subject, the description and the customer's last
    five messages (an inquiry that moved on is matched on what the customer says now too)."""
    inbound = [m.body for m in messages if m.direction is Direction.INBOUND][-5:]
    return " ".join([inquiry.subject or "", inquiry.description, *inbound])[:limit]


def suggest(
    inquiry: Inquiry,
    query: str,
    articles: Sequence[Article],
    recent: Sequence[Inquiry],
    settings: SuggestionSettings,
) -> Suggestions:
    language = primary(inquiry.language) or settings.fallback_language
    template_language = language if language in ("zh", "en") else settings.fallback_language
    candidates = [
        *template_candidates(inquiry.inquiry_id, template_language),
        *article_candidates(articles, language, settings.fallback_language),
    ]
    return Suggestions(
        language=language,
        category=inquiry.category,
        answers=rank(query, inquiry.category, candidates, settings.category_boost, settings.top),
        similar_cases=similar_cases(query, inquiry, recent, settings.similar_cases.top),
    )
