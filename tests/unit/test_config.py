"""Each function's environment is parsed once into its own validated model; a bad one fails cold
start with the variable's name, and every name is defined once (`Env`)."""

from __future__ import annotations

import pytest
from inquiry_desk.runtime.settings import (
    FUNCTION_SETTINGS,
    Env,
    IntakeSettings,
    SettingsError,
    SlaTimerSettings,
    TableSettings,
    parse,
    required_variables,
)

GOOD = {"TABLE_NAME": "t", "IDEMPOTENCY_TABLE_NAME": "i", "CHANNELS_SECRETS_PREFIX": "s/"}


def test_good_environment_parses_with_defaults() -> None:
    settings = parse(IntakeSettings, GOOD)
    assert settings.table_name == "t"
    assert settings.max_body_bytes == 256 * 1024


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_missing_variable_is_named(missing: str) -> None:
    env = {k: v for k, v in GOOD.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        parse(IntakeSettings, env)


def test_malformed_number_is_named() -> None:
    with pytest.raises(SettingsError, match="MAX_BODY_BYTES"):
        parse(IntakeSettings, {**GOOD, "MAX_BODY_BYTES": "lots"})


def test_a_piece_needs_only_its_own_variables() -> None:
    assert parse(TableSettings, {"TABLE_NAME": "t"}).table_name == "t"
    assert required_variables(TableSettings) == {"TABLE_NAME"}


def test_sla_timer_cannot_start_without_its_timer_variables() -> None:
    with pytest.raises(SettingsError, match="SCHEDULE_GROUP"):
        parse(SlaTimerSettings, {"TABLE_NAME": "t"})


def test_every_variable_a_model_reads_is_named_in_env() -> None:
    names = {e.value for e in Env}
    for model in FUNCTION_SETTINGS.values():
        for field in model.model_fields.values():
            assert field.alias in names, (model.__name__, field.alias)
