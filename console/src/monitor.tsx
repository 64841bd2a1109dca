// The supervisor's live monitor: per channel, who waits for an answer and for how long, from the
// agents' API (recent inquiries); the alert above the policy's peak (R3.4); the breached list.
import { useState } from "preact/hooks";
import { api, type Inquiry } from "./api";
import { duration, t } from "./i18n";
import { byDeadline, isOpen } from "./lifecycle";
import { Row } from "./queue";
import { config, now, usePoll } from "./state";

interface ChannelLine {
  channel: string;
  open: number;
  waiting: number;
  oldest: number | null; // epoch ms of the oldest unanswered inquiry
  breached: number;
}

function lines(open: Inquiry[], at: number): ChannelLine[] {
  const by = new Map<string, ChannelLine>();
  for (const i of open) {
    const line = by.get(i.channel) ?? { channel: i.channel, open: 0, waiting: 0, oldest: null, breached: 0 };
    line.open += 1;
    if (!i.first_response_at) {
      line.waiting += 1;
      const received = Date.parse(i.received_at);
      line.oldest = line.oldest === null ? received : Math.min(line.oldest, received);
    }
    if (i.next_deadline_at && Date.parse(i.next_deadline_at) < at) line.breached += 1;
    by.set(i.channel, line);
  }
  return [...by.values()].sort((a, b) => b.waiting - a.waiting || a.channel.localeCompare(b.channel));
}

export function Monitor() {
  const [open, setOpen] = useState<Inquiry[] | null>(null);
  usePoll(async () => setOpen((await api.recent()).filter(isOpen)), []);
  if (!open) return <p>{t("loading")}</p>;
  const at = now.value;
  const breached = open.filter((i) => i.next_deadline_at && Date.parse(i.next_deadline_at) < at).sort(byDeadline);
  const peak = config.peakWaiting;
  return (
    <section class="monitor" aria-labelledby="monitor-title">
      <h1 id="monitor-title">{t("monitorTitle")}</h1>
      <p class="muted">{t("liveHint")}</p>
      <table id="monitor">
        <thead>
          <tr>
            <th scope="col">{t("channel")}</th>
            <th scope="col">{t("waiting")}</th>
            <th scope="col">{t("oldestWait")}</th>
            <th scope="col">{t("open")}</th>
            <th scope="col">{t("breachedCount")}</th>
          </tr>
        </thead>
        <tbody>
          {lines(open, at).map((l) => (
            <tr key={l.channel} data-channel={l.channel} class={l.waiting > peak ? "alert" : ""}>
              <th scope="row">{l.channel}</th>
              <td class="waiting">
                <span class="n">{l.waiting}</span>
                {l.waiting > peak && <span class="tag urgent">{t("peak", { n: peak })}</span>}
              </td>
              <td>{l.oldest === null ? "-" : duration(at - l.oldest)}</td>
              <td>{l.open}</td>
              <td class={l.breached ? "breached-cell" : ""}>{l.breached}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>
        {t("breachedList")} <span class="count">{breached.length}</span>
      </h2>
      {breached.length === 0 ? (
        <p class="empty">{t("empty")}</p>
      ) : (
        <ul class="rows" id="breached">
          {breached.map((i) => (
            <Row key={i.inquiry_id} inquiry={i} />
          ))}
        </ul>
      )}
    </section>
  );
}
