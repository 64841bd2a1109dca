"""Standard answer wording (R7.3), per language, versioned, from a data file shipped with the policy.

Every message composed here carries its template id and version (``Composed.lineage``), recorded
on the outgoing message, so a wording that turns out wrong finds every customer who received it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_FILE = Path(__file__).resolve().parent.parent / "policies" / "templates.json"


@dataclass(frozen=True)
class Composed:
    template_id: str
    version: int
    language: str
    text: str

    @property
    def lineage(self) -> dict[str, str]:
        return {"template_id": self.template_id, "template_version": str(self.version)}


@cache
def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_FILE.read_text(encoding="utf-8"))
    return data


def automatic_settings() -> dict[str, Any]:
    """Which automatic answers intake sends (R1.6)."""
    auto: dict[str, Any] = _data().get("auto", {})
    return auto


def has(template_id: str) -> bool:
    return template_id in _data()["templates"]


def compose(template_id: str, language: str | None = None, **values: str) -> Composed:
    """The template in the customer's language (English for en, else Chinese), placeholders filled."""
    data = _data()
    template = data["templates"][template_id]
    lang = "en" if (language or "").lower().startswith("en") else "zh"
    if lang not in template:
        lang = "zh"
    company = data.get("company", {}).get(lang, "")
    return Composed(template_id, int(template["version"]), lang, template[lang].format(company=company, **values))


def render(name: str, language: str | None = None, **values: str) -> str:
    """The template's text only (see :func:`compose` for its lineage)."""
    return compose(name, language, **values).text
