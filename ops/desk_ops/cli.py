"""`desk`: the operator's command line.

  desk serve                      start the local system (what `make run` runs)
  desk token [--user agent]       print an ID token for a demo user of the local system
  desk secret SECTION KEY         print one value of the local system's secrets (to sign a demo webhook)
  desk inquiries list [--json]    recent inquiries
  desk inquiries show ID [--json] one inquiry with its timeline
  desk inquiries restore ID       put an archived inquiry back into the table (README, Backups and restore)
  desk sla ...                    validate a policy, explain an inquiry's deadlines
  desk report daily --date D      a report in the terminal + an offline chart page (see report_cli)
  desk orders import FILE.csv     feed the shop's orders (see orders_cli)

Against the local system by default (found through DESK_DATA_DIR/local.json); against a deployed
stack with `--stack NAME` and the usual AWS credentials.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from infra import names


class CliError(Exception):
    pass


DEFAULT_DATA_DIR = names.ROOT / ".desk-data"
RUNNING_POINTER = DEFAULT_DATA_DIR / "running.json"  # `desk serve` names its data directory here


def _data_dir() -> Path:
    """The running local system's data directory: DESK_DATA_DIR if set, else the default one, else
    the one the last `desk serve` (started with any DESK_DATA_DIR) recorded."""
    if os.environ.get("DESK_DATA_DIR"):
        return Path(os.environ["DESK_DATA_DIR"])
    if (DEFAULT_DATA_DIR / "local.json").exists() or not RUNNING_POINTER.exists():
        return DEFAULT_DATA_DIR
    return Path(json.loads(RUNNING_POINTER.read_text())["data_dir"])


def _local(service: str) -> tuple[dict[str, Any], Any]:
    """The running local system's discovery record and a client of its embedded AWS."""
    import boto3

    discovery = _data_dir() / "local.json"
    if not discovery.exists():
        raise CliError(f"no local system found ({discovery} missing): start it with `make run`, or pass --stack")
    info: dict[str, Any] = json.loads(discovery.read_text())
    client = boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=info["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return info, client


def _repository(stack: str | None) -> Any:
    import boto3
    from inquiry_desk.adapters.dynamo import DynamoInquiryRepository

    if stack:
        cfn = boto3.client("cloudformation")
        try:
            described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        except Exception as err:
            raise CliError(f"cannot read stack {stack}: {err}") from None
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        return DynamoInquiryRepository(boto3.client("dynamodb"), outputs[names.OUT_TABLE])
    info, client = _local("dynamodb")
    try:
        client.describe_table(TableName=info["outputs"][names.OUT_TABLE])
    except Exception:
        raise CliError("the local system is not running: start it with `make run`") from None
    return DynamoInquiryRepository(client, info["outputs"][names.OUT_TABLE])


def cmd_serve(args: argparse.Namespace) -> int:
    from desk_ops.local.system import DEMO_PASSWORD, DEMO_USERS, LocalOptions, LocalSystem

    options = LocalOptions.from_env()
    if args.clock_speed:
        options.clock_speed = args.clock_speed
    if args.port:
        options.http_port = args.port
    options.data_dir.mkdir(parents=True, exist_ok=True)
    log_path = options.data_dir / "desk.log"
    # The terminal gets the banner; the emulator's warnings, CDK's output and every handler's log
    # and metric line go to the log file (file descriptors 1 and 2, so child processes' too).
    terminal = os.fdopen(os.dup(1), "w", buffering=1)
    if not args.verbose:
        log = open(log_path, "a", buffering=1)  # noqa: SIM115 - open for the process's life
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)

    def say(text: str) -> None:
        print(text, file=terminal, flush=True)

    say(f"Starting Inquiry Desk locally (clock x{options.clock_speed:g}); log: {log_path}")
    system = LocalSystem(options)
    try:
        system.start()
    except Exception as err:
        say(f"desk: the local system did not start: {err}\n(see {log_path})")
        return 1
    url = system.http_url
    port = url.rsplit(":", 1)[-1]
    users = ", ".join(
        f"{u} ({role or 'no role'}{': ' + ', '.join(teams) if teams and teams != ('*',) else ''})"
        for u, (role, teams) in DEMO_USERS.items()
    )
    say(
        f"""
Inquiry Desk is running (clock x{options.clock_speed:g}).

  console        {url}/console/
  agents' API    {url}/api/...          (Cognito ID token: desk token --user agent)
  webhooks       {url}/webhooks/{{chat,wechat,meta,twilio,marketplace}}
  inbound mail   SMTP 127.0.0.1:{system.smtp_port}  (as SES receives it)
  health         {url}/health
  demo users     {users}; password {DEMO_PASSWORD}
  data           {options.data_dir}   (journaled before each answer; {system.startup_report()})
  log            {log_path}

Next, in another terminal (README, "Try it by hand"):
  export DESK_HTTP_PORT={port}
  .venv/bin/desk inquiries list
  TOKEN=$(.venv/bin/desk token --user agent); curl -s -H "Authorization: Bearer $TOKEN" {url}/api/inquiries
  open {url}/console/ and sign in as agent
Ctrl-C stops it."""
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    say("Stopping: compacting the journal into a snapshot ...")
    system.stop()
    say("Stopped.")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from desk_ops.local.system import DEMO_PASSWORD

    info, idp = _local("cognito-idp")
    try:
        got = idp.initiate_auth(
            ClientId=info["outputs"][names.OUT_USER_POOL_CLIENT_ID],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": args.user, "PASSWORD": args.password or DEMO_PASSWORD},
        )
    except Exception as err:
        raise CliError(f"sign-in failed: {err}") from None
    print(got["AuthenticationResult"]["IdToken"])
    return 0


def cmd_secret(args: argparse.Namespace) -> int:
    """One value of a local secret (chat secret, marketplace secret...): the local system only; on
    AWS read it with `aws secretsmanager get-secret-value` under your own rights."""
    info, client = _local("secretsmanager")
    name = f"{info['outputs'][names.OUT_CHANNELS_SECRETS_PREFIX]}{args.section}"
    try:
        value = json.loads(client.get_secret_value(SecretId=name)["SecretString"] or "{}")
    except client.exceptions.ResourceNotFoundException:
        raise CliError(f"no secret {args.section}") from None
    if args.key not in value:
        raise CliError(f"the {args.section} secret has no {args.key} (it has: {', '.join(sorted(value)) or 'nothing'})")
    print(value[args.key])
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from inquiry_desk.model import utc_now

    found = _repository(args.stack).recent(utc_now() - timedelta(days=args.days), args.limit)
    if args.json:
        print(json.dumps({"inquiries": [i.model_dump(mode="json") for i in found]}, ensure_ascii=False, indent=2))
    else:
        for i in found:
            print(
                f"{i.inquiry_id}  {i.received_at:%Y-%m-%d %H:%M}  {i.channel.value:<11} {i.status.value:<20} "
                f"{i.urgency.value:<6} {i.team or '-':<12} {i.description[:50]!r}"
            )
    return 0


def _archive(stack: str | None) -> Any:
    """The archive bucket of closed inquiries past the retention age (R8.1), or None."""
    import boto3
    from inquiry_desk.adapters.archive import S3Archive

    if stack:
        described = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        client = boto3.client("s3")
    else:
        info, client = _local("s3")
        outputs = info["outputs"]
    bucket = outputs.get(names.OUT_ARCHIVE_BUCKET)
    return S3Archive(client, bucket) if bucket else None


def cmd_restore(args: argparse.Namespace) -> int:
    """An archived inquiry back into the table, whole (R8.1): `desk inquiries show` then reads it there."""
    import boto3
    from inquiry_desk.adapters.archive import InquiryInTable, S3Archive

    if args.stack:
        described = boto3.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        s3, db = boto3.client("s3"), boto3.client("dynamodb")
    else:
        info, s3 = _local("s3")
        outputs, (_, db) = info["outputs"], _local("dynamodb")
    archive = S3Archive(s3, outputs[names.OUT_ARCHIVE_BUCKET], db, outputs[names.OUT_TABLE])
    try:
        timeline = archive.restore(args.inquiry_id)
    except InquiryInTable as err:
        raise CliError(str(err)) from None
    if timeline is None:
        raise CliError(f"no archived inquiry {args.inquiry_id}")
    print(
        f"restored {args.inquiry_id}: {len(timeline.events)} events, {len(timeline.messages)} messages "
        "(the archived copy stays)"
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    timeline = _repository(args.stack).timeline(args.inquiry_id)
    archived = False
    if timeline is None:
        archive = _archive(args.stack)
        timeline = archive.get(args.inquiry_id) if archive is not None else None
        archived = timeline is not None
    if timeline is None:
        raise CliError(f"no inquiry {args.inquiry_id}")
    body = {
        "archived": archived,
        "inquiry": timeline.inquiry.model_dump(mode="json"),
        "events": [e.model_dump(mode="json") for e in timeline.events],
        "messages": [m.model_dump(mode="json") for m in timeline.messages],
    }
    if args.json:
        print(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        i = timeline.inquiry
        print(f"{i.inquiry_id} [{i.status.value}] {i.channel.value} {i.category} {i.urgency.value} team={i.team}")
        for e in timeline.events:
            print(f"  {e.at:%Y-%m-%d %H:%M:%S} #{e.seq} {e.type.value} by {e.actor} {e.data or ''}")
        for m in timeline.messages:
            print(f"  {m.at:%Y-%m-%d %H:%M:%S} {m.direction.value}: {m.body[:80]!r}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desk", description="Inquiry Desk operator CLI")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the local system on the embedded AWS")
    serve.add_argument(
        "--clock-speed",
        type=float,
        default=None,
        help="run the clock this many times faster than real time (DESK_CLOCK_SPEED)",
    )
    serve.add_argument("--port", type=int, default=None, help="HTTP port (DESK_HTTP_PORT, default 8080)")
    serve.add_argument(
        "--verbose", action="store_true", help="emulator and handler logs on the terminal, not the log file"
    )
    serve.set_defaults(func=cmd_serve)

    token = sub.add_parser("token", help="print a demo user's ID token (local system)")
    token.add_argument("--user", default="agent")
    token.add_argument("--password", default=None)
    token.set_defaults(func=cmd_token)

    secret = sub.add_parser("secret", help="print one value of a local secret (to sign a demo webhook)")
    from inquiry_desk.channels.config import SECRET_SECTIONS

    secret.add_argument("section", choices=SECRET_SECTIONS)
    secret.add_argument("key", help="e.g. secret (chat, marketplace), app_secret (meta), auth_token (twilio)")
    secret.set_defaults(func=cmd_secret)

    inquiries = sub.add_parser("inquiries", help="read inquiries")
    isub = inquiries.add_subparsers(dest="inquiries_command", required=True)
    for p in (lst := isub.add_parser("list", help="recent inquiries")), (show := isub.add_parser("show")):
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--stack", default=None, help="a deployed stack's name (default: the local system)")
    lst.add_argument("--days", type=int, default=7)
    lst.add_argument("--limit", type=int, default=100)
    lst.set_defaults(func=cmd_list)
    show.add_argument("inquiry_id")
    show.set_defaults(func=cmd_show)
    restore = isub.add_parser("restore", help="put an archived inquiry back into the table")
    restore.add_argument("inquiry_id")
    restore.add_argument("--stack", default=None, help="a deployed stack's name (default: the local system)")
    restore.set_defaults(func=cmd_restore)

    try:
        from desk_ops import sla_cli
    except ImportError:
        sla_cli = None  # type: ignore[assignment]
    if sla_cli is not None:
        sla_cli.register(sub)
    from desk_ops import customers_cli, outbox_cli

    outbox_cli.register(sub)
    customers_cli.register(sub)
    from desk_ops import report_cli

    report_cli.register(sub)
    from desk_ops import triage_cli

    triage_cli.register(sub)
    from desk_ops import knowledge_cli

    knowledge_cli.register(sub)
    from desk_ops import orders_cli

    orders_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if hasattr(signal, "SIGPIPE") and args.command != "serve":
        # `desk ... | head` ends quietly; never for the server, where a client that hangs up must
        # cost one failed write, not the process
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        return int(args.func(args) or 0)
    except CliError as err:
        print(f"desk: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
