// Administration: the policy documents (SLA with calendars and categories, routing with agents,
// templates, closing loop, reports), edited with the same validation as `desk sla check`, each
// save a new audited version, any version rolled back to. Admins edit; supervisors read.
import { useEffect, useState } from "preact/hooks";
import { ApiError, policies, SessionExpired, type PolicyAudit, type PolicyDocument, type PolicyVersion, type Problem } from "./api";
import { t, when } from "./i18n";
import { endSession, isAdmin } from "./state";

type Json = Record<string, any>; // documents are free-form JSON; the API validates them
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

/** The JSON path the API names a problem with (as the policy loaders write it). */
export function jsonPath(...parts: (string | number)[]): string {
  let out = "$";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** What changed between two documents, one line per path (as the audit's summary). */
export function diffLines(a: unknown, b: unknown, at: (string | number)[] = [], out: string[] = []): string[] {
  const short = (v: unknown) => {
    const s = JSON.stringify(v);
    return s === undefined ? "-" : s.length > 80 ? s.slice(0, 77) + "..." : s;
  };
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(k in a)) out.push(`+ ${jsonPath(...at, k)} = ${short(b[k])}`);
      else if (!(k in b)) out.push(`- ${jsonPath(...at, k)}`);
      else diffLines(a[k], b[k], [...at, k], out);
    }
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => diffLines(x, b[i], [...at, i], out));
  } else out.push(`~ ${jsonPath(...at)}: ${short(a)} -> ${short(b)}`);
  return out;
}

function reasonOf(err: unknown): string {
  if (err instanceof SessionExpired) endSession();
  return err instanceof Error ? err.message : String(err);
}

export function AdminPage({ doc }: { doc?: string }) {
  return doc ? <DocumentPage doc={doc} /> : <DocumentList />;
}

