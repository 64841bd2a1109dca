"""Agents' corrections as training data (R1.4): every reclassify records what it replaced; these
become labelled inquiries in the data set's format (``tests/data/triage/*.jsonl``) for ``make train``
(``python -m desk_ops.triage_train --extra corrections.jsonl``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from inquiry_desk.model import EventType
from inquiry_desk.ports import Timeline


def corrections(timelines: Iterable[Timeline]) -> list[dict[str, Any]]:
    """One labelled example per inquiry an agent reclassified: the text, the final category and
    urgency, and what the automatic triage had said (``from``)."""
    out: list[dict[str, Any]] = []
    for t in timelines:
        overrides = [e for e in t.events if e.type is EventType.CLASSIFIED and e.data.get("override")]
        if not overrides:
            continue
        first = next((e for e in t.events if e.type is EventType.CLASSIFIED), None)
        automatic = first.data if first is not None and not first.data.get("override") else {}
        i = t.inquiry
        out.append(
            {
                "id": i.inquiry_id,
                "text": " ".join(filter(None, [i.subject, i.description])),
                "lang": i.language or "",
                "channel": i.channel.value,
                "category": i.category,
                "urgency": i.urgency.value,
                "tags": list(i.tags),
                "from": {
                    "category": automatic.get("category"),
                    "urgency": automatic.get("urgency"),
                    "confidence": automatic.get("confidence"),
                    "model_version": automatic.get("model_version"),
                },
                "corrected_by": overrides[-1].actor,
                "corrected_at": overrides[-1].at.isoformat(),
            }
        )
    return out
