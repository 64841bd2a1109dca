"""The CDK stack: synthesizes here without Docker or credentials; cdk-nag and cfn-lint clean."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CDK_HANDLER = "CustomCDKBucketDeployment"


_NETWORK_VARS = re.compile(r"(?i)(_proxy$|^ssl_cert|_ca_bundle$|^pip_|^uv_|ca_certs|^node_extra_ca)")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cdk.out")
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(out),
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }
    # the network path to the package registry (proxy, trusted CAs) is the machine's, not a credential
    env.update({k: v for k, v in os.environ.items() if _NETWORK_VARS.search(k)})
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
    # ours: every function but CDK's own BucketDeployment handler (publishes the hosted console)
    functions = {k: f for k, f in _of(template, "AWS::Lambda::Function").items() if not k.startswith(CDK_HANDLER)}
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
    for logical_id, role in _of(template, "AWS::IAM::Role").items():
        if logical_id.startswith(CDK_HANDLER):
            continue
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
    assert (root / "inquiry_desk" / "policies" / "reports.json").exists()
    assert (root / "inquiry_desk" / "policies" / "default.sla.json").exists()
    assert (root / "inquiry_desk" / "triage" / "model.json").exists()  # the triage model ships as data
    assert (root / "opencc_purepy" / "dicts" / "TSCharacters.txt").exists()
    assert any(p.name.endswith("aarch64-linux-gnu.so") for p in (root / "pydantic_core").iterdir())


def test_every_function_gets_every_variable_its_settings_require(template: dict[str, Any]) -> None:
    """The names are defined once (runtime.settings.Env); a function missing one would fail cold start."""
    from inquiry_desk.runtime.settings import FUNCTION_SETTINGS, Env, required_variables

    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    ours = [f for f in functions if Env.FUNCTION.value in f["Properties"].get("Environment", {}).get("Variables", {})]
    seen = set()
    for fn in ours:
        variables = fn["Properties"]["Environment"]["Variables"]
        name = variables[Env.FUNCTION.value]
        seen.add(name)
        missing = required_variables(FUNCTION_SETTINGS[name]) - set(variables)
        assert not missing, f"{name} lacks {sorted(missing)}"
    assert seen == set(FUNCTION_SETTINGS)


def test_local_front_takes_its_routes_from_the_template(template: dict[str, Any]) -> None:
    """The local front answers exactly what API Gateway would: its route table is the template's."""
    from desk_ops.local.routes import find_route, routes_from_template

    routes = routes_from_template(template)
    chat = find_route(routes, "POST", "/webhooks/chat")
    assert chat is not None and chat.function == "intake" and not chat.needs_token
    assert find_route(routes, "DELETE", "/webhooks/chat") is None
    assert find_route(routes, "POST", "/webhooks/nowhere") is None
    api = find_route(routes, "GET", "/api/inquiries/01ABC")
    assert api is not None and api.function == "console_api" and api.needs_token


