"""`desk kb` and `desk templates`: the knowledge base and A/B template variants from the terminal.

desk kb import FILE [--by NAME] [--json]   articles of a JSON file ({"articles": [...]}), idempotently:
                                  each row's `key` is its article (kb-<key>); new -> created,
                                  same content -> unchanged, other content -> a new version;
                                  a bad row is reported (row number, reason), the others imported
desk kb list [--json]             the current version of every article
desk templates ab [--json]        per A/B variant: inquiries, CSAT, reopens (R7.1)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _stores(stack: str | None) -> tuple[Any, Any, Any]:
    """(repository, knowledge store, loop store) on the local system or a deployed stack."""
    from inquiry_desk.adapters.knowledge_store import DynamoKnowledgeStore
    from inquiry_desk.adapters.loop_store import DynamoLoopStore

    from desk_ops.cli import _repository

    repo = _repository(stack)
    return repo, DynamoKnowledgeStore(repo._db, repo._table), DynamoLoopStore(repo._db, repo._table)


def cmd_kb_import(args: argparse.Namespace) -> int:
    from inquiry_desk.knowledge.importer import import_articles
    from inquiry_desk.knowledge.service import KnowledgeService
    from inquiry_desk.model import utc_now

    try:
        raw = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        print(f"cannot read {args.file}: {err}")
        return 2
    entries = raw.get("articles") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        print(f'{args.file}: expected {{"articles": [...]}}')
        return 2
    _, store, _ = _stores(args.stack)
    report = import_articles(KnowledgeService(store, utc_now), entries, args.by)
    if args.json:
        rows = [
            {
                "row": r.row,
                "key": r.key,
                "outcome": r.outcome,
                "content_ref": r.article.content_ref if r.article else None,
                "error": r.error,
            }
            for r in report.rows
        ]
        print(json.dumps({"summary": report.summary(), "rows": rows}, ensure_ascii=False, indent=2))
    else:
        for r in report.rows:
            if r.article is not None:
                print(f"{r.outcome:<9} {r.article.content_ref:<40} {r.article.language:<5} {r.article.title}")
            else:
                print(f"error     row {r.row} ({r.key or 'no key'}): {r.error}")
        counts = report.summary()
        print(
            f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['error']} error(s) of {len(report.rows)} rows"
        )
    return 1 if report.errors else 0


def cmd_kb_list(args: argparse.Namespace) -> int:
    _, store, _ = _stores(args.stack)
    articles = store.catalogue()
    if args.json:
        print(json.dumps([a.model_dump(mode="json") for a in articles], ensure_ascii=False, indent=2))
        return 0
    for a in articles:
        print(f"{a.content_ref:<40} {a.status.value:<11} {a.language:<5} {a.edited_by:<12} {a.title}")
    return 0


def cmd_templates_ab(args: argparse.Namespace) -> int:
    from inquiry_desk.answers.ab import outcomes

    repo, _, loop = _stores(args.stack)
    found = outcomes(lambda ref: [e.inquiry_id for e in loop.lineage(ref)], repo.get)
    if args.json:
        print(json.dumps([o.to_json() for o in found], indent=2))
        return 0
    print(f"{'template':<28} {'variant':<7} {'split':>6} {'inquiries':>9} {'surveyed':>8} {'CSAT':>5} {'reopened':>8}")
    for o in found:
        csat = "-" if o.csat_average is None else f"{o.csat_average:.2f}"
        print(
            f"{o.template_id + '@' + str(o.version):<28} {o.variant:<7} {o.share:>6.0%} {o.inquiries:>9} "
            f"{o.surveyed:>8} {csat:>5} {o.reopened:>8}"
        )
    return 0


def register(sub: Any) -> None:
    kb = sub.add_parser("kb", help="the knowledge base (R7.2)")
    ksub = kb.add_subparsers(dest="kb_command", required=True)
    imp = ksub.add_parser(
        "import", help="import the articles of a JSON file, idempotently by key (e.g. examples/knowledge.json)"
    )
    imp.add_argument("file")
    imp.add_argument("--by", default="importer", help="recorded as the author of the versions it writes")
    imp.add_argument("--json", action="store_true", help="the summary and every row's outcome as JSON")
    imp.set_defaults(func=cmd_kb_import)
    lst = ksub.add_parser("list", help="every article's current version")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_kb_list)
    templates = sub.add_parser("templates", help="answer templates")
    tsub = templates.add_subparsers(dest="templates_command", required=True)
    ab = tsub.add_parser("ab", help="A/B variants: inquiries, CSAT and reopens per variant (R7.1)")
    ab.add_argument("--json", action="store_true")
    ab.set_defaults(func=cmd_templates_ab)
    for p in (imp, lst, ab):
        p.add_argument("--stack", default=None, help="a deployed stack's name (default: the local system)")
