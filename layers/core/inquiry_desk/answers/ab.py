"""Outcomes of A/B template variants (R7.1): per variant, how many inquiries got it, their
satisfaction (the CSAT the surveys recorded on the inquiry) and how many were reopened.

The inquiries behind a variant are found through the lineage every outgoing message writes
(``CONTENT#template:<id>@<version>#<variant>``, one Query each), so nothing is scanned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from inquiry_desk.answers import templates
from inquiry_desk.answers.lineage import template_ref
from inquiry_desk.model import Inquiry


@dataclass(frozen=True)
class VariantOutcome:
    template_id: str
    version: int
    variant: str
    share: float  # the policy's split for this variant
    content_ref: str
    inquiries: int
    surveyed: int
    csat_average: float | None
    reopened: int
    reopen_rate: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def outcomes(
    inquiries_for: Callable[[str], Iterable[str]], inquiry: Callable[[str], Inquiry | None]
) -> list[VariantOutcome]:
    """Every variant of every template under test, with its outcomes so far."""
    out: list[VariantOutcome] = []
    for template_id in templates.template_ids():
        data = templates.template(template_id)
        split: dict[str, int] = data.get("split") or {}
        if not data.get("variants") or not split:
            continue
        total = sum(int(w) for w in split.values()) or 1
        version = int(data["version"])
        for variant, weight in sorted(split.items()):
            ref = template_ref(template_id, version, variant)
            got = [i for i in (inquiry(iid) for iid in dict.fromkeys(inquiries_for(ref))) if i is not None]
            scores = [i.satisfaction for i in got if i.satisfaction is not None]
            reopened = sum(1 for i in got if i.episode > 1)
            out.append(
                VariantOutcome(
                    template_id=template_id,
                    version=version,
                    variant=variant,
                    share=round(int(weight) / total, 4),
                    content_ref=ref,
                    inquiries=len(got),
                    surveyed=len(scores),
                    csat_average=round(sum(scores) / len(scores), 2) if scores else None,
                    reopened=reopened,
                    reopen_rate=round(reopened / len(got), 4) if got else None,
                )
            )
    return out
