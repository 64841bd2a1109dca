"""Standard answer wording (R7.3), per language, versioned, from a data file shipped with the policy.

Every message composed here carries its template id and version (``Composed.lineage``), recorded
on the outgoing message, so a wording that turns out wrong finds every customer who received it.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

_FILE = Path(__file__).resolve().parent.parent / "policies" / "templates.json"
# The values a template may name; each comes from the code that composes it: replies and notices
# (company, agent, due, next_open, link, ref, text, cause), the bot (order, status, payment, carrier,
# tracking, latest), disputes (liability, reason, next_steps) and promise milestones (promised, todos).
PLACEHOLDERS = frozenset(
    {"company", "agent", "due", "next_open", "link", "ref", "text", "cause"}
    | {"order", "status", "payment", "carrier", "tracking", "latest"}
    | {"liability", "reason", "next_steps"}
    | {"promised", "todos"}
)
_source: Callable[[], dict[str, Any]] | None = None


@dataclass(frozen=True)
class Composed:
    template_id: str
    version: int
    language: str
    text: str
    variant: str | None = None  # the A/B variant chosen (R7.1), None when the template has none

    @property
    def lineage(self) -> dict[str, str]:
        lineage = {"template_id": self.template_id, "template_version": str(self.version)}
        if self.variant:
            lineage["template_variant"] = self.variant
        return lineage

    @property
    def content_ref(self) -> str:
        """``template:<id>@<version>`` (``#<variant>`` when the template is under an A/B test)."""
        from inquiry_desk.answers.lineage import template_ref

        return template_ref(self.template_id, self.version, self.variant)


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


class TemplateVariant(_Strict):
    zh: str | None = Field(default=None, min_length=1, max_length=5_000)
    en: str | None = Field(default=None, min_length=1, max_length=5_000)

    _zh = field_validator("zh")(lambda v: v if v is None else _placeholders_known(v))
    _en = field_validator("en")(lambda v: v if v is None else _placeholders_known(v))


class Template(_Strict):
    version: int = Field(ge=1)
    zh: str = Field(min_length=1, max_length=5_000)
    en: str | None = Field(default=None, min_length=1, max_length=5_000)

    categories: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, description="the triage categories it answers (suggestions rank by them, R7.2)"
    )
    variants: dict[Annotated[str, Field(pattern=r"^[a-z]$")], TemplateVariant] | None = Field(
        default=None, description="A/B wording under test; 'a' is the template's own wording (R7.1)"
    )
    split: dict[Annotated[str, Field(pattern=r"^[a-z]$")], Annotated[int, Field(ge=0, le=100)]] | None = None

    _zh = field_validator("zh")(_placeholders_known)
    _en = field_validator("en")(lambda v: v if v is None else _placeholders_known(v))

    @model_validator(mode="after")
    def _split_names_variants(self) -> Template:
        if self.split is not None:
            unknown = sorted(set(self.split) - {"a"} - set(self.variants or {}))
            if unknown:
                raise ValueError(f"split names variant {unknown[0]!r}, which the template does not have")
            if sum(self.split.values()) <= 0:
                raise ValueError("a split needs a positive weight")
        return self


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


def template_ids() -> list[str]:
    return sorted(_data()["templates"])


def template(template_id: str) -> dict[str, Any]:
    """The template's data as the policy file has it (version, languages, categories, variants)."""
    found: dict[str, Any] = _data()["templates"][template_id]
    return found


def variant_for(template_id: str, key: str) -> str | None:
    """The A/B variant (R7.1) of `template_id` for `key` (the inquiry id): deterministic, so one
    inquiry always gets the same wording, and spread by the policy's split (e.g. a 50 / b 50).
    None when the template has no variants."""
    split: dict[str, int] = template(template_id).get("split") or {}
    if not template(template_id).get("variants") or not split:
        return None
    total = sum(int(w) for w in split.values())
    if total <= 0:
        return None
    bucket = int.from_bytes(hashlib.sha256(f"{template_id}:{key}".encode()).digest()[:8], "big") % total
    for name, weight in sorted(split.items()):
        if bucket < int(weight):
            return name
        bucket -= int(weight)
    return None  # unreachable: the buckets cover the total


def compose(template_id: str, language: str | None = None, variant_key: str | None = None, **values: str) -> Composed:
    """The template in the customer's language (English for en, else Chinese), placeholders filled;
    with `variant_key` (the inquiry id) a template under an A/B test gives that inquiry's variant."""
    data = _data()
    chosen = template(template_id)
    lang = "en" if (language or "").lower().startswith("en") else "zh"
    variant = variant_for(template_id, variant_key) if variant_key else None
    texts = chosen.get("variants", {}).get(variant, {}) if variant else {}
    wording = {**{k: v for k, v in chosen.items() if isinstance(v, str)}, **texts}
    if lang not in wording:
        lang = "zh"
    company = data.get("company", {}).get(lang, "")
    return Composed(template_id, int(chosen["version"]), lang, wording[lang].format(company=company, **values), variant)


def render(name: str, language: str | None = None, **values: str) -> str:
    """The template's text only (see :func:`compose` for its lineage)."""
    return compose(name, language, **values).text
