"""Deploy the synthesized CDK stack into the embedded AWS, so the local system is the deployed one.

Steps: synthesize (cached on the hash of infra/, functions/ and the core package), upload the
file assets where the CDK bootstrap bucket would hold them, create the stack in moto's
CloudFormation, then create directly what moto's CloudFormation skips (Cognito user pool and
client, the channel secrets (their generated values made here), the Scheduler group), with the
properties the template gives them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import string
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from infra import names

ACCOUNT = "123456789012"
REGION = "us-east-1"
BOOTSTRAP_QUALIFIER = "hnb659fds"
SYNTH_DIR = names.BUILD_DIR / "cdk.out.local"


@dataclass
class LocalStack:
    name: str
    outputs: dict[str, str]
    functions: dict[str, dict[str, Any]] = field(default_factory=dict)  # DESK_FUNCTION -> config
    template: dict[str, Any] = field(default_factory=dict)  # as synthesized (the front reads its routes)

    @property
    def table(self) -> str:
        return self.outputs[names.OUT_TABLE]


def _inputs_hash() -> str:
    return names.tree_hash(
        names.ROOT / "infra",
        names.FUNCTIONS_DIR,
        names.CORE_PACKAGE_DIR,
        names.ROOT / "cdk.json",
        names.LAYER_REQUIREMENTS,
    )


def synth(stack_name: str = "InquiryDesk", force: bool = False) -> Path:
    """`cdk synth` into .build/cdk.out.local, skipped when nothing it reads has changed."""
    stamp = SYNTH_DIR / ".inputs-hash"
    wanted = _inputs_hash() + stack_name
    if not force and stamp.exists() and stamp.read_text() == wanted:
        return SYNTH_DIR
    env = {
        **os.environ,
        "CDK_DEFAULT_ACCOUNT": ACCOUNT,
        "CDK_DEFAULT_REGION": REGION,
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    }
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        env.pop(var, None)
    cdk = names.ROOT / "node_modules" / ".bin" / "cdk"
    result = subprocess.run(
        [
            *(str(cdk), "synth", "--quiet", "--output", str(SYNTH_DIR), "-c", f"desk:stackName={stack_name}"),
            *("-c", "desk:hostConsole=false"),  # no S3/CloudFront locally: the front serves the console
        ],
        cwd=names.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cdk synth failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    stamp.write_text(wanted)
    return SYNTH_DIR


def _stand_in_zip(path: Path) -> bytes:
    """What the emulator stores for a code asset (a function's or the layer's directory). The local
    system runs every handler from its source in-process, never from these bytes, so zipping and
    holding the 94 MB layer at every start (seconds of CPU, hundreds of MB resident in moto's S3
    and Lambda) buys nothing: the archive names the directory it stands for."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("LOCAL-ASSET.txt", f"runs in-process from {path.name}\n")
    return buffer.getvalue()


