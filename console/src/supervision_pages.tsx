// The supervisor's pages, loaded on demand (their own chunk: agents never download them).
import { CorrectionsPage } from "./corrections";
import { LatePage } from "./late";
import { ReportsPage } from "./reports";
import { ReviewsPage } from "./reviews";

export function Pages({ hash }: { hash: string }) {
  const [, kind, ...rest] = hash.split("/");
  const parts = rest.map((p) => decodeURIComponent(p));
  if (kind === "late") return <LatePage />;
  if (kind === "reviews") return <ReviewsPage open={parts.length === 2 ? parts.join("/") : undefined} />;
  if (kind === "corrections")
    return parts[0] === "new" ? <CorrectionsPage inquiry={parts[1]} message={parts[2]} /> : <CorrectionsPage />;
  return <ReportsPage />;
}
