"""The committed OpenAPI document is the one the code generates (CI fails on drift)."""

from __future__ import annotations

from desk_ops.openapi import DOC, render


def test_openapi_document_matches_code() -> None:
    assert DOC.read_text() == render(), "docs/openapi.json is stale: run `make openapi`"
