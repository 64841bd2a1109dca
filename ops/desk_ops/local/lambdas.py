"""Runs the real Lambda handlers in-process when moto invokes a function.

moto runs Lambda code only in Docker, which this machine does not have. One hook replaces
`LambdaFunction._invoke_lambda` with a call of the handler named by the function's own
configuration; that covers direct invoke, Step Functions tasks, SNS subscriptions and stream/SQS
event source mappings alike.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
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


def current_function() -> str | None:
    """The desk function running on this thread (benchmarks attribute AWS calls with it)."""
    return getattr(_current, "name", None)


class LambdaRunner:
    def __init__(self) -> None:
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()
        self._environments: dict[str, threading.RLock] = {}
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
        # One execution environment per function, running one event at a time as Lambda's does:
        # a handler's module state (the Event Handler's current event, the metrics buffer) is per
        # environment. Different functions run side by side, as they do on AWS.
        with self._lock:
            environment = self._environments.setdefault(name, threading.RLock())
        with environment:
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
        from .emulator_patches import run_lambdas_in_process

        run_lambdas_in_process(self.invoke, self.errors)
