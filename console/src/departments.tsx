// Cross-department requests (R4.3): ask warehouse, logistics or tech for what is needed (its due
// time comes from the policy), see what is still open, and record the department's answer.
import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { ApiError, departments, type DepartmentInfo, type InquiryEvent } from "./api";
import { lang, t, when } from "./i18n";

/** The departments as the policy names them, once loaded: the timeline shows "仓库", not "warehouse". */
export const departmentNames = signal<Record<string, DepartmentInfo>>({});

export function departmentName(id: string): string {
  const d = departmentNames.value[id];
  return d ? (lang.value === "en" ? d.name_en : d.name_zh) : id;
}

export function DepartmentRequests({
  inquiryId,
  events,
  onChange,
}: {
  inquiryId: string;
  events: InquiryEvent[];
  onChange: () => Promise<void>;
}) {
  const [known, setKnown] = useState<Record<string, DepartmentInfo>>({});
  const [error, setError] = useState("");
  useEffect(() => {
    departments
      .list()
      .then((found) => {
        setKnown(found);
        departmentNames.value = found;
      })
      .catch(() => setKnown({}));
  }, []);
  const answered = new Set(events.filter((e) => e.type === "department_answered").map((e) => String(e.data.request_id)));
  const open = events.filter((e) => e.type === "department_requested" && !answered.has(String(e.data.request_id)));
  const name = (id: unknown) => {
    const d = known[String(id)];
    return d ? (lang.value === "en" ? d.name_en : d.name_zh) : String(id);
  };
  const run = async (work: () => Promise<unknown>) => {
    try {
      await work();
      setError("");
      await onChange();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  const ask = (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    void run(async () => {
      await departments.ask(inquiryId, String(data.get("department")), String(data.get("needed") ?? "").trim());
      form.reset();
    });
  };
  const answer = (requestId: string) => (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    void run(() => departments.answer(inquiryId, requestId, String(data.get("answer") ?? "").trim()));
  };
  return (
    <section class="panel" aria-labelledby="departments-title">
      <h2 id="departments-title">{t("departmentRequests")}</h2>
      <ul class="plain" id="department-requests">
        {open.map((e) => (
          <li key={String(e.data.request_id)}>
            {name(e.data.department)}: <span class="text">{String(e.data.needed ?? "")}</span>
            <div class="muted">
              {t("dueAt")} {when(String(e.data.due))}
            </div>
            <form onSubmit={answer(String(e.data.request_id))}>
              <label>
                {t("departmentAnswer")}
                <input name="answer" required maxLength={5000} />
              </label>
              <button type="submit" class="secondary">
                {t("confirm")}
              </button>
            </form>
          </li>
        ))}
      </ul>
      <form id="department-ask" onSubmit={ask}>
        <label>
          {t("department")}
          <select name="department">
            {Object.keys(known).map((id) => (
              <option key={id} value={id}>
                {name(id)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("departmentNeeded")}
          <textarea name="needed" rows={2} required maxLength={5000} />
        </label>
        <button type="submit" class="secondary">
          {t("departmentAsk")}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {t("error")}
          {error}
        </p>
      )}
    </section>
  );
}