def deploy(session: boto3.session.Session, stack_name: str = "InquiryDesk") -> LocalStack:
    out = synth(stack_name)
    template = synthesized = json.loads((out / f"{stack_name}.template.json").read_text())
    assets = json.loads((out / f"{stack_name}.assets.json").read_text())

    ssm = session.client("ssm")
    ssm.put_parameter(Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version", Value="30", Type="String", Overwrite=True)
    s3 = session.client("s3")
    bucket = f"cdk-{BOOTSTRAP_QUALIFIER}-assets-{ACCOUNT}-{REGION}"
    s3.create_bucket(Bucket=bucket)
    for asset in assets.get("files", {}).values():
        source = out / asset["source"]["path"]
        if source.suffix == ".json":
            continue  # the template itself
        body = _stand_in_zip(source) if source.is_dir() else source.read_bytes()
        for dest in asset["destinations"].values():
            s3.put_object(Bucket=bucket, Key=dest["objectKey"], Body=body)

    made = _preprovision(session, template, stack_name)
    template = _resolve({k: v for k, v in template.items() if k != "Resources"}, made) | {
        "Resources": {lid: _resolve(r, made) for lid, r in template["Resources"].items() if lid not in made}
    }
    cfn = session.client("cloudformation")
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(template),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
    )
    described = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    if not described["StackStatus"].endswith("COMPLETE"):
        raise RuntimeError(f"local stack did not deploy: {described['StackStatus']}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    _mirror_state_machines(session)
    _create_subscriptions(session, template, stack_name)
    _create_schedules(session, template, stack_name)
    _point_in_time_recovery(session, template, stack_name)
    functions = _functions(session, stack_name)
    return LocalStack(stack_name, outputs, functions, synthesized)


def _resources_of(template: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(lid, r) for lid, r in template["Resources"].items() if r["Type"] == kind]


def _preprovision(
    session: boto3.session.Session, template: dict[str, Any], stack_name: str
) -> dict[str, dict[str, str]]:
    """Create what moto's CloudFormation skips, from the template's own properties.

    Returns logical id -> {"Ref": ..., "Arn": ...} so that references to them can be resolved in
    the template before it is handed to moto (moto would otherwise resolve them to nothing).
    """
    made: dict[str, dict[str, str]] = {}
    idp: Any = session.client("cognito-idp")
    for lid, pool_res in _resources_of(template, "AWS::Cognito::UserPool"):
        props = pool_res["Properties"]
        policy = props.get("Policies", {}).get("PasswordPolicy", {})
        pool = idp.create_user_pool(
            PoolName=f"{stack_name}-agents",
            Policies={
                "PasswordPolicy": {
                    k: v
                    for k, v in policy.items()
                    if k
                    in (
                        "MinimumLength",
                        "RequireUppercase",
                        "RequireLowercase",
                        "RequireNumbers",
                        "RequireSymbols",
                    )
                }
            },
            UsernameAttributes=props.get("UsernameAttributes", []) or [],
        )["UserPool"]
        made[lid] = {"Ref": pool["Id"], "Arn": pool["Arn"]}
    for lid, client_res in _resources_of(template, "AWS::Cognito::UserPoolClient"):
        props = client_res["Properties"]
        pool_id = _resolve(props["UserPoolId"], made)
        client = idp.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="console",
            ExplicitAuthFlows=props.get("ExplicitAuthFlows", ["ALLOW_USER_PASSWORD_AUTH"]),
        )["UserPoolClient"]
        made[lid] = {"Ref": client["ClientId"]}
    for lid, group_res in _resources_of(template, "AWS::Cognito::UserPoolGroup"):
        props = group_res["Properties"]
        idp.create_group(UserPoolId=_resolve(props["UserPoolId"], made), GroupName=props["GroupName"])
        made[lid] = {"Ref": props["GroupName"]}

    secrets = session.client("secretsmanager")
    for lid, secret_res in _resources_of(template, "AWS::SecretsManager::Secret"):
        name = secret_res["Properties"]["Name"]
        try:  # made once (the emulator's state is kept): a generated value stays what it was
            arn = secrets.create_secret(Name=name, SecretString=_initial_secret(secret_res["Properties"]))["ARN"]
        except secrets.exceptions.ResourceExistsException:
            arn = secrets.describe_secret(SecretId=name)["ARN"]
        made[lid] = {"Ref": arn, "Arn": arn}

    sched = session.client("scheduler")
    for lid, group_res in _resources_of(template, "AWS::Scheduler::ScheduleGroup"):
        name = group_res["Properties"]["Name"]
        try:
            arn = sched.create_schedule_group(Name=name)["ScheduleGroupArn"]
        except sched.exceptions.ConflictException:
            arn = sched.get_schedule_group(Name=name)["Arn"]
        made[lid] = {"Ref": name, "Arn": arn}
    return made


def _resolve(value: Any, made: dict[str, dict[str, str]]) -> Any:
    """Replace Ref / Fn::GetAtt of pre-provisioned resources with their physical values."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in made:
            return made[value["Ref"]]["Ref"]
        if set(value) == {"Fn::GetAtt"} and value["Fn::GetAtt"][0] in made:
            return made[value["Fn::GetAtt"][0]][value["Fn::GetAtt"][1]]
        return {k: _resolve(v, made) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, made) for v in value]
    return value


def _create_subscriptions(session: boto3.session.Session, template: dict[str, Any], stack_name: str) -> None:
    """moto's CloudFormation skips SNS subscriptions: make them from the template once the topics
    and functions exist (Ref / Fn::GetAtt resolved through the stack's physical ids)."""
    cfn, sns, lam = session.client("cloudformation"), session.client("sns"), session.client("lambda")
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    }

    def resolve(value: Any) -> str:
        if isinstance(value, dict) and "Ref" in value:
            return str(physical[value["Ref"]])
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            logical, _attr = value["Fn::GetAtt"]
            name = physical[logical]
            if name.startswith("arn:"):
                return str(name)
            return str(lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])
        return str(value)

    for _lid, res in _resources_of(template, "AWS::SNS::Subscription"):
        props = res["Properties"]
        sns.subscribe(
            TopicArn=resolve(props["TopicArn"]), Protocol=props["Protocol"], Endpoint=resolve(props["Endpoint"])
        )


