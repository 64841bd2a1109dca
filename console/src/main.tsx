// The console's shell: sign-in, the header (language, time zone, team, sign-out), the views.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { loadConfig, signIn, signOut, ApiError } from "./api";
import { AdminPage } from "./admin";
import { lang, setLang, setTimeZone, t, timeZone, type Lang } from "./i18n";
import { InquiryPage } from "./inquiry";
import { KnowledgePage } from "./knowledge";
import { Monitor } from "./monitor";
import { QueueView, VIEWS, team, type View } from "./queue";
import { RecordPage } from "./record";
import { isSupervisionPage, supervisionNav, SupervisionPage } from "./supervision";
import {
  config,
  endSession,
  expired,
  go,
  isAdmin,
  isProductOnly,
  isSupervisor,
  myTeams,
  route,
  session,
  setConfig,
} from "./state";
import "./style.css";

const ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Tokyo", "Asia/Singapore", "Europe/London", "America/New_York", "UTC"];

function SignIn() {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    try {
      session.value = await signIn(String(form.get("user")), String(form.get("password")));
      expired.value = false;
      setError("");
    } catch (err) {
      setError(t("signInFailed") + (err instanceof Error ? err.message : String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form id="signin" onSubmit={submit}>
        <h1>{t("title")}</h1>
        {expired.value && (
          <p class="notice" id="expired" role="status">
            {t("sessionExpired")}
          </p>
        )}
        <label>
          {t("user")}
          <input id="user" name="user" autocomplete="username" required />
        </label>
        <label>
          {t("password")}
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          {t("signIn")}
        </button>
        <p id="signin-error" class="error" role="alert">
          {error}
        </p>
        <LanguageSwitch />
      </form>
    </main>
  );
}

function LanguageSwitch() {
  return (
    <label class="inline">
      {t("language")}
      <select id="lang" value={lang.value} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
        <option value="zh-CN">中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

function Header() {
  const zones = ZONES.includes(timeZone.value) ? ZONES : [timeZone.value, ...ZONES];
  return (
    <header class="top">
      <strong class="brand">{t("title")}</strong>
      <div class="tools">
        <LanguageSwitch />
        <label class="inline">
          {t("timeZone")}
          <select id="tz" value={timeZone.value} onChange={(e) => setTimeZone(e.currentTarget.value)}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          {t("team")}
          <select id="team" value={team.value} onChange={(e) => (team.value = e.currentTarget.value)}>
            {myTeams().map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <span id="who">{session.value?.user}</span>
        <button
          id="signout"
          class="secondary"
          onClick={async () => {
            await signOut();
            session.value = null;
            go("");
          }}
        >
          {t("signOut")}
        </button>
      </div>
    </header>
  );
}

function Nav({ current }: { current: string }) {
  const items: [string, string][] = isProductOnly() ? [] : VIEWS.map((v) => [`#/view/${v}`, t(`view.${v}`)]);
  if (!isProductOnly()) items.push(["#/record", t("view.record")]);
  items.push(["#/knowledge", t("knowledge")]);
  if (isSupervisor()) items.push(["#/monitor", t("view.monitor")], ...supervisionNav());
  if (isAdmin()) items.push(["#/admin", t("view.admin")]);
  return (
    <nav aria-label={t("views")}>
      {items.map(([href, label]) => (
        <a key={href} href={href} class="tab" aria-current={current === href ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

function Desk() {
  const mine = myTeams();
  useEffect(() => {
    // the team picked last time on this browser, if it is still one of this user's teams
    if (mine.length && !mine.includes(team.value)) team.value = mine[0];
  }, [mine.join(",")]);
  const hash = route.value || (isProductOnly() ? "#/knowledge" : `#/view/${isSupervisor() ? "team" : "mine"}`);
  const [, kind, id] = isProductOnly() && !hash.startsWith("#/knowledge") ? ["", "knowledge"] : hash.split("/");
  let page;
  if (kind === "inquiry" && id) page = <InquiryPage id={decodeURIComponent(id)} />;
  else if (kind === "monitor" && isSupervisor()) page = <Monitor />;
  else if (kind === "record") page = <RecordPage />;
  else if (kind === "knowledge") page = <KnowledgePage id={id ? decodeURIComponent(id) : undefined} />;
  else if (isSupervisionPage(kind) && isSupervisor()) page = <SupervisionPage hash={hash} />;
  else if (kind === "admin" && isAdmin()) page = <AdminPage doc={id ? decodeURIComponent(id) : undefined} />;
  else page = <QueueView view={(VIEWS.includes(id as View) ? id : "mine") as View} />;
  return (
    <>
      <Header />
      <Nav current={kind === "inquiry" ? "" : kind === "knowledge" ? "#/knowledge" : kind === "admin" ? "#/admin" : isSupervisionPage(kind) ? `#/${kind}` : hash} />
      <main id="desk">{page}</main>
      <footer class="hint">{t("shortcuts")}</footer>
    </>
  );
}

function App() {
  lang.value; // re-render on a language change
  return session.value ? <Desk /> : <SignIn />;
}

async function main(): Promise<void> {
  document.documentElement.lang = lang.value;
  setConfig(await loadConfig());
  if (!team.value || !config.teams.includes(team.value)) team.value = config.teams[0] ?? "";
  const root = document.getElementById("app");
  if (root) render(<App />, root);
  addEventListener("unhandledrejection", (event) => {
    if (event.reason instanceof ApiError) event.preventDefault();
    if (String(event.reason).includes("session expired")) {
      event.preventDefault();
      endSession();
    }
  });
}

void main();
