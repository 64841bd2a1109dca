"""Content references: which template or article version (and which A/B variant) said a text.

``template:<id>@<version>``, ``template:<id>@<version>#<variant>``, ``article:<id>@<version>``; any
other ``<kind>:<rest>`` (``message:...``, ``correction:...``) is kept as given. The lineage corrections
follow (R6.2) is the exact string, so a reference written before variants existed reads the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_REF = re.compile(r"^(?P<kind>[a-z_]+):(?P<id>[^@#\s]+)(?:@(?P<version>[^#\s]*))?(?:#(?P<variant>[A-Za-z0-9_-]+))?$")


@dataclass(frozen=True)
class ContentRef:
    kind: str  # template | article | faq | auto_reply | message | correction ...
    content_id: str
    version: str | None = None
    variant: str | None = None

    def __str__(self) -> str:
        text = f"{self.kind}:{self.content_id}"
        if self.version is not None:
            text += f"@{self.version}"
        if self.variant:
            text += f"#{self.variant}"
        return text

    @property
    def without_variant(self) -> str:
        return str(ContentRef(self.kind, self.content_id, self.version))


def parse(ref: str) -> ContentRef | None:
    """The parts of a content reference, or None when it is not one."""
    match = _REF.match(ref.strip())
    if match is None:
        return None
    return ContentRef(match["kind"], match["id"], match["version"], match["variant"])


def template_ref(template_id: str, version: int | str, variant: str | None = None) -> str:
    return str(ContentRef("template", template_id, str(version), variant))


def article_ref(article_id: str, version: int) -> str:
    return str(ContentRef("article", article_id, str(version)))
