"""Reading the environment for the settings module.

A wrong or missing value raises ConfigError whose message names the variable; the settings module
turns it into one line on stderr and a non-zero exit, never a traceback.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


class ConfigError(Exception):
    pass


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ConfigError(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def secret_key(*, production: bool) -> str:
    """SECRET_KEY, or the content of the file SECRET_KEY_FILE names (Docker secrets)."""
    key = os.environ.get("SECRET_KEY")
    key_file = os.environ.get("SECRET_KEY_FILE")
    if key and key_file:
        raise ConfigError("SECRET_KEY and SECRET_KEY_FILE are both set; keep one")
    if key_file:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"SECRET_KEY_FILE {key_file!r} cannot be read ({exc.strerror})") from None
    if not key:
        if production:
            raise ConfigError("SECRET_KEY (or SECRET_KEY_FILE) must be set in production")
        # Development only: a fixed key keeps sessions across restarts of `make run`.
        return "development-only-insecure-key-never-use-in-production"
    if production and (len(key) < 50 or len(set(key)) < 5):
        raise ConfigError("SECRET_KEY must be at least 50 random characters in production")
    return key


def redis_url_with_db(url: str, db: int) -> str:
    """The same Redis server, another numbered database (redis://host:port/N or unix://...?db=N)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"] + [("db", str(db))]
        # urlunsplit would drop the empty host and write unix:/path
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))
