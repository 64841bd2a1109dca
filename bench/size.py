"""The local system at a shop's size: new-inquiry rate and p99 with 4 clients on an empty system and
with 10,000 stored, resident memory at 10,000, and the restart time with 10,000 stored.

Seeding: one real inquiry goes through the HTTP front (intake, triage, customer, dedupe, the
idempotency record); its committed item images, captured from the emulator's change feed, are
then copied 10,000 times with fresh ids straight into the emulator (and the journal), so the table
holds what 10,000 intakes write without spending minutes on them. The stored inquiries are handled
ones (closed, off the teams' queues, no pending timers); the clients' own new inquiries are open
and plan their deadlines as usual.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.run import ROOT, Metrics, _metric

_ID = re.compile(r"\b[A-Z]01[0-9A-HJKMNP-TV-Z]{24}\b")


def _rss_mb(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def _burst(url: str, clients: int, per_client: int, tag: str) -> tuple[float, float, int]:
    """(new inquiries per second, p99 latency in s, requests without a 2xx answer)."""
    import requests

    from tests.conftest import signed_chat

    latencies: list[float] = []
    failed = [0]
    lock = threading.Lock()

    def client(n: int) -> None:
        session = requests.Session()
        for i in range(per_client):
            body, headers = signed_chat(
                {"message_id": f"{tag}-{n}-{i}-{uuid.uuid4()}", "customer_id": f"{tag}-{n}-{i}", "text": "退货 return"}
            )
            started = time.perf_counter()
            try:
                ok = session.post(f"{url}/webhooks/chat", data=body, headers=headers, timeout=60).status_code < 300
            except requests.RequestException:
                ok = False
            with lock:
                latencies.append(time.perf_counter() - started)
                failed[0] += 0 if ok else 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return len(latencies) / elapsed, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], failed[0]


def _seed(system: Any, count: int) -> None:
    """`count` copies of one real intake's item images, with fresh ids, into the emulator."""
    from datetime import UTC, datetime

    import requests
    from desk_ops.local import emulator_patches as patches
    from inquiry_desk.ids import new_id

    from tests.conftest import signed_chat

    captured: list[dict[str, Any]] = []

    def capture(changes: list[Any], *_records: Any) -> None:
        for table, key in changes:
            item = patches._get(table, key)
            if item is not None:
                captured.append({"t": table.name, "p": item.to_json()["Attributes"]})

    patches.on_table_change(capture)
    try:
        body, headers = signed_chat({"message_id": "seed-template", "customer_id": "seed-0", "text": "退货 return"})
        requests.post(f"{system.http_url}/webhooks/chat", data=body, headers=headers, timeout=60).raise_for_status()
    finally:
        patches.remove_change_listener(capture)
    for change in captured:  # stored inquiries are handled ones: closed, off the teams' queues
        change["p"].pop("GSI1PK", None)
        change["p"].pop("GSI1SK", None)
        if "status" in change["p"]:
            change["p"]["status"] = {"S": "closed"}
    template = json.dumps(captured)
    ids = sorted(set(_ID.findall(template)))
    tables = system.state._tables()
    for n in range(count):
        text = template.replace("seed-template", f"seed-{n}").replace("seed-0", f"seed-c{n}")
        for old in ids:
            text = text.replace(old, new_id(datetime.now(UTC), old[0]))
        changes = json.loads(text)
        with patches.table_writes():
            for change in changes:
                patches.put_restored(tables[change["t"]], change["p"])
        system.state.journal.append({"k": "items", "c": changes})
    system.state.sync()
    for table in tables.values():
        patches.build_indexes(table)  # as a restart does after restoring
    import gc

    gc.freeze()  # as the system does once it has restored its data


def _restart_seconds(data_dir: Path, kill: bool) -> tuple[float, float]:
    """`desk serve` on the data directory until /health answers ok: (wall seconds, CPU seconds)."""
    import requests

    from tests.e2e.conftest import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(DESK_HTTP_PORT=str(port), DESK_SMTP_PORT=str(free_port()), DESK_DATA_DIR=str(data_dir))
    log = (data_dir / "bench-serve.log").open("w")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "desk_ops.cli", "serve", "--verbose"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        while time.perf_counter() - started < 600:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None:
                raise RuntimeError(f"desk serve exited; see {data_dir / 'bench-serve.log'}")
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        stat = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        process.send_signal(signal.SIGKILL if kill else signal.SIGINT)
        process.wait(timeout=300)
    return elapsed, cpu


