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
from collections.abc import Callable
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
        "CHANNELS_SECRETS_PREFIX": "s/",
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


def bench_triage() -> Metrics:
    """Held-out triage accuracy (R1.4, R1.5), classification cost, and the cold first classification."""
    from inquiry_desk.triage.evaluation import evaluate, read_examples, shipped_triage

    heldout = ROOT / "tests" / "data" / "triage" / "heldout.jsonl"
    if not heldout.exists():
        print(f"  no {heldout.relative_to(ROOT)}: triage accuracy not measured")
        return {}
    triage = shipped_triage()
    examples = read_examples(heldout)
    scores = evaluate(triage, examples)
    metrics: Metrics = {
        "triage_heldout_accuracy": _metric(scores.accuracy, "share", ">= 0.90"),
        "triage_heldout_urgency_accuracy": _metric(scores.urgency_accuracy, "share", ">= 0.90"),
        "triage_heldout_unclassified_share": _metric(
            scores.unclassified / max(1, scores.examples), "share", "low (goes to the triage queue)"
        ),
        "triage_heldout_accuracy_of_classified": _metric(scores.classified_accuracy, "share", "info"),
        "triage_heldout_examples": _metric(scores.examples, "count", "info"),
    }
    for category, acc in scores.category_accuracy().items():
        metrics[f"triage_heldout_accuracy_category_{category}"] = _metric(acc, "share", ">= 0.80")
    for lang, acc in scores.language_accuracy().items():
        metrics[f"triage_heldout_accuracy_lang_{lang}"] = _metric(acc, "share", "info")
    texts = [ex["text"] for ex in examples]
    start = time.perf_counter()
    rounds = 3
    for _ in range(rounds):
        for text in texts:
            triage.classify(text)
    per_message = (time.perf_counter() - start) / (rounds * len(texts))
    metrics["triage_classify_ms_per_message"] = _metric(per_message * 1000, "ms", "info")
    # a fresh process: what triage adds to a cold start (model, converter, keyword patterns and
    # the first classification) over importing the handler and loading the policy it needs anyway
    handler = ROOT / "functions" / "intake"
    base = (
        f"import sys; sys.path.insert(0, {str(handler)!r}); import app; "
        "from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path; "
        "from inquiry_desk.runtime.composition import triage_for; "
        "p = load_policy(shipped_policy_path())"
    )
    first = base + (
        "; from inquiry_desk.triage.linear import load_model; "
        "triage_for(p, load_model()).classify('充電寶充電時發燙冒煙了 where is my order')"
    )
    boto, without, with_triage = [], [], []
    for _ in range(5):
        boto.append(_import_seconds("import boto3"))
        without.append(_import_seconds(base))
        with_triage.append(_import_seconds(first))
    added = max(0.0, statistics.median(with_triage) - statistics.median(without))
    metrics["triage_cold_setup_vs_boto3_import"] = _metric(
        added / statistics.median(boto), "ratio", "info (added to the first message's cold start)"
    )
    print(json.dumps(scores.summary(), ensure_ascii=False, indent=1)[:3000])
    return metrics


