// The supervisor's pages (supervisors and admins only): their navigation entries and routes.
// #/late, #/reviews[/<agent>/<inquiry>], #/corrections[/new/<inquiry>/<message>], #/reports.
import { CorrectionsPage } from "./corrections";
import { LatePage } from "./late";
import { ReportsPage } from "./reports";
import { ReviewsPage } from "./reviews";
import { st } from "./supervision_i18n";

export const SUPERVISION_PAGES = ["late", "reviews", "corrections", "reports"] as const;

export function supervisionNav(): [string, string][] {
  return SUPERVISION_PAGES.map((p) => [`#/${p}`, st(`nav.${p}`)]);
}

export function isSupervisionPage(kind: string): boolean {
  return (SUPERVISION_PAGES as readonly string[]).includes(kind);
}

export function SupervisionPage({ hash }: { hash: string }) {
  const [, kind, ...rest] = hash.split("/");
  const parts = rest.map((p) => decodeURIComponent(p));
  if (kind === "late") return <LatePage />;
  if (kind === "reviews") return <ReviewsPage open={parts.length === 2 ? parts.join("/") : undefined} />;
  if (kind === "corrections")
    return parts[0] === "new" ? <CorrectionsPage inquiry={parts[1]} message={parts[2]} /> : <CorrectionsPage />;
  return <ReportsPage />;
}
