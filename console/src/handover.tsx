// Hand an inquiry over: transfer to another agent or team (with a reason), or escalate to the
// team's supervisors (with a reason). Shown only where the lifecycle allows; the API decides.
import { useState } from "preact/hooks";
import type { Inquiry } from "./api";
import { t } from "./i18n";
import { allows, type ActionName } from "./lifecycle";
import { config, go, session } from "./state";

type Act = (action: ActionName, fields?: Record<string, string>) => Promise<boolean>;

export function Handover({ inquiry, busy, act }: { inquiry: Inquiry; busy: boolean; act: Act }) {
  const [open, setOpen] = useState<null | "transfer" | "escalate">(null);
  const canTransfer = allows(inquiry, "transfer");
  const canEscalate = allows(inquiry, "escalate") && !String(inquiry.owner ?? "").startsWith("supervisors:");
  if (!canTransfer && !canEscalate) return null;

  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const fields: Record<string, string> = { reason: String(form.get("reason") ?? "").trim() };
    if (open === "transfer") {
      const team = String(form.get("team") ?? "");
      const owner = String(form.get("owner") ?? "").trim();
      if (team && team !== inquiry.team) fields.team = team;
      if (owner) fields.owner = owner;
    }
    const action = open as ActionName;
    const leaving = action === "transfer" && fields.team !== undefined;
    if ((await act(action, fields)) && (leaving || action === "escalate")) {
      setOpen(null);
      const mine = session.value?.groups.some((g) => g === "admins" || g === `team:${fields.team}`);
      if (leaving && !mine) go("#/view/mine"); // another team's inquiry: no longer ours to see
    }
  };

  return (
    <>
      {canTransfer && (
        <button id="transfer" class="secondary" disabled={busy} aria-expanded={open === "transfer"} onClick={() => setOpen(open === "transfer" ? null : "transfer")}>
          {t("transfer")}
        </button>
      )}
      {canEscalate && (
        <button id="escalate" class="secondary" disabled={busy} aria-expanded={open === "escalate"} onClick={() => setOpen(open === "escalate" ? null : "escalate")}>
          {t("escalate")}
        </button>
      )}
      {open && (
        <form class="action-form handover" id={`form-${open}`} onSubmit={submit}>
          {open === "transfer" && (
            <fieldset class="plain-fieldset">
              <legend>{t("transferTo")}</legend>
              <label>
                {t("transferTeam")}
                <select name="team" id="transfer-team" defaultValue={inquiry.team ?? ""}>
                  {config.teams.map((team) => (
                    <option key={team} value={team}>
                      {team}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                {t("transferAgent")}
                <input name="owner" id="transfer-owner" maxLength={128} />
              </label>
            </fieldset>
          )}
          <label>
            {t("handoverReason")}
            <textarea name="reason" id="handover-reason" rows={2} required ref={(el) => el?.focus()} />
          </label>
          <div class="actions">
            <button type="submit" id="confirm-handover" disabled={busy}>
              {open === "transfer" ? t("transfer") : t("escalate")}
            </button>
            <button type="button" class="secondary" onClick={() => setOpen(null)}>
              {t("cancel")}
            </button>
          </div>
        </form>
      )}
    </>
  );
}
