"""The settings module refuses a wrong production environment in one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_SECRET = "k3y-" + "x7Qp9Lm2Zr8Vt4Wn6Ys1Bc5Hd0Fg3Jk" * 2

PRODUCTION = {
    "SMARTCOOP_ENV": "production",
    "SECRET_KEY": GOOD_SECRET,
    "ALLOWED_HOSTS": "coop.example.be",
    "DATABASE_URL": "postgresql://smartcoop:secret@db.example.be:5432/smartcoop",
    "REDIS_URL": "redis://redis.example.be:6379/0",
    "EMAIL_HOST": "smtp.example.be",
    "DEFAULT_FROM_EMAIL": "SmartCoop <noreply@coop.example.be>",
}


def run_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in {"SECRET_KEY_FILE", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://root@localhost/coop"}, "DATABASE_URL"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT"),
        ({"SMARTCOOP_ENV": "prod"}, "SMARTCOOP_ENV"),
    ],
)
def test_wrong_production_value_stops_start_with_one_line_naming_it(change: dict[str, str], named: str) -> None:
    result = run_check({**PRODUCTION, **change})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error:")
    assert named in lines[0]
    assert "Traceback" not in result.stderr


def test_secret_key_file_is_read_and_deploy_check_passes(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(GOOD_SECRET + "\n")
    env = {**PRODUCTION, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret_file)}
    result = run_check(env, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_unreadable_secret_key_file_is_named(tmp_path: Path) -> None:
    result = run_check({**PRODUCTION, "SECRET_KEY": "", "SECRET_KEY_FILE": str(tmp_path / "missing")})
    assert result.returncode == 2
    assert "SECRET_KEY_FILE" in result.stderr


def test_production_connections_are_persistent_and_health_checked() -> None:
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "d = settings.DATABASES['default']; print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "smartcoop.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[600, true]"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://redis:6379/0", "redis://redis:6379/1"),
        ("redis://:pw@redis:6379", "redis://:pw@redis:6379/1"),
        ("rediss://redis.example.be:6380/0", "rediss://redis.example.be:6380/1"),
        ("unix:///run/redis.sock?db=0", "unix:///run/redis.sock?db=1"),
    ],
)
def test_cache_uses_another_redis_database_than_the_task_queue(url: str, expected: str) -> None:
    from smartcoop.config import redis_url_with_db

    assert redis_url_with_db(url, 1) == expected
