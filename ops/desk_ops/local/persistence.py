"""Durable local state: nothing the local system acknowledged is lost on `kill -9` or a power cut.

Design: a write-ahead journal (`<data dir>/state/journal.jsonl`) beside a snapshot
(`<data dir>/state/snapshot.jsonl`).
- DynamoDB: every committed change (a write, or a whole transaction) is appended as the resulting
  item images, in commit order (under the emulator's write lock). Images, not requests: replaying
  them needs no conditions, makes no stream records and runs no consumer, so a restart never
  re-plans deadlines or notifies a customer twice, and a torn last line (a crash mid-append) is a
  transaction that never committed.
- S3, EventBridge Scheduler and Cognito: the mutating requests (mail objects, schedules, users),
  appended after moto answered them and before the answer leaves; they have no side effects, so
  they are replayed through the emulator as requests.
- Before any answer leaves the HTTP front or the SMTP listener, `sync()` makes everything appended
  so far durable (one fsync shared by concurrent requests); a background thread syncs every 200 ms
  for the writes nobody waits on (timers, stream consumers).
- At start the snapshot and then the journal are loaded straight into the emulator, then compacted
  into a new snapshot (also on a clean stop), so the journal holds one session's writes.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from . import emulator_patches as patches

LOG = logging.getLogger("desk.persistence")
_SCOPE = re.compile(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/aws4_request")
_COGNITO_WRITES = re.compile(
    r"^AWSCognitoIdentityProviderService\.(Admin(?!Get|List|InitiateAuth|RespondToAuthChallenge)\w+|"
    r"SignUp|ConfirmSignUp|ChangePassword|ConfirmForgotPassword|CreateGroup|DeleteGroup|UpdateUserAttributes)$"
)


class Journal:
    """Append-only, fsync'd on demand (group commit)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._append = threading.Lock()
        self._sync = threading.Lock()
        self._written = 0
        self._synced = 0
        self.syncs = 0

    def append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":")).encode() + b"\n"
        with self._append:
            os.write(self._fd, line)
            self._written += 1

    def sync(self) -> None:
        if self._synced >= self._written:
            return
        with self._sync:
            upto = self._written
            if self._synced >= upto:
                return
            os.fsync(self._fd)
            self._synced = upto
            self.syncs += 1

    def size(self) -> int:
        return os.fstat(self._fd).st_size

    def truncate(self) -> None:
        with self._append:
            os.ftruncate(self._fd, 0)
            os.fsync(self._fd)
            self._written = self._synced = 0

    def close(self) -> None:
        self.sync()
        os.close(self._fd)


def read_entries(path: Path) -> Iterator[dict[str, Any]]:
    """Entries of a journal or snapshot; a torn last line (crash mid-append) is skipped."""
    if not path.exists():
        return
    with path.open("rb") as lines:
        for raw in lines:
            if not raw.endswith(b"\n"):
                LOG.warning("journal %s ends with a torn entry (crash while writing): ignored", path)
                return
            try:
                yield json.loads(raw)
            except json.JSONDecodeError:
                LOG.warning("journal %s has an unreadable entry: ignored", path)


