// Supervisor: corrections of wrong answers (R6.2, R6.3): the list with status, progress (customers
// found / corrected / failed) and cause; start one from a sent message or a template/article
// version; who was corrected and when.
import { useState } from "preact/hooks";
import { ApiError } from "./api";
import { when } from "./i18n";
import { usePoll } from "./state";
import { st, stOr, type SupKey } from "./supervision_i18n";
import { supervision, type Cause, type Correction } from "./supervision_api";

const CAUSES: Cause[] = ["knowledge_gap", "training", "system_fault"];

function failed(c: Correction): number {
  return c.status === "done" && c.affected != null ? Math.max(0, c.affected - c.corrected) : 0;
}

function corrected(c: Correction): number {
  return c.status === "done" ? c.corrected : c.deliveries.length;
}

function NewCorrection({ inquiry, message, onStarted }: { inquiry?: string; message?: string; onStarted: () => void }) {
  const [kind, setKind] = useState<"message" | "content">(inquiry || !message ? "message" : "content");
  const [error, setError] = useState("");
  const [done, setDone] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const fields: Record<string, string | boolean> = {
      corrected_text: String(form.get("corrected_text") ?? ""),
      cause: String(form.get("cause") ?? "knowledge_gap"),
      public: form.get("public") === "on",
    };
    if (kind === "message") {
      fields.inquiry_id = String(form.get("inquiry_id") ?? "").trim();
      fields.message_id = String(form.get("message_id") ?? "").trim();
    } else fields.content_ref = String(form.get("content_ref") ?? "").trim();
    setBusy(true);
    try {
      const made = await supervision.correct(fields);
      setDone(made.correction_id);
      setError("");
      element.querySelector("textarea")!.value = "";
      onStarted();
    } catch (err) {
      if (err instanceof ApiError) setError(err.message);
      else throw err;
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="action-form" id="new-correction" onSubmit={submit}>
      <h2>{st("newCorrection")}</h2>
      <fieldset>
        <legend>{st("wrongKind")}</legend>
        <label class="inline">
          <input type="radio" name="kind" value="message" checked={kind === "message"} onChange={() => setKind("message")} />
          {st("sentMessage")}
        </label>{" "}
        <label class="inline">
          <input type="radio" name="kind" value="content" checked={kind === "content"} onChange={() => setKind("content")} />
          {st("templateVersion")}
        </label>
      </fieldset>
      {kind === "message" ? (
        <div class="two">
          <label>
            {st("inquiryId")}
            <input name="inquiry_id" required maxLength={64} defaultValue={inquiry ?? ""} />
          </label>
          <label>
            {st("messageId")}
            <input name="message_id" required maxLength={64} defaultValue={message ?? ""} />
          </label>
        </div>
      ) : (
        <label>
          {st("contentRef")}
          <input name="content_ref" required maxLength={200} pattern="[a-z_]+:.+" />
        </label>
      )}
      <label>
        {st("correctedText")}
        <textarea name="corrected_text" rows={3} required maxLength={5000} />
      </label>
      <label>
        {st("cause")}
        <select name="cause">
          {CAUSES.map((c) => (
            <option key={c} value={c}>
              {st(`cause.${c}` as SupKey)}
            </option>
          ))}
        </select>
      </label>
      <label class="inline">
        <input type="checkbox" name="public" />
        {st("publicContent")}
      </label>
      <div class="actions">
        <button type="submit" disabled={busy}>
          {st("start")}
        </button>
      </div>
      <p role="status" class="muted" id="correction-started">
        {done && st("started", { id: done })}
      </p>
      {error && (
        <p class="error" role="alert">
          {st("error")}
          {error}
        </p>
      )}
    </form>
  );
}

/** A sent message links to its inquiry; a content version is shown as it is. */
function Wrong({ wrong }: { wrong: string }) {
  if (!wrong.startsWith("message:")) return <>{wrong}</>;
  const [inquiry, message] = wrong.slice("message:".length).split("/");
  return (
    <>
      <a href={`#/inquiry/${encodeURIComponent(inquiry ?? "")}`}>{inquiry}</a> / {message}
    </>
  );
}

