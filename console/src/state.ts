// The page's shared state: who is signed in, the clock for countdowns, the route in the URL hash.
import { signal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { currentSession, SessionExpired, type Config, type Session } from "./api";

export const session = signal<Session | null>(currentSession());
export const expired = signal(false);
export const now = signal(Date.now());
export const route = signal(location.hash);
export let config: Config;

export function setConfig(value: Config): void {
  config = value;
}

export const POLL_MS = 4000; // new inquiries and changes appear within 5 s

setInterval(() => (now.value = Date.now()), 1000);
addEventListener("hashchange", () => (route.value = location.hash));

export function go(hash: string): void {
  location.hash = hash;
}

/** The session ended under us (expired, revoked): back to sign-in with a notice. */
export function endSession(): void {
  session.value = null;
  expired.value = true;
}

export function isSupervisor(): boolean {
  return Boolean(session.value?.groups.some((g) => g === "supervisors" || g === "admins"));
}

/** Run `load` now and every POLL_MS while mounted (and when `deps` change). */
export function usePoll(load: () => Promise<void>, deps: unknown[]): void {
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let stopped = false;
    const run = () =>
      latest.current().catch((err: unknown) => {
        if (err instanceof SessionExpired) endSession();
      });
    void run();
    const timer = setInterval(() => !stopped && void run(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps);
}

/** Product staff (group `product`) without a desk role keep the knowledge base only (R7.2). */
export function isProductOnly(): boolean {
  const groups = session.value?.groups ?? [];
  return groups.includes("product") && !groups.some((g) => g === "agents" || g === "supervisors" || g === "admins");
}

export function isAdmin(): boolean {
  return Boolean(session.value?.groups.includes("admins"));
}

/** The teams the signed-in user works in (`team:<id>` groups); admins work in every team. */
export function myTeams(): string[] {
  const groups = session.value?.groups ?? [];
  if (groups.includes("admins")) return config.teams;
  return config.teams.filter((name) => groups.includes(`team:${name}`));
}
