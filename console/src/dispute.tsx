// A dispute (R2.9): the evidence recorded on the timeline, adding more, the liability decision
// (supervisors; the API refuses agents) and reporting the result to the customer from the
// template. Shown on inquiries of the `dispute` category; the API decides every rule.
import { useState } from "preact/hooks";
import { api, ApiError, SessionExpired, type Timeline } from "./api";
import { lang, when } from "./i18n";
import { endSession, isSupervisor } from "./state";

const KINDS = ["photo", "document", "carrier_record", "chat_log", "order_record", "statement", "other"];
const SOURCES = ["customer", "shop", "carrier", "platform", "other"];
const LIABILITIES = ["shop", "customer", "carrier", "shared", "none"];

const WORDS = {
  "zh-CN": {
    title: "纠纷处理",
    evidence: "证据",
    none: "尚无证据",
    kind: "类型",
    source: "来源",
    description: "说明",
    ref: "存放位置（可选）",
    add: "添加证据",
    liability: "责任判定",
    reason: "判定理由",
    decide: "判定责任",
    decided: "已判定",
    nextSteps: "后续处理（告知客户）",
    report: "将结果告知客户",
    reported: "结果已告知客户",
  },
  en: {
    title: "Dispute",
    evidence: "Evidence",
    none: "No evidence yet",
    kind: "Kind",
    source: "From",
    description: "What it shows",
    ref: "Where it is kept (optional)",
    add: "Add evidence",
    liability: "Liability",
    reason: "Reason",
    decide: "Decide liability",
    decided: "Decided",
    nextSteps: "What happens next (told to the customer)",
    report: "Report the result to the customer",
    reported: "Result reported to the customer",
  },
};

export function DisputePanel({ data, onChange }: { data: Timeline; onChange: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const w = WORDS[lang.value] ?? WORDS.en;
  const id = data.inquiry.inquiry_id;
  const evidence = data.events.filter((e) => e.type === "dispute_evidence_added");
  const decision = data.events.filter((e) => e.type === "liability_decided").at(-1);
  const reported = data.events.filter((e) => e.type === "dispute_result_reported").at(-1);

  const act = async (event: Event, action: string) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields: Record<string, string> = {};
    for (const [k, v] of new FormData(form).entries()) if (String(v).trim()) fields[k] = String(v).trim();
    setBusy(true);
    try {
      await api.act(id, action, fields);
      setError("");
      form.reset();
      await onChange();
    } catch (err) {
      if (err instanceof SessionExpired) endSession();
      setError(err instanceof ApiError || err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel dispute" aria-labelledby="dispute-title" id="dispute">
      <h2 id="dispute-title">{w.title}</h2>
      <h3>{w.evidence}</h3>
      <ul class="plain" id="evidence">
        {evidence.length === 0 && <li class="muted">{w.none}</li>}
        {evidence.map((e) => (
          <li key={e.seq}>
            <span class="kind">{String(e.data.kind)}</span> {String(e.data.source)} · {when(e.at)}
            <div class="text">{String(e.data.description ?? "")}</div>
          </li>
        ))}
      </ul>
      <form class="action-form" id="form-add-evidence" onSubmit={(e) => act(e, "add_evidence")}>
        <label>
          {w.kind}
          <select name="kind">{KINDS.map((k) => <option key={k} value={k}>{k}</option>)}</select>
        </label>
        <label>
          {w.source}
          <select name="source">{SOURCES.map((s) => <option key={s} value={s}>{s}</option>)}</select>
        </label>
        <label>
          {w.description}
          <input name="description" required maxLength={5000} />
        </label>
        <label>
          {w.ref}
          <input name="ref" maxLength={1000} />
        </label>
        <button type="submit" disabled={busy}>{w.add}</button>
      </form>
      <h3>{w.liability}</h3>
      {decision && (
        <p id="liability">
          {w.decided}: <strong>{String(decision.data.liability)}</strong> · {String(decision.data.reason ?? "")} ·{" "}
          {decision.actor}
        </p>
      )}
      {isSupervisor() && (
        <form class="action-form" id="form-decide-liability" onSubmit={(e) => act(e, "decide_liability")}>
          <label>
            {w.liability}
            <select name="liability">{LIABILITIES.map((l) => <option key={l} value={l}>{l}</option>)}</select>
          </label>
          <label>
            {w.reason}
            <input name="reason" required maxLength={5000} />
          </label>
          <button type="submit" disabled={busy || evidence.length === 0}>{w.decide}</button>
        </form>
      )}
      {reported && <p class="muted">{w.reported} · {when(reported.at)}</p>}
      {decision && (
        <form class="action-form" id="form-report-dispute" onSubmit={(e) => act(e, "report_dispute_result")}>
          <label>
            {w.nextSteps}
            <input name="next_steps" required maxLength={5000} />
          </label>
          <button type="submit" disabled={busy}>{w.report}</button>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
