"""The whole system on one machine: moto server + the deployed stack + handlers + front + pump.

Started by `desk serve` (what `make run` runs) and by the end-to-end tests. Settings:
DESK_HTTP_PORT (8080), DESK_SMTP_PORT (2525), DESK_DATA_DIR (.desk-data), DESK_CHANNELS_FILE
(config/channels.local.json), DESK_CLOCK_SPEED (1: real time), DESK_CLOCK_START (an ISO instant
the clock reads once the system is ready, e.g. a few minutes before a team's daily report; only
forward from real time).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra import names

from .clock import FastClock
from .front import StaticAnswer
from .lambdas import LambdaRunner
from .stack import ACCOUNT, REGION, LocalStack, deploy, put_channel_secrets

DEMO_PASSWORD = "Desk-demo-2026!"
ALL_TEAMS = "*"  # demo users in every team of the policy
# user -> (role group, teams): `agent` and `supervisor` work every queue so the walkthrough reaches
# any inquiry; `orders-agent` and `complaints-supervisor` show access by team (R8.2).
DEMO_USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "agent": ("agents", (ALL_TEAMS,)),
    "supervisor": ("supervisors", (ALL_TEAMS,)),
    "admin": ("admins", ()),
    "orders-agent": ("agents", ("orders",)),
    "complaints-supervisor": ("supervisors", ("complaints",)),
    "product": ("product", ()),  # product staff: the knowledge base only (R7.2)
}
# The only Cognito calls the sign-in path passes on: what a browser needs for its own session.
SIGN_IN_CALLS = frozenset(
    {
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GetTokensFromRefreshToken",
        "GlobalSignOut",
        "ChangePassword",
        "RevokeToken",
        "GetUser",
    }
)
SIGN_IN_FLOWS = frozenset({"USER_PASSWORD_AUTH", "USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"})
PERSISTED_TABLES = (names.OUT_TABLE, names.OUT_IDEMPOTENCY_TABLE)


@dataclass
class LocalOptions:
    http_port: int = 8080
    smtp_port: int = 2525
    data_dir: Path = field(default_factory=lambda: names.ROOT / ".desk-data")
    channels_file: Path = field(default_factory=lambda: names.ROOT / "config" / "channels.local.json")
    clock_speed: float = 1.0
    clock_start: datetime | None = None
    stack_name: str = "InquiryDesk"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> LocalOptions:
        env = dict(os.environ if env is None else env)
        opts = cls()
        if env.get("DESK_HTTP_PORT"):
            opts.http_port = int(env["DESK_HTTP_PORT"])
        if env.get("DESK_SMTP_PORT"):
            opts.smtp_port = int(env["DESK_SMTP_PORT"])
        if env.get("DESK_DATA_DIR"):
            opts.data_dir = Path(env["DESK_DATA_DIR"])
        if env.get("DESK_CHANNELS_FILE"):
            opts.channels_file = Path(env["DESK_CHANNELS_FILE"])
        if env.get("DESK_CLOCK_SPEED"):
            opts.clock_speed = float(env["DESK_CLOCK_SPEED"])
        if env.get("DESK_CLOCK_START"):
            start = datetime.fromisoformat(env["DESK_CLOCK_START"].replace("Z", "+00:00"))
            opts.clock_start = start if start.tzinfo else start.replace(tzinfo=UTC)
        return opts


class LocalSystem:
    def __init__(self, options: LocalOptions) -> None:
        self.options = options
        self.clock = FastClock(options.clock_speed)
        self.runner = LambdaRunner()
        self.stack: LocalStack | None = None
        self._threads: list[threading.Thread] = []
        self._moto: Any = None
        self._front: Any = None
        self.sink: Any = None
        self._smtp: Any = None
        self.pump: Any = None
        self.endpoint = ""
        self.state: Any = None
        self.phases: dict[str, float] = {}
        self.restored_in = 0.0
        self.ready = threading.Event()

    # --- start / stop ------------------------------------------------------------------------
    def start(self) -> None:
        import logging
        import warnings

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", module=r"moto\..*")
        warnings.filterwarnings("ignore", message=".*(CloudFormation|empty metrics|Lambda context).*")

        os.environ.update(
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
            AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
            MOTO_ACCOUNT_ID=ACCOUNT,
        )
        from . import emulator_patches
        from .persistence import DurableState

        emulator_patches.apply_all()  # refuses a moto release the patches were not written for
        self.state = DurableState(self.options.data_dir, ACCOUNT, REGION)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        self._moto._server.app = self.state.wrap(self._moto._server.app)
        host, port = self._moto.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        os.environ["AWS_ENDPOINT_URL"] = self.endpoint
        os.environ["MOTO_PORT"] = str(port)  # where moto's Step Functions engine calls Lambda back
        self._configure_moto()

        import boto3
        from inquiry_desk.model import set_clock

        set_clock(self.clock.now)
        self.session = boto3.session.Session(region_name=REGION)
        started = time.monotonic()
        self.stack = deploy(self.session, self.options.stack_name)
        self.phases["deploy"] = time.monotonic() - started
        self._own_signing_key()
        self._function_environment()
        self.runner.warm_up()  # the first inquiry's deadlines must not wait on imports (seconds)
        self.runner.install_moto_hook()
        self._keep_secrets()
        self._load_channels()
        self._demo_users()
        self._restore()
        self.state.compactor = self._compact
        self.state.start_recording()
        self.redelivered = self.state.redeliver()
        if self.options.clock_start is not None and self.options.clock_start > self.clock.now():
            self.clock.advance(self.options.clock_start - self.clock.now())  # before anything fires
        self._start_front()
        self._point_senders_at_sink()
        self._start_smtp()
        self._start_pump()
        self._write_discovery()
        import gc

        gc.freeze()  # the restored data lives as long as the process: the collector skips it
        self.ready.set()

    def stop(self) -> None:
        if self.pump is not None:
            self.pump.stop()
        if self._smtp is not None:
            self._smtp.stop()
        if self._front is not None:
            self._front.shutdown()
        if self.stack is not None and self.state is not None:
            from .emulator_patches import drain_streams

            with contextlib.suppress(TimeoutError):
                drain_streams(timeout=20)
            self._compact()
            self.state.close()
        if self._moto is not None:
            self._moto.stop()
        from inquiry_desk.model import set_clock

        set_clock(None)

    def _configure_moto(self) -> None:
        import requests

        from .emulator_patches import deliver_streams_asynchronously

        deliver_streams_asynchronously()
        self._scale_step_function_waits()  # DESK_CLOCK_SPEED scales Step Functions waits too

        requests.post(
            f"{self.endpoint}/moto-api/config",
            json={
                "stepfunctions": {"execute_state_machine": True},
            },
            timeout=5,
        )

    def _scale_step_function_waits(self) -> None:
        from .harness import scale_step_function_waits

        scale_step_function_waits(self.clock.speed)

    def _function_environment(self) -> None:
        """The handlers run in this process: give them their functions' environment."""
        assert self.stack is not None
        for config in self.stack.functions.values():
            for key, value in config.get("Environment", {}).get("Variables", {}).items():
                if key not in ("DESK_FUNCTION", "POWERTOOLS_SERVICE_NAME"):
                    os.environ[key] = value
        os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "inquiry-desk-local")
        os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "InquiryDesk")
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

    def _keep_secrets(self) -> None:
        """The secrets' values generated at the first start stay: kept in the data directory (owner
        read only; the emulator's Secrets Manager is made anew at each start) and put back."""
        from inquiry_desk.channels.config import SECRET_SECTIONS

        assert self.stack is not None
        prefix = self.stack.outputs[names.OUT_CHANNELS_SECRETS_PREFIX]
        kept = self.options.data_dir / "state" / "secrets.json"
        client = self.session.client("secretsmanager")
        if kept.exists():
            for section, value in json.loads(kept.read_text()).items():
                client.put_secret_value(SecretId=f"{prefix}{section}", SecretString=value)
            return
        values = {s: client.get_secret_value(SecretId=f"{prefix}{s}")["SecretString"] for s in SECRET_SECTIONS}
        kept.parent.mkdir(parents=True, exist_ok=True)
        fresh = kept.with_suffix(".tmp")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(values, out)
            out.flush()
            os.fsync(out.fileno())
        fresh.replace(kept)

    def _load_channels(self) -> None:
        """Channel credentials go where the handlers read them on AWS: a secret per channel. Ours
        (chat, marketplace, survey key) were generated at the first start; the file's keys go over."""
        assert self.stack is not None
        path = self.options.channels_file
        if not path.exists():
            raise SystemExit(f"channels file {path} not found (set DESK_CHANNELS_FILE)")
        try:
            content = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise SystemExit(f"channels file {path} is not JSON: {err}") from None
        try:
            put_channel_secrets(self.session, self.stack.outputs[names.OUT_CHANNELS_SECRETS_PREFIX], content)
        except ValidationError as err:  # the values themselves stay out of the message
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
            raise SystemExit(f"channels file {path}: {problems}") from None

    def _own_signing_key(self) -> None:
        """Tokens are signed with a key made here, at each start, never moto's published one: a
        token forged with the emulator's built-in key is refused by the front."""
        from joserfc.jwk import RSAKey
        from moto.cognitoidp.models import cognitoidp_backends

        assert self.stack is not None
        key = RSAKey.generate_key(2048, parameters={"kid": "desk-local", "alg": "RS256", "use": "sig"})
        pool = cognitoidp_backends[ACCOUNT][REGION].user_pools[self.stack.outputs[names.OUT_USER_POOL_ID]]
        pool.json_web_key = key
        self.signing_public_pem: bytes = key.as_pem(private=False)

    def _demo_users(self) -> None:
        from inquiry_desk.access.rules import TEAM_GROUP_PREFIX

        assert self.stack is not None
        idp = self.session.client("cognito-idp")
        pool = self.stack.outputs[names.OUT_USER_POOL_ID]
        for user, (group, teams) in DEMO_USERS.items():
            idp.admin_create_user(
                UserPoolId=pool,
                Username=user,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": f"{user}@desk.local"},
                    {"Name": "email_verified", "Value": "true"},
                ],
            )
            idp.admin_set_user_password(UserPoolId=pool, Username=user, Password=DEMO_PASSWORD, Permanent=True)
            idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=group)
            for team in names.policy_teams() if ALL_TEAMS in teams else teams:
                idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=f"{TEAM_GROUP_PREFIX}{team}")

    def token(self, user: str, password: str = DEMO_PASSWORD) -> str:
        assert self.stack is not None
        idp = self.session.client("cognito-idp")
        got = idp.initiate_auth(
            ClientId=self.stack.outputs[names.OUT_USER_POOL_CLIENT_ID],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": user, "PASSWORD": password},
        )
        return str(got["AuthenticationResult"]["IdToken"])

    # --- persistence (persistence.py: journal + snapshot) -----------------------------------
    def _restore(self) -> None:
        """The snapshot and the journal back into the emulator, then one compact snapshot."""
        assert self.stack is not None
        self.state.user_pool = self.stack.outputs[names.OUT_USER_POOL_ID]
        started = time.monotonic()
        loaded = self._restore_saved_tables()
        self.state.restore()
        if loaded or self.state.journal.size() > 16 * 1024 * 1024:
            self._compact()  # a long journal (a crash after a busy session): one snapshot again
        for source in loaded:
            source.rename(source.with_suffix(".json.loaded"))
        self.restored_in = self.phases["restore"] = time.monotonic() - started

    def _compact(self) -> None:
        assert self.stack is not None
        self.state.compact([self.stack.outputs[names.OUT_MAIL_BUCKET]], self.stack.outputs[names.OUT_SCHEDULE_GROUP])

    def _restore_saved_tables(self) -> list[Path]:
        """Data saved by earlier versions (tables/*.json, written on a clean stop): loaded once."""
        from .emulator_patches import put_restored, table_writes

        assert self.stack is not None
        legacy = self.options.data_dir / "tables"
        tables = self.state._tables()
        loaded = []
        for key in PERSISTED_TABLES:
            source = legacy / f"{key}.json"
            if not source.exists():
                continue
            table = tables[self.stack.outputs[key]]
            with table_writes():
                for item in json.loads(source.read_text())["items"]:
                    put_restored(table, item)
            loaded.append(source)
        return loaded

    # --- HTTP --------------------------------------------------------------------------------
    def _start_front(self) -> None:
        from .front import Front, TokenVerifier
        from .routes import routes_from_template

        assert self.stack is not None
        pool = self.stack.outputs[names.OUT_USER_POOL_ID]
        verifier = TokenVerifier(
            self.signing_public_pem,
            f"https://cognito-idp.{REGION}.amazonaws.com/{pool}",
            self.stack.outputs[names.OUT_USER_POOL_CLIENT_ID],
        )

        def static(path: str) -> StaticAnswer | None:
            if path == "/health":
                ok = self.ready.is_set()
                return (
                    (200 if ok else 503),
                    "application/json",
                    json.dumps({"status": "ok" if ok else "starting", "clock": self.clock.now().isoformat()}).encode(),
                )
            return self._console(path)

        from .sink import ChannelSink

        self.sink = ChannelSink(self.options.data_dir)

        def extra(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes] | None:
            if method == "POST" and path == "/_cognito":
                return self._cognito(headers, body)
            return self.sink.handle(method, path, headers, body)

        self._front = Front(
            "127.0.0.1",
            self.options.http_port,
            self.runner.invoke,
            lambda: verifier,
            static,
            routes_from_template(self.stack.template),
            extra=extra,
            durable=self.state.sync,
        )
        thread = threading.Thread(target=self._front.serve_forever, name="desk-front", daemon=True)
        thread.start()
        self._threads.append(thread)

    def _console(self, path: str) -> StaticAnswer | None:
        """The agents' console (built from console/ by `make setup`) and its config: where to sign
        in, where the API is. Same-origin here, so the CSP allows only 'self'."""
        if path in ("/", "/console"):
            return 302, "text/plain", b""
        if not path.startswith("/console/"):
            return None
        assert self.stack is not None
        headers = {
            "Content-Security-Policy": names.console_csp(""),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-cache",
        }
        name = path.removeprefix("/console/") or "index.html"
        if name == "config.json":
            from inquiry_desk.deadlines.policy import load_policy, shipped_policy_path
            from inquiry_desk.outbox.decision import reply_windows

            policy = load_policy(shipped_policy_path())
            body = {
                "cognitoEndpoint": f"{self.http_url}/_cognito",
                "apiBase": self.http_url,
                "region": REGION,
                "clientId": self.stack.outputs[names.OUT_USER_POOL_CLIENT_ID],
                "teams": sorted({c.team for c in policy.categories.values()}),
                "peakWaiting": policy.queues.peak_waiting,
                "replyWindowHours": reply_windows(os.environ),
            }
            return 200, "application/json", json.dumps(body).encode(), headers
        root = names.CONSOLE_BUILD_DIR.resolve()
        if not (root / "index.html").exists():
            return 503, "text/plain; charset=utf-8", b"The console is not built: run `make setup`.", headers
        file = (root / name).resolve()
        if not file.is_relative_to(root) or not file.is_file():
            return 404, "text/plain", b"not found", headers
        types = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css"}
        return 200, types.get(file.suffix, "application/octet-stream"), file.read_bytes(), headers

    def _cognito(self, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
        """Same-origin path to the emulated Cognito (on AWS the console calls Cognito directly).

        Only a browser's own session calls pass (sign-in, challenge answers, refresh, sign-out,
        changing one's own password): every admin, sign-up or user-management call is refused."""
        import requests

        target = {k.lower(): v for k, v in headers.items()}.get("x-amz-target", "")
        service, _, call = target.partition(".")
        if service != "AWSCognitoIdentityProviderService":
            return 400, "application/json", b'{"error": "bad_request", "reason": "not a Cognito call"}'
        if call not in SIGN_IN_CALLS:
            reason = f"{call or 'this call'} is not part of signing in; only {', '.join(sorted(SIGN_IN_CALLS))} pass"
            return 403, "application/json", json.dumps({"error": "forbidden", "reason": reason}).encode()
        if call == "InitiateAuth":
            try:
                flow = json.loads(body).get("AuthFlow")
            except (ValueError, AttributeError):
                flow = None
            if flow not in SIGN_IN_FLOWS:
                reason = f"sign-in flow {flow!r} is not allowed here"
                return 403, "application/json", json.dumps({"error": "forbidden", "reason": reason}).encode()
        got = requests.post(
            self.endpoint,
            data=body,
            timeout=10,
            headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
        )
        return got.status_code, "application/x-amz-json-1.1", got.content

    def _point_senders_at_sink(self) -> None:
        """Replies go to the channel sink, which records what each customer would have received."""
        base = f"{self.http_url}/_sink"
        os.environ.update(
            DESK_WECHAT_API_BASE=f"{base}/wechat",
            DESK_META_API_BASE=f"{base}/meta",
            DESK_TWILIO_API_BASE=f"{base}/twilio",
            DESK_CHAT_CALLBACK_URL=f"{base}/chat/callback",
            DESK_MARKETPLACE_CALLBACK_URL=f"{base}/marketplace/callback",
            DESK_MAIL_FROM=os.environ.get("DESK_MAIL_FROM", "support@shop.example"),
            DESK_SURVEY_BASE_URL=self.http_url,  # survey links point at this front
            DESK_CONSOLE_URL=f"{self.http_url}/console/",  # the daily report e-mail's links
        )
        from inquiry_desk.runtime import settings

        settings.reset()  # the warm-up parsed settings before the front had its port: parse them again
        self.session.client("ses").verify_email_identity(EmailAddress=os.environ["DESK_MAIL_FROM"])
        from .emulator_patches import record_sent_mail

        record_sent_mail(self.sink.record_email)

    def _start_smtp(self) -> None:
        from .smtp import SmtpListener

        assert self.stack is not None
        fn = self.stack.functions["intake_email"]
        port = self.options.smtp_port
        if port == 0:  # aiosmtpd cannot report an ephemeral port: pick a free one
            import socket

            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = int(probe.getsockname()[1])
        self._smtp = SmtpListener(
            port,
            self.session.client("s3"),
            self.stack.outputs[names.OUT_MAIL_BUCKET],
            lambda event: self.runner.invoke("intake_email", event, fn["FunctionArn"]),
            fn["FunctionArn"],
            durable=self.state.sync,
        )
        self._smtp.start()

    def _start_pump(self) -> None:
        from .pump import Pump

        assert self.stack is not None
        by_arn = {fn["FunctionArn"]: name for name, fn in self.stack.functions.items()}

        def invoke(arn: str, event: Any) -> Any:
            name = by_arn.get(arn) or by_arn.get(arn.rsplit(":", 1)[0])
            if name is None:
                raise RuntimeError(f"no local function for {arn}")
            return self.runner.invoke(name, event, arn)

        self.pump = Pump(self.session, self.clock.now, invoke, self.stack.outputs[names.OUT_SCHEDULE_GROUP])
        self.pump.start()

    def startup_report(self) -> str:
        done = self.state.replayed if self.state is not None else {"items": 0, "requests": 0}
        return f"restored {done['items']} item images and {done['requests']} requests; " + ", ".join(
            f"{k} {v:.1f} s" for k, v in self.phases.items()
        )

    @property
    def smtp_port(self) -> int:
        return self._smtp.port if self._smtp else 0

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self._front.port}" if self._front else ""

    def _write_discovery(self) -> None:
        """Where the `desk` CLI finds the running local system."""
        assert self.stack is not None
        self.options.data_dir.mkdir(parents=True, exist_ok=True)
        pointer = names.ROOT / ".desk-data" / "running.json"  # lets `desk` find a non-default data dir
        pointer.parent.mkdir(parents=True, exist_ok=True)
        pointer.write_text(json.dumps({"data_dir": str(self.options.data_dir.resolve())}))
        (self.options.data_dir / "local.json").write_text(
            json.dumps(
                {
                    "endpoint": self.endpoint,
                    "smtp_port": self.smtp_port,
                    "http": self.http_url,
                    "outputs": self.stack.outputs,
                    "pid": os.getpid(),
                    "started": time.time(),
                },
                indent=2,
            )
        )
