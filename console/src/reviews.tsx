// Supervisor: the quality-review queue (R6.1): one day's sampled answers per agent; open one to see
// the customer's question and the answer, record pass or fail with notes; a fail can propose a
// correction of the answer (R6.2).
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Timeline } from "./api";
import { t, when } from "./i18n";
import { go } from "./state";
import { st } from "./supervision_i18n";
import { supervision, type Review } from "./supervision_api";

function yesterdayUtc(): string {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

export const reviewDay = { value: yesterdayUtc() };

function ReviewPanel({ review, onDone }: { review: Review; onDone: (r: Review) => void }) {
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [outcome, setOutcome] = useState<"pass" | "fail">(review.outcome === "fail" ? "fail" : "pass");
  const [notes, setNotes] = useState(review.notes ?? "");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void api.inquiry(review.inquiry_id).then(setTimeline, (err: unknown) => setError(String(err)));
  }, [review.inquiry_id]);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      onDone(await supervision.review(review, outcome, notes));
      setError("");
    } catch (err) {
      if (err instanceof ApiError) setError(err.message);
      else throw err;
    } finally {
      setBusy(false);
    }
  };
  const answers = timeline?.messages.filter((m) => m.direction === "outbound") ?? [];
  const questions = timeline?.messages.filter((m) => m.direction === "inbound") ?? [];
  return (
    <div class="panel review-panel" id="review-panel">
      <h2>
        <a href={`#/inquiry/${encodeURIComponent(review.inquiry_id)}`}>{review.inquiry_id}</a> · {review.agent}
      </h2>
      {!timeline ? (
        <p>{st("loading")}</p>
      ) : (
        <>
          <h3>{st("question")}</h3>
          <ol class="conversation">
            {questions.map((m) => (
              <li key={m.message_id} class="msg inbound">
                <div class="body">{m.body}</div>
                <div class="by">{when(m.at)}</div>
              </li>
            ))}
          </ol>
          <h3>{st("answer")}</h3>
          <ol class="conversation" id="answers">
            {answers.length === 0 && <li class="empty">{t("none")}</li>}
            {answers.map((m) => (
              <li key={m.message_id} class="msg outbound" data-message={m.message_id}>
                <div class="body">{m.body}</div>
                <div class="by">
                  {m.author} · {when(m.at)}
                  {review.outcome === "fail" && (
                    <>
                      {" · "}
                      <a
                        class="propose"
                        href={`#/corrections/new/${encodeURIComponent(review.inquiry_id)}/${encodeURIComponent(m.message_id)}`}
                      >
                        {st("proposeCorrection")}
                      </a>
                    </>
                  )}
                </div>
              </li>
            ))}
          </ol>
        </>
      )}
      <form class="action-form" id="review-form" onSubmit={submit}>
        <fieldset>
          <legend>{st("outcome")}</legend>
          <label class="inline">
            <input type="radio" name="outcome" value="pass" checked={outcome === "pass"} onChange={() => setOutcome("pass")} />
            {st("pass")}
          </label>{" "}
          <label class="inline">
            <input type="radio" name="outcome" value="fail" checked={outcome === "fail"} onChange={() => setOutcome("fail")} />
            {st("fail")}
          </label>
        </fieldset>
        <label>
          {st("notes")}
          <textarea name="notes" rows={3} maxLength={5000} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
        </label>
        <div class="actions">
          <button type="submit" disabled={busy}>
            {st("record")}
          </button>
          <button type="button" class="secondary" onClick={() => go("#/reviews")}>
            {st("close")}
          </button>
        </div>
        {error && (
          <p class="error" role="alert">
            {st("error")}
            {error}
          </p>
        )}
      </form>
    </div>
  );
}

export function ReviewsPage({ open }: { open?: string }) {
  const [day, setDay] = useState(reviewDay.value);
  const [reviews, setReviews] = useState<Review[] | null>(null);
  const [note, setNote] = useState("");
  const [error, setError] = useState("");
  const load = async (which: string) => {
    try {
      setReviews(await supervision.reviews(which));
      setError("");
    } catch (err) {
      if (err instanceof ApiError) setError(err.message);
      else throw err;
    }
  };
  useEffect(() => {
    reviewDay.value = day;
    void load(day);
  }, [day]);
  const sample = async () => {
    try {
      const got = await supervision.sample(day);
      setNote(st("sampled", { n: Object.values(got.sampled).reduce((a, b) => a + b, 0) }));
      await load(day);
    } catch (err) {
      if (err instanceof ApiError) setError(err.message);
      else throw err;
    }
  };
  const chosen = reviews?.find((r) => `${r.agent}/${r.inquiry_id}` === open);
  const agents = [...new Set((reviews ?? []).map((r) => r.agent))].sort();
  return (
    <section class="sup" aria-labelledby="reviews-title">
      <h1 id="reviews-title">{st("reviewsTitle")}</h1>
      <div class="toolbar">
        <label class="inline">
          {st("day")} (UTC)
          <input id="review-day" type="date" value={day} onChange={(e) => setDay(e.currentTarget.value)} />
        </label>
        <button id="sample" class="secondary" onClick={sample}>
          {st("sampleNow")}
        </button>
        <span role="status" class="muted">
          {note}
        </span>
      </div>
      {error && (
        <p class="error" role="alert">
          {st("error")}
          {error}
        </p>
      )}
      {chosen && (
        <ReviewPanel
          key={open}
          review={chosen}
          onDone={(done) => setReviews((all) => (all ?? []).map((r) => (r.agent === done.agent && r.inquiry_id === done.inquiry_id ? done : r)))}
        />
      )}
      {reviews === null ? (
        <p>{st("loading")}</p>
      ) : reviews.length === 0 ? (
        <p class="empty">{st("noReviews")}</p>
      ) : (
        agents.map((agent) => (
          <div class="table-wrap" key={agent}>
            <table class="grid reviews" data-agent={agent}>
              <caption>
                {st("agent")}: {agent} ·{" "}
                {(["pending", "pass", "fail"] as const)
                  .map((o) => `${st(o)} ${reviews.filter((r) => r.agent === agent && r.outcome === o).length}`)
                  .join(" · ")}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{st("inquiry")}</th>
                  <th scope="col">{st("outcome")}</th>
                  <th scope="col">{st("notes")}</th>
                  <th scope="col">
                    <span class="sr-only">{st("open")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {reviews
                  .filter((r) => r.agent === agent)
                  .map((r) => (
                    <tr key={r.inquiry_id} data-inquiry={r.inquiry_id} data-outcome={r.outcome}>
                      <td>{r.inquiry_id}</td>
                      <td>
                        <span class={`pill outcome-${r.outcome}`}>{st(r.outcome)}</span>
                      </td>
                      <td class="notes">{r.notes ?? ""}</td>
                      <td>
                        <a class="open-review" href={`#/reviews/${encodeURIComponent(r.agent)}/${encodeURIComponent(r.inquiry_id)}`}>
                          {st("open")}
                        </a>
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        ))
      )}
    </section>
  );
}
