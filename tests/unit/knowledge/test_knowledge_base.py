"""The knowledge base on fakes (R7.1, R7.2): versions, who and when, unpublishing, optimistic
edits; replies from an article record its version and corrections find its customers (R6.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from inquiry_desk.corrections.model import Cause
from inquiry_desk.corrections.service import CorrectionService
from inquiry_desk.errors import Conflict, NotFound
from inquiry_desk.inquiries.lifecycle import Action
from inquiry_desk.inquiries.service import InquiryService
from inquiry_desk.knowledge.model import ArticleDraft, ArticleStatus
from inquiry_desk.knowledge.service import KnowledgeService
from inquiry_desk.model import EventType
from inquiry_desk.surveys.policy import load_closing_loop

from tests.fakes import FakeExecutions, FakeInquiryRepository, FakeLoopStore, FakeNotifier
from tests.fakes.knowledge import FakeKnowledgeStore
from tests.unit.loop.builders import T0, events, inbound, inquiry


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.at


RETURNS = ArticleDraft(
    title="退货政策", body="签收后 30 天内无理由退货", language="zh", categories=["after_sales_return"]
)


def _kb() -> tuple[KnowledgeService, FakeKnowledgeStore, Clock]:
    store, clock = FakeKnowledgeStore(), Clock()
    return KnowledgeService(store, clock), store, clock


def test_every_edit_is_a_new_version_and_old_versions_stay_readable_R7_2() -> None:
    kb, _, clock = _kb()
    first = kb.create(RETURNS, "agent-1")
    assert (first.version, first.created_by, first.content_ref) == (1, "agent-1", f"article:{first.article_id}@1")
    clock.at = T0 + timedelta(hours=1)
    fixed = RETURNS.model_copy(update={"body": "签收后 7 天内无理由退货"})
    second = kb.edit(first.article_id, fixed, "product-lee", base_version=1, note="policy is 7 days")
    assert (second.version, second.edited_by, second.edited_at, second.created_by) == (
        2,
        "product-lee",
        clock.at,
        "agent-1",
    )
    assert kb.get(first.article_id).body == "签收后 7 天内无理由退货"
    assert kb.get(first.article_id, 1).body == "签收后 30 天内无理由退货"  # the old wording, as sent
    assert [(v.version, v.edited_by) for v in kb.versions(first.article_id)] == [(1, "agent-1"), (2, "product-lee")]


def test_an_edit_from_an_old_version_is_refused_not_overwritten_R7_2() -> None:
    kb, _, _ = _kb()
    article = kb.create(RETURNS, "agent-1")
    kb.edit(article.article_id, RETURNS, "agent-2", base_version=1)
    with pytest.raises(Conflict):
        kb.edit(article.article_id, RETURNS, "agent-3", base_version=1)
    assert kb.get(article.article_id).version == 2
    with pytest.raises(NotFound):
        kb.get("A-none")


def test_unpublished_articles_are_kept_and_readable_but_not_listed_R7_2() -> None:
    kb, _, _ = _kb()
    article = kb.create(RETURNS, "agent-1")
    english = kb.create(RETURNS.model_copy(update={"language": "en", "title": "Returns"}), "agent-1")
    gone = kb.set_status(article.article_id, ArticleStatus.UNPUBLISHED, "product-lee", "replaced")
    assert (gone.version, gone.status, gone.change_note) == (2, ArticleStatus.UNPUBLISHED, "replaced")
    assert [a.article_id for a in kb.catalogue()] == [english.article_id]
    assert [a.article_id for a in kb.catalogue(language="zh-CN", include_unpublished=True)] == [article.article_id]
    assert kb.catalogue(category="complaint") == []
    again = kb.set_status(article.article_id, ArticleStatus.PUBLISHED, "product-lee")
    assert again.version == 3 and again.status is ArticleStatus.PUBLISHED


def test_a_wrong_article_version_finds_exactly_the_customers_who_got_it_R6_2() -> None:
    kb, _, clock = _kb()
    article = kb.create(RETURNS, "agent-1")
    repo = FakeInquiryRepository()
    inquiries = InquiryService(repo)
    for n in range(3):
        repo.seed(inquiry(inquiry_id=f"Q{n}", customer_id=f"C{n}"), [inbound(f"Q{n}")])
    for qid in ("Q0", "Q1"):
        inquiries.act(qid, Action.REPLY, "agent-1", T0, text=article.body, content_ref=article.content_ref)
    fixed = kb.edit(article.article_id, RETURNS.model_copy(update={"body": "7 天"}), "agent-1", base_version=1)
    inquiries.act("Q2", Action.REPLY, "agent-1", T0, text=fixed.body, content_ref=fixed.content_ref)
    replied = next(e for e in events(repo, "Q0") if e.type is EventType.REPLIED)
    assert replied.data["content_ref"] == f"article:{article.article_id}@1"  # the timeline says which version

    service = CorrectionService(
        FakeLoopStore(repo), repo, inquiries, load_closing_loop(), FakeExecutions(), FakeNotifier(), clock
    )
    correction = service.mark_wrong("sup", "7 天无理由退货", Cause.KNOWLEDGE_GAP, content_ref=article.content_ref)
    assert correction.public  # an article is public content: fixed within the hour
    assert sorted(r.customer_id for r in service.affected(correction.correction_id)) == ["C0", "C1"]


def test_search_ranks_articles_by_their_words_in_any_script_R7_2() -> None:
    kb, _, _ = _kb()
    kb.create(RETURNS, "a")
    repair = kb.create(
        ArticleDraft(title="保修维修", body="保修期内免费维修", language="zh", categories=["after_sales_repair"]), "a"
    )
    assert [a.article_id for a in kb.catalogue(query="維修")] == [repair.article_id]  # traditional finds it
    assert kb.catalogue(query="nothing like it") == []
    assert len(kb.catalogue(query="  ")) == 2
