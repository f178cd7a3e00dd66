"""`make run`'s supervisor: healthy within minutes, and SIGTERM to its group leaves nothing behind."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from smartcoop.embedded import pid_alive
from tests.support import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(400)
def test_platform_turns_healthy_and_sigterm_to_its_group_stops_everything(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"SMARTCOOP_ENV": "development", "SMARTCOOP_DATA_DIR": str(tmp_path), "PORT": str(port)})
    log = (tmp_path / "run.log").open("w")
    platform = subprocess.Popen(
        [sys.executable, "manage.py", "run_platform"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as `make run` has in a terminal
    )
    try:
        # The banner (URL and demo logins) is printed once the supervisor has seen /healthz green.
        deadline = time.monotonic() + 300
        while "Demo logins" not in (tmp_path / "run.log").read_text():
            assert platform.poll() is None, (tmp_path / "run.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            time.sleep(0.5)
        assert f"http://127.0.0.1:{port}/" in (tmp_path / "run.log").read_text()
        health = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    health = json.load(response)
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(1)
        assert health is not None, (tmp_path / "run.log").read_text()
        assert health["status"] == "ok", health
        postgres_pid = int((tmp_path / "postgres" / "postmaster.pid").read_text().split()[0])
        redis_pid = int((tmp_path / "redis" / "redis.pid").read_text())

        os.killpg(platform.pid, signal.SIGTERM)
        assert platform.wait(timeout=60) == 0, (tmp_path / "run.log").read_text()

        deadline = time.monotonic() + 30
        while (group_alive(platform.pid) or pid_alive(postgres_pid) or pid_alive(redis_pid)) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.2)
        assert not group_alive(platform.pid), "a child of the platform outlived it"
        assert not pid_alive(postgres_pid), "the embedded PostgreSQL was left running"
        assert not pid_alive(redis_pid), "the embedded Redis was left running"
    finally:
        if group_alive(platform.pid):
            os.killpg(platform.pid, signal.SIGKILL)
        log.close()
