"""Standard answer wording (R7.3), per language, versioned, from a data file shipped with the policy.

Every message composed here carries its template id and version (``Composed.lineage``), recorded
on the outgoing message, so a wording that turns out wrong finds every customer who received it.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

_FILE = Path(__file__).resolve().parent.parent / "policies" / "templates.json"
PLACEHOLDERS = frozenset({"company", "agent", "due", "next_open", "link", "ref", "text", "cause"})
_source: Callable[[], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Composed:
    template_id: str
    version: int
    language: str
    text: str

    @property
    def lineage(self) -> dict[str, str]:
        return {"template_id": self.template_id, "template_version": str(self.version)}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _placeholders_known(text: str) -> str:
    try:
        names = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as err:
        raise ValueError(f"broken placeholder: {err}") from None
    unknown = sorted(n for n in names if n not in PLACEHOLDERS)
    if unknown:
        raise ValueError(f"unknown placeholder {{{unknown[0]}}}; placeholders are {', '.join(sorted(PLACEHOLDERS))}")
    return text


class Template(_Strict):
    version: int = Field(ge=1)
    zh: str = Field(min_length=1, max_length=5_000)
    en: str | None = Field(default=None, min_length=1, max_length=5_000)

    _zh = field_validator("zh")(_placeholders_known)
    _en = field_validator("en")(lambda v: v if v is None else _placeholders_known(v))


class AutoAnswers(_Strict):
    greeting_channels: list[str] = Field(default_factory=list)
    received: bool = True
    out_of_hours: bool = True
    faq_min_confidence: float = Field(default=0.6, ge=0, le=1)


class TemplatesDocument(_Strict):
    """The format of ``policies/templates.json``."""

    comment: str | list[str] | None = Field(default=None, alias="$comment")
    company: dict[Literal["zh", "en"], Annotated[str, Field(max_length=200)]] = Field(default_factory=dict)
    auto: AutoAnswers = Field(default_factory=AutoAnswers)
    templates: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]*$", max_length=100)], Template]


def parse_templates(data: Any, source: str = "<templates>") -> TemplatesDocument:
    """Validate a templates document; errors as ``PolicyError`` (JSON path, reason)."""
    from inquiry_desk.deadlines.policy import PolicyError, problems_of

    try:
        return TemplatesDocument.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(source, problems_of(exc)) from None


def use_source(source: Callable[[], dict[str, Any]] | None) -> None:
    """Read the templates from ``source`` (the active version, composition sets it); None: the file."""
    global _source
    _source = source


@cache
def _file_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_FILE.read_text(encoding="utf-8"))
    return data


def _data() -> dict[str, Any]:
    return _source() if _source is not None else _file_data()


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
