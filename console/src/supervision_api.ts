// The supervision routes of the agents' API (supervisors and admins): late lists, quality reviews,
// corrections and reports. The API decides who may call them; the pages only hide the navigation.
import { callApi, callText, type Inquiry } from "./api";

export interface LateLists {
  teams: string[];
  overdue: Inquiry[];
  unacknowledged: Inquiry[];
  awaiting_confirmation: Inquiry[];
}

export interface Review {
  day: string;
  agent: string;
  inquiry_id: string;
  sampled_at: string;
  outcome: "pending" | "pass" | "fail";
  notes?: string | null;
  reviewed_by?: string | null;
  reviewed_at?: string | null;
}

export interface Delivery {
  correction_id: string;
  customer_id: string;
  inquiry_id: string;
  message_id: string;
  at: string;
}

export interface Correction {
  correction_id: string;
  wrong: string;
  corrected_text: string;
  cause: "knowledge_gap" | "training" | "system_fault";
  public: boolean;
  created_at: string;
  created_by: string;
  status: string;
  fix_due_at?: string | null;
  fixed_at?: string | null;
  affected?: number | null;
  corrected: number;
  source_inquiry_id?: string | null; // a customer's survey report behind it (R6.3)
  deliveries: Delivery[];
}

export interface MetricInfo {
  id: string;
  title: string;
  unit: string;
  kind: string;
  target?: number | null;
  drill?: string | null;
}

export interface Report {
  period: string;
  start: string;
  end: string;
  time_zone: string;
  metrics: MetricInfo[];
  figures: Record<string, Record<string, number | null>>;
  trend: { day: string; received: number; resolved: number; first_response: number | null }[];
  flags: { flag: string; dimension: string; why: string }[];
}

export type Period = "daily" | "weekly" | "monthly" | "quarterly";
export type Cause = Correction["cause"];

const enc = encodeURIComponent;

export function reportPath(period: Period, date: string, csv = false): string {
  return `/api/reports/${period}?date=${enc(date)}${csv ? "&format=csv" : ""}`;
}

export const supervision = {
  late: () => callApi<LateLists>("/api/supervision/late"),
  reviews: (day: string) => callApi<{ reviews: Review[] }>(`/api/reviews/${enc(day)}`).then((b) => b.reviews),
  sample: (day: string) =>
    callApi<{ sampled: Record<string, number> }>(`/api/reviews/${enc(day)}/sample`, { method: "POST" }),
  review: (r: Review, outcome: "pass" | "fail", notes: string) =>
    callApi<{ review: Review }>(`/api/reviews/${enc(r.day)}/${enc(r.agent)}/${enc(r.inquiry_id)}`, {
      method: "POST",
      body: JSON.stringify({ outcome, notes: notes || null }),
    }).then((b) => b.review),
  corrections: () =>
    callApi<{ corrections: Correction[]; causes_by_month: Record<string, Record<string, number>> }>("/api/corrections"),
  correct: (fields: Record<string, string | boolean>) =>
    callApi<{ correction: Correction }>("/api/corrections", { method: "POST", body: JSON.stringify(fields) }).then(
      (b) => b.correction,
    ),
  fixed: (id: string) =>
    callApi<{ correction: Correction }>(`/api/corrections/${enc(id)}/fixed`, { method: "POST" }).then(
      (b) => b.correction,
    ),
  report: (period: Period, date: string) => callApi<Report>(reportPath(period, date)),
  csv: (period: Period, date: string) => callText(reportPath(period, date, true)),
  drill: (period: Period, date: string, metric: string, dimension: string) =>
    callApi<{ inquiry_ids: string[] }>(
      `/api/reports/${period}/inquiries?metric=${enc(metric)}&date=${enc(date)}&dimension=${enc(dimension)}`,
    ).then((b) => b.inquiry_ids),
};
