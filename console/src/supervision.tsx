// The supervisor's pages (supervisors and admins only): their navigation entries and routes.
// #/late, #/reviews[/<agent>/<inquiry>], #/corrections[/new/<inquiry>/<message>], #/reports.
// The pages themselves (supervision_pages.tsx) are a separate chunk, loaded when first opened.
import type { FunctionComponent } from "preact";
import { useEffect, useState } from "preact/hooks";
import { lang, t } from "./i18n";

export const SUPERVISION_PAGES = ["late", "reviews", "corrections", "reports"] as const;
type PageName = (typeof SUPERVISION_PAGES)[number];

const NAV: Record<string, Record<PageName, string>> = {
  "zh-CN": { late: "超时与未确认", reviews: "质检", corrections: "更正", reports: "报表" },
  en: { late: "Overdue & unconfirmed", reviews: "Quality review", corrections: "Corrections", reports: "Reports" },
};

export function supervisionNav(): [string, string][] {
  const words = NAV[lang.value] ?? NAV["zh-CN"];
  return SUPERVISION_PAGES.map((p) => [`#/${p}`, words[p]]);
}

export function isSupervisionPage(kind: string): boolean {
  return (SUPERVISION_PAGES as readonly string[]).includes(kind);
}

let loaded: FunctionComponent<{ hash: string }> | null = null;

export function SupervisionPage({ hash }: { hash: string }) {
  const [Pages, setPages] = useState(() => loaded);
  useEffect(() => {
    if (!Pages)
      void import("./supervision_pages").then((m) => {
        loaded = m.Pages;
        setPages(() => m.Pages);
      });
  }, []);
  return Pages ? <Pages hash={hash} /> : <p>{t("loading")}</p>;
}
