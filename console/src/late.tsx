// Supervisor: the overdue and unconfirmed lists of the teams they supervise (R3.1), live.
import { useState } from "preact/hooks";
import { ApiError, type Inquiry } from "./api";
import { Row } from "./queue";
import { usePoll } from "./state";
import { st, type SupKey } from "./supervision_i18n";
import { supervision, type LateLists } from "./supervision_api";

function List({ id, title, items }: { id: string; title: SupKey; items: Inquiry[] }) {
  return (
    <section class="late-list" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        {st(title)} <span class="count">{items.length}</span>
      </h2>
      {items.length === 0 ? (
        <p class="empty">{st("noInquiries")}</p>
      ) : (
        <ul class="rows" id={id}>
          {items.map((i) => (
            <Row key={i.inquiry_id} inquiry={i} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function LatePage() {
  const [lists, setLists] = useState<LateLists | null>(null);
  const [error, setError] = useState("");
  usePoll(async () => {
    try {
      setLists(await supervision.late());
      setError("");
    } catch (err) {
      if (err instanceof ApiError) setError(err.message);
      else throw err;
    }
  }, []);
  return (
    <section class="sup" aria-labelledby="late-title">
      <h1 id="late-title">{st("lateTitle")}</h1>
      {error && (
        <p class="error" role="alert">
          {st("error")}
          {error}
        </p>
      )}
      {!lists ? (
        <p>{st("loading")}</p>
      ) : (
        <>
          <p class="muted">{st("yourTeams", { teams: lists.teams.join(", ") })}</p>
          <List id="overdue" title="overdue" items={lists.overdue} />
          <List id="unacknowledged" title="unacknowledged" items={lists.unacknowledged} />
          <List id="unconfirmed" title="awaitingConfirmation" items={lists.awaiting_confirmation} />
        </>
      )}
    </section>
  );
}
