"""Step Functions: escalation ladders, one execution per breached deadline (port `Ladders`)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


class StepFunctionsLadders:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, name: str, state: dict[str, Any]) -> None:
        """Start the ladder once per breach: the execution name is the breach's identity."""
        try:
            self._client.start_execution(stateMachineArn=self._arn, name=name, input=json.dumps(state))
        except ClientError as err:
            if err.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
