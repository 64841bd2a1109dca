// Record a phone call or an in-store visit (R1.1, R8.4): the caller's number or e-mail finds the
// customer; the inquiry then follows the same lifecycle and deadlines as any other.
import { useState } from "preact/hooks";
import { api, SessionExpired } from "./api";
import { t } from "./i18n";
import { endSession, go } from "./state";

export function RecordPage() {
  const [channel, setChannel] = useState("phone");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const fields: Record<string, string> = {};
    for (const [key, value] of form.entries()) if (String(value).trim()) fields[key] = String(value).trim();
    setBusy(true);
    try {
      const id = await api.record(fields);
      go(`#/inquiry/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err instanceof SessionExpired) endSession();
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel record" aria-labelledby="record-title">
      <h1 id="record-title">{t("recordTitle")}</h1>
      <form id="record" onSubmit={submit}>
        <label>
          {t("channel")}
          <select name="channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value)}>
            <option value="phone">{t("phone")}</option>
            <option value="in_store">{t("inStore")}</option>
          </select>
        </label>
        <label>
          {t("contact")}
          <input name="contact" autocomplete="off" />
        </label>
        <label>
          {t("customer")}
          <input name="customer_name" autocomplete="off" />
        </label>
        <label>
          {t("order")}
          <input name="order_number" autocomplete="off" />
        </label>
        <label>
          {t("description")}
          <textarea name="description" rows={3} required />
        </label>
        {channel === "phone" && (
          <label>
            {t("voiceSummary")}
            <textarea name="voice_summary" rows={2} />
          </label>
        )}
        <button type="submit" disabled={busy}>
          {t("record")}
        </button>
        {error && (
          <p class="error" role="alert">
            {t("error")}
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
