"""Where a change comes from: the request or the Celery task being served, in a context variable.

The middleware (`RequestContextMiddleware`) and Celery's task signals set it; `audit_record`
reads it, so services never pass a request around. A context variable rather than a thread
local: it follows the code into `sync_to_async` and is restored when a nested scope ends (an
eagerly run task inside a request gives the request back its own context).
"""

import ipaddress
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


@dataclass(frozen=True)
class Origin:
    request_id: str = ""
    ip_address: str | None = None
    path: str = ""
    task_name: str = ""
    task_id: str = ""
    # The request itself, for its user: authentication runs after the context is set.
    request: HttpRequest | None = None


_NOWHERE = Origin()
_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def current() -> Origin:
    return _origin.get() or _NOWHERE


def acting_user() -> AbstractBaseUser | None:
    """The signed-in user of the request being served, for hooks that are not given an actor."""
    request = current().request
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not user.is_authenticated:
        return None
    return user  # type: ignore[no-any-return]


def client_address(request: HttpRequest) -> str | None:
    """The client's address: behind N trusted proxies, the Nth address from the right they added.

    Without configured proxies the header is the client's own words, so only the socket counts.
    """
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    address = str(request.META.get("REMOTE_ADDR") or "")
    if proxies:
        forwarded = [a.strip() for a in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None  # a malformed header must not make the change itself fail


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def serving(origin: Origin) -> Iterator[Origin]:
    token = _origin.set(origin)
    try:
        yield origin
    finally:
        _origin.reset(token)


# --- Celery ---------------------------------------------------------------------------------------

_task_tokens: dict[str, Token[Origin | None]] = {}


def _task_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    origin = Origin(task_name=str(getattr(task, "name", "") or ""), task_id=str(task_id or ""))
    _task_tokens[str(task_id)] = _origin.set(origin)


def _task_finished(task_id: str | None = None, **_: Any) -> None:
    token = _task_tokens.pop(str(task_id), None)
    if token is not None:
        try:
            _origin.reset(token)
        except ValueError:
            _origin.set(None)  # set in another context (a pool thread): forget it all the same


def connect_task_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, dispatch_uid="audit_task_started", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="audit_task_finished", weak=False)
