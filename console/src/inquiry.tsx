// One inquiry: the conversation, the customer across channels, deadlines, the timeline in words,
// and the actions its status allows. Customer text is always rendered as text.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, SessionExpired, type Customer, type Inquiry, type InquiryEvent, type Timeline } from "./api";
import { countdown, hasKey, statusName, t, when } from "./i18n";
import { allows, type ActionName } from "./lifecycle";
import { DisputePanel } from "./dispute";
import { Deadline, isTyping } from "./queue";
import { SuggestionsPanel, type Picked } from "./suggestions";
import { departmentName, DepartmentRequests } from "./departments";
import { Handover } from "./handover";
import { config, endSession, go, now, session, usePoll } from "./state";

type Form = null | "resolve" | "wait_on_customer" | "reopen" | "note" | "promise_met";

function describe(e: InquiryEvent): string {
  const d = e.data ?? {};
  const text = (v: unknown) => (v === null || v === undefined || v === "" ? "-" : String(v));
  const vars: Record<string, string> = { actor: e.actor, type: e.type };
  for (const [k, v] of Object.entries(d)) vars[k] = text(v);
  if (typeof d.due === "string") vars.due = when(d.due);
  if (typeof d.status === "string") vars.status = statusName(d.status);
  if (typeof d.department === "string") vars.department = departmentName(d.department);
  if (typeof d.urgency === "string") vars.urgency = t(d.urgency === "urgent" ? "urgent" : "normal");
  vars.reason = d.reason ? `: ${String(d.reason)}` : "";
  let key = `ev.${e.type}`;
  if (e.type === "assigned" && !d.owner) key = "ev.queued";
  else if (e.type === "note" && d.delivery) key = `ev.delivery_${d.delivery === "sent" ? "sent" : "failed"}`;
  else if (e.type === "note" && d.unlinked) key = "ev.unlinked";
  else if (e.type === "replied" && d.content_ref) key = "ev.replied_from";
  else if (e.type === "department_escalated" && d.action === "stopped") key = "ev.department_escalation_stopped";
  else if (e.type === "department_breached" && !d.to) key = "ev.department_answered_late";
  else if (e.type === "note" && !d.text)
    vars.text = Object.entries(d)
      .map(([k, v]) => `${k}=${text(v)}`)
      .join(", ");
  return hasKey(key) ? t(key, vars) : t("ev.other", vars);
}

/** WeChat (48 h), WhatsApp/Messenger/Instagram (24 h): free-form replies only within the window
after the customer's last message; after it the outbox falls back to SMS or e-mail. */
function ReplyWindow({ data }: { data: Timeline }) {
  const hours = config.replyWindowHours?.[data.inquiry.channel];
  const last = data.messages.filter((m) => m.direction === "inbound").at(-1);
  if (!hours || !last) return null;
  const closes = new Date(Date.parse(last.at) + hours * 3_600_000).toISOString();
  const open = Date.parse(closes) > now.value;
  return (
    <p id="reply-window" class={open ? "muted" : "error"}>
      {t("replyWindow", { channel: data.inquiry.channel, hours })}: {open ? countdown(closes, now.value) : t("windowClosed")}
    </p>
  );
}