def bench_triage_fresh() -> Metrics:
    """Triage accuracy on the fresh set (R1.4, R1.5): inquiries written apart from train and held-out,
    never used for training or tuning, so the figures show how the classifier generalises."""
    from inquiry_desk.triage.evaluation import evaluate, read_examples, shipped_triage

    fresh = ROOT / "tests" / "data" / "triage" / "fresh.jsonl"
    if not fresh.exists():
        print(f"  no {fresh.relative_to(ROOT)}: fresh triage accuracy not measured")
        return {}
    scores = evaluate(shipped_triage(), read_examples(fresh))
    metrics: Metrics = {
        "triage_fresh_accuracy": _metric(scores.accuracy, "share", ">= 0.90"),
        "triage_fresh_urgency_accuracy": _metric(scores.urgency_accuracy, "share", ">= 0.90"),
        "triage_fresh_unclassified_share": _metric(
            scores.unclassified / max(1, scores.examples), "share", "low (goes to the triage queue)"
        ),
        "triage_fresh_examples": _metric(scores.examples, "count", "info"),
    }
    for category, acc in scores.category_accuracy().items():
        metrics[f"triage_fresh_accuracy_category_{category}"] = _metric(acc, "share", ">= 0.80")
    for lang, acc in scores.language_accuracy().items():
        metrics[f"triage_fresh_accuracy_lang_{lang}"] = _metric(acc, "share", "info")
    print("  fresh (never used for training):")
    print(json.dumps(scores.summary(), ensure_ascii=False, indent=1)[:3000])
    return metrics


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

    from tests.conftest import CHANNELS_FILE, chat_secret

    counter = _RequestCounter()
    counter.install()
    data_dir = ROOT / ".build" / "bench-data"
    if data_dir.exists():
        import shutil

        shutil.rmtree(data_dir)
    options = LocalOptions.from_env({"DESK_CHANNELS_FILE": str(CHANNELS_FILE)})  # the tests' fixed credentials
    options.http_port, options.smtp_port, options.data_dir = 0, 0, data_dir
    system = LocalSystem(options)
    system.start()
    try:
        url, secret = system.http_url, chat_secret()
        # warm: the first request pays for imports and the secret fetch
        warm_body, warm_headers = _signed(secret, {"message_id": "warm", "customer_id": "warm", "text": "hi"})
        requests.post(f"{url}/webhooks/chat", data=warm_body, headers=warm_headers, timeout=30)

        deadlines = _deadline_metrics(system)  # first: it measures the timers, not moto's table growth
        _partial.update(deadlines)  # kept even if a later part of this bench fails
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
            drain_streams(300)  # deadline planning runs on the stream, after the webhook answered
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
            session.post(f"{url}/webhooks/chat", data=body, headers=headers, timeout=120).raise_for_status()
        rate = n_requests / (time.perf_counter() - started)
        console = _console_load(url)
    finally:
        system.stop()

    def per_service(samples: list[dict[str, int]]) -> dict[str, float]:
        services = sorted({s for sample in samples for s in sample})
        return {s: statistics.mean(sample.get(s, 0) for sample in samples) for s in services}

    metrics: Metrics = dict(console)
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
    metrics.update(deadlines)
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
        drain_streams(300)
        counter.counts.clear()
        counter.enabled = True
        requests.post(
            f"{url}/api/inquiries/{inquiry_id}/actions",
            headers=auth,
            timeout=30,
            json={"action": "reply", "text": "one size up"},
        ).raise_for_status()
        drain_streams(300)
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


# List prices (us-east-1, on-demand, checked on the AWS pricing pages): what orchestration costs.
PRICE = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_arm": 0.0000133334,
    "dynamodb_read": 0.125 / 1e6,  # per read request unit (on demand)
    "dynamodb_write": 0.625 / 1e6,  # per write request unit (on demand)
    "sqs_request": 0.40 / 1e6,  # standard queue, per 64 KB request
    "scheduler_invocation": 1.00 / 1e6,  # Scheduler bills invocations; its API calls are free
    "sfn_transition": 0.025 / 1e3,  # Standard workflows
}
SLA_TIMER_GB = 0.5  # infra/names.py: 512 MB
ASSUMED_INVOCATION_S = 0.05  # billed duration assumed per sla_timer invocation (warm, ~3 AWS calls)


