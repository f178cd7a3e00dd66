"""`make fuzz`: schemathesis over the whole API of a running platform, as a member and as staff.

Design
- The run has its own embedded PostgreSQL and Redis, under `.data/fuzz/` (SMARTCOOP_DATA_DIR), and
  its own settings (`tests.fuzz.settings`, which keeps uploads there too). The demo's database,
  queues and documents are never touched, and no Celery worker started by `make run` can pick up a
  task the fuzzer queued. The database is dropped and created again at each run, then migrated and
  seeded with the demo cooperative, so every run starts from the same state.
- The web server is `runserver` on a free port of 127.0.0.1; everything listens on loopback or on
  Unix sockets only.
- Two API tokens are asked of `POST /api/token/` as a client would: a member's (Amélie, FR) and
  the demo advisor's, who has two-factor: the code is computed from the demo's published TOTP
  secret, as the advisor's authenticator app would.
- Schemathesis runs once per token, with every check except `ignored_auth`, whose findings come from
  requests that carry a session cookie beside the token (the schema offers both schemes): known
  false positives, and the one check left out.
  The fuzzer never revokes the token it is using, and a refusal that applies only a rule JSON
  Schema cannot state (check digits, a record that must exist) passes, operation by operation and
  field by field (see `tests/fuzz/hooks.py`). No string holds the NUL character, which the API
  refuses everywhere, as its description says.
- Budget: FUZZ_SECONDS (default 240) per token; FUZZ_MAX_EXAMPLES caps the examples per operation,
  FUZZ_SEED replays a run, FUZZ_WORKERS sets schemathesis's concurrency (default 1: the machine
  is shared). Reports (JUnit, and the web server's log) are written under `.data/fuzz/`.
- The exit status is non-zero when either run reports a failure; everything started here is
  stopped on the way out, Ctrl-C included.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

BASE_DIR = Path(__file__).resolve().parents[2]
FUZZ_DIR = BASE_DIR / ".data" / "fuzz"
LOOPBACK = "127.0.0.1"
SERVER_START_SECONDS = 120
# Configured servers would be the demo's or production's: the run always uses its own embedded ones.
FOREIGN_SERVICES = ("DATABASE_URL", "REDIS_URL", "CACHE_URL")
# Every check but the one whose findings are known false positives (see the module docstring).
EXCLUDED_CHECKS = ("ignored_auth",)


@dataclass(frozen=True)
class Login:
    name: str
    email: str
    two_factor: bool


LOGINS = (
    Login("member", "amelie.dubois@demo.smartcoop.be", two_factor=False),
    Login("staff", "sophie.lambert@demo.smartcoop.be", two_factor=True),
)


def _environment() -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in FOREIGN_SERVICES}
    env.update(
        SMARTCOOP_ENV="development",
        SMARTCOOP_DATA_DIR=str(FUZZ_DIR),
        DJANGO_SETTINGS_MODULE="tests.fuzz.settings",
        PYTHONPATH=str(BASE_DIR),
        LOG_LEVEL="WARNING",
    )
    return env


def _int_setting(name: str, default: int | None) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def fresh_database() -> None:
    """Drop the run's database and Redis contents from any previous run, and its uploaded files."""
    import psycopg
    import redis

    from smartcoop import embedded

    endpoint = embedded.ensure_postgres()
    with psycopg.connect(
        host=endpoint.socket_dir, port=endpoint.port, user=endpoint.user, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{endpoint.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{endpoint.database}"')
    redis.Redis(unix_socket_path=str(embedded.ensure_redis())).flushall()
    shutil.rmtree(FUZZ_DIR / "media", ignore_errors=True)


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


@contextmanager
def web_server(port: int, env: dict[str, str]) -> Iterator[str]:
    """`runserver` on loopback until the block ends; yields its base URL once the schema answers."""
    log_path = FUZZ_DIR / "web.log"
    base_url = f"http://{LOOPBACK}:{port}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"{LOOPBACK}:{port}", "--noreload", "--skip-checks"],
            cwd=BASE_DIR,
            env={**env, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while not _answers(base_url + "/api/schema/"):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"The web server did not start; see {log_path}")
                time.sleep(0.5)
            yield base_url
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own loopback URL
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def obtain_token(base_url: str, login: Login) -> tuple[int, str]:
    """The id and key of a new API token for a demo login, asked of the API as any client would."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from smartcoop.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    body = {"email": login.email, "password": DEMO_PASSWORD}
    if login.two_factor:
        # The code the advisor's authenticator app shows now, computed as allauth checks it.
        body["code"] = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // app_settings.TOTP_PERIOD))
    request = urllib.request.Request(  # noqa: S310 - our own loopback URL
        base_url + "/api/token/",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            issued = json.load(response)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"No API token for {login.email}: {error.code} {error.read().decode()}") from None
    return int(issued["id"]), str(issued["token"])


def schemathesis(base_url: str, login: Login, token_id: int, token: str, env: dict[str, str]) -> int:
    """One schemathesis run with this token; its exit status (0 when nothing was found)."""
    seconds = _int_setting("FUZZ_SECONDS", 240)
    max_examples = _int_setting("FUZZ_MAX_EXAMPLES", None)
    seed = _int_setting("FUZZ_SEED", None)
    workers = _int_setting("FUZZ_WORKERS", 1)
    report_dir = FUZZ_DIR / "report"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{base_url}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--header",
        "Accept-Language: en",
        "--checks",
        "all",
        "--exclude-checks",
        ",".join(EXCLUDED_CHECKS),
        "--max-time",
        str(seconds),
        "--workers",
        str(workers),
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        # The API refuses the NUL character anywhere (its description says so; tests/test_nul_bytes.py
        # holds it): strings with one would only ever be answered 400, spending the budget.
        "--generation-allow-x00",
        "false",
        "--report",
        "junit",
        "--report-junit-path",
        str(report_dir / f"{login.name}.xml"),
    ]
    if max_examples:
        command += ["--max-examples", str(max_examples)]
    if seed is not None:
        command += ["--seed", str(seed)]
    print(f"\n=== schemathesis as {login.name} ({login.email}), {seconds} s ===", flush=True)
    hooks = {"SCHEMATHESIS_HOOKS": str(Path(__file__).with_name("hooks.py")), "FUZZ_OWN_TOKEN_ID": str(token_id)}
    return subprocess.run(command, cwd=BASE_DIR, env={**env, **hooks}, check=False).returncode


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    FUZZ_DIR.mkdir(parents=True, exist_ok=True)
    env = _environment()
    # This process reads the same settings as its children (the embedded servers' directory first
    # of all, which `smartcoop.embedded` reads when imported).
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from smartcoop import embedded

    try:
        print("Preparing a fresh database for the run…", flush=True)
        fresh_database()
        manage("migrate", "--no-input", "--verbosity", "0", env=env)
        manage("seed_demo", env=env)
        with web_server(free_port(), env) as base_url:
            print(f"Web server at {base_url}; schema at {base_url}/api/schema/", flush=True)
            tokens = {login: obtain_token(base_url, login) for login in LOGINS}
            statuses = {
                login.name: schemathesis(base_url, login, token_id, token, env)
                for login, (token_id, token) in tokens.items()
            }
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    finally:
        embedded.release_all()
    failed = [name for name, status in statuses.items() if status != 0]
    if failed:
        print(f"\nschemathesis found failures as: {', '.join(failed)} (see above; server log in {FUZZ_DIR}/web.log)")
        return 1
    print("\nschemathesis found no failure, as member or as staff.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
