"""`make bench`: figures measured side by side in one run, printed as a table and written to
bench/latest.json as {"<metric>": {"value": number, "unit": "...", "target": "..."}}.

Ratios and counts only where a figure would otherwise depend on the machine.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "latest.json"
Metrics = dict[str, dict[str, Any]]


def _metric(value: float, unit: str, target: str) -> dict[str, Any]:
    return {"value": round(value, 4), "unit": unit, "target": target}


def _import_seconds(code: str) -> float:
    env = {
        **os.environ,
        "TABLE_NAME": "t",
        "IDEMPOTENCY_TABLE_NAME": "i",
        "CHANNELS_SECRET_NAME": "s",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    probe = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def bench_cold_import(rounds: int = 7) -> Metrics:
    """The intake handler's import in a fresh process, as a ratio to `import boto3` alone."""
    handler = ROOT / "functions" / "intake"
    load = f"import sys; sys.path.insert(0, {str(handler)!r}); import app"
    boto, intake = [], []
    for _ in range(rounds):  # alternate, so both see the same machine load
        boto.append(_import_seconds("import boto3"))
        intake.append(_import_seconds(load))
    ratio = statistics.median(intake) / statistics.median(boto)
    return {"intake_cold_import_vs_boto3": _metric(ratio, "ratio", "<= 1.3")}


