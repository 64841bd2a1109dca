"""Runs the real Lambda handlers in-process when moto invokes a function.

moto runs Lambda code only in Docker, which this machine does not have. One hook replaces
`LambdaFunction._invoke_lambda` with a call of the handler named by the function's own
configuration; that covers direct invoke, Step Functions tasks, SNS subscriptions and stream/SQS
event source mappings alike.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
import traceback
import uuid
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from infra.names import FUNCTIONS_DIR


@dataclass
class LocalContext:
    """The Lambda context object the handlers receive (what powertools reads from it)."""

    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = ""
    aws_request_id: str = ""
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


_current = threading.local()
_ONE_AT_A_TIME = threading.RLock()


def current_function() -> str | None:
    """The desk function running on this thread (benchmarks attribute AWS calls with it)."""
    return getattr(_current, "name", None)


class LambdaRunner:
    def __init__(self) -> None:
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()
        self.invocations: dict[str, int] = {}
        self.errors: list[tuple[str, str]] = []

    def module(self, name: str) -> ModuleType:
        with self._lock:
            if name not in self._modules:
                path = FUNCTIONS_DIR / name / "app.py"
                spec = importlib.util.spec_from_file_location(f"desk_function_{name}", path)
                if spec is None or spec.loader is None:
                    raise RuntimeError(f"no handler at {path}")
                module = importlib.util.module_from_spec(spec)
                sys.modules[spec.name] = module  # so pydantic can resolve the handler's annotations
                spec.loader.exec_module(module)
                self._modules[name] = module
            return self._modules[name]

    def invoke(self, name: str, event: Any, function_arn: str = "") -> Any:
        """Call functions/<name>/app.py's lambda_handler with `event`; exceptions propagate."""
        handler = self.module(name).lambda_handler
        context = LocalContext(function_name=name, invoked_function_arn=function_arn, aws_request_id=str(uuid.uuid4()))
        # One invocation at a time, as one Lambda execution environment runs one event at a time:
        # the handlers' module state (the Event Handler's current event, the metrics buffer) is
        # per environment, and here every function shares one process.
        with _ONE_AT_A_TIME:
            self.invocations[name] = self.invocations.get(name, 0) + 1
            outer = current_function()
            _current.name = name
            try:
                return handler(event, context)
            finally:
                _current.name = outer

    def warm_up(self) -> None:
        """Load every handler, the policy and the language model once, as warm Lambda environments
        have them: in one local process a cold start (seconds) would delay the first deadline."""
        for folder in sorted(FUNCTIONS_DIR.iterdir()):
            if (folder / "app.py").exists():
                self.module(folder.name)
        from inquiry_desk.channels.language import detect_language
        from inquiry_desk.runtime import composition

        detect_language("你好 hello")
        composition.intake_service()
        composition.planner()

    def install_moto_hook(self) -> None:
        from moto.awslambda.models import LambdaFunction

        runner = self

        def _invoke_lambda(fn: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
            name = (fn.environment_vars or {}).get("DESK_FUNCTION")
            if not name:
                return json.dumps({"errorMessage": f"{fn.function_name} is not a desk function"}), True, ""
            payload = json.loads(event) if isinstance(event, (str, bytes)) else (event or {})
            _stamp_sns(payload)
            try:
                result = runner.invoke(name, payload, fn.function_arn)
                return json.dumps(result, default=str), False, ""
            except Exception as err:  # reported back to the caller as a function error, as Lambda does
                trace = traceback.format_exc()
                runner.errors.append((name, trace))
                body = {"errorMessage": str(err), "errorType": type(err).__name__, "stackTrace": trace}
                return json.dumps(body), True, trace

        LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign,assignment]


_MOTO_SNS_TIMESTAMP = "1970-01-01T00:00:00.000Z"


def _stamp_sns(payload: Any) -> None:
    """moto sends SNS notifications to Lambda with a fixed 1970 Timestamp; SNS stamps the publish
    time, which intake_sms takes as the arrival time. Stamp it with the (local) clock."""
    if not isinstance(payload, dict):
        return
    from inquiry_desk.model import utc_now

    for record in payload.get("Records") or []:
        sns = record.get("Sns") if isinstance(record, dict) else None
        if isinstance(sns, dict) and sns.get("Timestamp") == _MOTO_SNS_TIMESTAMP:
            sns["Timestamp"] = utc_now().isoformat(timespec="milliseconds").replace("+00:00", "Z")
