"""The embedded PostgreSQL and Redis: shared by processes, never doubled, stopped by the last user.

Each test gives the servers a data directory of its own (SMARTCOOP_DATA_DIR), so the servers the
suite itself runs on are never touched.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from smartcoop.embedded import pid_alive as alive
from tests.support import ROOT

HOLDER = textwrap.dedent(
    """
    import sys
    from smartcoop import embedded
    service = sys.argv[1]
    if service == "postgres":
        endpoint = embedded.ensure_postgres()
        import psycopg
        with psycopg.connect(host=endpoint.socket_dir, port=endpoint.port, user="postgres", dbname="smartcoop") as c:
            c.execute("SELECT 1")
        pid = (embedded.DATA_DIR / "postgres" / "postmaster.pid").read_text().split()[0]
    else:
        embedded.ensure_redis()
        pid = (embedded.DATA_DIR / "redis" / "redis.pid").read_text().strip()
    print(pid, flush=True)
    sys.stdin.readline()  # hold the server until the test closes our stdin
    """
)


def hold(service: str, data_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "SMARTCOOP_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, service],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def server_pid(holder: subprocess.Popen[str]) -> int:
    assert holder.stdout is not None
    line = holder.stdout.readline()
    assert line, f"the holder exited with {holder.wait()}"
    return int(line)


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(timeout=60) == 0


def wait_dead(pid: int, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


@pytest.mark.parametrize("service", ["postgres", "redis"])
def test_processes_starting_at_once_share_one_server_which_stops_with_the_last(service: str, tmp_path: Path) -> None:
    first, second = hold(service, tmp_path), hold(service, tmp_path)
    pid = server_pid(first)
    assert server_pid(second) == pid, "two servers on one data directory"

    release(second)
    assert alive(pid), "the server stopped while a process still used it"

    release(first)
    assert wait_dead(pid), "the server outlived its last user"


@pytest.mark.parametrize("service", ["postgres", "redis"])
def test_a_killed_user_does_not_pin_the_server_forever(service: str, tmp_path: Path) -> None:
    crashed = hold(service, tmp_path)
    pid = server_pid(crashed)
    crashed.send_signal(signal.SIGKILL)  # no atexit: its pid stays in the registry
    crashed.wait()

    survivor = hold(service, tmp_path)
    assert server_pid(survivor) == pid, "the running server was not reused"
    release(survivor)
    assert wait_dead(pid), "a dead user's pid kept the server running"


def test_data_survives_a_restart(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        from smartcoop import embedded
        e = embedded.ensure_postgres()
        import psycopg
        with psycopg.connect(host=e.socket_dir, port=e.port, user="postgres", dbname="smartcoop", autocommit=True) as c:
            if sys.argv[1] == "write":
                c.execute("CREATE TABLE kept (v text)")
                c.execute("INSERT INTO kept VALUES ('still here')")
            else:
                print(c.execute("SELECT v FROM kept").fetchone()[0])
        """
    )
    env = {**os.environ, "SMARTCOOP_DATA_DIR": str(tmp_path)}

    def run(step: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, step],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    run("write")
    assert not (tmp_path / "postgres" / "postmaster.pid").exists(), "the server was not stopped cleanly"
    assert run("read").strip() == "still here"