function CustomerPanel({ inquiry }: { inquiry: Inquiry }) {
  const [found, setFound] = useState<{ customer: Customer; inquiries: Inquiry[] } | null>(null);
  usePoll(async () => setFound(await api.customer(inquiry.customer_id).catch(() => null)), [inquiry.customer_id]);
  const c = found?.customer;
  return (
    <section class="panel customer" aria-labelledby="customer-title">
      <h2 id="customer-title">{t("customer")}</h2>
      <dl>
        <dt>{t("customer")}</dt>
        <dd id="customer-name">{c?.name || inquiry.customer_name || inquiry.customer_id}</dd>
        <dt>{t("tier")}</dt>
        <dd>{(c?.tier ?? inquiry.customer_tier) === "vip" ? t("vip") : t("normal")}</dd>
        <dt>{t("contact")}</dt>
        <dd>{inquiry.contact || "-"}</dd>
        <dt>{t("order")}</dt>
        <dd>{inquiry.order_number || "-"}</dd>
      </dl>
      {c && c.identities.length > 0 && (
        <>
          <h3>{t("identities")}</h3>
          <ul class="plain">
            {c.identities.map((id) => (
              <li key={`${id.kind}#${id.value}`}>
                <span class="kind">{id.kind}</span> {id.value}
              </li>
            ))}
          </ul>
        </>
      )}
      <h3>{t("history")}</h3>
      <ul class="plain history" id="history">
        {(found?.inquiries ?? []).map((h) => (
          <li key={h.inquiry_id}>
            <a href={`#/inquiry/${encodeURIComponent(h.inquiry_id)}`} aria-current={h.inquiry_id === inquiry.inquiry_id ? "page" : undefined}>
              {when(h.received_at)} · {h.channel} · {statusName(h.status)}
            </a>
            <div class="text">{h.description}</div>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function InquiryPage({ id }: { id: string }) {
  const [data, setData] = useState<Timeline | null>(null);
  const [error, setError] = useState("");
  const [form, setForm] = useState<Form>(null);
  const [busy, setBusy] = useState(false);
  const reply = useRef<HTMLTextAreaElement>(null);
  const [picked, setPicked] = useState<Picked | null>(null); // the suggestion the reply came from (R7.2)

  const refresh = async () => {
    try {
      setData(await api.inquiry(id));
    } catch (err) {
      if (err instanceof ApiError) setError(err.message);
      else throw err;
    }
  };
  usePoll(refresh, [id]);

  const act = async (action: ActionName, fields: Record<string, string | number | string[]> = {}): Promise<boolean> => {
    setBusy(true);
    try {
      await api.act(id, action, fields);
      setError("");
      setForm(null);
      await refresh();
      return true;
    } catch (err) {
      if (err instanceof SessionExpired) endSession();
      setError(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const i = data?.inquiry;
  useEffect(() => {
    const keys = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        if (form) setForm(null);
        else go("#/view/mine");
        return;
      }
      if (isTyping(event) || !i) return;
      if (event.key === "r" && allows(i, "reply")) {
        event.preventDefault();
        reply.current?.focus();
      } else if (event.key === "a" && allows(i, "acknowledge")) void act("acknowledge");
      else if (event.key === "e" && allows(i, "resolve")) setForm("resolve");
      else if (event.key === "w" && allows(i, "wait_on_customer")) setForm("wait_on_customer");
      else if (event.key === "t" && allows(i, "assign") && i.owner !== session.value?.user)
        void act("assign", { owner: session.value?.user ?? "" });
    };
    addEventListener("keydown", keys);
    return () => removeEventListener("keydown", keys);
  }, [i, form]);

  if (!data || !i) {
    return <p role={error ? "alert" : undefined}>{error ? t("error") + error : t("loading")}</p>;
  }

  const submitForm = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const value = text("value");
    if (!form || (form !== "wait_on_customer" && form !== "promise_met" && !value)) return;
    if (form === "resolve") {
      // R2.8: the cause, what was done, the customer's own to-dos and a promised completion
      const fields: Record<string, string | number | string[]> = { result: value };
      if (text("cause")) fields.cause = text("cause");
      if (text("solution")) fields.solution = text("solution");
      const todos = text("todos")
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean);
      if (todos.length) fields.customer_todos = todos;
      if (text("promise")) fields.promise_working_days = Number(text("promise"));
      await act("resolve", fields);
      return;
    }
    const field = form === "note" ? "text" : form === "promise_met" ? "note" : "reason";
    await act(form, value ? { [field]: value } : {});
  };

  const sendReply = async (event: Event) => {
    event.preventDefault();
    const text = reply.current?.value.trim();
    const lineage: Record<string, string | number> = picked
      ? { content_ref: picked.content_ref, suggestion_rank: picked.rank }
      : {};
    if (text && (await act("reply", { text, ...lineage })) && reply.current) {
      reply.current.value = "";
      setPicked(null);
    }
  };
  const pick = (chosen: Picked) => {
    if (reply.current) {
      reply.current.value = chosen.text;
      reply.current.focus();
    }
    setPicked(chosen);
  };

  const deadlineEvents = data.events.filter((e) => e.type.startsWith("deadline_") || e.type === "escalated");
  const formLabel = {
    resolve: t("resolveResult"),
    wait_on_customer: t("waitReason"),
    reopen: t("reopenReason"),
    note: t("note"),
    promise_met: t("promiseMetNote"),
  };
  // a promise made at the latest resolution and not yet recorded as met (R2.8)
  const lastResolved = Math.max(-1, ...data.events.filter((e) => e.type === "resolved").map((e) => e.seq));
  const promiseOpen =
    Boolean(i.promised_by) && !data.events.some((e) => e.type === "promise_met" && e.seq > lastResolved);

  return (
    <article class="inquiry" aria-labelledby="inquiry-title">
      <p>
        <a href="#/view/mine" class="back">
          ← {t("back")}
        </a>
      </p>
      <header class="inquiry-head">
        <h1 id="inquiry-title">
          {i.subject || i.inquiry_id}{" "}
          <span class={`pill ${i.status}`} id="status" data-status={i.status}>
            {statusName(i.status)}
          </span>
          {i.urgency === "urgent" && <span class="tag urgent">{t("urgent")}</span>}
        </h1>
        <p class="meta">
          {i.inquiry_id} · {i.channel} · {t("category")} {i.category || "-"} · {t("team")} {i.team || "-"} · {t("owner")}{" "}
          {i.owner || "-"} · {t("received")} {when(i.received_at)}
        </p>
        {(i.cause || i.solution || i.customer_todos?.length || i.promised_by) && (
          <dl class="resolution" id="resolution">
            {i.cause && (
              <>
                <dt>{t("resolutionCause")}</dt>
                <dd>{i.cause}</dd>
              </>
            )}
            {i.solution && (
              <>
                <dt>{t("resolutionSolution")}</dt>
                <dd>{i.solution}</dd>
              </>
            )}
            {Boolean(i.customer_todos?.length) && (
              <>
                <dt>{t("customerTodos")}</dt>
                <dd>{i.customer_todos?.join("; ")}</dd>
              </>
            )}
            {i.promised_by && (
              <>
                <dt>{t("promisedBy")}</dt>
                <dd>
                  {when(i.promised_by)}
                  {!promiseOpen && ` · ${t("promiseMet")}`}
                </dd>
              </>
            )}
          </dl>
        )}
      </header>

      <div class="actions" role="toolbar" aria-label={t("status")}>
        {allows(i, "assign") && i.owner !== session.value?.user && (
          <button id="take" disabled={busy} onClick={() => act("assign", { owner: session.value?.user ?? "" })}>
            {t("take")}
          </button>
        )}
        {allows(i, "acknowledge") && (
          <button id="ack" disabled={busy} onClick={() => act("acknowledge")}>
            {t("acknowledge")}
          </button>
        )}
        {allows(i, "start") && (
          <button id="start" class="secondary" disabled={busy} onClick={() => act("start")}>
            {t("start")}
          </button>
        )}
        {allows(i, "wait_on_customer") && (
          <button id="wait" class="secondary" disabled={busy} onClick={() => setForm("wait_on_customer")}>
            {t("waitOnCustomer")}
          </button>
        )}
        {allows(i, "resolve") && (
          <button id="resolve" disabled={busy} onClick={() => setForm("resolve")}>
            {t("resolve")}
          </button>
        )}
        {allows(i, "promise_met") && promiseOpen && (
          <button id="promise-met" class="secondary" disabled={busy} onClick={() => setForm("promise_met")}>
            {t("promiseMet")}
          </button>
        )}
        {allows(i, "reopen") && (
          <button id="reopen" disabled={busy} onClick={() => setForm("reopen")}>
            {t("reopen")}
          </button>
        )}
        <button id="note" class="secondary" disabled={busy} onClick={() => setForm("note")}>
          {t("addNote")}
        </button>
        <Handover inquiry={i} busy={busy} act={act} />
      </div>
      {form && (
        <form class="action-form" id={`form-${form}`} onSubmit={submitForm}>
          <label>
            {formLabel[form]}
            <textarea
              name="value"
              rows={3}
              required={form !== "wait_on_customer" && form !== "promise_met"}
              ref={(el) => el?.focus()}
            />
          </label>
          {form === "resolve" && (
            <>
              <label>
                {t("resolveCause")}
                <input name="cause" maxLength={5000} />
              </label>
              <label>
                {t("resolveSolution")}
                <textarea name="solution" rows={2} maxLength={5000} />
              </label>
              <label>
                {t("resolveTodos")}
                <textarea name="todos" rows={2} />
              </label>
              <label>
                {t("resolvePromise")}
                <input name="promise" type="number" min={0} max={60} inputMode="numeric" />
              </label>
            </>
          )}
          <div class="actions">
            <button type="submit" id="confirm" disabled={busy}>
              {form === "resolve" ? t("confirmResolve") : t("confirm")}
            </button>
            <button type="button" class="secondary" onClick={() => setForm(null)}>
              {t("cancel")}
            </button>
          </div>
        </form>
      )}
      {error && (
        <p class="error" id="action-error" role="alert">
          {t("error")}
          {error}
        </p>
      )}

      <div class="columns">
        <div class="main-col">
          <section class="panel" aria-labelledby="conversation-title">
            <h2 id="conversation-title">{t("conversation")}</h2>
            <ol class="conversation" id="messages">
              {data.messages.map((m) => (
                <li key={m.message_id} class={`msg ${m.direction}`}>
                  <div class="body">{m.body}</div>
                  <div class="by">
                    {m.direction === "inbound" ? i.customer_name || m.author : m.author} · {when(m.at)} · {m.channel}
                    {m.delivery_status && ` · ${t("delivery")}: ${m.delivery_status}`}
                    {m.delivery_error && ` (${m.delivery_error})`}
                  </div>
                </li>
              ))}
            </ol>
            {allows(i, "reply") && (
              <form class="reply" onSubmit={sendReply}>
                <label for="reply">{t("reply")}</label>
                <ReplyWindow data={data} />
                <textarea id="reply" ref={reply} rows={3} placeholder={t("replyHint")} />
                {picked && (
                  <p class="muted" id="reply-source">
                    {picked.content_ref}{" "}
                    <button type="button" class="link" onClick={() => setPicked(null)}>
                      ×
                    </button>
                  </p>
                )}
                <SuggestionsPanel inquiryId={i.inquiry_id} onPick={pick} />
                <button type="submit" id="send" disabled={busy}>
                  {t("send")}
                </button>
              </form>
            )}
          </section>
          <section class="panel" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{t("timeline")}</h2>
            <ol class="timeline" id="timeline">
              {data.events.map((e) => (
                <li key={e.seq}>
                  <time dateTime={e.at}>{when(e.at)}</time> {describe(e)}
                </li>
              ))}
            </ol>
          </section>
        </div>
        <aside class="side-col">
          <section class="panel" aria-labelledby="deadlines-title">
            <h2 id="deadlines-title">{t("deadlines")}</h2>
            <p>
              {t("deadline")}: <Deadline at={i.next_deadline_at} />
              {i.next_deadline_at && <span class="muted"> ({when(i.next_deadline_at)})</span>}
            </p>
            <ul class="plain">
              {deadlineEvents.map((e) => (
                <li key={e.seq}>
                  <time dateTime={e.at}>{when(e.at)}</time> {describe(e)}
                </li>
              ))}
            </ul>
          </section>
          {i.category === "dispute" && <DisputePanel data={data} onChange={refresh} />}
          <CustomerPanel inquiry={i} />
          {i.status !== "closed" && <DepartmentRequests inquiryId={i.inquiry_id} events={data.events} onChange={refresh} />}
        </aside>
      </div>
    </article>
  );
}