def bench_at_size(stored: int = 10_000, clients: int = 4, per_client: int = 30) -> Metrics:
    from desk_ops.local.emulator_patches import drain_streams
    from desk_ops.local.system import LocalOptions, LocalSystem

    from tests.conftest import CHANNELS_FILE

    data_dir = ROOT / ".build" / "bench-size"
    shutil.rmtree(data_dir, ignore_errors=True)
    options = LocalOptions.from_env({"DESK_CHANNELS_FILE": str(CHANNELS_FILE)})  # the tests' fixed credentials
    options.http_port, options.smtp_port, options.data_dir = 0, 0, data_dir
    system = LocalSystem(options)
    system.start()
    try:
        url = system.http_url
        _burst(url, 1, 3, "warm")
        drain_streams(120)
        cpu = _cpu_seconds()
        rate0, p99_0, dropped0 = _burst(url, clients, per_client, "empty")
        drain_streams(300)
        cpu0 = (_cpu_seconds() - cpu) / (clients * per_client)
        print(f"empty: {rate0:.1f}/s p99 {p99_0:.2f} s; seeding {stored} ...", file=sys.stderr, flush=True)
        _seed(system, stored)
        print(f"seeded; RSS {_rss_mb():.0f} MB", file=sys.stderr, flush=True)
        cpu = _cpu_seconds()
        rate_n, p99_n, dropped_n = _burst(url, clients, per_client, "full")
        drain_streams(300)
        cpu_n = (_cpu_seconds() - cpu) / (clients * per_client)
        rss = _rss_mb()
        print(f"at {stored}: {rate_n:.1f}/s p99 {p99_n:.2f} s, RSS {rss:.0f} MB", file=sys.stderr, flush=True)
        system.state.sync()
        killed = data_dir.with_name("bench-size-killed")  # the data directory as a kill -9 leaves it
        shutil.rmtree(killed, ignore_errors=True)
        shutil.copytree(data_dir, killed)
    finally:
        system.stop()
    if os.environ.get("BENCH_NO_RESTART"):
        restart_clean = restart_journal = (0.0, 0.0)
    else:
        restart_clean = _restart_seconds(data_dir, kill=False)  # from the snapshot of the clean stop
        restart_journal = _restart_seconds(killed, kill=False)  # the journal replayed, then compacted
    return {
        "local_rate_empty_inquiries_per_s": _metric(rate0, "inquiries/s", f">= 20 ({clients} clients)"),
        "local_p99_empty_s": _metric(p99_0, "s", ""),
        f"local_rate_{stored}_stored_inquiries_per_s": _metric(rate_n, "inquiries/s", ">= empty / 1.5"),
        f"local_p99_{stored}_stored_s": _metric(p99_n, "s", ""),
        f"local_rate_ratio_empty_vs_{stored}": _metric(rate0 / rate_n, "ratio", "<= 1.5"),
        "local_requests_dropped": _metric(dropped0 + dropped_n, "requests", "0"),
        "local_cpu_ms_per_inquiry_empty": _metric(cpu0 * 1000, "ms", "intake + deadline planning"),
        f"local_cpu_ms_per_inquiry_{stored}_stored": _metric(cpu_n * 1000, "ms", "<= 1.5x empty"),
        f"local_rss_{stored}_stored_mb": _metric(rss, "MB", "< 1024"),
        f"local_restart_{stored}_stored_s": _metric(restart_clean[0], "s", "< 30 (after a clean stop)"),
        f"local_restart_{stored}_stored_cpu_s": _metric(restart_clean[1], "CPU s", "what a free core would take"),
        f"local_restart_{stored}_stored_after_kill_s": _metric(restart_journal[0], "s", "< 30 (after kill -9)"),
        f"local_restart_{stored}_stored_after_kill_cpu_s": _metric(restart_journal[1], "CPU s", ""),
    }


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = bench_at_size(int(args[0]) if args else 10_000)
    if "--json" in sys.argv:
        print("BENCH-JSON " + json.dumps(out))
    else:
        for k, m in out.items():
            print(f"{k:<48} {m['value']:>10} {m['unit']:<12} {m['target']}")
