// Supervisor: reports (R9.2): daily, weekly, monthly or quarterly, for a day and a team or channel;
// the figures as a table with bars, the day-by-day trend as an inline SVG chart, the CSV export,
// and a drill-down from a figure to the inquiries behind it.
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Inquiry } from "./api";
import { duration, timeZone } from "./i18n";
import { Row } from "./queue";
import { st, stOr, today } from "./supervision_i18n";
import { supervision, type MetricInfo, type Period, type Report } from "./supervision_api";

const PERIODS: Period[] = ["daily", "weekly", "monthly", "quarterly"];

function shown(m: MetricInfo, v: number | null | undefined): string {
  if (v === null || v === undefined) return "-";
  if (m.unit === "%") return `${(v * 100).toFixed(1)} %`;
  if (m.unit === "s") return duration(v * 1000);
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function below(m: MetricInfo, v: number | null | undefined): boolean {
  if (v == null || m.target == null) return false;
  return m.kind === "mean" ? v > m.target : v < m.target;
}

/** A share as a small horizontal bar (decorative: the number is in the next cell). */
function Bar({ share, alert }: { share: number; alert: boolean }) {
  const w = Math.max(0, Math.min(1, share)) * 100;
  return (
    <svg class="bar" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true" focusable="false">
      <rect x="0" y="0" width="100" height="8" fill="#e6ecf5" />
      <rect x="0" y="0" width={w} height="8" fill={alert ? "#a4161a" : "#1f3a5f"} />
    </svg>
  );
}

/** Received and resolved per day as paired columns. */
function TrendChart({ trend }: { trend: Report["trend"] }) {
  const max = Math.max(1, ...trend.map((d) => Math.max(d.received, d.resolved)));
  const W = 600, H = 160, pad = 20;
  const step = (W - pad) / Math.max(1, trend.length);
  const bw = Math.min(24, Math.max(1, step / 2 - 1));
  const y = (v: number) => H - pad - ((H - 2 * pad) * v) / max;
  const label = trend.map((d) => `${d.day}: ${st("received")} ${d.received}, ${st("resolved")} ${d.resolved}`).join("; ");
  return (
    <figure class="chart">
      <svg id="trend-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${st("trend")}. ${label}`}>
        <line x1={pad} y1={H - pad} x2={W} y2={H - pad} stroke="#9aa3b2" />
        <text x="0" y={pad - 6} font-size="11" fill="#5a6272">
          {max}
        </text>
        {trend.map((d, i) => (
          <g key={d.day}>
            <rect x={pad + i * step} y={y(d.received)} width={bw} height={H - pad - y(d.received)} fill="#1f3a5f" />
            <rect x={pad + i * step + bw + 1} y={y(d.resolved)} width={bw} height={H - pad - y(d.resolved)} fill="#1e6b3a" />
            {trend.length <= 31 && (i % Math.ceil(trend.length / 8) === 0) && (
              <text x={pad + i * step} y={H - 6} font-size="10" fill="#5a6272">
                {d.day.slice(5)}
              </text>
            )}
          </g>
        ))}
      </svg>
      <figcaption class="legend">
        <span class="key received" aria-hidden="true" /> {st("received")} <span class="key resolved" aria-hidden="true" />{" "}
        {st("resolved")}
      </figcaption>
    </figure>
  );
}

function Drill({ period, date, metric, dimension }: { period: Period; date: string; metric: MetricInfo; dimension: string }) {
  const [ids, setIds] = useState<string[] | null>(null);
  const [known, setKnown] = useState<Map<string, Inquiry>>(new Map());
  const [error, setError] = useState("");
  useEffect(() => {
    setIds(null);
    supervision.drill(period, date, metric.id, dimension).then(setIds, (err: unknown) => setError(String(err instanceof Error ? err.message : err)));
    // the recent inquiries the caller sees give each id its row (customer, text, status, deadline)
    api.recent(92, 500).then((all) => setKnown(new Map(all.map((i) => [i.inquiry_id, i]))), () => undefined);
  }, [period, date, metric.id, dimension]);
  const name = stOr(`metric.${metric.id}`, metric.title);
  return (
    <section class="panel" id="drill" aria-labelledby="drill-title">
      <h2 id="drill-title">{st("drillTitle", { metric: name, n: ids ? ids.length : "…" })}</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {ids && ids.length === 0 && <p class="empty">{st("noInquiries")}</p>}
      {ids && ids.length > 0 && (
        <ul class="rows drill-list">
          {ids.map((id) => {
            const found = known.get(id);
            return found ? (
              <Row key={id} inquiry={found} />
            ) : (
              <li key={id}>
                <a class="row" href={`#/inquiry/${encodeURIComponent(id)}`} data-id={id}>
                  <span class="who">{id}</span>
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

export function ReportsPage() {
  const [period, setPeriod] = useState<Period>("daily");
  const [date, setDate] = useState(today(timeZone.value));
  const [dimension, setDimension] = useState("all");
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState("");
  const [drill, setDrill] = useState<MetricInfo | null>(null);
  const [csvUrl, setCsvUrl] = useState("");
  useEffect(() => {
    setDrill(null);
    setCsvUrl("");
    supervision.report(period, date).then(
      (r) => {
        setReport(r);
        setError("");
      },
      (err: unknown) => {
        if (err instanceof ApiError) setError(err.message);
      },
    );
  }, [period, date]);
  const exportCsv = async () => {
    try {
      const text = await supervision.csv(period, date);
      if (csvUrl) URL.revokeObjectURL(csvUrl);
      const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
      setCsvUrl(url);
      const a = document.createElement("a");
      a.href = url;
      a.download = `report-${period}-${date}.csv`;
      a.click();
    } catch (err) {
      if (err instanceof ApiError) setError(err.message);
      else throw err;
    }
  };
  const dims = report ? ["all", ...Object.keys(report.figures).filter((d) => d !== "all" && /^(team|channel)#/.test(d))] : ["all"];
  const figures = report?.figures[dimension] ?? {};
  return (
    <section class="sup" aria-labelledby="reports-title">
      <h1 id="reports-title">{st("reportsTitle")}</h1>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
        <label class="inline">
          {st("period")}
          <select id="period" value={period} onChange={(e) => setPeriod(e.currentTarget.value as Period)}>
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                {st(`period.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <label class="inline">
          {st("day")}
          <input id="report-date" type="date" value={date} onChange={(e) => setDate(e.currentTarget.value || today(timeZone.value))} />
        </label>
        <label class="inline">
          {st("scope")}
          <select id="dimension" value={dimension} onChange={(e) => setDimension(e.currentTarget.value)}>
            {dims.map((d) => (
              <option key={d} value={d}>
                {d === "all" ? st("all") : d.replace("#", ": ")}
              </option>
            ))}
          </select>
        </label>
        <button type="button" id="export-csv" class="secondary" onClick={exportCsv}>
          {st("exportCsv")}
        </button>
        {csvUrl && (
          <a id="csv-link" href={csvUrl} download={`report-${period}-${date}.csv`}>
            {`report-${period}-${date}.csv`}
          </a>
        )}
      </form>
      {error && (
        <p class="error" role="alert">
          {st("error")}
          {error}
        </p>
      )}
      {!report ? (
        <p>{st("loading")}</p>
      ) : (
        <>
          <p class="muted" id="report-range">
            {st("range", { start: report.start, end: report.end, zone: report.time_zone })}
          </p>
          {report.flags.length > 0 && (
            <ul class="plain flags" aria-label={st("flags")}>
              {report.flags.map((f) => (
                <li key={f.flag + f.dimension} class="notice">
                  {f.dimension}: {f.why}
                </li>
              ))}
            </ul>
          )}
          <div class="report-grid">
            <div class="table-wrap">
              <table class="grid" id="figures">
                <thead>
                  <tr>
                    <th scope="col">{st("metric")}</th>
                    <th scope="col">{st("value")}</th>
                    <th scope="col" class="bar-col">
                      <span class="sr-only">{st("value")}</span>
                    </th>
                    <th scope="col">{st("target")}</th>
                    <th scope="col">
                      <span class="sr-only">{st("drill")}</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {report.metrics.map((m) => {
                    const v = figures[m.id];
                    const alert = below(m, v);
                    return (
                      <tr key={m.id} data-metric={m.id} class={alert ? "below" : ""}>
                        <th scope="row" title={m.title}>
                          {stOr(`metric.${m.id}`, m.title)}
                        </th>
                        <td class="value">
                          {shown(m, v)}
                          {alert && <span class="tag urgent">{st("belowTarget")}</span>}
                        </td>
                        <td class="bar-col">{m.unit === "%" && v != null && <Bar share={v} alert={alert} />}</td>
                        <td>{m.target == null ? "" : shown(m, m.target)}</td>
                        <td>
                          {m.drill && v != null && (
                            <button
                              type="button"
                              class="secondary drill"
                              aria-label={`${st("drill")}: ${stOr(`metric.${m.id}`, m.title)}`}
                              onClick={() => setDrill(m)}
                            >
                              {st("drill")}
                            </button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <div>
              {drill && <Drill period={period} date={date} metric={drill} dimension={dimension} />}
              <h2>{st("trend")}</h2>
              {report.trend.length ? <TrendChart trend={report.trend} /> : <p class="empty">{st("noData")}</p>}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
