// Every call the console makes: Cognito sign-in and the agents' API. One module, so a new API
// route is one new function here (and its types below).

export interface Config {
  cognitoEndpoint: string; // Cognito's endpoint (locally the front's same-origin proxy)
  clientId: string;
  apiBase: string; // the API's base URL, no trailing slash
  region: string;
  teams: string[];
  peakWaiting: number; // the policy's "more than N waiting" alert threshold (R3.4)
  replyWindowHours: Record<string, number>; // channel -> hours after the customer's last message
}

export type Status = "new" | "acknowledged" | "in_progress" | "waiting_on_customer" | "resolved" | "closed";

export interface Inquiry {
  inquiry_id: string;
  customer_id: string;
  channel: string;
  received_at: string;
  description: string;
  status: Status;
  customer_name?: string | null;
  contact?: string | null;
  order_number?: string | null;
  member_id?: string | null;
  urgency: "normal" | "urgent";
  customer_tier: "normal" | "vip";
  category?: string | null;
  team?: string | null;
  owner?: string | null;
  first_response_at?: string | null;
  result?: string | null;
  promised_by?: string | null;
  cause?: string | null;
  solution?: string | null;
  customer_todos?: string[];
  satisfaction?: number | null;
  language?: string | null;
  subject?: string | null;
  episode: number;
  next_deadline_at?: string | null;
  updated_at?: string | null;
}

export interface InquiryEvent {
  seq: number;
  type: string;
  at: string;
  actor: string;
  data: Record<string, unknown>;
}

export interface Message {
  message_id: string;
  direction: "inbound" | "outbound";
  channel: string;
  body: string;
  at: string;
  author: string;
  language?: string | null;
  delivery_status?: string | null;
  delivery_error?: string | null;
  attachments: { name: string; url: string }[];
}

export interface Identity {
  kind: string;
  value: string;
}

export interface Customer {
  customer_id: string;
  name?: string | null;
  tier: "normal" | "vip";
  identities: Identity[];
  created_at: string;
}

export interface Timeline {
  inquiry: Inquiry;
  events: InquiryEvent[];
  messages: Message[];
}

export interface Session {
  user: string;
  idToken: string;
  accessToken: string;
  refreshToken: string;
  expiresAt: number; // epoch ms of the ID token's expiry
  groups: string[];
}

/** The API refused the session (expired or revoked): the page returns to sign-in. */
export class SessionExpired extends Error {}

/** The API answered with an error: `reason` is its sentence, for the agent to read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    reason: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(reason);
  }
}

const SESSION_KEY = "desk.session";
let config: Config;

export async function loadConfig(): Promise<Config> {
  const res = await fetch("config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`config.json: ${res.status}`);
  config = (await res.json()) as Config;
  config.apiBase = config.apiBase.replace(/\/$/, "");
  return config;
}

function claims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

function toSession(user: string, result: Record<string, string>, refreshToken: string): Session {
  const c = claims(result.IdToken);
  const raw = c["cognito:groups"];
  const groups = Array.isArray(raw) ? raw.map(String) : typeof raw === "string" ? raw.split(/[ ,]+/) : [];
  const session: Session = {
    user: String(c["cognito:username"] ?? user),
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken,
    expiresAt: Number(c.exp ?? 0) * 1000,
    groups,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function currentSession(): Session | null {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Session;
  } catch {
    return null;
  }
}

async function cognito(target: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(config.cognitoEndpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(res.status, String(answer.__type ?? "cognito"), String(answer.message ?? res.status));
  return answer;
}

export async function signIn(user: string, password: string): Promise<Session> {
  const answer = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.clientId,
    AuthParameters: { USERNAME: user, PASSWORD: password },
  });
  const result = answer.AuthenticationResult as Record<string, string> | undefined;
  if (!result) throw new ApiError(400, "challenge", String(answer.ChallengeName ?? "sign-in needs another step"));
  return toSession(user, result, result.RefreshToken);
}

/** A fresh ID token from the refresh token; null when the session cannot be renewed. */
async function refresh(session: Session): Promise<Session | null> {
  try {
    const answer = await cognito("InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: config.clientId,
      AuthParameters: { REFRESH_TOKEN: session.refreshToken },
    });
    const result = answer.AuthenticationResult as Record<string, string> | undefined;
    return result ? toSession(session.user, result, session.refreshToken) : null;
  } catch {
    return null;
  }
}

