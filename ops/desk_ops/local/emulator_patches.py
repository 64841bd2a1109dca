"""Every adaptation of moto that the local system and the tests rely on, in this one module.

Each patch names what moto does, what AWS does, and why the difference matters here; each has a
test in tests/unit/test_emulator_patches.py that fails without it. The patches were written
against one moto release (MOTO_VERSION): `check_version()` refuses any other, so an upgrade is a
deliberate re-reading of each patch, never a silent change of behaviour.
"""

from __future__ import annotations

import copy as real_copy
import hashlib
import importlib.metadata
import inspect
import logging
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

MOTO_VERSION = "5.2.5"

LOG = logging.getLogger("desk.emulator")

ItemKey = tuple[Any, Any]  # (hash DynamoType, range DynamoType | None)
Change = tuple[Any, ItemKey]  # (moto Table, key)


class EmulatorVersionError(RuntimeError):
    pass


def check_version(installed: str | None = None) -> None:
    installed = installed or importlib.metadata.version("moto")
    if installed != MOTO_VERSION:
        raise EmulatorVersionError(
            f"desk_ops.local.emulator_patches was written for moto {MOTO_VERSION}, but moto {installed} is "
            "installed: pin moto to that version (uv.lock), or re-check every patch in this module against "
            "the new release before changing MOTO_VERSION"
        )


# --- DynamoDB: one writer at a time, transactions without table copies, change listeners --------
_WRITES = threading.RLock()
_tls = threading.local()
Record = tuple[Any, Any, Any]  # (moto StreamShard, old Item | None, new Item | None)
_change_listeners: list[Callable[[list[Change], list[Record]], Any]] = []
_delivered_listeners: list[Callable[[set[Any]], None]] = []
_installed: set[str] = set()


class _Transaction:
    """Undo log of one TransactWriteItems: a copy of each item it touches (not of the table), the
    stream records it would emit (sent only if it commits) and the keys it changed."""

    def __init__(self) -> None:
        self.before: dict[tuple[int, ItemKey], tuple[Any, ItemKey, Any]] = {}
        self.records: list[tuple[Any, Any, Any]] = []
        self.changed: list[Change] = []

    def remember(self, table: Any, key: ItemKey) -> None:
        slot = (id(table), key)
        if slot not in self.before:
            current = _get(table, key)
            self.before[slot] = (table, key, real_copy.deepcopy(current) if current is not None else None)

    def rollback(self) -> None:
        for table, key, item in self.before.values():
            if item is None:
                _remove(table, key)
            else:
                _place(table, key, item)
            _reindex(table, key)


def _get(table: Any, key: ItemKey) -> Any:
    hash_value, range_value = key
    bucket = table.items.get(hash_value)
    if bucket is None:
        return None
    return bucket.get(range_value) if table.range_key_attr else bucket


def _place(table: Any, key: ItemKey, item: Any) -> None:
    hash_value, range_value = key
    if table.range_key_attr:
        table.items[hash_value][range_value] = item
    else:
        table.items[hash_value] = item


def _remove(table: Any, key: ItemKey) -> None:
    hash_value, range_value = key
    if table.range_key_attr:
        bucket = table.items.get(hash_value)
        if bucket is not None:
            bucket.pop(range_value, None)
            if not bucket:
                table.items.pop(hash_value, None)
    else:
        table.items.pop(hash_value, None)


def _key_of(table: Any, attrs: Any) -> ItemKey | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    try:
        hash_value = DynamoType(attrs[table.hash_key_attr])
        range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    except (KeyError, TypeError):
        return None
    return hash_value, range_value


def on_table_change(listener: Callable[[list[Change], list[Record]], Any]) -> None:
    """Called, under the write lock, with every committed change and the stream records it makes
    (the journal, the indexes). What a listener returns tags those records (the journal's entry
    number), handed back to `on_records_delivered` listeners once a consumer received them."""
    if listener not in _change_listeners:
        _change_listeners.append(listener)


