"""Environment is read once into a validated model; a bad one fails cold start with its name."""

from __future__ import annotations

import pytest
from inquiry_desk.runtime.settings import SettingsError, parse_settings

GOOD = {"TABLE_NAME": "t", "IDEMPOTENCY_TABLE_NAME": "i", "CHANNELS_SECRET_NAME": "s"}


def test_good_environment_parses_with_defaults() -> None:
    settings = parse_settings(GOOD)
    assert settings.table_name == "t"
    assert settings.max_body_bytes == 256 * 1024


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_missing_variable_is_named(missing: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        parse_settings(env)


def test_malformed_number_is_named() -> None:
    with pytest.raises(SettingsError, match="MAX_BODY_BYTES"):
        parse_settings({**GOOD, "MAX_BODY_BYTES": "lots"})
