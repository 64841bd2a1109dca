"""`desk orders import FILE.csv`: feed the shop's orders from a CSV file (R10.2).

Each row goes through the same authenticated route the shop's system calls
(`PUT /api/orders/{order_number}`, admins), so an imported exception opens its urgent inquiry
exactly as a fed one does. Good rows are imported; each bad row is reported with its row number,
column and reason, and the command exits 1 when any row was refused.

Columns (header row; only `order_number` is required):

    order_number, status, payment_status, customer_name, phone, email, channel_ids, address,
    items, carrier, tracking_number, event_at, event, event_location, exception, exception_detail,
    placed_at

`channel_ids` is `kind:value` pairs separated by `;` (`chat_customer:cust-42;wechat_openid:oAb1`);
`items` is `name*quantity` separated by `;`; times are ISO 8601 with an offset.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote
from urllib.request import Request, urlopen

COLUMNS = (
    "order_number",
    "status",
    "payment_status",
    "customer_name",
    "phone",
    "email",
    "channel_ids",
    "address",
    "items",
    "carrier",
    "tracking_number",
    "event_at",
    "event",
    "event_location",
    "exception",
    "exception_detail",
    "placed_at",
)

# where a field of the order's JSON comes from in the CSV (for error messages)
_COLUMN_OF = {
    "logistics.carrier": "carrier",
    "logistics.tracking_number": "tracking_number",
    "logistics.events.0.at": "event_at",
    "logistics.events.0.description": "event",
    "logistics.events.0.location": "event_location",
    "exception.kind": "exception",
    "exception.detail": "exception_detail",
}


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file (the header is line 1)
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass
class Imported:
    imported: int = 0
    created: int = 0
    exception_inquiries: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


Put = Callable[[str, dict[str, Any]], tuple[int, dict[str, Any]]]


def row_body(row: dict[str, str]) -> dict[str, Any]:
    """One CSV row as the JSON body of `PUT /api/orders/{order_number}`; ValueError(column, reason)."""
    value = {k: (v or "").strip() for k, v in row.items() if k}
    body: dict[str, Any] = {}
    for name in ("status", "payment_status", "customer_name", "phone", "email", "address", "placed_at"):
        if value.get(name):
            body[name] = value[name]
    if value.get("channel_ids"):
        ids = []
        for pair in value["channel_ids"].split(";"):
            kind, sep, ident = pair.strip().partition(":")
            if not sep or not kind or not ident:
                raise ValueError("channel_ids", f"{pair.strip()!r} is not kind:value")
            ids.append({"kind": kind.strip(), "value": ident.strip()})
        body["channel_ids"] = ids
    if value.get("items"):
        items = []
        for piece in value["items"].split(";"):
            name, _, quantity = piece.strip().rpartition("*") if "*" in piece else (piece.strip(), "", "1")
            if not quantity.strip().isdigit():
                raise ValueError("items", f"{piece.strip()!r}: the quantity after * is not a whole number")
            items.append({"name": name.strip(), "quantity": int(quantity)})
        body["items"] = items
    logistics: dict[str, Any] = {}
    if value.get("carrier"):
        logistics["carrier"] = value["carrier"]
    if value.get("tracking_number"):
        logistics["tracking_number"] = value["tracking_number"]
    if value.get("event") or value.get("event_at"):
        event = {"at": value.get("event_at") or None, "description": value.get("event") or None}
        if value.get("event_location"):
            event["location"] = value["event_location"]
        logistics["events"] = [event]
    if logistics:
        body["logistics"] = logistics
    if value.get("exception"):
        body["exception"] = {"kind": value["exception"], "detail": value.get("exception_detail") or None}
    return body


def _column(reason: str, fallback: str = "-") -> tuple[str, str]:
    """The column a refusal names (`phone: ...` or `body.logistics.carrier: ...`) and the rest."""
    where, sep, rest = reason.partition(": ")
    if not sep or " " in where:
        return fallback, reason
    path = where.removeprefix("body.")
    return _COLUMN_OF.get(path, path.split(".")[0]), rest


def _check(body: dict[str, Any]) -> RowError | None:
    """Validate locally what needs no server (types, enums); the server checks the rest."""
    from inquiry_desk.orders.model import OrderRecord
    from pydantic import ValidationError

    try:
        OrderRecord.model_validate(body)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        path = ".".join(str(p) for p in first["loc"])
        return RowError(0, _COLUMN_OF.get(path, path.split(".")[0]), first["msg"])
    return None


def import_rows(rows: Iterable[tuple[int, dict[str, str]]], put: Put, progress: Callable[[], None]) -> Imported:
    import re

    from inquiry_desk.orders.model import ORDER_NUMBER_PATTERN

    done = Imported()
    for line, row in rows:
        try:
            number = (row.get("order_number") or "").strip()
            if not re.match(ORDER_NUMBER_PATTERN, number):
                raise ValueError("order_number", f"{number!r} is not an order number (letters, digits, - and _)")
            body = row_body(row)
        except ValueError as err:
            column, reason = err.args if len(err.args) == 2 else ("-", str(err))
            done.errors.append(RowError(line, column, reason))
            progress()
            continue
        refused = _check(body)
        if refused is not None:
            done.errors.append(RowError(line, refused.column, refused.reason))
            progress()
            continue
        status, answer = put(number, body)
        if status in (200, 201):
            done.imported += 1
            done.created += status == 201
            if answer.get("exception_inquiry"):
                done.exception_inquiries.append(str(answer["exception_inquiry"]))
        else:
            column, reason = _column(str(answer.get("reason") or answer.get("message") or f"HTTP {status}"))
            done.errors.append(RowError(line, column, reason))
        progress()
    return done


def read_rows(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """(line number, row) of every data row, and the header's unknown columns."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if "order_number" not in header:
            raise ValueError("the header row has no order_number column")
        rows = [(reader.line_num, dict(row)) for row in reader]
    return rows, [h for h in header if h not in COLUMNS]


