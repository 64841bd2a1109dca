// Suggested answers for the reply box (R7.2): templates and knowledge-base articles in the
// customer's language, and similar resolved cases. Choosing one fills the reply; the reply then
// carries its content_ref (template/article id and version) and the rank it was offered at.
// Every text here is rendered as text.
import { useEffect, useState } from "preact/hooks";
import { knowledge, type SuggestedAnswer, type Suggestions } from "./api";
import { t } from "./i18n";

export interface Picked {
  text: string;
  content_ref: string;
  rank: number;
}

export function SuggestionsPanel({ inquiryId, onPick }: { inquiryId: string; onPick: (picked: Picked) => void }) {
  const [found, setFound] = useState<Suggestions | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    knowledge
      .suggestions(inquiryId)
      .then((s) => live && setFound(s))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [inquiryId]);
  if (failed) return null;
  if (!found) return <p class="muted">{t("loading")}</p>;
  const use = (a: SuggestedAnswer) => onPick({ text: a.text, content_ref: a.content_ref, rank: a.rank });
  return (
    <details class="suggestions" id="suggestions" open>
      <summary>
        {t("suggestions")} ({found.language})
      </summary>
      {found.answers.length === 0 && <p class="muted">{t("noSuggestions")}</p>}
      <ol class="plain">
        {found.answers.map((a) => (
          <li key={a.content_ref} class="suggestion" data-ref={a.content_ref}>
            <div>
              <strong>{a.title}</strong> <span class="kind">{a.kind === "article" ? t("article") : t("template")}</span>{" "}
              <code class="muted">{a.content_ref}</code>
            </div>
            <div class="text">{a.text}</div>
            <button type="button" class="secondary use-suggestion" onClick={() => use(a)}>
              {t("useSuggestion")}
            </button>
          </li>
        ))}
      </ol>
      {found.similar_cases.length > 0 && (
        <>
          <h3>{t("similarCases")}</h3>
          <ul class="plain" id="similar-cases">
            {found.similar_cases.map((c) => (
              <li key={c.inquiry_id}>
                <a href={`#/inquiry/${encodeURIComponent(c.inquiry_id)}`}>{c.inquiry_id}</a>
                <div class="text">{c.description}</div>
                <div class="text">
                  {t("solution")}: {c.solution || c.result || "-"}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </details>
  );
}
