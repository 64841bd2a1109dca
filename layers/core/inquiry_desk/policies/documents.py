"""Which policy documents admins edit, and how each is validated: by the parser its loader uses.

Each document names its shipped file (version 0, the fallback) and its parser; the parsers live
with the rooms that use them (``deadlines.policy.parse_policy`` is also ``desk sla check``'s), so a
version an admin saves is checked exactly as a packaged file is. Checks across documents (a
routing shift must be a calendar of the SLA policy) are here, where both are in view.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from inquiry_desk.deadlines.policy import PolicyError, json_path

POLICY_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Problem:
    """One reason a document is refused: where in it (``$.agents["li.na"].capacity``) and why."""

    path: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def _sla(data: Any) -> Any:
    from inquiry_desk.deadlines.policy import parse_policy

    return parse_policy(data, "sla")


def _routing(data: Any) -> Any:
    from inquiry_desk.triage.routing import parse_routing

    return parse_routing(data, "routing")


def _templates(data: Any) -> Any:
    from inquiry_desk.answers.templates import parse_templates

    return parse_templates(data, "templates")


def _closing_loop(data: Any) -> Any:
    from inquiry_desk.surveys.policy import parse_closing_loop

    return parse_closing_loop(data, "closing_loop")


def _reports(data: Any) -> Any:
    from inquiry_desk.reports.settings import parse_report_policy

    return parse_report_policy(data, "reports")


@dataclass(frozen=True)
class Document:
    name: str
    file: str  # under policies/
    parse: Callable[[Any], Any]  # raises PolicyError with (path, reason) pairs
    title: str

    def shipped_path(self) -> Path:
        return POLICY_DIR / self.file


DOCUMENTS: Mapping[str, Document] = {
    d.name: d
    for d in (
        Document("sla", "default.sla.json", _sla, "SLA: deadlines, calendars, categories, escalation"),
        Document("routing", "routing.json", _routing, "Routing: agents, teams, skills, capacity, shifts"),
        Document("templates", "templates.json", _templates, "Standard answers and automatic replies"),
        Document("closing_loop", "closing_loop.json", _closing_loop, "Closing the loop: surveys, confirmation"),
        Document("reports", "reports.json", _reports, "Reports and live monitor thresholds"),
    )
}


class BookSettings(BaseModel):
    """``policies/policy_book.json``: how long an active version is cached, history and size limits."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)
    cache_seconds: float = Field(ge=0, le=3600)
    history_limit: int = Field(ge=1, le=1000)
    max_document_bytes: int = Field(ge=1_000, le=350_000)  # a DynamoDB item holds 400 KB
    summary_limit: int = Field(ge=1, le=200)


@cache
def book_settings() -> BookSettings:
    return BookSettings.model_validate(json.loads((POLICY_DIR / "policy_book.json").read_text(encoding="utf-8")))


def document(name: str) -> Document:
    from inquiry_desk.errors import NotFound

    if name not in DOCUMENTS:
        raise NotFound(f"no policy document {name!r}; documents are {', '.join(DOCUMENTS)}")
    return DOCUMENTS[name]


@cache
def shipped_content(name: str) -> dict[str, Any]:
    """Version 0: the file shipped in the package."""
    data: dict[str, Any] = json.loads(document(name).shipped_path().read_text(encoding="utf-8"))
    return data


def validate(name: str, content: Any, others: Callable[[str], Any]) -> tuple[Any, list[Problem]]:
    """(the parsed document or None, its problems). ``others(name)`` gives another document's active
    parsed form, for the checks across documents."""
    doc = document(name)
    size = len(json.dumps(content, ensure_ascii=False).encode())
    if size > book_settings().max_document_bytes:
        return None, [Problem("$", f"the document is {size} bytes; the limit is {book_settings().max_document_bytes}")]
    try:
        parsed = doc.parse(content)
    except PolicyError as err:
        return None, [Problem(p, m) for p, m in err.problems]
    return parsed, [Problem(p, m) for p, m in _across(name, parsed, content, others)]


def _across(name: str, parsed: Any, content: Any, others: Callable[[str], Any]) -> list[tuple[str, str]]:
    from inquiry_desk.triage.routing import RoutingDocument

    if name == "routing":
        sla = others("sla")
        return RoutingDocument.model_validate(content).references(
            sla.calendars, {c.team for c in sla.categories.values()}
        )
    if name == "sla":
        routing = others("routing")
        calendars, out = set(parsed.calendars), []
        for aid, agent in routing.agents.items():
            if agent.shift not in calendars:
                out.append(("$.calendars", f"calendar {agent.shift!r} is agent {aid}'s shift (routing); keep it"))
        return out
    if name == "closing_loop":
        templates = others("templates").templates
        return [
            (json_path(where), f"no template {tid!r}")
            for where, tid in (
                (("survey", "template"), parsed.survey.template),
                (("survey", "reminder_template"), parsed.survey.reminder_template),
                (("corrections", "template"), parsed.corrections.template),
            )
            if tid not in templates
        ]
    return []


def against_active(name: str, active: Any, content: Any) -> list[Problem]:
    """Problems of ``content`` as a successor of the active content: a template whose wording
    changed must get a higher version (messages record template id and version, R7)."""
    if name != "templates" or not isinstance(active, dict) or not isinstance(content, dict):
        return []
    out: list[Problem] = []
    before = active.get("templates") or {}
    for tid, tpl in (content.get("templates") or {}).items():
        old = before.get(tid)
        if not isinstance(old, dict) or not isinstance(tpl, dict):
            continue
        changed = any(old.get(lang) != tpl.get(lang) for lang in ("zh", "en"))
        if changed and int(tpl.get("version") or 0) <= int(old.get("version") or 0):
            out.append(
                Problem(
                    json_path(("templates", tid, "version")),
                    f"the wording changed: raise the version above {old.get('version')} (replies record it)",
                )
            )
    return out


def summarize(old: Any, new: Any, limit: int) -> list[str]:
    """What changed from ``old`` to ``new``, one line per changed path (at most ``limit`` lines)."""
    lines: list[str] = []

    def short(value: Any) -> str:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return text if len(text) <= 80 else text[:77] + "..."

    def walk(loc: tuple[int | str, ...], a: Any, b: Any) -> None:
        if a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b), key=str):
                if key not in a:
                    lines.append(f"added {json_path((*loc, key))} = {short(b[key])}")
                elif key not in b:
                    lines.append(f"removed {json_path((*loc, key))}")
                else:
                    walk((*loc, key), a[key], b[key])
            return
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk((*loc, i), x, y)
            return
        lines.append(f"changed {json_path(loc)}: {short(a)} -> {short(b)}")

    walk((), old, new)
    if len(lines) > limit:
        return [*lines[:limit], f"... and {len(lines) - limit} more changes"]
    return lines or ["no change"]
