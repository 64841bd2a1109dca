"""An in-memory policy store: what adapters.policy_store keeps in the table (checked on moto in
tests/integration/test_policy_store_contract.py)."""

from __future__ import annotations

import copy

from inquiry_desk.errors import Conflict
from inquiry_desk.policies.book import Version


class FakePolicyStore:
    def __init__(self) -> None:
        self.saved: dict[tuple[str, int], Version] = {}
        self.active: dict[str, Version] = {}
        self.reads = 0

    def active_all(self) -> dict[str, Version]:
        self.reads += 1
        return dict(self.active)

    def version(self, document: str, number: int) -> Version | None:
        return self.saved.get((document, number))

    def versions(self, document: str, limit: int) -> list[Version]:
        found = sorted((v for (d, _), v in self.saved.items() if d == document), key=lambda v: -v.version)
        return found[:limit]

    def save(self, version: Version, base: int) -> None:
        current = self.active.get(version.document)
        if (current.version if current else 0) != base or (version.document, version.version) in self.saved:
            raise Conflict(f"{version.document} changed while you edited it")
        kept = Version(**{**version.__dict__, "content": copy.deepcopy(version.content)})
        self.saved[(version.document, version.version)] = kept
        self.active[version.document] = kept
