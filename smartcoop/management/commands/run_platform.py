"""`make run`: the whole platform in one terminal, on the embedded services unless configured.

This process migrates, loads the demo, then supervises three children: the web server, one Celery
worker and Celery beat. Ctrl-C or SIGTERM stops the children (SIGTERM, then SIGKILL after a grace
period), then releases the embedded PostgreSQL and Redis, which stop when no process uses them.
A child that dies on its own stops everything, so a half-running platform never looks healthy.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from smartcoop import embedded, system
from smartcoop.demo import DEMO_PASSWORD, Demo, seed_all

GRACE_SECONDS = 20


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
        manage = [python, "manage.py"]
        self.children: dict[str, subprocess.Popen[bytes]] = {
            "web": subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"]),
            "worker": subprocess.Popen(
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "smartcoop",
                    "worker",
                    "-l",
                    "INFO",
                    "--concurrency",
                    "2",
                    "-n",
                    "worker@%h",
                ]
            ),
            "beat": subprocess.Popen([python, "-m", "celery", "-A", "smartcoop", "beat", "-l", "WARNING"]),
        }
        from smartcoop.tasks import worker_heartbeat

        worker_heartbeat.delay()  # healthz turns green as soon as the worker takes it

        exit_code = 0
        url = f"http://127.0.0.1:{port}/"
        try:
            if self._wait_healthy(url + "healthz"):
                self._banner(url, demo)
            while not self.stopping:
                for name, child in self.children.items():
                    if child.poll() is not None:
                        self.stderr.write(
                            self.style.ERROR(f"The {name} process stopped (exit {child.returncode}); stopping all.")
                        )
                        exit_code = 1
                        self.stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._stop_children()
            connections.close_all()
            embedded.release_all()
            self.stdout.write("Stopped.")
        if exit_code:
            raise SystemExit(exit_code)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _wait_healthy(self, url: str) -> bool:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not self.stopping:
            try:
                # our own http://127.0.0.1 URL, never a user-given one
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if any(child.poll() is not None for child in self.children.values()):
                return False
            time.sleep(1)
        if not self.stopping:
            self.stderr.write(self.style.WARNING(f"{url} is still not healthy; see the logs above."))
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
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
