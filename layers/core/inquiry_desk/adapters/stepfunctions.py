"""Step Functions: escalation ladders, one execution per breached deadline (port `Ladders`)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from inquiry_desk.deadlines.contracts import LadderState


class StepFunctionsLadders:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, name: str, state: LadderState) -> None:
        """Start the ladder once per breach: the execution name is the breach's identity, so a
        duplicate start is refused by Step Functions (ExecutionAlreadyExists) and ignored."""
        try:
            self._client.start_execution(stateMachineArn=self._arn, name=name, input=state.model_dump_json())
        except ClientError as err:
            if err.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise


class StepFunctionsExecutions:
    """Any state machine started once per name (e.g. the corrections fan-out, one per correction)."""

    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, name: str, state: dict[str, object]) -> None:
        try:
            self._client.start_execution(stateMachineArn=self._arn, name=name, input=json.dumps(state, default=str))
        except ClientError as err:
            if err.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