def remove_change_listener(listener: Callable[..., Any]) -> None:
    if listener in _change_listeners:
        _change_listeners.remove(listener)
    if listener in _delivered_listeners:
        _delivered_listeners.remove(listener)


def on_records_delivered(listener: Callable[[set[Any]], None]) -> None:
    if listener not in _delivered_listeners:
        _delivered_listeners.append(listener)


def _committed(changes: list[Change], records: list[Record] = ()) -> None:  # type: ignore[assignment]
    for table, key in changes:
        _reindex(table, key)
    tag = None
    for listener in list(_change_listeners):
        tag = listener(changes, list(records)) or tag
    for shard, old, new in records:
        _emit(shard, old, new, tag)


def _delivered(batch: list[Any]) -> None:
    tags = {getattr(record, "_desk_tag", None) for record in batch} - {None}
    if tags:
        for listener in list(_delivered_listeners):
            listener(tags)


def emit_restored(shard: Any, old: Any, new: Any, tag: Any) -> None:
    """A stream record the journal says no consumer received before the process stopped."""
    with _WRITES:
        _emit(shard, old, new, tag)


@contextmanager
def table_writes() -> Iterator[None]:
    """Hold every DynamoDB write (snapshots, restores)."""
    with _WRITES:
        yield


def put_restored(table: Any, attrs: dict[str, Any]) -> None:
    """Place an item as it was (restore from the journal): no condition, no stream record."""
    key = _key_of(table, attrs)
    if key is None:
        return
    _place(table, key, _restored_item(key, attrs))
    _reindex(table, key)


