"""`make run`'s supervisor: healthy within minutes, a dead worker comes back alone, SIGTERM stops everything.

One platform is started for the module (migrating and loading the demo take a while) and stopped
by the last test, which is the one that proves a stop leaves nothing behind.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from smartcoop.embedded import pid_alive
from smartcoop.management.commands.run_platform import Child
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


def test_a_child_that_keeps_dying_waits_longer_each_time_up_to_30_seconds() -> None:
    child = Child("worker", [sys.executable, "-c", "raise SystemExit(3)"])
    pauses = []
    for _ in range(7):
        child.start()
        assert child.process is not None
        child.process.wait(timeout=30)
        child.reap(child.started_at + 0.1)  # died at once
        assert not child.due(child.started_at + 0.1 + child.pause - 0.01), "no start before the pause is over"
        pauses.append(child.pause)
    assert pauses == [1, 2, 4, 8, 16, 30, 30]

    child.start()
    assert child.process is not None
    child.process.wait(timeout=30)
    child.reap(child.started_at + 61)  # it had stayed up a minute: a new incident, not a loop
    assert child.pause == 1


@dataclass
class Platform:
    process: subprocess.Popen[bytes]
    port: int
    data: Path

    @property
    def log(self) -> str:
        return (self.data / "run.log").read_text()

    def pids(self, name: str) -> list[int]:
        """The pids the supervisor gave `name`, first start first."""
        return [int(pid) for pid in re.findall(rf"Started the {name} process(?: again)? \(pid (\d+)\)", self.log)]

    def health(self) -> dict[str, object] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
                answer: dict[str, object] = json.load(response)
                return answer
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return None


def wait_for(condition: Callable[[], bool], *, seconds: float, platform: Platform) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert platform.process.poll() is None, platform.log
        assert time.monotonic() < deadline, platform.log
        time.sleep(0.5)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data = tmp_path_factory.mktemp("platform")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"SMARTCOOP_ENV": "development", "SMARTCOOP_DATA_DIR": str(data), "PORT": str(port)})
    log = (data / "run.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_platform"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, as `make run` has in a terminal
    )
    running = Platform(process=process, port=port, data=data)
    try:
        # The banner (URL and demo logins) is printed once the supervisor has seen /healthz green.
        wait_for(lambda: "Demo logins" in running.log, seconds=300, platform=running)
        assert f"http://127.0.0.1:{port}/" in running.log
        yield running
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


@pytest.mark.timeout(400)
def test_a_worker_that_dies_is_started_again_and_the_web_server_keeps_serving(platform: Platform) -> None:
    [web] = platform.pids("web")
    [worker] = platform.pids("worker")
    assert b"celery" in Path(f"/proc/{worker}/cmdline").read_bytes()
    ready_before = platform.log.count(" ready.")

    os.kill(worker, signal.SIGKILL)

    wait_for(lambda: len(platform.pids("worker")) == 2, seconds=30, platform=platform)
    assert re.search(rf"The worker process \(pid {worker}\) stopped, killed by SIGKILL", platform.log)
    replacement = platform.pids("worker")[-1]
    assert replacement != worker and pid_alive(replacement)
    wait_for(lambda: platform.log.count(" ready.") > ready_before, seconds=45, platform=platform)
    assert platform.health() is not None, "the web server answers while the worker comes back"
    assert platform.pids("web") == [web] and pid_alive(web), "the web server was never touched"


@pytest.mark.timeout(400)
def test_sigterm_to_its_group_stops_everything(platform: Platform) -> None:
    health = None
    deadline = time.monotonic() + 30
    while health is None and time.monotonic() < deadline:
        health = platform.health()
        time.sleep(0 if health else 1)
    assert health is not None, platform.log
    assert health["status"] == "ok", health
    postgres_pid = int((platform.data / "postgres" / "postmaster.pid").read_text().split()[0])
    redis_pid = int((platform.data / "redis" / "redis.pid").read_text())

    os.killpg(platform.process.pid, signal.SIGTERM)
    assert platform.process.wait(timeout=60) == 0, platform.log

    deadline = time.monotonic() + 30
    while (group_alive(platform.process.pid) or pid_alive(postgres_pid) or pid_alive(redis_pid)) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.2)
    assert not group_alive(platform.process.pid), "a child of the platform outlived it"
    assert not pid_alive(postgres_pid), "the embedded PostgreSQL was left running"
    assert not pid_alive(redis_pid), "the embedded Redis was left running"
