"""(Re)write ``docs/sla-policy.schema.json`` from the policy models: ``python -m inquiry_desk.deadlines.schema``.

Pass a path to write elsewhere; ``--check`` exits 1 when the file differs from the models.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from inquiry_desk.deadlines.policy import policy_json_schema


def render() -> str:
    """The schema document exactly as committed (sorted keys, 2-space indent, trailing newline)."""
    return json.dumps(policy_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def default_path() -> Path:
    """``docs/sla-policy.schema.json`` of the source checkout this module lives in."""
    return Path(__file__).resolve().parents[4] / "docs" / "sla-policy.schema.json"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    target = Path(args[0]) if args else default_path()
    text = render()
    if check:
        same = target.exists() and target.read_text(encoding="utf-8") == text
        print(f"{target}: {'up to date' if same else 'differs from the models'}")
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
