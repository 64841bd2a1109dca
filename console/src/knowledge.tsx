// The knowledge base (R7.2): browse and search articles, write new ones, edit (every save a new
// version, the history kept with who and when), unpublish. Article bodies are rendered as text.
import { useEffect, useState } from "preact/hooks";
import { ApiError, knowledge, SessionExpired, type Article, type ArticleFields } from "./api";
import { t, when } from "./i18n";
import { endSession, go } from "./state";

function fields(form: HTMLFormElement): ArticleFields {
  const data = new FormData(form);
  const text = (k: string) => String(data.get(k) ?? "").trim();
  const categories = text("categories")
    .split(/[,\s]+/)
    .filter(Boolean);
  const out: ArticleFields = { title: text("title"), body: text("body"), language: text("language") || "zh", categories };
  if (text("product")) out.product = text("product");
  if (text("change_note")) out.change_note = text("change_note");
  return out;
}

function ArticleForm({ article, onSaved }: { article: Article | null; onSaved: (a: Article) => void }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const values = fields(event.currentTarget as HTMLFormElement);
    setBusy(true);
    try {
      const saved = article
        ? await knowledge.edit(article.article_id, { ...values, base_version: article.version })
        : await knowledge.create(values);
      setError("");
      onSaved(saved);
    } catch (err) {
      if (err instanceof SessionExpired) endSession();
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  // uncontrolled fields (defaultValue): a re-render of the page (the list arriving) keeps what was typed
  return (
    <form id="article-form" class="action-form" onSubmit={submit}>
      <label>
        {t("articleTitle")}
        <input name="title" required maxLength={300} defaultValue={article?.title ?? ""} />
      </label>
      <label>
        {t("articleBody")}
        <textarea name="body" rows={8} required maxLength={20000} defaultValue={article?.body ?? ""} />
      </label>
      <label>
        {t("language")}
        <input name="language" required maxLength={16} defaultValue={article?.language ?? "zh"} />
      </label>
      <label>
        {t("categories")}
        <input name="categories" defaultValue={(article?.categories ?? []).join(", ")} />
      </label>
      <label>
        {t("product")}
        <input name="product" maxLength={200} defaultValue={article?.product ?? ""} />
      </label>
      {article && (
        <label>
          {t("changeNote")}
          <input name="change_note" maxLength={2000} />
        </label>
      )}
      {error && (
        <p class="error" role="alert">
          {t("error")}
          {error}
        </p>
      )}
      <button type="submit" id="save-article" disabled={busy}>
        {t("save")}
      </button>
    </form>
  );
}

function ArticleView({ id }: { id: string }) {
  const [article, setArticle] = useState<Article | null>(null);
  const [versions, setVersions] = useState<Article[]>([]);
  const [shown, setShown] = useState<Article | null>(null);
  const [editing, setEditing] = useState(false);
  const load = async () => {
    const [current, history] = await Promise.all([knowledge.get(id), knowledge.versions(id)]);
    setArticle(current);
    setVersions(history);
    setShown(current);
  };
  useEffect(() => {
    void load();
  }, [id]);
  if (!article || !shown) return <p>{t("loading")}</p>;
  return (
    <section class="panel" aria-labelledby="article-title">
      <p>
        <a href="#/knowledge" class="back">
          ← {t("knowledge")}
        </a>
      </p>
      <h1 id="article-title">{shown.title}</h1>
      <p class="meta" id="article-meta">
        article:{shown.article_id}@{shown.version} · {shown.language} · {shown.categories.join(", ") || "-"} ·{" "}
        {shown.status === "published" ? t("published") : t("unpublished")} · {shown.edited_by} · {when(shown.edited_at)}
      </p>
      <div class="text article-body" id="article-body">
        {shown.body}
      </div>
      <div class="actions">
        <button id="edit-article" onClick={() => setEditing(!editing)}>
          {t("edit")}
        </button>
        <button
          id="toggle-publish"
          class="secondary"
          onClick={async () => {
            await knowledge.setPublished(article.article_id, article.status !== "published");
            await load();
          }}
        >
          {article.status === "published" ? t("unpublish") : t("publish")}
        </button>
      </div>
      {editing && (
        <ArticleForm
          article={article}
          onSaved={async () => {
            setEditing(false);
            await load();
          }}
        />
      )}
      <h2>{t("versions")}</h2>
      <ol class="plain" id="article-versions">
        {versions.map((v) => (
          <li key={v.version}>
            <button class="link" onClick={() => setShown(v)} aria-current={v.version === shown.version ? "true" : undefined}>
              v{v.version}
            </button>{" "}
            {v.edited_by} · {when(v.edited_at)} · {v.status === "published" ? t("published") : t("unpublished")}
            {v.change_note ? ` · ${v.change_note}` : ""}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function KnowledgePage({ id }: { id?: string }) {
  const [query, setQuery] = useState("");
  const [archived, setArchived] = useState(false);
  const [articles, setArticles] = useState<Article[]>([]);
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    if (id) return;
    const timer = setTimeout(() => {
      knowledge
        .list(query, archived)
        .then(setArticles)
        .catch((err) => err instanceof SessionExpired && endSession());
    }, 200);
    return () => clearTimeout(timer);
  }, [id, query, archived]);
  if (id) return <ArticleView id={id} />;
  return (
    <section class="panel" aria-labelledby="knowledge-title">
      <h1 id="knowledge-title">{t("knowledge")}</h1>
      <div class="actions">
        <input
          id="kb-search"
          type="search"
          aria-label={t("search")}
          placeholder={t("search")}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <label>
          <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} />{" "}
          {t("showUnpublished")}
        </label>
        <button id="new-article" onClick={() => setCreating(!creating)}>
          {t("newArticle")}
        </button>
      </div>
      {creating && <ArticleForm article={null} onSaved={(a) => go(`#/knowledge/${encodeURIComponent(a.article_id)}`)} />}
      <ul class="plain" id="articles">
        {articles.map((a) => (
          <li key={a.article_id}>
            <a href={`#/knowledge/${encodeURIComponent(a.article_id)}`}>{a.title}</a>{" "}
            <span class="muted">
              v{a.version} · {a.language} · {a.categories.join(", ") || "-"} ·{" "}
              {a.status === "published" ? t("published") : t("unpublished")}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
