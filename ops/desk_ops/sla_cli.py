"""`desk sla`: validate an SLA policy file and explain an inquiry's deadlines.

  desk sla check POLICY
      prints ``OK <version>: N rules, M calendars`` or the policy's errors (exit 2)
  desk sla deadlines [--policy POLICY] --inquiry INQUIRY.json
      prints {"deadlines": [{"kind", "due" (UTC, ...Z), "rule", "why", ...}, ...]}

INQUIRY.json (see docs/sla-policy.md): channel, category, urgency (normal|urgent),
customer_tier (normal|vip), team, region (optional), level (optional), received_at (ISO 8601 with
offset), events ([{"type", "at", "data"}]).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inquiry_desk.deadlines import InquiryFacts, PolicyError, compute_deadlines, load_policy, shipped_policy_path
from pydantic import ValidationError


def _utc(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a policy file."""
    try:
        policy = load_policy(args.policy)
    except PolicyError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"OK {policy.version}: {len(policy.rules)} rules, {len(policy.calendars)} calendars")
    return 0


def _read_inquiry(path: str) -> InquiryFacts:
    try:
        raw: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ValueError(f"{path}: cannot read file: {err.strerror or err}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: invalid JSON: {err}") from None
    try:
        return InquiryFacts.model_validate(raw)
    except ValidationError as err:
        lines = []
        for e in err.errors(include_url=False):
            where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"])
            lines.append(f"{path}: {where}: {str(e['msg']).removeprefix('Value error, ')}")
        raise ValueError("\n".join(lines)) from None


def cmd_deadlines(args: argparse.Namespace) -> int:
    """Print the deadlines the policy gives an inquiry."""
    try:
        policy = load_policy(args.policy or shipped_policy_path())
        facts = _read_inquiry(args.inquiry)
        deadlines = compute_deadlines(policy, facts)
    except (PolicyError, ValueError) as err:
        print(err, file=sys.stderr)
        return 2
    out = {
        "deadlines": [
            {
                "kind": d.kind,
                "due": _utc(d.due),
                "rule": d.rule,
                "why": d.why,
                "episode": d.episode,
                "warn_at": _utc(d.warn_at),
                "met_at": _utc(d.met_at),
                "paused_since": _utc(d.paused_since),
                "escalation": d.escalation,
            }
            for d in deadlines
        ]
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``sla`` command group to an argparse subparsers object (``parser.add_subparsers()``)."""
    sla = subparsers.add_parser("sla", help="validate an SLA policy, explain an inquiry's deadlines")
    ssub = sla.add_subparsers(dest="sla_command", required=True)
    check = ssub.add_parser("check", help="validate a policy file")
    check.add_argument("policy", help="path to a *.sla.json policy file")
    check.set_defaults(func=cmd_check)
    dl = ssub.add_parser("deadlines", help="the deadlines a policy gives an inquiry")
    dl.add_argument("--policy", default=None, help="policy file (default: the shipped default policy)")
    dl.add_argument("--inquiry", required=True, help="INQUIRY.json (see docs/sla-policy.md)")
    dl.set_defaults(func=cmd_deadlines)


def main(argv: list[str] | None = None) -> int:
    """Run ``sla ...`` on its own (``python -m desk_ops.sla_cli sla check POLICY``); returns the exit code."""
    parser = argparse.ArgumentParser(prog="desk")
    register(parser.add_subparsers(dest="command", required=True))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed its usage message
        return int(exit_.code or 0)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
