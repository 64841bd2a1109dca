// The agent's views, next deadline first, with live countdowns and breach colours.
import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Inquiry } from "./api";
import { band, countdown, statusName, t, when } from "./i18n";
import { byDeadline, isOpen } from "./lifecycle";
import { go, isSupervisor, myTeams, now, session, usePoll } from "./state";

export const VIEWS = ["mine", "team", "unassigned", "waiting", "breached"] as const;
export type View = (typeof VIEWS)[number];

export const team = signal<string>(localStorage.getItem("desk.team") ?? "");
team.subscribe((value) => value && localStorage.setItem("desk.team", value));

async function load(view: View): Promise<Inquiry[]> {
  if (view === "team") return (await api.queue(team.value)).inquiries; // the API's order (next deadline, peak rules)
  const me = session.value?.user;
  const open = (await api.recent()).filter(isOpen);
  const chosen = {
    // a supervisor also owns what escalation reassigned to the supervisors ("supervisors:<team>")
    mine: open.filter((i) => i.owner === me || (isSupervisor() && i.owner?.startsWith("supervisors:"))),
    unassigned: open.filter((i) => !i.owner),
    waiting: open.filter((i) => i.status === "waiting_on_customer"),
    breached: open.filter((i) => i.next_deadline_at && Date.parse(i.next_deadline_at) < Date.now()),
  }[view];
  return chosen.sort(byDeadline);
}

export function Deadline({ at }: { at: string | null | undefined }) {
  if (!at) return <span class="deadline none">{t("noDeadline")}</span>;
  return (
    <span class={`deadline ${band(at, now.value)}`} title={when(at)}>
      {countdown(at, now.value)}
    </span>
  );
}

export function Row({ inquiry: i, selected }: { inquiry: Inquiry; selected?: boolean }) {
  return (
    <li>
      <a
        class={`row${selected ? " selected" : ""}`}
        data-id={i.inquiry_id}
        href={`#/inquiry/${encodeURIComponent(i.inquiry_id)}`}
        aria-current={selected ? "true" : undefined}
      >
        <span class="who">
          {i.customer_name || i.customer_id}
          {i.urgency === "urgent" && <span class="tag urgent">{t("urgent")}</span>}
          {i.customer_tier === "vip" && <span class="tag vip">{t("vip")}</span>}
        </span>
        <span class="text">{i.description}</span>
        <span class="meta">
          {i.channel} · <span class={`pill ${i.status}`}>{statusName(i.status)}</span> · {when(i.received_at)}
          {i.owner ? ` · ${i.owner}` : ""}
        </span>
        <Deadline at={i.next_deadline_at} />
      </a>
    </li>
  );
}

export const search = signal("");

/** Order number, phone, e-mail, name, id or text: within the view's inquiries. */
function matches(i: Inquiry, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return [i.order_number, i.contact, i.customer_name, i.customer_id, i.inquiry_id, i.member_id, i.description, i.subject]
    .filter(Boolean)
    .some((v) => String(v).toLowerCase().includes(q));
}

export function QueueView({ view }: { view: View }) {
  const [loaded, setItems] = useState<Inquiry[] | null>(null);
  const items = loaded && loaded.filter((i) => matches(i, search.value));
  const [error, setError] = useState("");
  const [cursor, setCursor] = useState(0);

  usePoll(async () => {
    try {
      setItems(await load(view));
      setError("");
    } catch (err) {
      if (err instanceof ApiError) setError(err.message);
      else throw err;
    }
  }, [view, team.value]);

  useEffect(() => {
    const keys = (event: KeyboardEvent) => {
      if (isTyping(event) || !loaded) return;
      if (event.key === "Enter" && (event.target as HTMLElement).tagName === "A") return; // the link itself opens
      if (!items?.length && event.key !== "s" && event.key !== "/") return;
      if (!items) return;
      if (event.key === "j") setCursor((c) => Math.min(c + 1, items.length - 1));
      else if (event.key === "k") setCursor((c) => Math.max(c - 1, 0));
      else if (event.key === "Enter" && items[cursor]) go(`#/inquiry/${encodeURIComponent(items[cursor].inquiry_id)}`);
      else if (event.key === "s") {
        event.preventDefault();
        document.getElementById("search")?.focus();
      } else if (event.key === "/") {
        event.preventDefault();
        go(`#/view/${VIEWS[(VIEWS.indexOf(view) + 1) % VIEWS.length]}`);
      } else return;
    };
    addEventListener("keydown", keys);
    return () => removeEventListener("keydown", keys);
  }, [items, cursor, view]);

  return (
    <section class="queue" aria-labelledby="view-title">
      <h1 id="view-title">
        {t(`view.${view}`)}
        {view === "team" && ` · ${team.value}`}
        <span class="count">{items ? items.length : ""}</span>
      </h1>
      <label class="inline search">
        {t("search")}
        <input
          id="search"
          type="search"
          value={search.value}
          placeholder={t("searchHint")}
          onInput={(e) => {
            search.value = e.currentTarget.value;
            setCursor(0);
          }}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {t("error")}
          {error}
        </p>
      )}
      {items === null ? (
        <p>{t("loading")}</p>
      ) : items.length === 0 ? (
        <>
          <p class="empty">{t("empty")}</p>
          {view === "team" && <OtherTeams />}
        </>
      ) : (
        <ul class="rows" id="list">
          {items.map((i, n) => (
            <Row key={i.inquiry_id} inquiry={i} selected={n === cursor} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function isTyping(event: KeyboardEvent): boolean {
  const el = event.target as HTMLElement | null;
  return Boolean(el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)));
}

/** An empty team queue points to the user's other teams that have open inquiries (counts of the
 * last 7 days' open inquiries), so nobody mistakes one quiet team for a quiet desk. */
function OtherTeams() {
  const [counts, setCounts] = useState<[string, number][]>([]);
  usePoll(async () => {
    const mine = myTeams();
    const open = (await api.recent()).filter(isOpen);
    const byTeam = new Map<string, number>();
    for (const i of open) if (i.team && i.team !== team.value && mine.includes(i.team)) byTeam.set(i.team, (byTeam.get(i.team) ?? 0) + 1);
    setCounts([...byTeam.entries()].sort((a, b) => b[1] - a[1]));
  }, [team.value]);
  if (!counts.length) return null;
  return (
    <p class="other-teams" id="other-teams">
      {t("otherTeams")}{" "}
      {counts.map(([name, n]) => (
        <button key={name} type="button" class="secondary" onClick={() => (team.value = name)}>
          {name} ({n})
        </button>
      ))}
    </p>
  );
}
