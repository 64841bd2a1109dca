"""End-to-end tier: the local system started as a user starts it (`desk serve`), over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import CHANNELS_FILE

ROOT = Path(__file__).resolve().parents[2]
DESK = [sys.executable, "-m", "desk_ops.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningDesk:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    log: Path

    def desk(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*DESK, *args], env=self.env, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
        )

    def token(self, user: str = "agent") -> str:
        got = self.desk("token", "--user", user)
        assert got.returncode == 0, got.stderr
        return got.stdout.strip()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # what Ctrl-C does
        self.process.wait(timeout=60)


def start_desk(data_dir: Path, extra_env: dict[str, str] | None = None) -> RunningDesk:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        DESK_HTTP_PORT=str(port),
        DESK_SMTP_PORT=str(free_port()),
        DESK_DATA_DIR=str(data_dir),
        DESK_CHANNELS_FILE=str(CHANNELS_FILE),  # the fixed credentials the tests sign with
        PYTHONUNBUFFERED="1",
        **(extra_env or {}),
    )
    log = data_dir / f"serve-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [*DESK, "serve", "--verbose"], env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"desk serve exited: {log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                return RunningDesk(url, env, process, log)
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    process.kill()
    raise AssertionError(f"desk serve did not become healthy: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def desk_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("desk-data")


@pytest.fixture(scope="module")
def running(desk_data: Path) -> Iterator[RunningDesk]:
    desk = start_desk(desk_data)
    yield desk
    if desk.process.poll() is None:
        desk.stop()