def test_R8_2_authorizer_accepts_only_id_tokens_of_the_one_console_client(template: dict[str, Any]) -> None:
    """On AWS the Cognito authorizer is what refuses bad tokens: a wrong signature, another pool
    (issuer and keys are the pool's), expired, `alg: none`; with no OAuth scopes on a method it
    takes only ID tokens, so an access token is refused. One client, so one audience."""
    (authorizer,) = _of(template, "AWS::ApiGateway::Authorizer").values()
    props = authorizer["Properties"]
    assert props["Type"] == "COGNITO_USER_POOLS"
    assert props["IdentitySource"] == "method.request.header.Authorization"
    (pool_id,) = _of(template, "AWS::Cognito::UserPool")
    assert props["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]
    for method in _of(template, "AWS::ApiGateway::Method").values():
        m = method["Properties"]
        if m["AuthorizationType"] == "COGNITO_USER_POOLS":
            assert "AuthorizationScopes" not in m, "scopes would make the authorizer accept access tokens"
            assert m["AuthorizerId"] == {"Ref": next(iter(_of(template, "AWS::ApiGateway::Authorizer")))}
    (client,) = _of(template, "AWS::Cognito::UserPoolClient").values()
    c = client["Properties"]
    assert not c.get("GenerateSecret")
    assert c["EnableTokenRevocation"] is True  # GlobalSignOut / a disabled agent's refresh tokens stop working
    assert c["PreventUserExistenceErrors"] == "ENABLED"
    assert set(c["ExplicitAuthFlows"]) <= {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    pool = next(iter(_of(template, "AWS::Cognito::UserPool").values()))["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True  # no self sign-up


def test_R8_2_console_api_reads_the_agent_directory_only(template: dict[str, Any]) -> None:
    statements = [
        s
        for p in _of(template, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if any(
            str(a).startswith("cognito-idp:") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        )
    ]
    actions = sorted(sorted([s["Action"]] if isinstance(s["Action"], str) else s["Action"]) for s in statements)
    # the console API checks callers and assignees; the monitor finds each team's supervisors (R9.2)
    assert actions == [
        ["cognito-idp:AdminGetUser", "cognito-idp:AdminListGroupsForUser"],
        ["cognito-idp:ListUsersInGroup"],
    ]
    groups = {g["Properties"]["GroupName"] for g in _of(template, "AWS::Cognito::UserPoolGroup").values()}
    assert {"agents", "supervisors", "admins", "team:orders", "team:complaints"} <= groups


def test_waf_on_the_stage_limits_rate_per_source_with_managed_rules(template: dict[str, Any]) -> None:
    (acl,) = _of(template, "AWS::WAFv2::WebACL").values()
    rules = {r["Name"]: r for r in acl["Properties"]["Rules"]}
    assert rules["RatePerSource"]["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert "Block" in rules["RatePerSource"]["Action"]
    common = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]
    assert common["VendorName"] == "AWS"
    (association,) = _of(template, "AWS::WAFv2::WebACLAssociation").values()
    assert "stages/" in json.dumps(association["Properties"]["ResourceArn"])


def test_R8_1_no_ttl_on_the_records_and_the_archive_moves_to_a_cheaper_class(template: dict[str, Any]) -> None:
    tables = _of(template, "AWS::DynamoDB::Table")
    main = next(t["Properties"] for t in tables.values() if "StreamSpecification" in t["Properties"])
    assert "TimeToLiveSpecification" not in main, "records must not expire from the table (R8.1)"
    archive = next(
        b["Properties"] for lid, b in _of(template, "AWS::S3::Bucket").items() if lid.startswith("RetentionArchive")
    )
    (rule,) = archive["LifecycleConfiguration"]["Rules"]
    assert rule["Transitions"][0]["StorageClass"] == "GLACIER_IR"
    assert rule["ExpirationInDays"] >= 183
    assert (
        archive["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"][
            "SSEAlgorithm"
        ]
        == "aws:kms"
    )
    schedules = [r["Properties"].get("ScheduleExpression") for r in _of(template, "AWS::Events::Rule").values()]
    assert "rate(1 day)" in schedules


def test_operators_get_an_alarm_for_every_silent_failure_R3_4(template: dict[str, Any]) -> None:
    alarms = _of(template, "AWS::CloudWatch::Alarm").values()
    topics = {k for k, v in _of(template, "AWS::SNS::Topic").items() if k.startswith("OperationsOperators")}
    assert len(topics) == 1
    (operators,) = topics
    by_metric: dict[str, list[dict[str, Any]]] = {}
    for a in alarms:
        props = a["Properties"]
        assert props["AlarmActions"] == [{"Ref": operators}], props.get("AlarmDescription")
        assert "README" in props["AlarmDescription"]
        by_metric.setdefault(props["MetricName"], []).append(props)
    functions = {  # ours (CDK's own deployment handler for the console's bucket is not)
        k: f
        for k, f in _of(template, "AWS::Lambda::Function").items()
        if "DESK_FUNCTION" in f["Properties"].get("Environment", {}).get("Variables", {})
    }
    assert len(by_metric["Errors"]) == len(functions)  # every function
    assert len(by_metric["Throttles"]) == len(functions)
    assert len(by_metric["IteratorAge"]) == 3  # sla_timer, dispatcher, metrics: every stream consumer
    dead_letters = [k for k in _of(template, "AWS::SQS::Queue") if "DeadLetters" in k]
    assert len(by_metric["ApproximateNumberOfMessagesVisible"]) == len(dead_letters)  # every dead-letter queue
    (breaches,) = by_metric["DeadlinesBreached"]
    assert breaches["Namespace"] == "InquiryDesk" and breaches["Period"] == 3600
    assert _of(template, "AWS::CloudWatch::Dashboard")


def test_metrics_consumer_counts_timeline_inserts_with_a_dead_letter_queue_R9_1(template: dict[str, Any]) -> None:
    mappings = _of(template, "AWS::Lambda::EventSourceMapping").values()
    counting = [m["Properties"] for m in mappings if "EVT#" in json.dumps(m["Properties"].get("FilterCriteria", {}))]
    assert len(counting) == 1
    props = counting[0]
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["DestinationConfig"]["OnFailure"]["Destination"]
    assert "INSERT" in json.dumps(props["FilterCriteria"])


def test_monitor_runs_every_minute_R3_4(template: dict[str, Any]) -> None:
    rules = [r["Properties"] for r in _of(template, "AWS::Events::Rule").values()]
    minute = [r for r in rules if r.get("ScheduleExpression") == "rate(1 minute)"]
    assert len(minute) == 1
    assert json.loads(minute[0]["Targets"][0]["Input"]) == {"monitor": "tick"}


def test_console_is_hosted_on_s3_behind_cloudfront_with_oac_and_a_strict_csp(template: dict[str, Any]) -> None:
    (distribution,) = _of(template, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert config["Origins"][0]["OriginAccessControlId"]  # origin access control, no public bucket
    assert _of(template, "AWS::CloudFront::OriginAccessControl")
    (bucket,) = (b for k, b in _of(template, "AWS::S3::Bucket").items() if k.startswith("ConsoleFiles"))
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
    (policy,) = _of(template, "AWS::CloudFront::ResponseHeadersPolicy").values()
    security = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    # config.json is written at deploy from the stack's values (user pool client, API URL)
    assert _of(template, "Custom::CDKBucketDeployment")
    assert "ConsoleUrl" in template["Outputs"]


def test_api_answers_cors_for_the_console_origin_only(template: dict[str, Any]) -> None:
    origin = {"Fn::Join": ["", ["'https://", {"Fn::GetAtt": [_logical_id(template, "ConsoleCdn"), "DomainName"]}, "'"]]}
    (preflight,) = (
        m for m in _of(template, "AWS::ApiGateway::Method").values() if m["Properties"]["HttpMethod"] == "OPTIONS"
    )
    headers = preflight["Properties"]["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
    assert headers["method.response.header.Access-Control-Allow-Origin"] == origin
    for response in _of(template, "AWS::ApiGateway::GatewayResponse").values():
        assert (
            response["Properties"]["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == origin
        )
    (console_api,) = (
        f
        for f in _of(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("Environment", {}).get("Variables", {}).get("CONSOLE_ORIGIN")
    )
    assert "ConsoleCdn" in json.dumps(console_api["Properties"]["Environment"]["Variables"]["CONSOLE_ORIGIN"])


def _logical_id(template: dict[str, Any], prefix: str) -> str:
    return next(
        k
        for k in template["Resources"]
        if k.startswith(prefix) and template["Resources"][k]["Type"] == "AWS::CloudFront::Distribution"
    )


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [str(value)]


def test_R8_2_every_secret_is_in_secrets_manager_and_each_function_reads_only_its_own(template: dict[str, Any]) -> None:
    from inquiry_desk.channels.config import SECRET_SECTIONS, SENDING_SECTIONS, SURVEY_SECTIONS, WEBHOOK_SECTIONS

    from infra.constructs.secrets import GENERATED

    secrets = _of(template, "AWS::SecretsManager::Secret")
    section_of = {lid: s["Properties"]["Name"].rsplit("/", 1)[1] for lid, s in secrets.items()}
    assert sorted(section_of.values()) == sorted(SECRET_SECTIONS)
    for lid, secret in secrets.items():  # generated where we choose the value; else empty until set
        props = secret["Properties"]
        if section_of[lid] in GENERATED:
            assert props["GenerateSecretString"]["GenerateStringKey"] == GENERATED[section_of[lid]]
            assert "SecretString" not in props
        else:
            assert props["SecretString"] == "{}"

    # no value of a secret anywhere in the template: the demo credentials, or any env var named like one
    demo = {
        leaf
        for k, v in json.loads((ROOT / "config" / "channels.local.json").read_text()).items()
        if not k.startswith("$")
        for leaf in _leaves(v)
        if len(leaf) >= 12
    }
    text = json.dumps(template)
    assert not [d for d in demo if d in text and not d.startswith("http")]
    assert all("NoEcho" not in p for p in template.get("Parameters", {}).values())
    functions = {k: f for k, f in _of(template, "AWS::Lambda::Function").items() if not k.startswith(CDK_HANDLER)}
    secretish = re.compile(r"(?i)(secret|token|password|passwd|aes|signing|api_?key|auth)")
    for fn in functions.values():
        for key in fn["Properties"].get("Environment", {}).get("Variables", {}):
            assert not secretish.search(key) or key == "CHANNELS_SECRETS_PREFIX", key

    # each function's role may read exactly the secrets its code reads
    role_of = {lid: f["Properties"]["Role"]["Fn::GetAtt"][0] for lid, f in functions.items()}
    name_of = {lid: f["Properties"]["Environment"]["Variables"].get("DESK_FUNCTION") for lid, f in functions.items()}
    reads: dict[str, set[str]] = {}
    for policy in _of(template, "AWS::IAM::Policy").values():
        roles = {r["Ref"] for r in policy["Properties"].get("Roles", []) if isinstance(r, dict)}
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
            if not any(str(a).startswith("secretsmanager:") for a in actions):
                continue
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for role in roles:
                reads.setdefault(role, set()).update(section_of[r["Ref"]] for r in resources)
    got = {name_of[lid]: reads.get(role, set()) for lid, role in role_of.items()}
    expected = {"intake": set(WEBHOOK_SECTIONS), "dispatcher": set(SENDING_SECTIONS), "survey": set(SURVEY_SECTIONS)}
    assert {n: s for n, s in got.items() if s} == expected
