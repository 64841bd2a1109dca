"""`desk sla check` and `desk sla deadlines`, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from desk_ops.sla_cli import main
from inquiry_desk.deadlines import shipped_policy_path


def inquiry_file(tmp_path: Path, **overrides: object) -> Path:
    doc: dict[str, object] = {
        "channel": "email",
        "category": "complaint",
        "urgency": "urgent",
        "customer_tier": "normal",
        "team": "complaints",
        "received_at": "2026-03-10T10:00:00+08:00",
        "events": [{"type": "acknowledged", "at": "2026-03-10T10:20:00+08:00"}],
    }
    doc.update(overrides)
    p = tmp_path / "inquiry.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def test_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sla", "check", str(shipped_policy_path())]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("OK 2026.1: ") and out.endswith(" rules, 2 calendars")


def test_check_reports_file_path_and_reason_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads(shipped_policy_path().read_text(encoding="utf-8"))
    doc["rules"][0]["targets"]["first_reply"] = {"minutes": 0}
    bad = tmp_path / "bad.sla.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["sla", "check", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{bad}: $.rules[0].targets.first_reply: a target must be longer than zero" in captured.err
    assert "Traceback" not in captured.err


def test_deadlines_prints_utc_z_instants(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sla", "deadlines", "--inquiry", str(inquiry_file(tmp_path))]) == 0
    out = json.loads(capsys.readouterr().out)
    by_kind = {d["kind"]: d for d in out["deadlines"]}
    assert by_kind["resolve"] == {
        **by_kind["resolve"],
        "due": "2026-03-10T06:00:00Z",
        "rule": "R4.2-complaint",
    }
    assert by_kind["acknowledge"]["met_at"] == "2026-03-10T02:20:00Z"
    assert all(d["due"].endswith("Z") and d["why"] for d in out["deadlines"])


def test_deadlines_with_an_explicit_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sla", "deadlines", "--policy", str(shipped_policy_path()), "--inquiry", str(inquiry_file(tmp_path))])
    assert code == 0 and "deadlines" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"received_at": "2026-03-10T10:00:00"}, "$.received_at: datetime must carry a time zone offset"),
        ({"channel": "fax"}, "$.channel"),
        ({"urgency": "asap"}, "$.urgency"),
        ({"events": [{"type": "replied"}]}, "$.events[0].at"),
    ],
)
def test_bad_inquiry_is_a_clear_message_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], override: dict[str, object], expected: str
) -> None:
    path = inquiry_file(tmp_path, **override)
    assert main(["sla", "deadlines", "--inquiry", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {expected}" in err and "Traceback" not in err


def test_unreadable_or_invalid_json_inquiry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sla", "deadlines", "--inquiry", str(tmp_path / "nope.json")]) == 2
    assert "cannot read file" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert main(["sla", "deadlines", "--inquiry", str(broken)]) == 2
    assert "invalid JSON" in capsys.readouterr().err


def test_missing_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sla", "deadlines"]) == 2
    assert "--inquiry" in capsys.readouterr().err


def test_register_plugs_into_a_parent_parser() -> None:
    import argparse

    from desk_ops.sla_cli import register

    parser = argparse.ArgumentParser(prog="desk")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["sla", "check", "x.json"])
    assert args.policy == "x.json" and callable(args.func)
