// What an agent may do in each status: the same table as the API's lifecycle
// (layers/core/inquiry_desk/inquiries/lifecycle.py). The API still decides; the page only hides
// buttons that would be refused.
import type { Inquiry, Status } from "./api";

export type ActionName =
  | "acknowledge"
  | "assign"
  | "start"
  | "reply"
  | "wait_on_customer"
  | "resolve"
  | "reopen"
  | "note"
  | "transfer"
  | "escalate"
  | "promise_met";

const OPEN: Status[] = ["new", "acknowledged", "in_progress", "waiting_on_customer"];

const ALLOWED: Record<ActionName, Status[]> = {
  acknowledge: ["new"],
  assign: OPEN,
  start: ["new", "acknowledged"],
  reply: OPEN,
  wait_on_customer: ["acknowledged", "in_progress"],
  resolve: OPEN,
  reopen: ["resolved", "closed"],
  note: [...OPEN, "resolved", "closed"],
  transfer: OPEN,
  escalate: OPEN,
  promise_met: ["resolved", "closed"],
};

export function allows(inquiry: Inquiry, action: ActionName): boolean {
  return ALLOWED[action].includes(inquiry.status);
}

export function isOpen(inquiry: Inquiry): boolean {
  return OPEN.includes(inquiry.status);
}

/** Next deadline first; inquiries without one last, oldest first among them. */
export function byDeadline(a: Inquiry, b: Inquiry): number {
  const da = a.next_deadline_at ? Date.parse(a.next_deadline_at) : Infinity;
  const db = b.next_deadline_at ? Date.parse(b.next_deadline_at) : Infinity;
  if (da !== db) return da - db;
  return Date.parse(a.received_at) - Date.parse(b.received_at);
}
