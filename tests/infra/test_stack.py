"""The CDK stack: synthesizes here without Docker or credentials; cdk-nag and cfn-lint clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdk.out")
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(out),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }
    # no AWS credentials, no Docker: exactly what an operator's CI or this machine has
    result = subprocess.run(
        [str(ROOT / "node_modules/.bin/cdk"), "synth", "--quiet", "--output", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def template(synthesized: Path) -> dict[str, Any]:
    return json.loads((synthesized / "InquiryDesk.template.json").read_text())


def _of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_cdk_nag_aws_solutions_has_no_unacknowledged_findings(synthesized: Path) -> None:
    report = json.loads((synthesized / "validation-report.json").read_text())
    plugin = next(p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions")
    assert plugin["violations"] == [], [v["ruleName"] for v in plugin["violations"]]
    for acknowledged in plugin["suppressedViolations"]:
        assert len(acknowledged["reason"]) > 40, f"{acknowledged['ruleName']} needs a real reason"


def test_cfn_lint_reports_no_errors(synthesized: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cfnlint",
            "--format",
            "parseable",
            str(synthesized / "InquiryDesk.template.json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ":E" in line]
    assert errors == [], "\n".join(errors)


def test_table_has_stream_pitr_and_customer_managed_key(template: dict[str, Any]) -> None:
    tables = _of(template, "AWS::DynamoDB::Table")
    main = next(t["Properties"] for t in tables.values() if "StreamSpecification" in t["Properties"])
    assert main["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert main["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert main["SSESpecification"]["SSEType"] == "KMS" and "KMSMasterKeyId" in main["SSESpecification"]
    assert {i["IndexName"] for i in main["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2", "GSI3"}


def test_every_function_is_arm64_json_logged_layered_with_its_own_role(template: dict[str, Any]) -> None:
    functions = _of(template, "AWS::Lambda::Function")
    assert len(functions) >= 2
    roles = set()
    for fn in functions.values():
        props = fn["Properties"]
        assert props["Architectures"] == ["arm64"]
        assert props["LoggingConfig"]["LogFormat"] == "JSON"
        assert props["TracingConfig"]["Mode"] == "Active"
        assert len(props["Layers"]) == 1
        assert props["Runtime"] == "python3.13"
        roles.add(json.dumps(props["Role"]))
    assert len(roles) == len(functions), "one least-privilege role per function"
    for role in _of(template, "AWS::IAM::Role").values():
        statement = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
        if statement["Principal"].get("Service") == "lambda.amazonaws.com":
            assert "ManagedPolicyArns" not in role["Properties"]


def test_webhooks_are_open_to_channels_and_api_requires_cognito(template: dict[str, Any]) -> None:
    methods = _of(template, "AWS::ApiGateway::Method").values()
    kinds = {m["Properties"]["AuthorizationType"] for m in methods}
    assert kinds == {"NONE", "COGNITO_USER_POOLS"}
    assert _of(template, "AWS::ApiGateway::Authorizer")


def test_layer_bundles_core_package_and_arm64_wheels(synthesized: Path) -> None:
    assets = json.loads((synthesized / "InquiryDesk.assets.json").read_text())["files"]
    layer = next(a for a in assets.values() if a["displayName"] == "Core/Layer/Code")
    root = synthesized / layer["source"]["path"] / "python"
    assert (root / "inquiry_desk" / "intake" / "service.py").exists()
    assert (root / "inquiry_desk" / "policies" / "default.sla.json").exists()
    assert (root / "inquiry_desk" / "triage" / "model.json").exists()  # the triage model ships as data
    assert (root / "opencc_purepy" / "dicts" / "TSCharacters.txt").exists()
    assert any(p.name.endswith("aarch64-linux-gnu.so") for p in (root / "pydantic_core").iterdir())
