"""The few adjustments moto needs to stand in for AWS here (used by the local system and tests)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def serialise_moto_transactions() -> None:
    """moto's transact_write_items deep-copies the tables for its rollback; two at once race
    ("dictionary changed size during iteration"). DynamoDB has no such limit, so the harness
    serialises them rather than letting the product see phantom 500s."""
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "_desk_serialised", False):
        return
    import copy as real_copy

    import moto.dynamodb.models as models

    lock = threading.Lock()
    owner: dict[str, Any] = {"thread": None, "memo": {}}

    class _OneCopyPerTable:
        """moto backs up the table once per item of the transaction (the same table up to 100
        times); during a transaction, the first copy of a table is reused."""

        def __getattr__(self, name: str) -> Any:
            return getattr(real_copy, name)

        def deepcopy(self, obj: Any, memo: Any = None) -> Any:
            if owner["thread"] != threading.get_ident():
                return real_copy.deepcopy(obj, memo)
            key = id(obj)
            if key not in owner["memo"]:
                owner["memo"][key] = real_copy.deepcopy(obj, memo)
            return owner["memo"][key]

    models.copy = _OneCopyPerTable()  # type: ignore[assignment]

    def transact_write_items(backend: Any, *args: Any, **kwargs: Any) -> Any:
        with lock:
            owner["thread"], owner["memo"] = threading.get_ident(), {}
            try:
                return original(backend, *args, **kwargs)
            finally:
                owner["thread"], owner["memo"] = None, {}

    transact_write_items._desk_serialised = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]


def scale_step_function_waits(speed: float) -> None:
    """Step Functions Wait states follow the local clock (a 30-minute step takes 30 s at x60)."""
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def scaled(fn: Any, env: Any, wait_seconds: int) -> None:
        if wait_seconds > 0:
            env.program_state_event.wait(wait_seconds / speed)

    WaitFunction._wait_interval = scaled  # type: ignore[method-assign,assignment]


class _StreamPump:
    """Delivers DynamoDB stream records to their Lambda mappings on a worker thread, as AWS does
    (asynchronously, in order per shard, retried), instead of inside the write that made them."""

    def __init__(self) -> None:
        import queue

        self.queue: queue.Queue[Any] = queue.Queue()
        self.idle = threading.Event()
        self.idle.set()
        self.paused = False
        self._thread = threading.Thread(target=self._run, name="desk-streams", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import logging

        from moto.awslambda.utils import get_backend

        log = logging.getLogger("desk.streams")
        while True:
            shard = self.queue.get()
            try:
                for _attempt in range(3):
                    batch = list(shard.items)
                    if not batch:
                        break
                    failed = False
                    for arn, esm in list(shard.table.lambda_event_source_mappings.items()):
                        region = arn.split(":")[3]
                        try:
                            get_backend(shard.account_id, region).send_dynamodb_items(arn, batch, esm.event_source_arn)
                        except Exception:
                            failed = True
                            log.exception("stream delivery to %s failed", arn)
                    if not failed:
                        del shard.items[: len(batch)]
                        break
                else:
                    shard.items.clear()  # after the retries: dropped (AWS would send it to the DLQ)
            finally:
                self.queue.task_done()
                if self.queue.unfinished_tasks == 0:
                    self.idle.set()

    def add(self, shard: Any) -> None:
        if self.paused:
            shard.items.clear()  # a consumer that is switched off never sees these records
            return
        self.idle.clear()
        self.queue.put(shard)


_streams: _StreamPump | None = None


def deliver_streams_asynchronously() -> None:
    """moto invokes stream consumers synchronously inside the write; Lambda does not. A consumer
    that writes back (or a single-threaded runner) would then wait on itself."""
    global _streams
    from moto.dynamodb.models.table import StreamRecord, StreamShard

    if _streams is not None:
        return
    pump = _streams = _StreamPump()

    def add(shard: Any, old: Any, new: Any) -> None:
        kind = shard.table.stream_specification["StreamViewType"]
        event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        seq = len(shard.items) + shard.starting_sequence_number
        shard.items.append(StreamRecord(shard.table, kind, event, old, new, seq))
        if shard.table.lambda_event_source_mappings:
            pump.add(shard)

    StreamShard.add = add  # type: ignore[method-assign,assignment]


def drain_streams(timeout: float = 30.0) -> None:
    """Wait until every stream record written so far has been delivered (tests, benchmarks)."""
    if _streams is not None and not _streams.idle.wait(timeout):
        raise TimeoutError("stream consumers did not finish")


@contextmanager
def stream_consumers_off() -> Iterator[None]:
    """Tests of one piece (intake under load) without the stream consumers' work (deadline
    planning, the outbox), which other tests cover."""
    if _streams is None:
        yield
        return
    drain_streams()
    _streams.paused = True
    try:
        yield
    finally:
        _streams.paused = False