class _OperationCounter:
    """(function, service, operation) of every AWS call made while enabled."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.enabled = False

    def install(self) -> None:
        import botocore.client

        original = getattr(botocore.client.BaseClient, "_make_api_call")  # noqa: B009 - private hook
        counter = self

        def call(client: Any, operation: str, params: Any) -> Any:
            if counter.enabled:
                from desk_ops.local.lambdas import current_function

                counter.counts[
                    (current_function() or "harness", client.meta.service_model.service_name, operation)
                ] += 1
            return original(client, operation, params)

        setattr(botocore.client.BaseClient, "_make_api_call", call)  # noqa: B010 - private hook

    def of(self, function: str, service: str, operations: tuple[str, ...] | None = None) -> int:
        return sum(
            n
            for (fn, svc, op), n in self.counts.items()
            if fn == function and svc == service and (operations is None or op in operations)
        )


def _deadline_scenario(system: Any, ops: _OperationCounter, breach: bool, n: int = 8) -> dict[str, float]:
    """N chat inquiries through their whole life, with the product's own timers and ladders.

    breach: nobody answers for 30 s (the acknowledgement breaches, the ladder's first step runs),
    then an agent acknowledges, replies and resolves. Otherwise the agent does so at once.
    Returns, per inquiry: inquiry changes, timer requests, orchestration requests and cost, and
    the lateness of the 30 s target (clock seconds) when it breached.
    """
    from datetime import timedelta

    import requests
    from desk_ops.local.harness import drain_streams
    from inquiry_desk.deadlines.enforcer import DeadlineEnforcer
    from inquiry_desk.runtime import composition

    from tests.conftest import chat_secret

    url, secret = system.http_url, chat_secret()
    per_change: list[int] = []  # the deadline timer's requests in each change
    named: list[int] = []  # the named schedules' (survey, confirmation, milestones) in each change
    original = DeadlineEnforcer.plan

    def counted(self: Any, inquiry_id: str, previous: Any = None) -> dict[str, int]:
        result = original(self, inquiry_id, previous)
        per_change.append(result["requests"] - result.get("named", 0))
        named.append(result.get("named", 0))
        return result

    DeadlineEnforcer.plan = counted  # type: ignore[method-assign]
    invocations = system.runner.invocations.get("sla_timer", 0)
    delivered = system.pump.delivered
    ops.counts.clear()
    ops.enabled = True
    try:
        ids = []
        for _ in range(n):
            text = "投诉 complaint: the courier was rude"
            body, headers = _signed(
                secret, {"message_id": str(uuid.uuid4()), "customer_id": str(uuid.uuid4()), "text": text}
            )
            ids.append(
                requests.post(f"{url}/webhooks/chat", data=body, headers=headers, timeout=30).json()["inquiry_id"]
            )
        lateness: list[float] = []
        if breach:
            give_up = time.monotonic() + 120
            pending = set(ids)
            while pending and time.monotonic() < give_up:
                for inquiry_id in list(pending):
                    timeline = composition.repository().timeline(inquiry_id)
                    events = timeline.events if timeline else []
                    hit = [
                        e for e in events if e.type.value == "deadline_breached" and e.data.get("kind") == "acknowledge"
                    ]
                    notified = [
                        e for e in events if e.type.value == "escalated" and e.data.get("kind") == "acknowledge"
                    ]
                    if hit and notified:
                        due = timeline.inquiry.received_at + timedelta(seconds=30)  # type: ignore[union-attr]
                        lateness.append((hit[0].at - due).total_seconds())
                        pending.discard(inquiry_id)
                time.sleep(0.2)
        auth = {"Authorization": f"Bearer {system.token('agent')}"}
        for inquiry_id in ids:
            for action in (
                {"action": "acknowledge"},
                {"action": "reply", "text": "sorry"},
                {"action": "resolve", "result": "ok"},
            ):
                requests.post(f"{url}/api/inquiries/{inquiry_id}/actions", json=action, headers=auth, timeout=30)
        drain_streams(300)
        time.sleep(1.0)
        drain_streams(300)
        changes = 0
        for i in ids:
            found = composition.repository().get(i)
            changes += found.version if found is not None else 0
    finally:
        ops.enabled = False
        DeadlineEnforcer.plan = original  # type: ignore[method-assign]
    sfn = system.session.client("stepfunctions")  # ladders still waiting would outlive the bench
    for machine in sfn.list_state_machines()["stateMachines"]:
        for run in sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")[
            "executions"
        ]:
            sfn.stop_execution(executionArn=run["executionArn"])

    listings = ops.of("sla_timer", "scheduler", ("ListSchedules",))  # only the named schedules list
    named_requests = sum(named) + listings
    timer_requests = ops.of("sla_timer", "sqs") + ops.of("sla_timer", "scheduler") - named_requests
    sends = ops.of("sla_timer", "sqs", ("SendMessage",))
    fired = system.pump.delivered - delivered
    lambda_calls = system.runner.invocations.get("sla_timer", 0) - invocations
    reads = ops.of("sla_timer", "dynamodb", ("Query", "GetItem", "BatchGetItem"))
    writes = ops.of("sla_timer", "dynamodb", ("TransactWriteItems",))
    ladder_steps = ops.of("sla_timer", "stepfunctions", ("StartExecution",))
    steps_run = 0
    for i in ids:
        timeline = composition.repository().timeline(i)
        steps_run += len([e for e in timeline.events if e.type.value == "escalated"]) if timeline else 0
    transitions = 3 * (ladder_steps + steps_run) + ladder_steps  # Task, Choice, Wait per step + start
    cost = (
        lambda_calls * (PRICE["lambda_request"] + SLA_TIMER_GB * ASSUMED_INVOCATION_S * PRICE["lambda_gb_second_arm"])
        + reads * PRICE["dynamodb_read"]
        + writes * 4 * PRICE["dynamodb_write"]  # a transaction of 2 small items: 2 x 2 WRU
        + (sends + 2 * fired) * PRICE["sqs_request"]  # + the poller's receive and delete per message
        + ops.of("sla_timer", "scheduler", ("CreateSchedule", "UpdateSchedule")) * PRICE["scheduler_invocation"]
        + transitions * PRICE["sfn_transition"]
        + ops.of("sla_timer", "sns") * 0.50 / 1e6
    )
    return {
        "changes_per_inquiry": changes / n,
        "timer_requests_per_change": timer_requests / max(changes, 1),
        "named_schedule_requests_per_inquiry": named_requests / n,
        "max_timer_requests_in_one_change": float(max(per_change or [0])),
        "cost_per_1000": cost / n * 1000,
        "lambda_per_inquiry": lambda_calls / n,
        "lateness_p50": statistics.median(lateness) if lateness else float("nan"),
        "lateness_max": max(lateness) if lateness else float("nan"),
    }


def _deadline_metrics(system: Any) -> Metrics:
    ops = _OperationCounter()
    ops.install()
    metrics: Metrics = {}
    for name, breach in (("on_time", False), ("breached", True)):
        got = _deadline_scenario(system, ops, breach)
        metrics[f"timer_requests_per_inquiry_change_{name}"] = _metric(
            round(got["timer_requests_per_change"], 2),
            "requests",
            f"<= 2, the deadline timer (max in one change: {got['max_timer_requests_in_one_change']:g}; "
            f"{got['changes_per_inquiry']:.1f} changes per inquiry)",
        )
        metrics[f"named_schedule_requests_per_inquiry_{name}"] = _metric(
            round(got["named_schedule_requests_per_inquiry"], 2),
            "requests",
            "informational: the closing loop's schedules made at resolution, and the 5-minute reconciler's "
            "listings while the scenario ran",
        )
        metrics[f"orchestration_cost_per_1000_inquiries_{name}"] = _metric(
            round(got["cost_per_1000"], 4),
            "USD",
            f"<= 0.01 (list prices: Lambda {got['lambda_per_inquiry']:.1f} calls/inquiry at "
            f"{ASSUMED_INVOCATION_S * 1000:g} ms assumed, DynamoDB, SQS, Scheduler, Step Functions, SNS)",
        )
        if breach:
            metrics["deadline_30s_target_lateness_p50_s"] = _metric(
                round(got["lateness_p50"], 2), "s (clock)", "SQS message timer through the pump, real speed"
            )
            metrics["deadline_30s_target_lateness_max_s"] = _metric(round(got["lateness_max"], 2), "s (clock)", "<= 2")
    return metrics


def bench_sla() -> Metrics:
    import bench.deadlines as sla

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
    metrics: Metrics = json.loads(line.removeprefix("BENCH-JSON "))
    return metrics


def _bench_closing_loop() -> Metrics:
    """In a process of its own: the 10,000-stored section already deployed the stack into this
    process's in-process emulator (moto's state is per process), so a second deploy here fails."""
    code = (
        "import json; from bench.loop import bench_closing_loop; "
        "print('BENCH-JSON ' + json.dumps(bench_closing_loop()))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=3600)
    found = [line for line in done.stdout.splitlines() if line.startswith("BENCH-JSON ")]
    if done.returncode != 0 or not found:
        raise RuntimeError(f"closing-the-loop bench exited {done.returncode}")
    result: Metrics = json.loads(found[-1][len("BENCH-JSON ") :])
    return result


def _bench_bot() -> Metrics:
    from bench.bot import bench_bot

    return bench_bot()


def bench_reports() -> Metrics:
    from bench.reports_bench import bench_reports as run

    return run()


def bench_console_size() -> Metrics:
    """The shipped console (console/dist, built by `make setup`): JavaScript and CSS, gzip."""
    import gzip

    assets = ROOT / "console" / "dist" / "assets"
    if not assets.exists():
        print("  console not built (make setup): size skipped")
        return {}

    def gz(suffix: str) -> float:
        return sum(len(gzip.compress(f.read_bytes(), 9)) for f in assets.glob(f"*{suffix}")) / 1024

    return {
        "console JS shipped (gzip)": _metric(gz(".js"), "KiB", "< 50"),
        "console CSS shipped (gzip)": _metric(gz(".css"), "KiB", "< 10"),
    }


def _console_load(url: str, rounds: int = 5) -> Metrics:
    """First-page load of the console on the local system in headless Chromium, each round in a
    fresh browser context (empty cache): until the sign-in form shows, and after signing in
    until the first queue is on screen with its data."""
    import shutil

    chromium = shutil.which("chromium")
    if chromium is None:
        print("  chromium missing: console load time skipped")
        return {}
    from playwright.sync_api import sync_playwright

    first, signed_in = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
        for _ in range(rounds):
            context = browser.new_context()
            page = context.new_page()
            start = time.perf_counter()
            page.goto(f"{url}/console/")
            page.wait_for_selector("#signin")
            first.append(time.perf_counter() - start)
            page.fill("#user", "agent")
            page.fill("#password", "Desk-demo-2026!")
            start = time.perf_counter()
            page.click("#signin button[type=submit]")
            page.wait_for_selector("#list, .empty")
            signed_in.append(time.perf_counter() - start)
            context.close()
        browser.close()
    return {
        "console first page (sign-in form), median": _metric(statistics.median(first) * 1000, "ms", "< 1000"),
        "console signed in to first queue, median": _metric(statistics.median(signed_in) * 1000, "ms", "< 1000"),
    }


_partial: Metrics = {}


def bench_suggestions() -> Metrics:
    from bench.knowledge_bench import bench_suggestions as run

    return run()


def main() -> None:
    """`python -m bench.run` runs every section; `python -m bench.run triage "triage fresh"` runs the
    named sections (their names as printed, or a prefix) and keeps the other figures of latest.json."""
    wanted = [a.lower() for a in sys.argv[1:]]
    results: Metrics = json.loads(OUT.read_text()) if wanted and OUT.exists() else {}
    sections: tuple[tuple[str, Callable[[], Metrics]], ...] = (
        ("cold import", bench_cold_import),
        ("triage", bench_triage),
        ("triage fresh (never used for training)", bench_triage_fresh),
        ("SLA engine", bench_sla),
        ("parsing", bench_parse_cost),
        ("local system", bench_local_system),
        ("local system at 10,000 stored", bench_size),
        ("closing the loop", _bench_closing_loop),
        ("reports", bench_reports),
        ("console size", bench_console_size),
        ("suggestions", bench_suggestions),
        ("bot", _bench_bot),
    )
    names = {name for name, _ in sections}
    for name, bench in sections:
        # a section's name, or the start of some (a name given whole means that section alone)
        if wanted and not any(name == w or (w not in names and name.startswith(w)) for w in wanted):
            continue
        results.pop(f"failed_{name.replace(' ', '_')}", None)  # a section run again says anew
        print(f"running {name} ...", flush=True)
        try:
            results.update(bench())
        except Exception as err:  # record what was measured; say what was not
            print(f"{name} failed: {err!r}", flush=True)
            results.update(_partial)
            results[f"failed_{name.replace(' ', '_')}"] = _metric(1, "failure", repr(err)[:200])
    OUT.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    width = max(len(k) for k in results)
    print(f"\n{'metric':<{width}}  {'value':>12}  {'unit':<14} target")
    for key, m in sorted(results.items()):
        print(f"{key:<{width}}  {m['value']:>12}  {m['unit']:<14} {m['target']}")
    print(f"\nwritten to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
