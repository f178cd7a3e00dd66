"""`make run`: the whole platform in one terminal, on the embedded services unless configured.

This process migrates, loads the demo, then supervises three children: the web server, one Celery
worker and Celery beat. A child that dies on its own is started again, after a pause that doubles
with each death in a row (1 s, 2 s, 4 s... up to 30 s) and falls back to 1 s once the child has
stayed up for a minute: a crash is mended in a second, and a child that cannot start (a broken
setting, a port taken) costs a start every 30 s, not a CPU spinning. Each death and restart is
logged with the child's name, exit status and the pause before the next try; the other children
and the embedded servers are left alone, so a dying worker never takes the web server down.

Only Ctrl-C or SIGTERM to this process stops everything: the children first (SIGTERM, then
SIGKILL after a grace period), then the embedded PostgreSQL and Redis are released, which stop
when no process uses them. (docker-compose restarts its services by itself; this is the same
promise for `make run`.)
"""

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from smartcoop import embedded, system
from smartcoop.demo import DEMO_PASSWORD, Demo, seed_all

logger = logging.getLogger(__name__)

GRACE_SECONDS = 20
FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 30.0
# A child that stayed up this long was healthy: its next death is a new incident, not a crash loop.
STEADY_SECONDS = 60.0
HEALTHY_WITHIN_SECONDS = 180
TICK_SECONDS = 0.5


def exit_status(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Child:
    """One supervised program: how to start it, its current process, and when to try it again."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    pause: float = 0.0
    restart_at: float = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv)
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def reap(self, now: float) -> None:
        """If the child has died, log it and schedule its next start after a pause."""
        if self.process is None or self.process.poll() is None:
            return
        steady = now - self.started_at >= STEADY_SECONDS
        self.pause = FIRST_PAUSE_SECONDS if steady or not self.pause else min(self.pause * 2, LONGEST_PAUSE_SECONDS)
        self.restart_at = now + self.pause
        logger.warning(
            "The %s process (pid %s) stopped, %s, after %.0f s; starting it again in %.0f s.",
            self.name,
            self.process.pid,
            exit_status(self.process.returncode),
            now - self.started_at,
            self.pause,
        )
        self.process = None

    def due(self, now: float) -> bool:
        return self.process is None and now >= self.restart_at


class Command(BaseCommand):
    help = "Start the web server, a Celery worker and beat, with the demo cooperative loaded."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo cooperative.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        port: int = options["port"]

        missing = system.missing_packages()
        if missing:
            self.stderr.write(
                self.style.WARNING(
                    "Missing system packages (PDFs will not render well without them): "
                    + " ".join(missing)
                    + "\n  install them with: sudo apt-get install "
                    + " ".join(missing)
                )
            )

        self.stdout.write("Applying migrations…")
        call_command("migrate", interactive=False, verbosity=0)
        demo = Demo()
        if not options["no_demo"]:
            self.stdout.write("Loading the demo cooperative…")
            demo = seed_all()
        connections.close_all()

        python = sys.executable
        celery = [python, "-m", "celery", "-A", "smartcoop"]
        self.children = [
            Child("web", [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]),
            Child("worker", [*celery, "worker", "-l", "INFO", "--concurrency", "2", "-n", "worker@%h"]),
            Child("beat", [*celery, "beat", "-l", "WARNING"]),
        ]
        for child in self.children:
            child.start()
            logger.info("Started the %s process (pid %s).", child.name, child.pid)
        from smartcoop.tasks import worker_heartbeat

        worker_heartbeat.delay()  # healthz turns green as soon as the worker takes it

        url = f"http://127.0.0.1:{port}/"
        try:
            self._supervise(url, demo)
        finally:
            self._stop_children()
            connections.close_all()
            embedded.release_all()
            self.stdout.write("Stopped.")

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _asked_to_stop(self) -> bool:
        return self.stopping  # read again each time: the signal handler sets it between two lines

    def _supervise(self, url: str, demo: Demo) -> None:
        """Restart what dies until asked to stop; print the banner the first time /healthz is green."""
        started = time.monotonic()
        announced = warned = False
        next_probe = started
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                # Ctrl-C reaches the children too: deaths after it are the stop, not crashes to mend.
                if self._asked_to_stop():
                    break
                child.reap(now)
                if child.due(now):
                    child.start()
                    logger.warning("Started the %s process again (pid %s).", child.name, child.pid)
            if not announced and now >= next_probe:
                announced = self._healthy(url + "healthz")
                if announced:
                    self._banner(url, demo)
                elif not warned and now - started > HEALTHY_WITHIN_SECONDS:
                    warned = True
                    self.stderr.write(self.style.WARNING(f"{url}healthz is still not healthy; see the logs above."))
                next_probe = time.monotonic() + 1
            time.sleep(TICK_SECONDS)

    def _healthy(self, url: str) -> bool:
        try:
            # our own http://127.0.0.1 URL, never a user-given one
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def _banner(self, url: str, demo: Demo) -> None:
        lines = [
            "",
            f"SmartCoop is running at {url}",
            f"  Espace membre  {url}",
            f"  Administration {url}admin/",
            f"  API docs       {url}api/docs/",
            f"  Health         {url}healthz",
        ]
        if demo.logins:
            lines.append(f"Demo logins (password: {DEMO_PASSWORD}):")
            lines += [f"  {login.email:<38} {login.role}" for login in demo.logins]
            secrets = {login.note for login in demo.logins if login.note}
            lines += [f"  staff {note} (add it to an authenticator app)" for note in sorted(secrets)]
        lines += ["Press Ctrl-C to stop everything.", ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        self.stdout.flush()  # shown now, not when a pipe's buffer fills

    def _stop_children(self) -> None:
        running = [child.process for child in self.children if child.process is not None]
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
