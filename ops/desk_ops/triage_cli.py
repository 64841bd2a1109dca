"""`desk triage export`: agents' reclassifications as labelled training data (R1.4), JSON Lines."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path
from typing import Any


def cmd_export(args: argparse.Namespace) -> int:
    from inquiry_desk.model import utc_now
    from inquiry_desk.triage.overrides import corrections

    from desk_ops.cli import _repository

    repo = _repository(args.stack)
    recent = repo.recent(utc_now() - timedelta(days=args.days), args.limit)
    timelines = [t for t in (repo.timeline(i.inquiry_id) for i in recent) if t is not None]
    rows = corrections(timelines)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{len(rows)} corrections written to {args.out}")
    else:
        print(text, end="")
    return 0


def register(sub: Any) -> None:
    triage = sub.add_parser("triage", help="triage data")
    tsub = triage.add_subparsers(dest="triage_command", required=True)
    export = tsub.add_parser("export", help="agents' reclassifications as training data (JSON Lines)")
    export.add_argument("--days", type=int, default=90)
    export.add_argument("--limit", type=int, default=1000)
    export.add_argument("--out", default=None, help="file to write (default: standard output)")
    export.add_argument("--stack", default=None, help="a deployed stack's name (default: the local system)")
    export.set_defaults(func=cmd_export)