def http_put(base_url: str, token: str) -> Put:
    def put(number: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = Request(
            f"{base_url.rstrip('/')}/api/orders/{quote(number, safe='')}",
            data=json.dumps(body, ensure_ascii=False).encode(),
            method="PUT",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urlopen(request, timeout=30) as answer:  # the desk's own API
                return answer.status, json.loads(answer.read() or b"{}")
        except HTTPError as err:
            try:
                return err.code, json.loads(err.read() or b"{}")
            except ValueError:
                return err.code, {"reason": f"HTTP {err.code}"}
        except URLError as err:
            return 0, {"reason": f"the desk did not answer: {err.reason}"}

    return put


def _local_target(user: str) -> tuple[str, str]:
    from desk_ops.cli import CliError, _local
    from desk_ops.local.system import DEMO_PASSWORD
    from infra import names

    info, idp = _local("cognito-idp")
    try:
        got = idp.initiate_auth(
            ClientId=info["outputs"][names.OUT_USER_POOL_CLIENT_ID],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": DEMO_PASSWORD},
        )
    except Exception as err:
        raise CliError(f"sign-in as {user} failed: {err}") from None
    return str(info["http"]), str(got["AuthenticationResult"]["IdToken"])


def cmd_import(args: argparse.Namespace) -> int:
    import os

    from desk_ops.cli import CliError

    try:
        rows, unknown = read_rows(Path(args.file))
    except (OSError, ValueError, csv.Error) as err:
        raise CliError(f"cannot read {args.file}: {err}") from None
    if unknown:
        print(f"ignoring unknown columns: {', '.join(unknown)}", file=sys.stderr)
    if args.url:
        token = args.token or os.environ.get("DESK_API_TOKEN")
        if not token:
            raise CliError("--url needs --token (or DESK_API_TOKEN): an admin's ID token")
        url = args.url
    else:
        url, token = _local_target(args.user)
    put = http_put(url, token)
    try:
        from rich.progress import Progress

        with Progress(transient=False) as bar:
            task = bar.add_task(f"importing {Path(args.file).name}", total=len(rows))
            done = import_rows(rows, put, lambda: bar.advance(task))
    except ImportError:  # rich is a development tool here; without it, a plain count
        done = import_rows(rows, put, lambda: print(".", end="", file=sys.stderr, flush=True))
    for error in done.errors:
        print(str(error), file=sys.stderr)
    print(
        json.dumps(
            {
                "imported": done.imported,
                "created": done.created,
                "refused": len(done.errors),
                "exception_inquiries": done.exception_inquiries,
            }
        )
    )
    return 1 if done.errors else 0


def register(sub: Any) -> None:
    orders = sub.add_parser("orders", help="the shop's orders (what the bot answers from)")
    osub = orders.add_subparsers(dest="orders_command", required=True)
    imp = osub.add_parser("import", help="import orders from a CSV file (good rows in, bad rows reported)")
    imp.add_argument("file")
    imp.add_argument("--url", default=None, help="a deployed desk's API URL (default: the local system)")
    imp.add_argument("--token", default=None, help="with --url: an admin's ID token (or DESK_API_TOKEN)")
    imp.add_argument("--user", default="admin", help="local system: the demo admin to sign in as")
    imp.set_defaults(func=cmd_import)
