"""The login throttle: at most ``LOGIN_MAX_FAILURES`` failed logins per (address, username)
in a moving window of ``LOGIN_FAILURE_WINDOW_SECONDS``; past that, every attempt (even with
the right password) is refused with 429 and ``Retry-After`` until the oldest failure leaves
the window. A successful login clears the count. The back office's login page and the
phone's (which posts to the same ``/login``) share it.

Where the failures are counted (issue 14): in Flask-Limiter's storage, Redis when
``REDIS_URL`` is set, so that every gunicorn worker of every machine sees the same count
(with one count per process, N workers would allow N times the failures, and a restart would
forget them); ``memory://`` otherwise, for a single process (``--dev``, tests, one worker).
``RATELIMIT_STORAGE_URI`` names another storage (Flask-Limiter's setting).

Why the limiter's strategy is called here rather than a ``@limiter.limit`` on the route:
only failures count (``deduct_when`` could say that), but a success must also clear the
count and the refusal must be the login page in the user's language, not the limiter's
error; three calls at the three places of the view say it plainly.

Redis unreachable: logins keep working, counted in this process's memory until Redis
answers again (logged once per outage); ``/readyz`` says Redis is down. Refusing every
login because the throttle's store is down would lock the whole company out.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import types

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
import limits.storage.memory as _limits_memory
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter


class _ExpiryTimer(threading.Timer):
    """limits' in-memory storage cleans its counters from a ``threading.Timer`` it starts
    for every storage: non-daemon, such a thread keeps a stopping process alive while it
    waits (a gunicorn worker on SIGTERM; the test process at exit under libfaketime, whose
    timed waits never end). A daemon one does the same cleaning and never holds a process."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.daemon = True


_limits_memory.threading = types.SimpleNamespace(Timer=_ExpiryTimer, RLock=threading.RLock)

log = logging.getLogger(__name__)

EXTENSION = "fieldforms_login_throttle"
#: Seconds a Redis call of the throttle may take before Redis counts as down.
REDIS_TIMEOUT = 2.0


def storage_uri(config) -> str:
    """``RATELIMIT_STORAGE_URI`` if given, else ``REDIS_URL``, else this process's memory."""
    return config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"


def shared(config) -> bool:
    """Whether the count is shared by every process that has this configuration."""
    return not storage_uri(config).startswith("memory://")


class LoginThrottle:
    """Failed logins of one app, counted in its limiter's storage (see the module)."""

    def __init__(self, limiter: Limiter, prefix: str) -> None:
        self._limiter = limiter
        self._prefix = prefix
        self._fallback: RateLimiter | None = None
        self._down = False

    def _item(self) -> RateLimitItemPerSecond:
        cfg = current_app.config
        return RateLimitItemPerSecond(int(cfg["LOGIN_MAX_FAILURES"]), int(cfg["LOGIN_FAILURE_WINDOW_SECONDS"]), namespace="LOGIN")

    def _key(self, address: str, username: str) -> tuple[str, str, str]:
        """This deployment's prefix (several may share a Redis), the address and a digest of
        the name as typed (case and spaces aside): a bounded key, whatever was typed."""
        return self._prefix, address, hashlib.sha256(username.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def _call(self, method: str, *args):
        """The storage's answer; this process's memory while the storage is unreachable."""
        strategy: RateLimiter = self._limiter.limiter
        try:
            result = getattr(strategy, method)(*args)
        except StorageError as exc:
            if not self._down:
                log.warning("login throttle: its storage is unreachable (%s); counting in this process until it answers", type(exc.storage_error).__name__)
            self._down = True
            if self._fallback is None:
                self._fallback = MovingWindowRateLimiter(MemoryStorage())
            return getattr(self._fallback, method)(*args)
        if self._down:
            log.warning("login throttle: its storage answers again")
            self._down = False
        return result

    def retry_after(self, address: str, username: str) -> int | None:
        """Seconds to wait before trying again, or None when a login may be tried now."""
        item = self._item()
        if self._call("test", item, *self._key(address, username)):
            return None
        reset_at, _remaining = self._call("get_window_stats", item, *self._key(address, username))
        return max(1, math.ceil(reset_at - time.time()))

    def failed(self, address: str, username: str) -> None:
        self._call("hit", self._item(), *self._key(address, username))

    def succeeded(self, address: str, username: str) -> None:
        self._call("clear", self._item(), *self._key(address, username))


def client_address() -> str:
    """The client's address: the peer's, or what ``FIELDFORMS_PROXY_FIX`` trusted proxies
    say (werkzeug's ProxyFix has already set it)."""
    return get_remote_address() or "?"


def login_throttle() -> LoginThrottle:
    return current_app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    """A limiter of this app's own (each app, each worker, has its storage connection), with
    no limit on any route: the login view asks it (:class:`LoginThrottle`)."""
    uri = storage_uri(app.config)
    prefix = app.config.get("RATELIMIT_KEY_PREFIX") or "fieldforms"
    options = {"socket_connect_timeout": REDIS_TIMEOUT, "socket_timeout": REDIS_TIMEOUT} if uri.startswith(("redis://", "rediss://")) else {}
    limiter = Limiter(
        get_remote_address,
        storage_uri=uri,
        storage_options={"wrap_exceptions": True, **options, **app.config.get("RATELIMIT_STORAGE_OPTIONS", {})},
        strategy="moving-window",
        key_prefix=prefix,
        default_limits=[],
        headers_enabled=False,
    )
    limiter.init_app(app)
    app.extensions[EXTENSION] = LoginThrottle(limiter, prefix)
