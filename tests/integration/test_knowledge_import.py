"""R7.2: `desk kb import FILE` is idempotent on moto. Rows carry a stable key (the article is
kb-<key>): a second import of the same file changes nothing, an edited row becomes the next version
of the same article (the earlier one kept), and a bad row is reported with its number and reason
while the good rows are imported."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _desk(
    argv: list[str], stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """`desk ARGV` against this session's emulator, as an operator runs it against the local system."""
    from desk_ops import cli

    local = {"outputs": stack.outputs}
    monkeypatch.setattr(cli, "_local", lambda service: (local, boto3.client(service, region_name="us-east-1")))
    capsys.readouterr()
    args = cli.build_parser().parse_args(argv)
    code = int(args.func(args))
    out = capsys.readouterr().out  # without the metrics lines the session's functions print meanwhile
    return code, "".join(line for line in out.splitlines(keepends=True) if not line.startswith('{"_aws"'))


def _import(path: Path, stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    code, out = _desk(["kb", "import", str(path), "--json", "--by", "ops-li"], stack, monkeypatch, capsys)
    report = json.loads(out)
    assert code == (1 if report["summary"]["error"] else 0)
    return report


def test_R7_2_importing_the_same_file_twice_changes_nothing_and_an_edit_is_a_new_version(
    stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from inquiry_desk.runtime import composition

    tag = uuid.uuid4().hex[:8]
    rows: list[dict[str, Any]] = [
        {
            "key": f"returns-{tag}",
            "title": "退货流程",
            "body": "7 天无理由退货。",
            "language": "zh",
            "categories": ["after_sales_return"],
        },
        {
            "key": f"warranty-{tag}",
            "title": "Warranty",
            "body": "Two years.",
            "language": "en",
            "categories": ["after_sales_repair"],
        },
        {"title": f"No key {tag}", "body": "keyed by its language and title", "language": "en"},
        {"key": f"broken-{tag}", "title": "no body", "language": "en"},
        {"key": "Not A Key!", "title": "t", "body": "b", "language": "en"},
        {"key": f"returns-{tag}", "title": "again", "body": "a repeated key", "language": "zh"},
    ]
    file = tmp_path / "articles.json"
    file.write_text(json.dumps({"articles": rows}, ensure_ascii=False), encoding="utf-8")

    first = _import(file, stack, monkeypatch, capsys)
    assert first["summary"] == {"created": 3, "updated": 0, "unchanged": 0, "error": 3}
    errors = {r["row"]: r["error"] for r in first["rows"] if r["outcome"] == "error"}
    assert sorted(errors) == [4, 5, 6]
    assert "body" in errors[4] and "key" in errors[5] and "also row 1" in errors[6]
    assert first["rows"][0]["content_ref"] == f"article:kb-returns-{tag}@1"

    second = _import(file, stack, monkeypatch, capsys)  # the same file again: nothing doubles
    assert second["summary"] == {"created": 0, "updated": 0, "unchanged": 3, "error": 3}
    catalogue = [a for a in composition.knowledge_store().catalogue() if tag in a.article_id or tag in a.title]
    assert len(catalogue) == 3

    rows[0]["body"] = "7 天无理由退货，运费由我们承担。"  # an edited row
    rows[1]["categories"] = [" after_sales_repair "]  # the same content once cleaned
    file.write_text(json.dumps({"articles": rows[:3]}, ensure_ascii=False), encoding="utf-8")
    third = _import(file, stack, monkeypatch, capsys)
    assert third["summary"] == {"created": 0, "updated": 1, "unchanged": 2, "error": 0}
    assert third["rows"][0]["content_ref"] == f"article:kb-returns-{tag}@2"
    versions = composition.knowledge_service().versions(f"kb-returns-{tag}")
    assert [(v.version, v.body, v.edited_by) for v in versions] == [
        (1, "7 天无理由退货。", "ops-li"),
        (2, "7 天无理由退货，运费由我们承担。", "ops-li"),
    ]

    code, text = _desk(["kb", "import", str(file)], stack, monkeypatch, capsys)  # the operator's summary
    assert code == 0 and "0 created, 0 updated, 3 unchanged, 0 error(s) of 3 rows" in text


def test_R7_2_the_shipped_seed_articles_import_once(
    stack: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = ROOT / "examples" / "knowledge.json"
    count = len(json.loads(seed.read_text(encoding="utf-8"))["articles"])
    _import(seed, stack, monkeypatch, capsys)
    again = _import(seed, stack, monkeypatch, capsys)
    assert again["summary"] == {"created": 0, "updated": 0, "unchanged": count, "error": 0}