function DocumentList() {
  const [docs, setDocs] = useState<PolicyDocument[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    policies.list().then(setDocs, (err) => setError(reasonOf(err)));
  }, []);
  return (
    <section class="admin panel" aria-labelledby="admin-title">
      <h1 id="admin-title">{t("admin.documents")}</h1>
      {!isAdmin() && <p class="muted">{t("admin.readOnly")}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {!docs ? (
        <p>{t("loading")}</p>
      ) : (
        <div class="scroll">
          <table id="documents">
            <thead>
              <tr>
                <th scope="col">{t("admin.document")}</th>
                <th scope="col">{t("admin.activeVersion")}</th>
                <th scope="col">{t("admin.savedBy")}</th>
                <th scope="col">{t("admin.savedAt")}</th>
              </tr>
            </thead>
            <tbody>
              {docs.map((d) => (
                <tr key={d.document}>
                  <td>
                    <a href={`#/admin/${d.document}`} id={`doc-${d.document}`}>
                      {d.document}
                    </a>
                    <div class="muted">{d.title}</div>
                  </td>
                  <td>{d.active_version}</td>
                  <td>{d.active_version === 0 ? t("admin.packaged") : d.saved_by}</td>
                  <td>{d.saved_at ? when(d.saved_at) : "-"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ProblemsAt({ problems, path, id }: { problems: Problem[]; path: string; id?: string }) {
  const mine = problems.filter((p) => p.path === path || p.path.startsWith(path + ".") || p.path.startsWith(path + "["));
  if (!mine.length) return null;
  return (
    <span class="field-error error" id={id} role="alert">
      {mine.map((p) => p.message).join("; ")}
    </span>
  );
}

const list = (v: unknown): string => (Array.isArray(v) ? v.join(", ") : "");
const split = (text: string): string[] =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function DocumentPage({ doc }: { doc: string }) {
  const [active, setActive] = useState<PolicyVersion | null>(null);
  const [content, setContent] = useState<Json | null>(null);
  const [calendars, setCalendars] = useState<string[]>([]);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [checked, setChecked] = useState(false);
  const [message, setMessage] = useState<null | { key: "admin.saved" | "admin.rolledBack"; version: number }>(null);
  const [error, setError] = useState("");
  const [tab, setTab] = useState<"editor" | "history">("editor");
  const [busy, setBusy] = useState(false);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    setActive(null);
    policies.active(doc).then(
      (v) => {
        setActive(v);
        setContent(structuredClone(v.content));
        setProblems([]);
        setChecked(false);
      },
      (err) => setError(reasonOf(err)),
    );
    if (doc === "routing")
      policies.active("sla").then(
        (v) => setCalendars(Object.keys((v.content.calendars as Json) ?? {})),
        () => undefined,
      );
  }, [doc, reloads]);

  const change = (next: Json) => {
    setContent(next);
    setChecked(false);
    setMessage(null);
  };

  const check = async () => {
    if (!content || !isAdmin()) return;
    try {
      setProblems(await policies.check(doc, content));
      setChecked(true);
    } catch (err) {
      setError(reasonOf(err));
    }
  };

  // the same validation as a save, shortly after each change (admins only: the route is theirs)
  useEffect(() => {
    if (!content || !active || !isAdmin()) return;
    const timer = setTimeout(() => void check(), 700);
    return () => clearTimeout(timer);
  }, [content]);

  const save = async (event: Event) => {
    event.preventDefault();
    if (!content || !active) return;
    const reason = String(new FormData(event.currentTarget as HTMLFormElement).get("reason") ?? "").trim();
    setBusy(true);
    setError("");
    try {
      const saved = await policies.save(doc, content, active.version, reason);
      setMessage({ key: "admin.saved", version: saved.version });
      setReloads((n) => n + 1);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422) {
        setProblems((err.details.problems as Problem[]) ?? []);
        setChecked(true);
      } else if (err instanceof ApiError && err.status === 409) setError(t("admin.conflict", { reason: err.message }));
      else setError(reasonOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (!active || !content) return <p role={error ? "alert" : undefined}>{error || t("loading")}</p>;
  const admin = isAdmin();
  return (
    <section class="admin" aria-labelledby="doc-title">
      <p>
        <a href="#/admin" class="back">
          ← {t("admin.documents")}
        </a>
      </p>
      <h1 id="doc-title">
        {doc} <span class="pill" id="active-version">{t("admin.version")} {active.version}</span>
      </h1>
      <div class="actions" role="tablist" aria-label={doc}>
        <button role="tab" id="tab-editor" aria-selected={tab === "editor"} class={tab === "editor" ? "" : "secondary"} onClick={() => setTab("editor")}>
          {t("admin.editor")}
        </button>
        <button role="tab" id="tab-history" aria-selected={tab === "history"} class={tab === "history" ? "" : "secondary"} onClick={() => setTab("history")}>
          {t("admin.history")}
        </button>
      </div>
      {message && (
        <p class="notice" id="admin-message" role="status">
          {t(message.key, { version: message.version })}
        </p>
      )}
      {error && (
        <p class="error" id="admin-error" role="alert">
          {error}{" "}
          <button class="secondary" onClick={() => setReloads((n) => n + 1)}>
            {t("admin.reload")}
          </button>
        </p>
      )}
      {tab === "history" ? (
        <History doc={doc} active={active} onRolledBack={(v) => {
          setMessage({ key: "admin.rolledBack", version: v });
          setReloads((n) => n + 1);
        }} />
      ) : (
        <form onSubmit={save} id="policy-form">
          {!admin && <p class="muted">{t("admin.readOnly")}</p>}
          <fieldset disabled={!admin || busy} class="plain-fieldset">
            {doc === "routing" && <AgentsForm content={content} calendars={calendars} problems={problems} onChange={change} />}
            {doc === "sla" && <CalendarsForm content={content} problems={problems} onChange={change} />}
            {doc === "sla" && <CategoriesForm content={content} problems={problems} onChange={change} />}
            {doc === "templates" && <TemplatesForm content={content} problems={problems} onChange={change} />}
            <JsonEditor content={content} problems={problems} onChange={change} />
            <div class="panel" id="problems" aria-live="polite">
              {checked && !problems.length ? (
                <p class="ok-text">{t("admin.noProblems")}</p>
              ) : problems.length ? (
                <>
                  <h2>{t("admin.problems", { n: problems.length })}</h2>
                  <ul class="plain">
                    {problems.map((p, i) => (
                      <li key={i}>
                        <code>{p.path}</code>: {p.message}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </div>
            {admin && (
              <div class="save-row">
                <label>
                  {t("admin.reason")}
                  <input name="reason" id="reason" maxLength={2000} />
                </label>
                <div class="actions">
                  <button type="button" class="secondary" id="check" onClick={() => void check()}>
                    {t("admin.check")}
                  </button>
                  <button type="submit" id="save" disabled={busy}>
                    {t("admin.save")}
                  </button>
                </div>
              </div>
            )}
          </fieldset>
        </form>
      )}
    </section>
  );
}

function JsonEditor({ content, problems, onChange }: { content: Json; problems: Problem[]; onChange: (c: Json) => void }) {
  const [text, setText] = useState(JSON.stringify(content, null, 2));
  const [parseError, setParseError] = useState("");
  // the forms above change the content: show it here unless the admin is mid-edit with bad JSON
  useEffect(() => {
    if (!parseError) setText(JSON.stringify(content, null, 2));
  }, [content]);
  return (
    <details class="panel">
      <summary>{t("admin.json")}</summary>
      <label class="sr-only" for="json-editor">
        {t("admin.json")}
      </label>
      <textarea
        id="json-editor"
        rows={18}
        spellcheck={false}
        aria-invalid={Boolean(parseError) || problems.length > 0}
        aria-describedby="json-error"
        value={text}
        onInput={(e) => {
          const value = e.currentTarget.value;
          setText(value);
          try {
            const parsed = JSON.parse(value) as unknown;
            if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("{...}");
            setParseError("");
            onChange(parsed as Json);
          } catch (err) {
            setParseError(err instanceof Error ? err.message : String(err));
          }
        }}
      />
      <p id="json-error" class="error" role="alert">
        {parseError && t("admin.jsonInvalid", { error: parseError })}
      </p>
    </details>
  );
}

function AgentsForm(props: { content: Json; calendars: string[]; problems: Problem[]; onChange: (c: Json) => void }) {
  const { content, calendars, problems, onChange } = props;
  const agents = (content.agents ?? {}) as Record<string, Json>;
  const [newId, setNewId] = useState("");
  const set = (id: string, field: string, value: unknown) =>
    onChange({ ...content, agents: { ...agents, [id]: { ...agents[id], [field]: value } } });
  const remove = (id: string) => {
    const rest = { ...agents };
    delete rest[id];
    onChange({ ...content, agents: rest });
  };
  const add = () => {
    const id = newId.trim();
    if (!id || id in agents) return;
    const shift = calendars[0] ?? "";
    onChange({ ...content, agents: { ...agents, [id]: { name: id, teams: [], skills: [], capacity: 10, shift } } });
    setNewId("");
  };
  return (
    <div class="panel">
      <h2>{t("admin.agents")}</h2>
      <div class="scroll">
        <table id="agents">
          <thead>
            <tr>
              <th scope="col">{t("admin.agentId")}</th>
              <th scope="col">{t("admin.name")}</th>
              <th scope="col">{t("admin.teams")}</th>
              <th scope="col">{t("admin.skills")}</th>
              <th scope="col">{t("admin.capacity")}</th>
              <th scope="col">{t("admin.shift")}</th>
              <th scope="col">
                <span class="sr-only">{t("admin.remove")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(agents).map(([id, a]) => {
              const at = (f: string) => jsonPath("agents", id, f);
              const field = (f: string) => `agent-${id}-${f}`.replace(/[^A-Za-z0-9_-]/g, "_");
              return (
                <tr key={id} data-agent={id}>
                  <th scope="row">{id}</th>
                  <td>
                    <input aria-label={`${id} ${t("admin.name")}`} id={field("name")} value={String(a.name ?? "")} onChange={(e) => set(id, "name", e.currentTarget.value)} />
                    <ProblemsAt problems={problems} path={at("name")} />
                  </td>
                  <td>
                    <input aria-label={`${id} ${t("admin.teams")}`} id={field("teams")} value={list(a.teams)} onChange={(e) => set(id, "teams", split(e.currentTarget.value))} />
                    <ProblemsAt problems={problems} path={at("teams")} />
                  </td>
                  <td>
                    <input aria-label={`${id} ${t("admin.skills")}`} id={field("skills")} value={list(a.skills)} onChange={(e) => set(id, "skills", split(e.currentTarget.value))} />
                    <ProblemsAt problems={problems} path={at("skills")} />
                  </td>
                  <td>
                    <input
                      aria-label={`${id} ${t("admin.capacity")}`}
                      id={field("capacity")}
                      class="narrow"
                      inputMode="numeric"
                      value={String(a.capacity ?? "")}
                      onChange={(e) => {
                        const v = e.currentTarget.value.trim();
                        set(id, "capacity", /^-?\d+$/.test(v) ? Number(v) : v);
                      }}
                    />
                    <ProblemsAt problems={problems} path={at("capacity")} id={field("capacity-error")} />
                  </td>
                  <td>
                    <select aria-label={`${id} ${t("admin.shift")}`} id={field("shift")} value={String(a.shift ?? "")} onChange={(e) => set(id, "shift", e.currentTarget.value)}>
                      {[...new Set([...calendars, String(a.shift ?? "")])].map((c) => (
                        <option key={c} value={c}>
                          {c}
                        </option>
                      ))}
                    </select>
                    <ProblemsAt problems={problems} path={at("shift")} />
                  </td>
                  <td>
                    <button type="button" class="secondary" onClick={() => remove(id)} aria-label={`${t("admin.remove")} ${id}`}>
                      {t("admin.remove")}
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div class="actions">
        <label class="inline">
          {t("admin.newAgentId")}
          <input id="new-agent" value={newId} onInput={(e) => setNewId(e.currentTarget.value)} onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), add())} />
        </label>
        <button type="button" id="add-agent" onClick={add}>
          {t("admin.addAgent")}
        </button>
      </div>
    </div>
  );
}

function CalendarsForm({ content, problems, onChange }: { content: Json; problems: Problem[]; onChange: (c: Json) => void }) {
  const calendars = (content.calendars ?? {}) as Record<string, Json>;
  const set = (id: string, field: string, value: unknown) => {
    const next = { ...calendars[id], [field]: value };
    if (value === undefined) delete next[field];
    onChange({ ...content, calendars: { ...calendars, [id]: next } });
  };
  return (
    <div class="panel">
      <h2>{t("admin.calendars")}</h2>
      {Object.entries(calendars).map(([id, c]) => {
        const at = (...f: (string | number)[]) => jsonPath("calendars", id, ...f);
        const hours = (c.hours ?? {}) as Record<string, string[]>;
        const key = (f: string) => `cal-${id}-${f}`.replace(/[^A-Za-z0-9_-]/g, "_");
        return (
          <fieldset key={id} class="calendar" data-calendar={id}>
            <legend>{id}</legend>
            <label>
              {t("admin.timezone")}
              <input id={key("timezone")} value={String(c.timezone ?? "")} onChange={(e) => set(id, "timezone", e.currentTarget.value.trim())} />
              <ProblemsAt problems={problems} path={at("timezone")} />
            </label>
            <div class="hours">
              {DAYS.map((d) => (
                <label key={d}>
                  {t(`day.${d}`)} <span class="sr-only">{t("admin.hours")}</span>
                  <input
                    id={key(`hours-${d}`)}
                    value={list(hours[d])}
                    onChange={(e) => {
                      const shifts = split(e.currentTarget.value);
                      const next = { ...hours, [d]: shifts };
                      if (!shifts.length) delete next[d];
                      set(id, "hours", next);
                    }}
                  />
                  <ProblemsAt problems={problems} path={at("hours", d)} id={key(`hours-${d}-error`)} />
                </label>
              ))}
            </div>
            <p class="muted">{t("admin.hours")}</p>
            <label>
              {t("admin.holidays")}
              <input
                id={key("holidays")}
                value={String((c.holidays as Json | null)?.country ?? "")}
                onChange={(e) => {
                  const country = e.currentTarget.value.trim();
                  set(id, "holidays", country ? { ...((c.holidays as Json | null) ?? {}), country } : undefined);
                }}
              />
              <ProblemsAt problems={problems} path={at("holidays")} />
            </label>
            <label>
              {t("admin.closedDates")}
              <input id={key("closed")} value={list(c.closed_dates)} onChange={(e) => set(id, "closed_dates", split(e.currentTarget.value))} />
              <ProblemsAt problems={problems} path={at("closed_dates")} />
            </label>
          </fieldset>
        );
      })}
    </div>
  );
}

function History({ doc, active, onRolledBack }: { doc: string; active: PolicyVersion; onRolledBack: (v: number) => void }) {
  const [versions, setVersions] = useState<PolicyAudit[] | null>(null);
  const [shown, setShown] = useState<PolicyVersion | null>(null);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    policies.history(doc).then(setVersions, (err) => setError(reasonOf(err)));
  }, [doc, active.version]);
  const rollback = async (n: number) => {
    try {
      const saved = await policies.rollback(doc, n, active.version, "");
      setConfirming(null);
      onRolledBack(saved.version);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 422 ? ((err.details.problems as Problem[]) ?? []).map((p) => `${p.path}: ${p.message}`).join("; ") : reasonOf(err));
    }
  };
  if (!versions) return <p role={error ? "alert" : undefined}>{error || t("loading")}</p>;
  return (
    <div class="panel">
      {error && <p class="error" role="alert">{error}</p>}
      <ol class="versions" id="versions">
        {versions.map((v) => (
          <li key={v.version} data-version={v.version}>
            <p>
              <strong>
                {t("admin.version")} {v.version}
              </strong>{" "}
              · {v.version === 0 ? t("admin.packaged") : v.saved_by} {v.saved_at && `· ${when(v.saved_at)}`}
              {v.rollback_of !== null && ` · ${t("admin.rollbackOf", { n: v.rollback_of })}`}
              {v.version === active.version && <span class="pill"> ✓ {t("admin.activeVersion")}</span>}
            </p>
            {v.reason && <p class="muted">{v.reason}</p>}
            <ul class="plain changes" aria-label={t("admin.changes")}>
              {v.summary.map((line, i) => (
                <li key={i}>
                  <code>{line}</code>
                </li>
              ))}
            </ul>
            <div class="actions">
              <button type="button" class="secondary" onClick={() => policies.version(doc, v.version).then(setShown, (err) => setError(reasonOf(err)))}>
                {t("admin.view")} {v.version}
              </button>
              {isAdmin() && v.version !== active.version &&
                (confirming === v.version ? (
                  <button type="button" id={`confirm-rollback-${v.version}`} onClick={() => void rollback(v.version)}>
                    {t("admin.confirmRollback", { n: v.version })}
                  </button>
                ) : (
                  <button type="button" id={`rollback-${v.version}`} onClick={() => setConfirming(v.version)}>
                    {t("admin.rollback")}
                  </button>
                ))}
            </div>
            {shown?.version === v.version && (
              <div class="diff">
                <h3>{t("admin.compare")}</h3>
                {(() => {
                  const lines = diffLines(active.content, shown.content);
                  return lines.length ? (
                    <pre id={`diff-${v.version}`}>{lines.join("\n")}</pre>
                  ) : (
                    <p class="muted">{t("admin.noDiff")}</p>
                  );
                })()}
              </div>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}

function CategoriesForm({ content, problems, onChange }: { content: Json; problems: Problem[]; onChange: (c: Json) => void }) {
  const categories = (content.categories ?? {}) as Record<string, Json>;
  const set = (id: string, field: string, value: unknown) =>
    onChange({ ...content, categories: { ...categories, [id]: { ...categories[id], [field]: value } } });
  return (
    <div class="panel">
      <h2>{t("admin.categories")}</h2>
      <div class="scroll">
        <table id="categories">
          <thead>
            <tr>
              <th scope="col">{t("category")}</th>
              <th scope="col">{t("admin.name")}</th>
              <th scope="col">{t("team")}</th>
              <th scope="col">{t("urgency")}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(categories).map(([id, c]) => {
              const key = (f: string) => `cat-${id}-${f}`.replace(/[^A-Za-z0-9_-]/g, "_");
              return (
                <tr key={id} data-category={id}>
                  <th scope="row">{id}</th>
                  <td>{String(c.name_zh ?? "")} / {String(c.name_en ?? "")}</td>
                  <td>
                    <input aria-label={`${id} ${t("team")}`} id={key("team")} value={String(c.team ?? "")} onChange={(e) => set(id, "team", e.currentTarget.value.trim())} />
                    <ProblemsAt problems={problems} path={jsonPath("categories", id, "team")} />
                  </td>
                  <td>
                    <select aria-label={`${id} ${t("urgency")}`} id={key("urgency")} value={String(c.urgency ?? "normal")} onChange={(e) => set(id, "urgency", e.currentTarget.value)}>
                      <option value="normal">{t("normal")}</option>
                      <option value="urgent">{t("urgent")}</option>
                    </select>
                    <ProblemsAt problems={problems} path={jsonPath("categories", id, "urgency")} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function TemplatesForm({ content, problems, onChange }: { content: Json; problems: Problem[]; onChange: (c: Json) => void }) {
  const templates = (content.templates ?? {}) as Record<string, Json>;
  const set = (id: string, field: string, value: unknown) =>
    onChange({ ...content, templates: { ...templates, [id]: { ...templates[id], [field]: value } } });
  return (
    <div class="panel">
      <h2>{t("admin.templates")}</h2>
      {Object.entries(templates).map(([id, tpl]) => {
        const key = (f: string) => `tpl-${id}-${f}`.replace(/[^A-Za-z0-9_-]/g, "_");
        return (
          <fieldset key={id} class="calendar" data-template={id}>
            <legend>
              {id} · {t("admin.version")} {String(tpl.version ?? "")}
            </legend>
            {(["zh", "en"] as const).map((lang) => (
              <label key={lang}>
                {lang === "zh" ? "中文" : "English"}
                <textarea id={key(lang)} rows={2} value={String(tpl[lang] ?? "")} onChange={(e) => set(id, lang, e.currentTarget.value)} />
                <ProblemsAt problems={problems} path={jsonPath("templates", id, lang)} />
              </label>
            ))}
            <p class="muted">{t("admin.templateVersionHint")}</p>
          </fieldset>
        );
      })}
    </div>
  );
}
