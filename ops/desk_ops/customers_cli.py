"""`desk customers erase ID --reason ...`: erase a customer's personal data on request (R8.2).

The same erasure as the admin API (`POST /api/customers/<id>/erase`): table and mail bucket; each
of the customer's inquiries keeps a `customer_erased` tombstone naming the operator and reason.
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any

from infra import names


def _clients(stack: str | None) -> tuple[Any, Any, dict[str, str]]:
    import boto3

    from desk_ops.cli import CliError, _local

    if stack:
        try:
            described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        except Exception as err:
            raise CliError(f"cannot read stack {stack}: {err}") from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        return boto3.client("dynamodb"), boto3.client("s3"), outputs
    info, db = _local("dynamodb")
    _, s3 = _local("s3")
    return db, s3, info["outputs"]


def cmd_erase(args: argparse.Namespace) -> int:
    from inquiry_desk.errors import DeskError
    from inquiry_desk.model import utc_now
    from inquiry_desk.runtime.composition import eraser_for

    from desk_ops.cli import CliError

    db, s3, outputs = _clients(args.stack)
    eraser = eraser_for(
        db,
        s3,
        outputs[names.OUT_TABLE],
        outputs.get(names.OUT_MAIL_BUCKET),
        names.MAIL_PREFIX,
        outputs.get(names.OUT_ARCHIVE_BUCKET),
    )
    try:
        done = eraser.erase(args.customer_id, f"operator:{getpass.getuser()}", utc_now(), args.reason)
    except DeskError as err:
        raise CliError(err.reason) from None
    print(json.dumps(done.__dict__, indent=2))
    return 0


def register(sub: Any) -> None:
    customers = sub.add_parser("customers", help="customers' personal data")
    csub = customers.add_subparsers(dest="customers_command", required=True)
    erase = csub.add_parser("erase", help="erase a customer's personal data on request (audited)")
    erase.add_argument("customer_id")
    erase.add_argument("--reason", required=True, help="the customer's request (e.g. its ticket number)")
    erase.add_argument("--stack", default=None, help="a deployed stack's name (default: the local system)")
    erase.set_defaults(func=cmd_erase)