def _signed(secret: bytes, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return body, {"X-Desk-Signature": sig, "Content-Type": "application/json"}


class _RequestCounter:
    """Counts AWS requests by service with botocore's own events (before-send), every client."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()  # "<function>/<service>"
        self.enabled = False
        self._lock = threading.Lock()

    def install(self) -> None:
        import botocore.session

        original = botocore.session.Session.create_client
        counter = self

        def create_client(session: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
            client = original(session, service_name, *args, **kwargs)

            def _count(**_: Any) -> None:
                from desk_ops.local.lambdas import current_function

                if counter.enabled:
                    with counter._lock:
                        counter.counts[f"{current_function() or 'harness'}/{service_name}"] += 1

            client.meta.events.register("before-send", _count)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]


def bench_local_system(n_requests: int = 100) -> Metrics:
    import requests
    from desk_ops.local.harness import drain_streams
    from desk_ops.local.system import LocalOptions, LocalSystem

    from tests.conftest import chat_secret

    counter = _RequestCounter()
    counter.install()
    data_dir = ROOT / ".build" / "bench-data"
    if data_dir.exists():
        import shutil

        shutil.rmtree(data_dir)
    options = LocalOptions.from_env({})
    options.http_port, options.smtp_port, options.data_dir = 0, 0, data_dir
    system = LocalSystem(options)
    system.start()
    try:
        url, secret = system.http_url, chat_secret()
        # warm: the first request pays for imports and the secret fetch
        warm_body, warm_headers = _signed(secret, {"message_id": "warm", "customer_id": "warm", "text": "hi"})
        requests.post(f"{url}/webhooks/chat", data=warm_body, headers=warm_headers, timeout=30)

        lateness = _timer_lateness(system)  # first: it measures the pump, not moto's table growth
        new_counts, dup_counts = [], []
        for _ in range(20):
            body, headers = _signed(
                secret,
                {
                    "message_id": str(uuid.uuid4()),
                    "customer_id": str(uuid.uuid4()),
                    "text": "where is my order",
                },
            )
            counter.counts.clear()
            counter.enabled = True
            requests.post(f"{url}/webhooks/chat", data=body, headers=headers, timeout=30).raise_for_status()
            drain_streams()  # deadline planning runs on the stream, after the webhook answered
            counter.enabled = False
            new_counts.append(dict(counter.counts))
            counter.counts.clear()
            counter.enabled = True
            requests.post(f"{url}/webhooks/chat", data=body, headers=headers, timeout=30).raise_for_status()
            counter.enabled = False
            dup_counts.append(dict(counter.counts))

        per_channel = _requests_per_channel(url, counter)
        per_reply = _requests_per_reply(system, counter)

        session = requests.Session()
        bodies = [
            _signed(
                secret,
                {"message_id": str(uuid.uuid4()), "customer_id": str(uuid.uuid4()), "text": "退货 return"},
            )
            for _ in range(n_requests)
        ]
        started = time.perf_counter()
        for body, headers in bodies:
            session.post(f"{url}/webhooks/chat", data=body, headers=headers, timeout=30).raise_for_status()
        rate = n_requests / (time.perf_counter() - started)
    finally:
        system.stop()

    def per_service(samples: list[dict[str, int]]) -> dict[str, float]:
        services = sorted({s for sample in samples for s in sample})
        return {s: statistics.mean(sample.get(s, 0) for sample in samples) for s in services}

    metrics: Metrics = {}
    new = per_service(new_counts)
    intake = {k.split("/", 1)[1]: v for k, v in new.items() if k.startswith("intake/")}
    for service, value in intake.items():
        metrics[f"aws_requests_per_new_inquiry_{service}"] = _metric(value, "requests", "")
    metrics["aws_requests_per_new_inquiry_total"] = _metric(sum(intake.values()), "requests", "<= 4")
    planning = {k.split("/", 1)[1]: v for k, v in new.items() if k.startswith("sla_timer/")}
    metrics["aws_requests_per_new_inquiry_deadline_planning"] = _metric(
        sum(planning.values()),
        "requests",
        "informational: sla_timer on the stream, " + ", ".join(f"{k} {v:g}" for k, v in sorted(planning.items())),
    )
    dup = per_service(dup_counts)
    metrics["aws_requests_per_redelivery_total"] = _metric(
        sum(v for k, v in dup.items() if k.startswith("intake/")), "requests", "<= 1, no writes"
    )
    metrics["aws_requests_per_reply_sent"] = _metric(
        sum(per_reply.values()),
        "requests",
        "dispatcher: " + ", ".join(f"{k} {v:g}" for k, v in sorted(per_reply.items())) + " (plus the provider call)",
    )
    for channel, total in per_channel.items():
        metrics[f"aws_requests_per_inbound_{channel}"] = _metric(total, "requests", "intake only")
    if lateness:
        ordered = sorted(lateness)
        metrics["deadline_fire_lateness_p50_s"] = _metric(statistics.median(ordered), "s (clock)", "")
        metrics["deadline_fire_lateness_p99_s"] = _metric(
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], "s (clock)", "<= 1"
        )
    metrics["local_front_inquiries_per_second"] = _metric(
        rate,
        "inquiries/s",
        "informational: one client; 4 clients at 0 and 10,000 stored in local_rate_*",
    )
    return metrics


def _requests_per_channel(url: str, counter: _RequestCounter, n: int = 5) -> dict[str, float]:
    """AWS requests the intake makes per new inbound message, channel by channel."""
    import requests

    from tests.integration.test_fault_duplicates import _chat, _marketplace, _twilio, _whatsapp

    out: dict[str, float] = {}
    for name, make in (("chat", _chat), ("marketplace", _marketplace), ("whatsapp", _whatsapp), ("sms", _twilio)):
        totals = []
        for i in range(n):
            path, body, headers, _key = make(900_000 + i)
            counter.counts.clear()
            counter.enabled = True
            requests.post(f"{url}{path}", data=body, headers=headers, timeout=30).raise_for_status()
            counter.enabled = False
            totals.append(sum(v for k, v in counter.counts.items() if k.startswith("intake/")))
        out[name] = statistics.mean(totals)
    return out


def _requests_per_reply(system: Any, counter: _RequestCounter, n: int = 5) -> dict[str, float]:
    """AWS requests the dispatcher makes to send one agent reply (the chat callback is the provider)."""
    import requests
    from desk_ops.local.harness import drain_streams

    from tests.conftest import signed_chat

    url, auth = system.http_url, {"Authorization": f"Bearer {system.token('agent')}"}
    samples: list[dict[str, int]] = []
    for i in range(n):
        body, headers = signed_chat(
            {"message_id": f"reply-bench-{uuid.uuid4()}", "customer_id": f"rb{i}", "text": "size?"}
        )
        inquiry_id = requests.post(f"{url}/webhooks/chat", data=body, headers=headers, timeout=30).json()["inquiry_id"]
        drain_streams()
        counter.counts.clear()
        counter.enabled = True
        requests.post(
            f"{url}/api/inquiries/{inquiry_id}/actions",
            headers=auth,
            timeout=30,
            json={"action": "reply", "text": "one size up"},
        ).raise_for_status()
        drain_streams()
        counter.enabled = False
        samples.append({k.split("/", 1)[1]: v for k, v in counter.counts.items() if k.startswith("dispatcher/")})
    services = sorted({s for sample in samples for s in sample})
    return {s: statistics.mean(sample.get(s, 0) for sample in samples) for s in services}


def bench_parse_cost(rounds: int = 2000) -> Metrics:
    """Pure decoding cost per channel (verify + parse), side by side, as a ratio to chat."""
    import json as _json
    from pathlib import Path as _Path

    import inquiry_desk.channels.chat as chat
    import inquiry_desk.channels.email as email
    import inquiry_desk.channels.meta as meta
    import inquiry_desk.channels.twilio as twilio
    import inquiry_desk.channels.wechat as wechat

    fixtures = _Path(ROOT / "tests" / "fixtures" / "channels")
    chat_body = (fixtures / "chat_message.json").read_bytes()
    wechat_xml = (fixtures / "wechat_text.xml").read_bytes()
    meta_body = (fixtures / "meta_whatsapp_text.json").read_bytes()
    sms_body = (fixtures / "twilio_sms.txt").read_bytes().strip()
    sns = _json.loads((fixtures / "aws_sms_sns.json").read_text())
    mail = (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: =?gb2312?B?zcu/7g==?=\r\nMessage-ID: <m1@x>\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\n\r\n"
    ) + "我想退货,订单号 SO-1".encode("gb2312")
    cases = {
        "chat": lambda: chat.parse_chat(chat_body),
        "wechat": lambda: wechat.parse_wechat(wechat_xml),
        "whatsapp": lambda: meta.parse_meta(meta_body),
        "twilio_sms": lambda: twilio.parse_twilio_sms(sms_body),
        "aws_sms": lambda: twilio.parse_aws_sms(sns),
        "email_gb2312": lambda: email.parse_email(mail),
    }
    cost: dict[str, float] = {}
    for name, fn in cases.items():
        fn()
        started = time.perf_counter()
        for _ in range(rounds):
            fn()
        cost[name] = (time.perf_counter() - started) / rounds * 1e6
    metrics: Metrics = {}
    for name, us in cost.items():
        metrics[f"parse_us_{name}"] = _metric(us, "us/message", f"x{us / cost['chat']:.1f} of chat")
    return metrics


def _timer_lateness(system: Any, n: int = 40) -> list[float]:
    """Timers made with the product's own adapter, all due at the next whole minute; the pump's
    record of how late each fired (clock time; the clock runs at real speed here)."""
    from datetime import timedelta

    from inquiry_desk.adapters.scheduler import SchedulerTimers
    from inquiry_desk.deadlines.decisions import Timer, ceil_minute

    from infra import names

    fn = system.stack.functions["sla_timer"]
    timers = SchedulerTimers(
        system.session.client("scheduler"),
        system.stack.outputs[names.OUT_SCHEDULE_GROUP],
        fn["FunctionArn"],
        "arn:aws:iam::123456789012:role/bench",
    )
    at = ceil_minute(system.clock.now() + timedelta(seconds=2))
    before = len(system.pump.lateness)
    for i in range(n):
        payload = {"timer": {"inquiry_id": f"QBENCH{i}", "kind": "acknowledge", "episode": 1, "phase": "due"}}
        timers.sync(f"QBENCH{i}", [Timer(f"QBENCH{i}-acknowledge-e1-due", at, payload)])
    deadline = time.monotonic() + 90
    while len(system.pump.lateness) - before < n and time.monotonic() < deadline:
        time.sleep(0.2)
    return list(system.pump.lateness[before:])


def bench_sla() -> Metrics:
    import inquiry_desk.deadlines.bench as sla

    metrics: Metrics = {}
    metrics.update(sla.bench_deadlines_per_second())
    metrics.update(sla.bench_distance_cost_ratio())
    comparison = sla.bench_vs_businesstimedelta()
    disagreements = comparison.pop("disagreements", [])
    metrics.update(comparison)
    if disagreements:
        print(f"\nbusinesstimedelta disagreements ({len(disagreements)}):")
        for d in disagreements[:40]:
            print(f"  - {d}")
    return metrics


def bench_size() -> Metrics:
    """bench/size.py in its own process (a second local system cannot share this one's emulator)."""
    got = subprocess.run(
        [sys.executable, "-m", "bench.size", "--json"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    line = next((x for x in got.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if line is None:
        raise RuntimeError(f"bench.size failed:\n{got.stdout[-3000:]}\n{got.stderr[-3000:]}")
    return dict(json.loads(line.removeprefix("BENCH-JSON ")))


def main() -> None:
    results: Metrics = {}
    for name, bench in (
        ("cold import", bench_cold_import),
        ("SLA engine", bench_sla),
        ("parsing", bench_parse_cost),
        ("local system", bench_local_system),
        ("local system at 10,000 stored", bench_size),
    ):
        print(f"running {name} ...", flush=True)
        results.update(bench())
    OUT.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    width = max(len(k) for k in results)
    print(f"\n{'metric':<{width}}  {'value':>12}  {'unit':<14} target")
    for key, m in sorted(results.items()):
        print(f"{key:<{width}}  {m['value']:>12}  {m['unit']:<14} {m['target']}")
    print(f"\nwritten to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
