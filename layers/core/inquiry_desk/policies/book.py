"""The policy book: numbered versions of each policy document, one active, every change audited.

Version 0 of a document is the file shipped with the functions; an admin's save is version 1, 2...
Saving validates (``documents.validate``: the loaders' own parsers and the checks across
documents) and refuses with every problem (path, message); a saved version records who, when,
why and a summary of what changed (the audit), and becomes active in the same write. A rollback
is a new version with an old version's content, validated again (other documents may have
moved on). The functions read the active versions through :class:`ActivePolicies`: one read for
all documents, cached ``cache_seconds`` (``policy_book.json``), the shipped file when the store
has none or cannot be read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from inquiry_desk.errors import DeskError, NotFound
from inquiry_desk.policies.documents import (
    DOCUMENTS,
    Problem,
    against_active,
    book_settings,
    document,
    summarize,
    validate,
)

log = logging.getLogger(__name__)

SHIPPED = "packaged"  # who "saved" version 0: the file shipped with the functions


class PolicyInvalid(DeskError):
    """A document that fails validation; ``problems`` says where and why (the API's 422)."""

    http_status = 422
    code = "invalid_policy"

    def __init__(self, document: str, problems: list[Problem]) -> None:
        listed = "; ".join(f"{p.path}: {p.message}" for p in problems[:5])
        super().__init__(f"{document}: {len(problems)} problem(s): {listed}")
        self.document = document
        self.problems = problems


@dataclass(frozen=True)
class Version:
    """One version of a document with its audit: who saved it, when, why, what changed."""

    document: str
    version: int
    content: dict[str, Any]
    saved_by: str
    saved_at: datetime | None
    summary: tuple[str, ...] = ()
    reason: str | None = None
    rollback_of: int | None = None

    def audit(self) -> dict[str, Any]:
        """The version without its content: what the history lists."""
        return {
            "document": self.document,
            "version": self.version,
            "saved_by": self.saved_by,
            "saved_at": self.saved_at.isoformat() if self.saved_at else None,
            "summary": list(self.summary),
            "reason": self.reason,
            "rollback_of": self.rollback_of,
        }


class PolicyStore(Protocol):
    """Where versions are kept (adapters.policy_store on the single table; a fake in tests)."""

    def active_all(self) -> dict[str, Version]:
        """Every document's active version, in one read."""
        ...

    def version(self, document: str, number: int) -> Version | None: ...

    def versions(self, document: str, limit: int) -> list[Version]:
        """Saved versions, newest first."""
        ...

    def save(self, version: Version, base: int) -> None:
        """Store ``version`` and make it active if the active version is still ``base`` (0: none
        saved yet), else raise ``errors.Conflict``."""
        ...


Shipped = Callable[[str], dict[str, Any]]


@dataclass
class PolicyBook:
    """Admins' side: list, read, save, roll back."""

    store: PolicyStore
    shipped: Shipped
    clock: Callable[[], datetime]
    on_change: Callable[[], None] = field(default=lambda: None)  # e.g. drop this container's cache

    def documents(self) -> list[dict[str, Any]]:
        active = self.store.active_all()
        out = []
        for name, doc in DOCUMENTS.items():
            v = active.get(name)
            out.append(
                {
                    "document": name,
                    "title": doc.title,
                    "active_version": v.version if v else 0,
                    "saved_by": v.saved_by if v else SHIPPED,
                    "saved_at": v.saved_at.isoformat() if v and v.saved_at else None,
                }
            )
        return out

    def active(self, name: str) -> Version:
        document(name)
        return self.store.active_all().get(name) or self._shipped(name)

    def get(self, name: str, number: int) -> Version:
        document(name)
        if number == 0:
            return self._shipped(name)
        found = self.store.version(name, number)
        if found is None:
            raise NotFound(f"{name} has no version {number}")
        return found

    def history(self, name: str) -> list[Version]:
        """Every version newest first, ending with version 0 (the shipped file)."""
        document(name)
        saved = self.store.versions(name, book_settings().history_limit)
        return [*saved, self._shipped(name)]

    def check(self, name: str, content: Any) -> list[Problem]:
        """The problems ``content`` would be refused with (none: it may be saved)."""
        active = self.store.active_all()
        _, problems = validate(name, content, lambda other: self._parsed(other, active))
        current = active.get(name) or self._shipped(name)
        return problems + against_active(name, current.content, content)

    def save(
        self,
        name: str,
        content: Any,
        actor: str,
        base: int,
        reason: str | None = None,
        rollback_of: int | None = None,
    ) -> Version:
        """Validate and store ``content`` as the next version, active at once; ``base`` is the
        version the admin edited (a save over someone else's newer version is a Conflict)."""
        active = self.store.active_all()
        _, problems = validate(name, content, lambda other: self._parsed(other, active))
        current = active.get(name) or self._shipped(name)
        problems += against_active(name, current.content, content)
        if problems:
            raise PolicyInvalid(name, problems)
        if current.version != base:
            from inquiry_desk.errors import Conflict

            raise Conflict(f"{name} is at version {current.version} now, not {base}: reload and edit that")
        version = Version(
            document=name,
            version=base + 1,
            content=content,
            saved_by=actor,
            saved_at=self.clock(),
            summary=tuple(summarize(current.content, content, book_settings().summary_limit)),
            reason=reason,
            rollback_of=rollback_of,
        )
        self.store.save(version, base)
        log.info(
            "policy version saved",
            extra={"document": name, "version": version.version, "actor": actor, "changes": len(version.summary)},
        )
        self.on_change()
        return version

    def rollback(self, name: str, to: int, actor: str, base: int, reason: str | None = None) -> Version:
        """A new version with version ``to``'s content (validated again)."""
        old = self.get(name, to)
        return self.save(name, old.content, actor, base, reason or f"rollback to version {to}", rollback_of=to)

    def _shipped(self, name: str) -> Version:
        return Version(name, 0, self.shipped(name), SHIPPED, None, ("the file shipped with the functions",))

    def _parsed(self, name: str, active: dict[str, Version]) -> Any:
        v = active.get(name)
        if v is not None:
            try:
                return document(name).parse(v.content)
            except Exception:
                pass
        return document(name).parse(self.shipped(name))


class ActivePolicies:
    """The functions' side: each document's active version, parsed, cached ``ttl`` seconds.

    One ``active_all`` read refreshes every document; a parsed document is kept per version, so a
    refresh that finds nothing new re-parses nothing. Without a store, or when it fails, or when an
    active version does not parse, the shipped file is used (and said in the log).
    """

    def __init__(self, store: PolicyStore | None, shipped: Shipped, ttl: float, monotonic: Callable[[], float]) -> None:
        self._store = store
        self._shipped = shipped
        self._ttl = ttl
        self._now = monotonic
        self._lock = threading.Lock()
        self._fetched_at: float | None = None
        self._active: dict[str, Version] = {}
        self._parsed: dict[str, tuple[int, Any]] = {}
        self.reads = 0

    def invalidate(self) -> None:
        with self._lock:
            self._fetched_at = None

    def _refresh(self) -> None:
        now = self._now()
        if self._fetched_at is not None and now - self._fetched_at < self._ttl:
            return
        self._fetched_at = now
        if self._store is None:
            return
        try:
            self.reads += 1
            self._active = self._store.active_all()
        except Exception as err:
            log.warning("policy store unreadable; using the shipped files", extra={"error": type(err).__name__})
            self._active = {}

    def version(self, name: str) -> int:
        with self._lock:
            self._refresh()
            v = self._active.get(name)
            return v.version if v else 0

    def content(self, name: str) -> dict[str, Any]:
        with self._lock:
            self._refresh()
            v = self._active.get(name)
            return v.content if v is not None else self._shipped(name)

    def parsed(self, name: str) -> Any:
        with self._lock:
            self._refresh()
            v = self._active.get(name)
            number = v.version if v is not None else 0
            kept = self._parsed.get(name)
            if kept is not None and kept[0] == number:
                return kept[1]
            parsed = None
            if v is not None:
                try:
                    parsed = document(name).parse(v.content)
                except Exception as err:
                    log.error(
                        "active policy version does not parse; using the shipped file",
                        extra={"document": name, "version": number, "error": str(err)[:500]},
                    )
            if parsed is None:
                number = 0 if v is None else number
                parsed = document(name).parse(self._shipped(name))
            self._parsed[name] = (number, parsed)
            return parsed