export async function signOut(): Promise<void> {
  const session = currentSession();
  sessionStorage.removeItem(SESSION_KEY);
  if (session) await cognito("GlobalSignOut", { AccessToken: session.accessToken }).catch(() => undefined);
}

export function forgetSession(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let session = currentSession();
  if (!session) throw new SessionExpired("not signed in");
  if (session.expiresAt - Date.now() < 60_000) {
    session = await refresh(session);
    if (!session) {
      forgetSession();
      throw new SessionExpired("session expired");
    }
  }
  const res = await fetch(config.apiBase + path, {
    ...init,
    headers: { Authorization: `Bearer ${session.idToken}`, "Content-Type": "application/json" },
  });
  if (res.status === 401) {
    forgetSession();
    throw new SessionExpired("session expired");
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok)
    throw new ApiError(res.status, String(body.error ?? res.status), String(body.reason ?? body.message ?? res.status), body);
  return body as T;
}

const enc = encodeURIComponent;

export const api = {
  recent: (days = 7, limit = 500) =>
    call<{ inquiries: Inquiry[] }>(`/api/inquiries?days=${days}&limit=${limit}`).then((b) => b.inquiries),
  queue: (team: string) => call<{ team: string; peak: boolean; inquiries: Inquiry[] }>(`/api/queues/${enc(team)}`),
  inquiry: (id: string) => call<Timeline>(`/api/inquiries/${enc(id)}`),
  customer: (id: string) => call<{ customer: Customer; inquiries: Inquiry[] }>(`/api/customers/${enc(id)}/inquiries`),
  /** A phone call or an in-store visit typed in by the agent who took it (R1.1, R8.4). */
  record: (fields: Record<string, string>) =>
    call<{ inquiry_id: string }>("/api/inquiries", { method: "POST", body: JSON.stringify(fields) }).then(
      (b) => b.inquiry_id,
    ),
  act: (id: string, action: string, fields: Record<string, string | number | string[]> = {}) =>
    call<{ inquiry: Inquiry }>(`/api/inquiries/${enc(id)}/actions`, {
      method: "POST",
      body: JSON.stringify({ action, ...fields }),
    }).then((b) => b.inquiry),
};

// --- knowledge base and suggestions (R7.1, R7.2), cross-department requests (R4.3) ---------------
export interface Article {
  article_id: string;
  version: number;
  title: string;
  body: string;
  language: string;
  categories: string[];
  product: string | null;
  status: "published" | "unpublished";
  edited_by: string;
  edited_at: string;
  created_by: string;
  created_at: string;
  change_note: string | null;
}

export interface SuggestedAnswer {
  kind: "template" | "article";
  content_id: string;
  version: number;
  title: string;
  text: string;
  language: string;
  content_ref: string;
  categories: string[];
  score: number;
  rank: number;
  variant: string | null;
}

export interface SimilarCase {
  inquiry_id: string;
  category: string | null;
  status: string;
  description: string;
  result: string | null;
  cause: string | null;
  solution: string | null;
  score: number;
}

export interface Suggestions {
  language: string;
  category: string | null;
  answers: SuggestedAnswer[];
  similar_cases: SimilarCase[];
}

export type ArticleFields = Pick<Article, "title" | "body" | "language" | "categories"> & {
  product?: string;
  base_version?: number;
  change_note?: string;
};