def _restored_item(key: ItemKey, attrs: dict[str, Any]) -> Any:
    """An Item as moto would build it, without its per-attribute size check (quadratic in the
    attributes; these items passed it when they were written) and with shared attribute names."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    item: Any = Item.__new__(Item)
    item.hash_key, item.range_key = key
    values = LimitedSizeDict()
    dict.update(values, {sys.intern(name): DynamoType(value) for name, value in attrs.items()})
    item.attrs = values
    return item


def delete_restored(table: Any, attrs: dict[str, Any]) -> None:
    key = _key_of(table, attrs)
    if key is not None:
        _remove(table, key)
        _reindex(table, key)


def patch_dynamodb() -> None:
    """moto's TransactWriteItems deep-copies every table it touches for its rollback (a 20,000-item
    table: 737 ms and a leak per transaction; two at once race). Here a transaction keeps an undo
    log of the items it touches instead, and emits its stream records only if it commits (moto
    would emit them even for a cancelled transaction). Writes are serialised (moto is not thread
    safe; DynamoDB is) and every committed change is given to the listeners (journal, indexes)."""
    if "dynamodb" in _installed:
        return
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import StreamShard, Table

    class _CopyUnlessTableInTransaction:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_copy, name)

        def deepcopy(self, obj: Any, memo: Any = None) -> Any:
            if isinstance(obj, Table) and getattr(_tls, "txn", None) is not None:
                return obj  # the undo log restores what the transaction touched
            return real_copy.deepcopy(obj, memo)

    models.copy = _CopyUnlessTableInTransaction()  # type: ignore[assignment]

    def tracked(original: Callable[..., Any], key_param: str) -> Callable[..., Any]:
        params = list(inspect.signature(original).parameters)[2:]  # after self, table_name

        def method(backend: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
            with _WRITES:
                table = backend.get_table(table_name)
                at = params.index(key_param)
                raw = kwargs.get(key_param, args[at] if len(args) > at else None)
                key = _key_of(table, raw) if isinstance(raw, dict) else None
                txn: _Transaction | None = getattr(_tls, "txn", None)
                if txn is not None:
                    if key is not None:
                        txn.remember(table, key)
                    result = original(backend, table_name, *args, **kwargs)
                    if key is not None:
                        txn.changed.append((table, key))
                    return result
                records: list[Record] = []
                _tls.records = records  # emitted once the change is journaled
                try:
                    result = original(backend, table_name, *args, **kwargs)
                finally:
                    _tls.records = None
                _committed([(table, key)] if key is not None else [], records)
                return result

        return method

    DynamoDBBackend.put_item = tracked(DynamoDBBackend.put_item, "item_attrs")  # type: ignore[method-assign]
    DynamoDBBackend.update_item = tracked(DynamoDBBackend.update_item, "key")  # type: ignore[method-assign]
    DynamoDBBackend.delete_item = tracked(DynamoDBBackend.delete_item, "key")  # type: ignore[method-assign]

    original_transact = DynamoDBBackend.transact_write_items

    def transact_write_items(backend: Any, *args: Any, **kwargs: Any) -> Any:
        with _WRITES:
            txn = _tls.txn = _Transaction()
            try:
                result = original_transact(backend, *args, **kwargs)
            except BaseException:
                txn.rollback()
                raise
            finally:
                _tls.txn = None
            _committed(txn.changed, txn.records)
            return result

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign,assignment]

    def add(shard: Any, old: Any, new: Any) -> None:
        txn: _Transaction | None = getattr(_tls, "txn", None)
        if txn is not None:
            # the images as they are now (a later write in the transaction cannot change them)
            txn.records.append((shard, real_copy.deepcopy(old), real_copy.deepcopy(new)))
            return
        records: list[Record] | None = getattr(_tls, "records", None)
        if records is not None:
            records.append((shard, old, new))
            return
        _emit(shard, old, new)

    StreamShard.add = add  # type: ignore[method-assign,assignment]
    _installed.add("dynamodb")


# --- DynamoDB streams ---------------------------------------------------------------------------
def _emit(shard: Any, old: Any, new: Any, tag: Any = None) -> None:
    """moto keeps every stream record forever (and hands them to consumers inside the write). Here a
    record exists only while a consumer still has to receive it: a table whose stream nobody reads
    keeps none, and delivered records are dropped (AWS trims after 24 h; nobody reads them later)."""
    from moto.dynamodb.models.table import StreamRecord

    if not shard.table.lambda_event_source_mappings:
        return
    kind = shard.table.stream_specification["StreamViewType"]
    event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    seq = getattr(shard, "_desk_next_seq", shard.starting_sequence_number)
    shard._desk_next_seq = seq + 1
    record = StreamRecord(shard.table, kind, event, old, new, seq)
    record._desk_tag = tag  # type: ignore[attr-defined]
    shard.items.append(record)
    if _streams is not None:
        _streams.add(shard)
    else:
        _deliver_now(shard)


def _deliver_now(shard: Any) -> None:
    from moto.awslambda.utils import get_backend

    batch = list(shard.items)
    for arn, esm in list(shard.table.lambda_event_source_mappings.items()):
        get_backend(shard.account_id, arn.split(":")[3]).send_dynamodb_items(arn, batch, esm.event_source_arn)
    del shard.items[: len(batch)]
    _delivered(batch)


class _StreamPump:
    """Delivers DynamoDB stream records to their Lambda mappings on a worker thread, as AWS does
    (asynchronously, in order per shard, retried), instead of inside the write that made them."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Any] = queue.Queue()
        self.idle = threading.Event()
        self.idle.set()
        self.paused = False
        self._thread = threading.Thread(target=self._run, name="desk-streams", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from moto.awslambda.utils import get_backend

        while True:
            shard = self.queue.get()
            try:
                for _attempt in range(3):
                    with _WRITES:
                        batch = list(shard.items)
                    if not batch:
                        break
                    failed = False
                    for arn, esm in list(shard.table.lambda_event_source_mappings.items()):
                        try:
                            get_backend(shard.account_id, arn.split(":")[3]).send_dynamodb_items(
                                arn, batch, esm.event_source_arn
                            )
                        except Exception:
                            failed = True
                            LOG.exception("stream delivery to %s failed", arn)
                    if not failed:
                        with _WRITES:
                            del shard.items[: len(batch)]
                            _delivered(batch)
                        break
                else:
                    with _WRITES:  # after the retries: dropped (AWS would send it to the DLQ)
                        del shard.items[: len(batch)]
                        _delivered(batch)
            finally:
                self.queue.task_done()
                if self.queue.unfinished_tasks == 0:
                    self.idle.set()

    def add(self, shard: Any) -> None:
        if self.paused:
            _delivered(list(shard.items))  # a consumer that is switched off never sees these records
            shard.items.clear()
            return
        self.idle.clear()
        self.queue.put(shard)


_streams: _StreamPump | None = None


def deliver_streams_asynchronously() -> None:
    """moto invokes stream consumers synchronously inside the write; Lambda does not. A consumer
    that writes back (or a single-threaded runner) would then wait on itself."""
    global _streams
    patch_dynamodb()
    if _streams is None:
        _streams = _StreamPump()


def drain_streams(timeout: float = 120.0) -> None:
    """Wait until every stream record written so far has been delivered (tests, benchmarks). The
    consumers run one record batch at a time through the in-process Lambda runner: after a test that
    wrote thousands of items, on a loaded 2-core machine, that takes more than half a minute."""
    if _streams is not None and not _streams.idle.wait(timeout):
        raise TimeoutError("stream consumers did not finish")


@contextmanager
def stream_consumers_off() -> Iterator[None]:
    """Tests of one piece (intake under load) without the stream consumers' work."""
    if _streams is None:
        yield
        return
    drain_streams()
    _streams.paused = True
    try:
        yield
    finally:
        _streams.paused = False


# --- DynamoDB Query: read the partition, not the table --------------------------------------------
def _gsi_indexes(table: Any) -> dict[str, Any]:
    found: dict[str, Any] = table.__dict__.setdefault("_desk_gsi", {})
    return found


class _GsiIndex:
    """One GSI's partitions: hash value -> the items in it, kept in the index's sort order (range
    value, then the table's keys), as DynamoDB keeps them."""

    def __init__(self, hash_attr: str, range_attr: str | None) -> None:
        from sortedcontainers import SortedList

        self.hash_attr, self.range_attr = hash_attr, range_attr
        self.items: dict[Any, dict[ItemKey, Any]] = {}
        self.ordered: dict[Any, Any] = {}  # hash value -> SortedList[(sort key, item key)]
        self.where: dict[ItemKey, tuple[Any, Any]] = {}  # item key -> (hash value, sort key)
        self._sorted_list = SortedList

    def _sort_key(self, key: ItemKey, item: Any) -> Any:
        hash_value, range_value = key
        ranged = item.attrs[self.range_attr].cast_value if self.range_attr else ""
        return (ranged, hash_value.cast_value, range_value.cast_value if range_value is not None else "")

    def update(self, key: ItemKey, item: Any) -> None:
        old = self.where.pop(key, None)
        if old is not None:
            bucket = self.items.get(old[0])
            if bucket is not None:
                bucket.pop(key, None)
                self.ordered[old[0]].discard((old[1], key))
                if not bucket:
                    del self.items[old[0]], self.ordered[old[0]]
        if item is None or self.hash_attr not in item.attrs:
            return
        if self.range_attr and self.range_attr not in item.attrs:
            return  # DynamoDB indexes only items that have every key attribute of the index
        value, sort_key = item.attrs[self.hash_attr], self._sort_key(key, item)
        self.items.setdefault(value, {})[key] = item
        self.ordered.setdefault(value, self._sorted_list()).add((sort_key, key))
        self.where[key] = (value, sort_key)

    def window(self, value: Any, first: int | None, last: int | None) -> list[Any]:
        """The partition in index order, or only its first / last n items."""
        ordered = self.ordered.get(value)
        if ordered is None:
            return []
        bucket = self.items[value]
        chosen = ordered[:first] if first is not None else ordered[-last:] if last is not None else ordered
        return [bucket[key] for _sort, key in chosen]


def _reindex(table: Any, key: ItemKey) -> None:
    indexes = table.__dict__.get("_desk_gsi")
    if not indexes:
        return
    item = _get(table, key)
    for index in indexes.values():
        index.update(key, item)


def _gsi(table: Any, index_name: str) -> _GsiIndex | None:
    indexes = _gsi_indexes(table)
    if index_name in indexes:
        return indexes[index_name]
    index = next((i for i in table.global_indexes if i.name == index_name), None)
    if index is None:
        return None
    hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
    ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
    if len(hashes) != 1 or len(ranges) > 1:
        return None
    with _WRITES:
        built = _GsiIndex(hashes[0], ranges[0] if ranges else None)
        for item in table.all_items():
            built.update((item.hash_key, item.range_key), item)
        indexes[index_name] = built
    return built


def _gsi_bucket(table: Any, index_name: str, value: Any, first: int | None = None, last: int | None = None) -> Any:
    index = _gsi(table, index_name)
    if index is None or value[0] != index.hash_attr:
        return None
    return index.window(value[1], first, last)


def build_indexes(table: Any) -> None:
    """Index every GSI of a table now (after a restore), not on the first query."""
    for index in table.global_indexes:
        _gsi(table, index.name)


def _window(arguments: dict[str, Any]) -> tuple[int | None, int | None]:
    """How much of a sorted GSI partition a query can need: with a Limit and no start key, the
    first (or last, reading backwards) Limit + 1 items, when its range condition keeps a prefix
    (<, <=) of the partition in the reading order, or there is none. Otherwise all of it."""
    limit = arguments.get("limit")
    if not limit or arguments.get("exclusive_start_key") or len(arguments.get("range_key_conditions") or []) > 1:
        return None, None
    comparison = arguments.get("range_comparison")
    forward = arguments.get("scan_index_forward", True) is not False
    if forward and comparison in (None, "<", "<="):
        return int(limit) + 1, None
    if not forward and comparison in (None, ">", ">="):
        return None, int(limit) + 1
    return None, None


def patch_query() -> None:
    """moto's Query walks every item of the table (and of every GSI) to find one partition (99 ms
    at 20,000 items); DynamoDB reads the partition. Here Query reads the partition of the table, or
    of a GSI through an index of it kept up to date by every committed change."""
    if "query" in _installed:
        return
    patch_dynamodb()
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_all = Table.all_items
    signature = inspect.signature(original_query)

    def all_items(table: Any) -> list[Any]:
        candidates = getattr(_tls, "candidates", None)
        if candidates is not None and candidates[0] is table:
            return list(candidates[1])
        return original_all(table)

    def query(table: Any, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(table, *args, **kwargs)
        index_name = bound.arguments.get("index_name")
        hash_key = bound.arguments.get("hash_key")
        conditions = bound.arguments.get("hash_key_conditions") or []
        candidates: list[Any] | None = None
        if not index_name and hash_key is not None:
            bucket = table.items.get(hash_key)
            candidates = [] if bucket is None else list(bucket.values()) if table.range_key_attr else [bucket]
        elif index_name and len(conditions) == 1:
            candidates = _gsi_bucket(table, index_name, conditions[0], *_window(bound.arguments))
        if candidates is None:
            return original_query(table, *args, **kwargs)
        _tls.candidates = (table, candidates)
        try:
            return original_query(table, *args, **kwargs)
        finally:
            _tls.candidates = None

    Table.query = query  # type: ignore[method-assign,assignment]
    Table.all_items = all_items  # type: ignore[method-assign,assignment]
    _installed.add("query")


# --- every model object moto ever made --------------------------------------------------------------
def forget_created_models() -> None:
    """moto appends every model object it creates to a class-level list (for its dashboard), and
    never drops it: every Item, including the copies made for each Query's results, each update's
    old image and each stream record, lives as long as the process (12 GB at 2,000 inquiries).
    Here nothing is tracked; the dashboard is not used."""
    if "models" in _installed:
        return
    from moto.core.common_models import BaseModel
    from moto.core.model_instances import reset_model_data

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        return super(BaseModel, cls).__new__(cls)  # type: ignore[misc]  # what moto does, not keeping it

    BaseModel.__new__ = staticmethod(__new__)  # type: ignore[method-assign]
    reset_model_data()
    _installed.add("models")


# --- CloudFormation: the same physical names at every start ----------------------------------------
def stable_physical_names() -> None:
    """moto's CloudFormation names resources with a random suffix; a local system restarted from
    its journal must find its bucket, tables and functions under the names its data refers to
    (stored s3:// links, schedule targets). Here the suffix is a hash of stack and logical id."""
    if "names" in _installed:
        return
    import moto.cloudformation.parsing as parsing

    original = parsing.generate_resource_name

    def generate_resource_name(resource_type: str, stack_name: str, logical_id: str) -> str:
        suffix = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).hexdigest()[:12].upper()
        with _fixed_suffix(parsing, suffix):
            return original(resource_type, stack_name, logical_id)

    parsing.generate_resource_name = generate_resource_name
    _installed.add("names")


@contextmanager
def _fixed_suffix(module: Any, suffix: str) -> Iterator[None]:
    original = module.random_suffix
    module.random_suffix = lambda: suffix
    try:
        yield
    finally:
        module.random_suffix = original


# --- Step Functions, Lambda, SES ------------------------------------------------------------------
def scale_step_function_waits(speed: float) -> None:
    """Step Functions Wait states follow the local clock (a 30-minute step takes 30 s at x60)."""
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

    def scaled(fn: Any, env: Any, wait_seconds: int) -> None:
        if wait_seconds > 0:
            env.program_state_event.wait(wait_seconds / speed)

    WaitFunction._wait_interval = scaled  # type: ignore[method-assign,assignment]


def run_lambdas_in_process(invoke: Callable[[str, Any, str], Any], errors: list[tuple[str, str]]) -> None:
    """moto runs Lambda code only in Docker; here `invoke(desk function, event, arn)` runs the
    handler named by the function's configuration (direct invoke, Step Functions tasks, SNS
    subscriptions, stream and SQS mappings alike)."""
    import json
    import traceback

    from moto.awslambda.models import LambdaFunction

    def _invoke_lambda(fn: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        name = (fn.environment_vars or {}).get("DESK_FUNCTION")
        if not name:
            return json.dumps({"errorMessage": f"{fn.function_name} is not a desk function"}), True, ""
        payload = json.loads(event) if isinstance(event, (str, bytes)) else (event or {})
        _stamp_sns(payload)
        try:
            result = invoke(name, payload, fn.function_arn)
            return json.dumps(result, default=str), False, ""
        except Exception as err:  # reported back to the caller as a function error, as Lambda does
            trace = traceback.format_exc()
            errors.append((name, trace))
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


def record_sent_mail(record: Callable[[str, list[str], str], None]) -> None:
    """SES only stores what it sends in moto; the local channel sink also records it (what the
    customer would receive)."""
    from moto.ses.models import SESBackend

    original = getattr(SESBackend, "_desk_original_send_raw", SESBackend.send_raw_email)

    def send_raw_email(backend: Any, source: str, destinations: list[str], raw_data: str) -> Any:
        sent = original(backend, source, destinations, raw_data)
        record(source, destinations, raw_data)
        return sent

    SESBackend._desk_original_send_raw = original  # type: ignore[attr-defined]
    SESBackend.send_raw_email = send_raw_email  # type: ignore[method-assign,assignment]


def apply_all() -> None:
    """The patches every use of the emulator here needs (local system, integration tests)."""
    check_version()
    forget_created_models()
    patch_dynamodb()
    patch_query()
    stable_physical_names()
