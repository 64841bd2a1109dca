"""`desk outbox [--json]`: what customers would have received from the local system.

Reads the channel sink's file `$DESK_DATA_DIR/outbox.jsonl` (default `.desk-data/outbox.jsonl`:
one JSON object per delivered reply, written by `desk_ops.local.sink.ChannelSink`) and, when the
local system is running (`$DESK_DATA_DIR/local.json` names its emulator endpoint), the emails
sent through the emulated SES. Oldest first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from infra import names


def _data_dir() -> Path:
    return Path(os.environ.get("DESK_DATA_DIR") or names.ROOT / ".desk-data")


def collect(data_dir: Path) -> tuple[list[dict[str, Any]], str | None]:
    """Every reply the local system sent: the sink's file (provider APIs and SES mail alike)."""
    from desk_ops.local.sink import read_records

    found = read_records(data_dir)
    return sorted(found, key=lambda r: str(r.get("at", ""))), None


def cmd_outbox(args: argparse.Namespace) -> int:
    records, note = collect(_data_dir())
    if args.json:
        print(json.dumps({"replies": records, **({"note": note} if note else {})}, ensure_ascii=False, indent=2))
        return 0
    if not records:
        print(f"no replies sent yet ({_data_dir() / 'outbox.jsonl'})")
    for record in records:
        when = str(record.get("at") or "")[:19]
        head = f"{when:19}  {record.get('channel', '?'):11} -> {record.get('to', '?')}"
        if record.get("subject"):
            head += f"  [{record['subject']}]"
        print(head)
        for line in str(record.get("text") or "").splitlines() or [""]:
            print(f"    {line}")
    if note:
        print(note, file=sys.stderr)
    return 0


def register(subparsers: Any) -> None:
    """Add `outbox` to an argparse subparsers object (`parser.add_subparsers()`)."""
    outbox = subparsers.add_parser("outbox", help="replies the local system sent (channel sink and SES)")
    outbox.add_argument("--json", action="store_true", help="print JSON")
    outbox.set_defaults(func=cmd_outbox)