def _create_schedules(session: boto3.session.Session, template: dict[str, Any], stack_name: str) -> None:
    """moto's CloudFormation skips Scheduler schedules (the daily reports' cron schedules): make them
    from the template, with its expression, time zone and target, once the functions and roles exist."""
    cfn, sched = session.client("cloudformation"), session.client("scheduler")
    lam, iam = session.client("lambda"), session.client("iam")
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    }

    def arn(value: Any) -> str:
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            logical = value["Fn::GetAtt"][0]
            kind, name = template["Resources"][logical]["Type"], physical[logical]
            if name.startswith("arn:"):
                return str(name)
            if kind == "AWS::IAM::Role":
                return str(iam.get_role(RoleName=name)["Role"]["Arn"])
            return str(lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])
        return str(value)

    for _lid, res in _resources_of(template, "AWS::Scheduler::Schedule"):
        props = res["Properties"]
        target = props["Target"]
        spec: dict[str, Any] = {
            "Name": props["Name"],
            "GroupName": props.get("GroupName", "default"),
            "ScheduleExpression": props["ScheduleExpression"],
            "ScheduleExpressionTimezone": props.get("ScheduleExpressionTimezone", "UTC"),
            "FlexibleTimeWindow": props["FlexibleTimeWindow"],
            "Target": {"Arn": arn(target["Arn"]), "RoleArn": arn(target["RoleArn"]), "Input": target.get("Input", "")},
        }
        try:
            sched.create_schedule(**spec)
        except sched.exceptions.ConflictException:
            sched.update_schedule(**spec)


def _mirror_state_machines(session: boto3.session.Session) -> None:
    """moto keeps executable state machines in a separate backend from the ones its CloudFormation
    creates; copy each (same name, same resolved definition) so executions really run."""
    from moto.core.config import default_user_config
    from moto.stepfunctions.models import stepfunctions_backends

    if not default_user_config.get("stepfunctions", {}).get("execute_state_machine"):
        return
    sfn = session.client("stepfunctions")
    for machine in list(stepfunctions_backends[ACCOUNT][REGION].state_machines):
        with contextlib.suppress(sfn.exceptions.StateMachineAlreadyExists):
            sfn.create_state_machine(
                name=machine.name,
                definition=machine.definition,
                roleArn=machine.roleArn,
                type=getattr(machine, "type", None) or "STANDARD",
            )


def _functions(session: boto3.session.Session, stack_name: str) -> dict[str, dict[str, Any]]:
    lam = session.client("lambda")
    found: dict[str, dict[str, Any]] = {}
    for page in lam.get_paginator("list_functions").paginate():
        for fn in page["Functions"]:
            env = fn.get("Environment", {}).get("Variables", {})
            if "DESK_FUNCTION" in env:
                found[env["DESK_FUNCTION"]] = fn
    return found


def _initial_secret(props: dict[str, Any]) -> str:
    """The secret's first value as CloudFormation makes it: generated (GenerateSecretString: the
    template with one generated key; letters and digits) or the template's own value."""
    generate = props.get("GenerateSecretString")
    if not generate:
        return str(props.get("SecretString") or "{}")
    import secrets as random

    alphabet = string.ascii_letters + string.digits
    value = "".join(random.choice(alphabet) for _ in range(int(generate.get("PasswordLength", 32))))
    template = json.loads(generate.get("SecretStringTemplate") or "{}")
    key = generate.get("GenerateStringKey")
    return json.dumps({**template, key: value}) if key else value


def put_channel_secrets(session: Any, prefix: str, channels: dict[str, Any]) -> None:
    """Put each section of a channels file (chat, wechat, ...) over its own secret under `prefix`:
    the keys it names replace the secret's (a generated one it leaves out stays). The result is
    validated before anything is written: a malformed file fails at start, not per request."""
    from inquiry_desk.channels.config import ChannelsConfig

    client = session.client("secretsmanager")
    merged: dict[str, Any] = {}
    for section, value in channels.items():
        if section.startswith("$"):  # "$comment" keys
            continue
        current = json.loads(client.get_secret_value(SecretId=f"{prefix}{section}")["SecretString"] or "{}")
        merged[section] = {**current, **value}
    ChannelsConfig.model_validate(merged)
    for section, value in merged.items():
        client.put_secret_value(SecretId=f"{prefix}{section}", SecretString=json.dumps(value))


def channel_secret(session: Any, prefix: str, section: str) -> dict[str, Any]:
    """One section's secret as the functions read it (the local system's, for `desk secret`)."""
    value: dict[str, Any] = json.loads(
        session.client("secretsmanager").get_secret_value(SecretId=f"{prefix}{section}")["SecretString"] or "{}"
    )
    return value


def _point_in_time_recovery(session: Any, template: dict[str, Any], stack_name: str) -> None:
    """Tables the template gives point-in-time recovery get it (moto's CloudFormation leaves the
    setting out), so `describe_continuous_backups` and a restore behave as on AWS."""
    cfn, db = session.client("cloudformation"), session.client("dynamodb")
    physical = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
        if r.get("PhysicalResourceId")
    }
    for lid, table in _resources_of(template, "AWS::DynamoDB::Table"):
        spec = table["Properties"].get("PointInTimeRecoverySpecification") or {}
        if spec.get("PointInTimeRecoveryEnabled") and lid in physical:
            db.update_continuous_backups(
                TableName=physical[lid], PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