function Recipients({ c }: { c: Correction }) {
  if (c.deliveries.length === 0) return <p class="empty">{st("noInquiries")}</p>;
  return (
    <div class="table-wrap">
      <table class="grid deliveries">
        <caption>{st("whoCorrected")}</caption>
        <thead>
          <tr>
            <th scope="col">{st("customer")}</th>
            <th scope="col">{st("inquiry")}</th>
            <th scope="col">{st("when")}</th>
          </tr>
        </thead>
        <tbody>
          {c.deliveries.map((d) => (
            <tr key={d.customer_id}>
              <td>{d.customer_id}</td>
              <td>
                <a href={`#/inquiry/${encodeURIComponent(d.inquiry_id)}`}>{d.inquiry_id}</a>
              </td>
              <td>{when(d.at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CorrectionsPage({ inquiry, message }: { inquiry?: string; message?: string }) {
  const [list, setList] = useState<Correction[] | null>(null);
  const [causes, setCauses] = useState<Record<string, Record<string, number>>>({});
  const [error, setError] = useState("");
  const [tick, setTick] = useState(0);
  usePoll(async () => {
    try {
      const got = await supervision.corrections();
      setList(got.corrections);
      setCauses(got.causes_by_month);
      setError("");
    } catch (err) {
      if (err instanceof ApiError) setError(err.message);
      else throw err;
    }
  }, [tick]);
  const fix = async (id: string) => {
    await supervision.fixed(id).catch((err: unknown) => setError(String(err)));
    setTick((n) => n + 1);
  };
  return (
    <section class="sup" aria-labelledby="corrections-title">
      <h1 id="corrections-title">{st("correctionsTitle")}</h1>
      <NewCorrection inquiry={inquiry} message={message} onStarted={() => setTick((n) => n + 1)} />
      {error && (
        <p class="error" role="alert">
          {st("error")}
          {error}
        </p>
      )}
      {list === null ? (
        <p>{st("loading")}</p>
      ) : list.length === 0 ? (
        <p class="empty">{st("noCorrections")}</p>
      ) : (
        <ul class="corrections" id="corrections">
          {list.map((c) => (
            <li key={c.correction_id} class="panel correction" data-id={c.correction_id} data-status={c.status}>
              <details>
                <summary>
                  <strong>{c.correction_id}</strong> · <span class={`pill cstatus-${c.status}`}>{stOr(`cstatus.${c.status}`, c.status)}</span>{" "}
                  · {st(`cause.${c.cause}` as SupKey)} · {when(c.created_at)}
                  <span class="progress" aria-label={st("progress")}>
                    {" · "}
                    {st("found")} <b class="found">{c.affected ?? "-"}</b> / {st("corrected")}{" "}
                    <b class="corrected">{corrected(c)}</b> / {st("failed")} <b class="failed">{failed(c)}</b>
                  </span>
                </summary>
                <dl>
                  <dt>{st("wrong")}</dt>
                  <dd class="wrong">
                    <Wrong wrong={c.wrong} />
                  </dd>
                  <dt>{st("correctedText")}</dt>
                  <dd class="text">{c.corrected_text}</dd>
                  <dt>{st("createdAt")}</dt>
                  <dd>
                    {when(c.created_at)} · {c.created_by}
                  </dd>
                  {c.source_inquiry_id && (
                    <>
                      <dt>{st("reportedBy")}</dt>
                      <dd>
                        <a href={`#/inquiry/${encodeURIComponent(c.source_inquiry_id)}`}>{c.source_inquiry_id}</a>
                      </dd>
                    </>
                  )}
                  {c.public && (
                    <>
                      <dt>{st("fixDue")}</dt>
                      <dd>
                        {when(c.fix_due_at)}
                        {c.fixed_at ? ` · ${st("fixedAt")} ${when(c.fixed_at)}` : ""}
                      </dd>
                    </>
                  )}
                </dl>
                {c.public && !c.fixed_at && (
                  <button class="secondary" onClick={() => fix(c.correction_id)}>
                    {st("markFixed")}
                  </button>
                )}
                <Recipients c={c} />
              </details>
            </li>
          ))}
        </ul>
      )}
      {Object.keys(causes).length > 0 && (
        <div class="table-wrap">
          <table class="grid" id="causes">
            <caption>{st("causesByMonth")}</caption>
            <thead>
              <tr>
                <th scope="col">{st("when")}</th>
                {CAUSES.map((c) => (
                  <th key={c} scope="col">
                    {st(`cause.${c}` as SupKey)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {Object.entries(causes)
                .sort()
                .map(([month, by]) => (
                  <tr key={month}>
                    <th scope="row">{month}</th>
                    {CAUSES.map((c) => (
                      <td key={c}>{by[c] ?? 0}</td>
                    ))}
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
