"""The minified copy of a static script or style, when ``make assets`` made one of this exact
source (``webapp/mobile/minify.mjs``, content addressed by the source's sha256), else the
source itself: an edited file is served as it is until the next ``make assets``, never as a
stale copy. Same URL either way (an ES module stays one module whoever imports it)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask.sessions import SecureCookieSessionInterface

#: Where ``make assets`` writes the minified copies (not committed).
MIN_DIR = Path(__file__).resolve().parent / "min"
MINIFIABLE = (".js", ".css")
#: ``?v=`` of a versioned URL: the first characters of the served body's sha256.
VERSION_LEN = 12
FOR_GOOD = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _sha(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def served_file(source: Path) -> Path:
    """The file to send for ``source``: its minified copy if there is one, else itself."""
    if source.suffix not in MINIFIABLE or not source.is_file():
        return source
    st = source.stat()
    copy = MIN_DIR / f"{_sha(str(source), st.st_mtime_ns, st.st_size)}{source.suffix}"
    return copy if copy.is_file() else source


def served_bytes(source: Path) -> bytes:
    """What the browser receives for ``source`` (uncompressed)."""
    return served_file(source).read_bytes()


def served_digest(source: Path) -> str:
    """The sha256 of what the browser receives for ``source`` (read again only once changed)."""
    served = served_file(source)
    st = served.stat()
    return _sha(str(served), st.st_mtime_ns, st.st_size)


def _directory(endpoint: str) -> Path:
    from flask import current_app

    from ..render import static_dir

    return Path(static_dir() if endpoint == "ff_static" else current_app.static_folder)


def versioned_url(endpoint: str, filename: str) -> str:
    """The URL of a file a page links to (a style sheet, an icon) with ``?v=`` the digest of
    what is served: the browser keeps it for good, and the service worker's precache finds
    it in the HTTP cache instead of asking again. Not for ES modules: they import each other
    by plain URL, and a module must have one URL."""
    from flask import url_for

    return url_for(endpoint, filename=filename, v=served_digest(_directory(endpoint) / filename)[:VERSION_LEN])


def send_minified(directory: str | Path, filename: str, **kwargs):
    """``send_from_directory``, with the minified copy's bytes when there is one (the same
    URL, type and caching; conditional requests answered from its ETag); cached for good
    when asked by the versioned URL of what is served now (:func:`versioned_url`)."""
    from flask import request, send_file
    from werkzeug.exceptions import NotFound
    from werkzeug.security import safe_join

    path = safe_join(str(directory), filename)
    if path is None or not Path(path).is_file():
        raise NotFound()
    version = request.args.get("v")
    current = version is not None and version == served_digest(Path(path))[:VERSION_LEN]
    if current:
        kwargs["max_age"] = FOR_GOOD
    kwargs.setdefault("download_name", Path(path).name)  # the file's own name, not its copy's
    response = send_file(served_file(Path(path)), **kwargs)
    if current:
        response.cache_control.immutable = True
    return response


STATIC_ENDPOINTS = ("static", "ff_static")


class StaticFilesSessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions, but a static file is the same for everyone and leaves the
    session alone: no ``Vary: Cookie`` and no refreshed session cookie on it. Flask adds the
    one to any response whose session was looked at (Flask-Login looks at every one) and
    the other to every response of a permanent session: the browser's HTTP cache would
    then ask for a style sheet again as soon as the cookie changed (the login page and the
    app share ``m.css``), and the service worker could not take it from there."""

    def save_session(self, app, session, response) -> None:
        from flask import request

        if request.endpoint in STATIC_ENDPOINTS and not session.modified:
            return
        super().save_session(app, session, response)
