"""Standard answer wording (R7.3), per language, from a data file shipped with the policy."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_FILE = Path(__file__).resolve().parent.parent / "policies" / "templates.json"


@cache
def _templates() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_FILE.read_text(encoding="utf-8"))
    return data


def render(name: str, language: str | None = None, **values: str) -> str:
    """The template in the customer's language (Chinese when unknown), placeholders filled."""
    data = _templates()
    lang = "en" if language == "en" else "zh"
    company = data.get("company", {}).get(lang, "")
    text: str = data[name].get(lang) or data[name]["zh"]
    return text.format(company=company, **values)
