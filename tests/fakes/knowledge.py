"""In-memory knowledge base (port `knowledge.model.KnowledgeStore`, as `adapters.knowledge_store`
keeps it in the table): versions never change, the current one moves only from its base."""

from __future__ import annotations

from inquiry_desk.knowledge.model import Article, StaleArticle


class FakeKnowledgeStore:
    def __init__(self) -> None:
        self.kept: dict[tuple[str, int], Article] = {}
        self.heads: dict[str, Article] = {}

    def save(self, article: Article) -> None:
        head = self.heads.get(article.article_id)
        if (article.article_id, article.version) in self.kept or (head.version if head else 0) != article.version - 1:
            raise StaleArticle(article.article_id)
        self.kept[(article.article_id, article.version)] = article
        self.heads[article.article_id] = article

    def current(self, article_id: str) -> Article | None:
        return self.heads.get(article_id)

    def version(self, article_id: str, version: int) -> Article | None:
        return self.kept.get((article_id, version))

    def versions(self, article_id: str) -> list[Article]:
        return sorted((a for (i, _), a in self.kept.items() if i == article_id), key=lambda a: a.version)

    def catalogue(self, limit: int = 1000) -> list[Article]:
        return sorted(self.heads.values(), key=lambda a: a.edited_at, reverse=True)[:limit]