class DurableState:
    def __init__(self, data_dir: Path, account: str, region: str) -> None:
        self.dir = data_dir / "state"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.account, self.region = account, region
        self.journal = Journal(self.dir / "journal.jsonl")
        self.snapshot_path = self.dir / "snapshot.jsonl"
        self.recording = False
        self.user_pool = ""
        self.replayed = {"items": 0, "requests": 0}
        self._cognito: list[dict[str, Any]] = []  # kept verbatim in every snapshot
        self._next = 1  # number of the next item entry (stream records are tagged with it)
        self.pending: dict[int, list[dict[str, Any]]] = {}  # stream records no consumer has received
        self._stop = threading.Event()
        self._wake = threading.Event()  # a consumer finished a batch: make its writes durable now
        self._syncer: threading.Thread | None = None
        self._app: Any = None
        self._gate = threading.RLock()  # a journaled request and a compaction never interleave
        self.compactor: Callable[[], None] | None = None  # set by the system: compact() with its names
        self.compact_over = 256 * 1024 * 1024  # journal bytes that trigger a compaction while running

    # --- recording ------------------------------------------------------------------------
    def _on_change(self, changes: list[patches.Change], records: list[patches.Record]) -> int | None:
        if not self.recording:
            return None
        out: list[dict[str, Any]] = []
        for table, key in changes:
            item = patches._get(table, key)
            if item is None:
                attrs = {table.hash_key_attr: key[0].to_json()}
                if table.range_key_attr:
                    attrs[table.range_key_attr] = key[1].to_json()
                out.append({"t": table.name, "d": attrs})
            else:
                out.append({"t": table.name, "p": item.to_json()["Attributes"]})
        stream = [
            {
                "t": shard.table.name,
                "o": old.to_json()["Attributes"] if old is not None else None,
                "w": new.to_json()["Attributes"] if new is not None else None,
            }
            for shard, old, new in records
            if shard.table.lambda_event_source_mappings
        ]
        if not out and not stream:
            return None
        number = self._next
        self._next += 1
        entry: dict[str, Any] = {"k": "items", "n": number, "c": out}
        if stream:
            entry["st"] = stream  # delivered again after a crash until a consumer got them
            self.pending[number] = stream
        self.journal.append(entry)
        return number

    def _on_delivered(self, tags: set[Any]) -> None:
        numbers = sorted(n for n in tags if isinstance(n, int) and self.pending.pop(n, None) is not None)
        if numbers and self.recording:
            self.journal.append({"k": "acked", "n": numbers})
        self._wake.set()

    @staticmethod
    def _image(table: Any, attrs: dict[str, Any] | None) -> Any:
        key = patches._key_of(table, attrs) if attrs else None
        return patches._restored_item(key, attrs) if key is not None and attrs else None

    def redeliver(self) -> int:
        """Stream records of committed writes that no consumer received before the process stopped
        (AWS keeps them 24 h and its pollers resume): delivered now, in their order."""
        tables = self._tables()
        count = 0
        for number in sorted(self.pending):
            for record in self.pending[number]:
                table = tables.get(record["t"])
                if table is None or table.stream_shard is None:
                    continue
                old, new = (self._image(table, record[side]) for side in ("o", "w"))
                patches.emit_restored(table.stream_shard, old, new, number)
                count += 1
        return count

    def wrap(self, app: Any) -> Any:
        """The WSGI middleware in front of the emulator's server: journals mutating S3, Scheduler
        and Cognito requests (after moto answered, before the answer is sent)."""
        self._app = app
        state = self

        def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            kind = state._journaled(environ) if state.recording else None
            if kind is None:
                return app(environ, start_response)
            from werkzeug.wsgi import get_input_stream

            body = get_input_stream(environ).read()
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ["wsgi.input_terminated"] = False
            seen: list[str] = []

            def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
                seen.append(status)
                return start_response(status, headers, exc_info)

            with state._gate:
                chunks = state._answer_and_journal(app, environ, capture, seen, body, kind)
            state.journal.sync()  # before the answer leaves (shared with concurrent requests)
            return chunks

        return middleware

    def _answer_and_journal(
        self,
        app: Any,
        environ: dict[str, Any],
        capture: Callable[..., Any],
        seen: list[str],
        body: bytes,
        kind: str,
    ) -> list[bytes]:
        result = app(environ, capture)
        try:
            chunks = list(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if seen and seen[0][:1] == "2":
            headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
            if environ.get("CONTENT_TYPE"):
                headers["CONTENT-TYPE"] = environ["CONTENT_TYPE"]
            entry = {
                "k": "http",
                "svc": kind,
                "m": environ["REQUEST_METHOD"],
                "p": environ.get("PATH_INFO", ""),
                "q": environ.get("QUERY_STRING", ""),
                "h": headers,
                "b": base64.b64encode(body).decode(),
                "pool": self.user_pool,
            }
            self.journal.append(entry)
            if kind == "cognito-idp":
                self._cognito.append(entry)
        return chunks

    @staticmethod
    def _journaled(environ: dict[str, Any]) -> str | None:
        method = environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD", "OPTIONS"):
            return None
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("AWSCognitoIdentityProviderService."):
            return "cognito-idp" if _COGNITO_WRITES.match(target) else None
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = scope.group(1) if scope else ""
        if service == "scheduler" or (service == "s3" and "cdk-" not in environ.get("PATH_INFO", "")[:6]):
            return service
        return None

    def start_recording(self) -> None:
        patches.on_table_change(self._on_change)
        patches.on_records_delivered(self._on_delivered)
        self.recording = True
        self._syncer = threading.Thread(target=self._sync_loop, name="desk-journal-sync", daemon=True)
        self._syncer.start()

    def _sync_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(0.2)
            self._wake.clear()
            try:
                self.journal.sync()
                if self.compactor is not None and self.journal.size() > self.compact_over:
                    self.compactor()  # a week of writes: restart reads one snapshot, not the week
            except OSError:
                LOG.exception("journal sync failed")

    def sync(self) -> None:
        self.journal.sync()

    # --- restoring ------------------------------------------------------------------------
    def restore(self) -> None:
        """Snapshot, then journal, straight into the emulator (no streams, no consumers)."""
        self._schedules: dict[tuple[str, str], dict[str, Any] | None] = {}
        for path in (self.snapshot_path, self.journal.path):
            for entry in read_entries(path):
                if not self._collapse_schedule(entry):
                    self._apply(entry)
        self._apply_schedules()
        if "query" in patches._installed:
            for table in self._tables().values():
                patches.build_indexes(table)

    def _tables(self) -> dict[str, Any]:
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[self.account][self.region].tables

    def _apply(self, entry: dict[str, Any]) -> None:
        kind = entry.get("k")
        if isinstance(entry.get("n"), int):
            self._next = max(self._next, entry["n"] + 1)
        if kind == "acked":
            for number in entry["n"]:
                self.pending.pop(number, None)
        elif kind == "stream":
            self.pending[entry["n"]] = entry["st"]
        if kind == "items" and entry.get("st"):
            self.pending[entry["n"]] = entry["st"]
        if kind == "items":
            tables = self._tables()
            with patches.table_writes():
                for change in entry["c"]:
                    table = tables.get(change["t"])
                    if table is None:
                        continue  # a table the stack no longer has
                    if "p" in change:
                        patches.put_restored(table, change["p"])
                    else:
                        patches.delete_restored(table, change["d"])
                    self.replayed["items"] += 1
        elif kind == "http":
            self._replay_request(entry)
        elif kind == "s3":
            from moto.s3.models import s3_backends

            s3 = s3_backends[self.account]["aws"]
            if entry["bucket"] in s3.buckets:
                s3.put_object(entry["bucket"], entry["key"], base64.b64decode(entry["body"]))
        elif kind == "schedule":
            from moto.scheduler.models import scheduler_backends

            s = entry["s"]
            backend = scheduler_backends[self.account][self.region]
            if (
                s["GroupName"] in backend.schedule_groups
                and s["Name"] not in backend.schedule_groups[s["GroupName"]].schedules
            ):
                backend.create_schedule(
                    description=s.get("Description"),
                    end_date=s.get("EndDate"),
                    flexible_time_window=s.get("FlexibleTimeWindow"),
                    group_name=s["GroupName"],
                    kms_key_arn=s.get("KmsKeyArn"),
                    name=s["Name"],
                    schedule_expression=s["ScheduleExpression"],
                    schedule_expression_timezone=s.get("ScheduleExpressionTimezone"),
                    start_date=s.get("StartDate"),
                    state=s.get("State"),
                    target=s["Target"],
                    action_after_completion=s.get("ActionAfterCompletion"),
                )

    def _collapse_schedule(self, entry: dict[str, Any]) -> bool:
        """Scheduler writes only matter in their last state per schedule (a timer made, moved and
        deleted many times over a session): kept aside, applied once at the end of the replay."""
        if entry.get("k") != "http" or entry.get("svc") != "scheduler" or not entry["p"].startswith("/schedules/"):
            return False
        name = entry["p"].rsplit("/", 1)[1]
        if entry["m"] == "DELETE":
            from urllib.parse import parse_qs

            group = (parse_qs(entry["q"]).get("groupName") or ["default"])[0]
            self._schedules[(group, name)] = None
        else:
            body = json.loads(base64.b64decode(entry["b"]) or b"{}")
            group = body.get("GroupName") or "default"
            self._schedules[(group, name)] = body | {"Name": name, "GroupName": group}
        self.replayed["requests"] += 1
        return True

    def _apply_schedules(self) -> None:
        from moto.scheduler.models import scheduler_backends

        backend = scheduler_backends[self.account][self.region]
        for (group, name), body in self._schedules.items():
            existing = backend.schedule_groups.get(group)
            if existing is not None and name in existing.schedules:
                backend.delete_schedule(group, name)
            if body is not None:
                self._apply({"k": "schedule", "s": body})
        self._schedules = {}

    def _replay_request(self, entry: dict[str, Any]) -> None:
        from werkzeug.test import EnvironBuilder, run_wsgi_app

        body = base64.b64decode(entry["b"])
        if entry.get("svc") == "cognito-idp":
            if entry.get("pool") and self.user_pool:
                body = body.replace(entry["pool"].encode(), self.user_pool.encode())
            self._cognito.append(entry | {"b": base64.b64encode(body).decode(), "pool": self.user_pool})
        headers = {k: v for k, v in entry["h"].items() if k not in ("CONTENT-LENGTH", "TRANSFER-ENCODING")}
        builder = EnvironBuilder(
            method=entry["m"], path=entry["p"], query_string=entry["q"], headers=headers, data=body
        )
        try:
            _iterable, status, _headers = run_wsgi_app(self._app, builder.get_environ(), buffered=True)
        finally:
            builder.close()
        if not status.startswith("2"):
            LOG.debug("replayed %s %s: %s (already as it should be)", entry["m"], entry["p"], status)
        self.replayed["requests"] += 1

    # --- compaction -----------------------------------------------------------------------
    def compact(self, buckets: list[str], schedule_group: str) -> None:
        """Everything the emulator holds now into a new snapshot; then the journal starts empty."""
        from moto.s3.models import s3_backends
        from moto.scheduler.models import scheduler_backends

        tmp = self.snapshot_path.with_suffix(".tmp")
        with self._gate, patches.table_writes(), tmp.open("wb") as out:

            def put(entry: dict[str, Any]) -> None:
                out.write(json.dumps(entry, separators=(",", ":")).encode() + b"\n")

            for name, table in self._tables().items():
                batch: list[dict[str, Any]] = []
                for item in table.all_items():
                    batch.append({"t": name, "p": item.to_json()["Attributes"]})
                    if len(batch) == 500:
                        put({"k": "items", "c": batch})
                        batch = []
                if batch:
                    put({"k": "items", "c": batch})
            s3 = s3_backends[self.account]["aws"]
            for bucket in buckets:
                if bucket not in s3.buckets:
                    continue
                for key, obj in list(s3.buckets[bucket].keys.items()):
                    if obj is None or not hasattr(obj, "value"):
                        continue
                    put({"k": "s3", "bucket": bucket, "key": key, "body": base64.b64encode(obj.value).decode()})
            group = scheduler_backends[self.account][self.region].schedule_groups.get(schedule_group)
            for schedule in list(group.schedules.values()) if group else []:
                put({"k": "schedule", "s": schedule.to_dict()})
            for entry in self._cognito:
                put(entry)
            for number, stream in sorted(self.pending.items()):
                put({"k": "stream", "n": number, "st": stream})
            out.flush()
            os.fsync(out.fileno())
            tmp.replace(self.snapshot_path)
            dir_fd = os.open(self.dir, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            self.journal.truncate()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self.recording = False
        patches.remove_change_listener(self._on_change)
        patches.remove_change_listener(self._on_delivered)
        if self._syncer is not None:
            self._syncer.join(timeout=2)
        self.journal.close()