export const knowledge = {
  suggestions: (inquiryId: string) => call<Suggestions>(`/api/inquiries/${enc(inquiryId)}/suggestions`),
  list: (q = "", includeUnpublished = false) =>
    call<{ articles: Article[] }>(
      `/api/knowledge?include_unpublished=${includeUnpublished}${q ? `&q=${enc(q)}` : ""}`,
    ).then((b) => b.articles),
  get: (id: string, version?: number) =>
    call<{ article: Article }>(`/api/knowledge/${enc(id)}${version ? `?version=${version}` : ""}`).then((b) => b.article),
  versions: (id: string) => call<{ versions: Article[] }>(`/api/knowledge/${enc(id)}/versions`).then((b) => b.versions),
  create: (fields: ArticleFields) =>
    call<{ article: Article }>("/api/knowledge", { method: "POST", body: JSON.stringify(fields) }).then((b) => b.article),
  edit: (id: string, fields: ArticleFields) =>
    call<{ article: Article }>(`/api/knowledge/${enc(id)}`, { method: "PUT", body: JSON.stringify(fields) }).then(
      (b) => b.article,
    ),
  setPublished: (id: string, published: boolean) =>
    call<{ article: Article }>(`/api/knowledge/${enc(id)}/${published ? "publish" : "unpublish"}`, {
      method: "POST",
      body: "{}",
    }).then((b) => b.article),
};

export interface DepartmentInfo {
  name_zh: string;
  name_en: string;
  respond_within_hours: number;
}

export const departments = {
  list: () =>
    call<{ departments: Record<string, DepartmentInfo> }>("/api/departments").then((b) => b.departments),
  ask: (inquiryId: string, department: string, needed: string) =>
    call<{ request_id: string }>(`/api/inquiries/${enc(inquiryId)}/department-requests`, {
      method: "POST",
      body: JSON.stringify({ department, needed }),
    }),
  answer: (inquiryId: string, requestId: string, answer: string) =>
    call<{ inquiry: Inquiry }>(`/api/inquiries/${enc(inquiryId)}/department-requests/${enc(requestId)}/answer`, {
      method: "POST",
      body: JSON.stringify({ answer }),
    }),
};
/** The same authorized JSON call, for the supervision pages (supervision_api.ts). */
export const callApi = call;

/** A text body (the report's CSV) with the same session handling as `call`. */
export async function callText(path: string): Promise<string> {
  let session = currentSession();
  if (!session) throw new SessionExpired("not signed in");
  if (session.expiresAt - Date.now() < 60_000) {
    session = await refresh(session);
    if (!session) {
      forgetSession();
      throw new SessionExpired("session expired");
    }
  }
  const res = await fetch(config.apiBase + path, { headers: { Authorization: `Bearer ${session.idToken}` } });
  if (res.status === 401) {
    forgetSession();
    throw new SessionExpired("session expired");
  }
  if (!res.ok) throw new ApiError(res.status, String(res.status), await res.text());
  return res.text();
}
// --- administration: policy documents and their versions (admins edit, supervisors read) ---------
export interface Problem {
  path: string; // JSON path in the document, e.g. $.agents["li.na"].capacity
  message: string;
}

export interface PolicyAudit {
  document: string;
  version: number;
  saved_by: string;
  saved_at: string | null;
  summary: string[];
  reason: string | null;
  rollback_of: number | null;
}

export interface PolicyVersion extends PolicyAudit {
  content: Record<string, unknown>;
}

export interface PolicyDocument {
  document: string;
  title: string;
  active_version: number;
  saved_by: string;
  saved_at: string | null;
}

const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

export const policies = {
  list: () => call<{ documents: PolicyDocument[] }>("/api/policies").then((b) => b.documents),
  active: (doc: string) => call<PolicyVersion>(`/api/policies/${enc(doc)}`),
  version: (doc: string, n: number) => call<PolicyVersion>(`/api/policies/${enc(doc)}/versions/${n}`),
  history: (doc: string) => call<{ versions: PolicyAudit[] }>(`/api/policies/${enc(doc)}/versions`).then((b) => b.versions),
  check: (doc: string, content: unknown) =>
    call<{ problems: Problem[] }>(`/api/policies/${enc(doc)}/check`, json("POST", { content })).then((b) => b.problems),
  save: (doc: string, content: unknown, base_version: number, reason: string) =>
    call<PolicyAudit>(`/api/policies/${enc(doc)}`, json("PUT", { content, base_version, reason: reason || null })),
  rollback: (doc: string, to_version: number, base_version: number, reason: string) =>
    call<PolicyAudit>(`/api/policies/${enc(doc)}/rollback`, json("POST", { to_version, base_version, reason: reason || null })),
};
