"""Closing-the-loop figures on the local system: AWS requests per survey sent and answered, per
corrected customer, and the time the corrections fan-out takes to reach 500 customers on the local
system (moto in-process: its Step Functions interpreter runs the real state machine and calls the
real handler for every customer; informational, moto is far slower than AWS, and the figure moves
with the machine's load, printed beside it)."""

from __future__ import annotations

import json
import os
import re
import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

from bench.run import ROOT, Metrics, _metric, _RequestCounter


def _by_function(counter: _RequestCounter) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in counter.counts.items():
        out[key] = out.get(key, 0) + value
    return out


def bench_closing_loop(surveys: int = 3, customers: int = 500) -> Metrics:
    import requests
    from desk_ops.local.harness import drain_streams
    from desk_ops.local.system import LocalOptions, LocalSystem
    from inquiry_desk.model import set_clock

    from tests.conftest import CHANNELS_FILE, signed_chat

    counter = _RequestCounter()
    counter.install()
    data_dir = ROOT / ".build" / "bench-loop-data"
    if data_dir.exists():
        import shutil

        shutil.rmtree(data_dir)
    options = LocalOptions.from_env({"DESK_CHANNELS_FILE": str(CHANNELS_FILE)})  # the tests' fixed credentials
    options.http_port, options.smtp_port, options.data_dir = 0, 0, data_dir
    system = LocalSystem(options)
    system.start()
    sent_samples: list[dict[str, int]] = []
    answered_samples: list[dict[str, int]] = []
    try:
        url = system.http_url
        agent = {"Authorization": f"Bearer {system.token('agent')}"}
        for i in range(surveys):
            body, headers = signed_chat(
                {"message_id": f"loop-{uuid.uuid4()}", "customer_id": f"lb{i}", "text": "退款?"}
            )
            inquiry_id = requests.post(f"{url}/webhooks/chat", data=body, headers=headers, timeout=30).json()[
                "inquiry_id"
            ]
            requests.post(
                f"{url}/api/inquiries/{inquiry_id}/actions",
                headers=agent,
                timeout=30,
                json={"action": "resolve", "result": "refunded"},
            ).raise_for_status()
            drain_streams()
            # the survey timer fires (what Scheduler does), the outbox sends it, sla_timer re-plans
            counter.counts.clear()
            counter.enabled = True
            set_clock(lambda: system.clock.now() + timedelta(hours=3))  # the survey is due 2 h after
            try:
                system.runner.invoke(
                    "survey", {"loop": {"inquiry_id": inquiry_id, "kind": "survey_send", "episode": 1}}
                )
                drain_streams()
            finally:
                set_clock(system.clock.now)
            counter.enabled = False
            sent_samples.append(_by_function(counter))
            timeline = requests.get(f"{url}/api/inquiries/{inquiry_id}", headers=agent, timeout=30).json()
            text = next(m["body"] for m in timeline["messages"] if "/survey/" in m["body"])
            link = re.search(r"http://\S+/survey/\S+", text)
            assert link is not None
            counter.counts.clear()
            counter.enabled = True
            requests.post(link.group(0), data={"score": "5", "resolved": "yes"}, timeout=30).raise_for_status()
            drain_streams()
            counter.enabled = False
            answered_samples.append(_by_function(counter))
        corrected, seconds, per_customer = _correction(system, counter, customers)
    finally:
        system.stop()

    def mean_total(samples: list[dict[str, int]]) -> float:
        return statistics.mean(sum(s.values()) for s in samples)

    def mean_of(samples: list[dict[str, int]], prefix: str) -> float:
        return statistics.mean(sum(v for k, v in s.items() if k.startswith(prefix)) for s in samples)

    return {
        "aws_requests_per_survey_sent_total": _metric(mean_total(sent_samples), "requests", "survey + outbox + replan"),
        "aws_requests_per_survey_sent_survey_fn": _metric(mean_of(sent_samples, "survey/"), "requests", "<= 4"),
        "aws_requests_per_survey_answered_total": _metric(mean_total(answered_samples), "requests", ""),
        "aws_requests_per_survey_answered_survey_fn": _metric(mean_of(answered_samples, "survey/"), "requests", "<= 4"),
        "aws_requests_per_corrected_customer": _metric(
            per_customer, "requests", "corrections fn (GetItem, Query, TransactWriteItems, PutItem): 4"
        ),
        "corrections_customers_reached": _metric(corrected, "customers", f"= {customers}"),
        f"corrections_seconds_to_{customers}_customers_local": _metric(
            seconds,
            "s",
            f"informational: local system (moto's Step Functions interpreter, one handler at a time), "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        ),
        "corrections_customers_per_second_local": _metric(
            corrected / seconds if seconds else 0.0, "customers/s", "informational (moto, not AWS)"
        ),
    }


def _correction(system: Any, counter: _RequestCounter, customers: int) -> tuple[int, float, float]:
    from desk_ops.local.harness import stream_consumers_off
    from inquiry_desk.corrections.model import Cause
    from inquiry_desk.runtime import composition

    from tests.integration.wrong_answers import seed_wrong_answers

    ref = f"template:bench-{uuid.uuid4().hex[:6]}@1"
    with stream_consumers_off():
        seed_wrong_answers(composition.repository(), composition.inquiry_service(), ref, customers)
        counter.counts.clear()
        counter.enabled = True
        started = time.perf_counter()
        correction = composition.correction_service().mark_wrong(
            "bench",
            "7 天",
            Cause.KNOWLEDGE_GAP,
            content_ref=ref,
        )
        store = composition.loop_store()
        deadline = time.monotonic() + 1800
        while True:
            found = store.get_correction(correction.correction_id)
            if found is not None and found.status == "done":
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        seconds = time.perf_counter() - started
        counter.enabled = False
    done = len(store.deliveries(correction.correction_id))
    requests_by_fn = sum(v for k, v in counter.counts.items() if k.startswith("corrections/"))
    return done, seconds, requests_by_fn / max(done, 1)


if __name__ == "__main__":
    print(json.dumps(bench_closing_loop(), indent=2))
