"""Integration tier: the synthesized stack deployed into moto in-process (mock_aws), so the
tables, indexes and secrets are the ones the CDK defines, not copies made for the tests."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from desk_ops.local.harness import (
    deliver_streams_asynchronously,
    drain_streams,
    scale_step_function_waits,
    serialise_moto_transactions,
)
from desk_ops.local.lambdas import LambdaRunner
from desk_ops.local.stack import LocalStack, deploy, put_channel_secrets
from inquiry_desk.model import set_clock
from moto import mock_aws

from infra import names
from tests.conftest import CHANNELS_FILE


@pytest.fixture(scope="session")
def stack(aws_env: None) -> Iterator[LocalStack]:
    # Step Functions really executes (each Task calls the real handler through the Lambda hook),
    # and its Wait states run 600x faster so a 5-minute ladder step takes half a second.
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        LambdaRunner().install_moto_hook()
        serialise_moto_transactions()
        deliver_streams_asynchronously()
        scale_step_function_waits(600)
        session = boto3.session.Session(region_name="us-east-1")
        deployed = deploy(session)
        channels = {k: v for k, v in json.loads(CHANNELS_FILE.read_text()).items() if not k.startswith("$")}
        put_channel_secrets(session, deployed.outputs[names.OUT_CHANNELS_SECRETS_PREFIX], channels)
        for config in deployed.functions.values():
            for key, value in config["Environment"]["Variables"].items():
                if key != "DESK_FUNCTION":
                    os.environ[key] = value
        from inquiry_desk.runtime import settings

        settings.reset()
        yield deployed
        drain_streams()  # no stream consumer may run after the emulator is gone
        # executions still waiting would call Lambda after the emulator is gone: stop them
        sfn = session.client("stepfunctions")
        for machine in sfn.list_state_machines()["stateMachines"]:
            for run in sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")[
                "executions"
            ]:
                sfn.stop_execution(executionArn=run["executionArn"])


@pytest.fixture(scope="session")
def runner(stack: LocalStack) -> LambdaRunner:
    return LambdaRunner()


@pytest.fixture
def dynamodb(stack: LocalStack) -> Any:
    return boto3.client("dynamodb", region_name="us-east-1")


@contextlib.contextmanager
def table_writes(table: str) -> Iterator[list[str]]:
    """The write requests to `table` that succeeded in this thread while the block ran (the
    handlers run in-process, in the caller's thread). Counting the whole table's items instead also
    counts what earlier tests' background work (Step Functions executions, ladders) writes
    meanwhile. Only outermost calls count: a transaction moto cancels (rolled back) writes nothing."""
    from moto.dynamodb.models import DynamoDBBackend

    caller, seen, depth = threading.get_ident(), [], [0]
    originals = {name: getattr(DynamoDBBackend, name) for name in _WRITES}

    def wrap(name: str) -> Any:
        original = originals[name]

        def written(self: Any, *args: Any, **kwargs: Any) -> Any:
            mine = threading.get_ident() == caller
            outermost = mine and depth[0] == 0
            if mine:
                depth[0] += 1
            try:
                result = original(self, *args, **kwargs)  # raises when nothing was written
            finally:
                if mine:
                    depth[0] -= 1
            if outermost and table in repr((args, kwargs)):
                seen.append(name)
            return result

        return written

    for name in _WRITES:
        setattr(DynamoDBBackend, name, wrap(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)


_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")


def count_items(client: Any, table: str) -> int:
    total = 0
    for page in client.get_paginator("scan").paginate(TableName=table, Select="COUNT"):
        total += page["Count"]
    return total


@pytest.fixture(autouse=True)
def cold_settings() -> Iterator[None]:
    """Settings are parsed once per cold start; a test that changes a function's environment
    starts cold, as a redeployed function would."""
    from inquiry_desk.runtime import settings

    settings.reset()
    yield
    settings.reset()


ALL_TEAMS = tuple(names.policy_teams())


def agent_claims(user: str, role: str = "agents", teams: tuple[str, ...] = ALL_TEAMS) -> dict[str, str]:
    """The claims API Gateway's Cognito authorizer passes for `user`, made a real (enabled) member
    of `role` and `teams` in the stack's user pool first: the console API checks both (R8.2)."""
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool = next(p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"])
    with contextlib.suppress(idp.exceptions.UsernameExistsException):
        idp.admin_create_user(UserPoolId=pool, Username=user, MessageAction="SUPPRESS")
    groups = [role, *(f"team:{t}" for t in teams)] if role else [f"team:{t}" for t in teams]
    for group in groups:
        idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=group)
    return {"cognito:username": user, "cognito:groups": " ".join(groups)}


@pytest.fixture
def ladders_stopped_after(stack: LocalStack) -> Iterator[None]:
    """Escalation ladders (Step Functions executions) a test started are stopped after it: a ladder
    left running would keep writing while other tests count items."""
    yield
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    for machine in sfn.list_state_machines()["stateMachines"]:
        running = sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")
        for run in running["executions"]:
            sfn.stop_execution(executionArn=run["executionArn"])


@pytest.fixture
def pinned_clock() -> Iterator[list[datetime]]:
    """The desk's clock, held where the test puts it (`clock[0] = ...`)."""
    now = [datetime.now(UTC)]
    set_clock(lambda: now[0])
    yield now
    set_clock(None)
