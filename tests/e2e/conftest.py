"""Browser tests: Debian's headless Chromium driven by Playwright (no browser download).

Fixtures:
- ``browser``: one Chromium per session (skipped, with the reason, when it can't start);
- ``page``: a fresh page (own context) per test, 360 px wide like a small phone;
- ``form_page``: a function that loads a form's HTML into ``page`` on a virtual origin
  (``http://ff.test``) whose ``/static/ff/`` serves ``renderers/static`` (and ``/static/m/``
  the offline client's modules) through
  ``page.route``, so ES modules load as in the app, with no server and no network; every
  answer carries the app's security headers (webapp/security.py), and a console message of
  a Content-Security-Policy violation fails the test like a JavaScript error.

Under that CSP, ``page.wait_for_function`` takes a function (``"() => document.x"``), not an
expression: Playwright evaluates an expression string with ``eval`` at each poll, which the
CSP refuses (no ``'unsafe-eval'``); a function is compiled once.

Anything the page asks outside that origin is aborted.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
from pathlib import Path

import pytest

from renderers import STATIC_DIR

CHROMIUM = os.environ.get("FIELDFORMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ORIGIN = "http://ff.test"
STATIC_M = Path(__file__).resolve().parents[2] / "webapp" / "static" / "m"  # the offline client's modules
PAGE_HTML = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/ff/form.css">
<title>fieldforms test</title></head>
<body style="margin:0;padding:12px 8px">{body}
<script type="module" src="/boot.js"></script></body></html>"""
#: The page's modules, loaded by URL: the pages are served with the app's CSP, which
#: refuses inline scripts (issue 11).
BOOT_JS = """import * as ff from "/static/ff/form.js";
import * as values from "/static/ff/values.js";
import * as condition from "/static/ff/condition.js";
import * as camera from "/static/ff/camera.js";
window.ff = ff; window.ffValues = values; window.ffCondition = condition; window.ffCamera = camera;
await ff.initAll();
window.ffReady = true;
"""


def csp_violation(text: str) -> bool:
    """A console message of Chromium's refusing something under the Content-Security-Policy."""
    return "Content Security Policy" in text or "Content-Security-Policy" in text


def _chromium_path() -> str | None:
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    return path


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if not path:
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set FIELDFORMS_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # pragma: no cover - depends on the machine
        pw.stop()
        pytest.skip(f"Chromium at {path} did not start: {exc}")
    yield b
    b.close()
    pw.stop()


def _serve(route, request_url: str, pages: dict[str, str]) -> None:
    from webapp.security import HEADERS

    path = request_url[len(ORIGIN):].split("?", 1)[0]
    if path == "/boot.js":
        route.fulfill(status=200, content_type="text/javascript", body=BOOT_JS, headers=HEADERS)
        return
    if path in pages:
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=pages[path], headers=HEADERS)
        return
    for prefix, root in (("/static/ff/", STATIC_DIR), ("/static/m/", STATIC_M)):
        if not path.startswith(prefix):
            continue
        file = (root / path[len(prefix):]).resolve()
        if file.is_file() and root.resolve() in file.parents:
            ctype = "text/javascript" if file.suffix == ".js" else (mimetypes.guess_type(file.name)[0] or "application/octet-stream")
            route.fulfill(status=200, content_type=ctype, body=file.read_bytes(), headers=HEADERS)
            return
    route.fulfill(status=404, body="not found")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1, locale="fr-FR", timezone_id="Europe/Paris")
    pages: dict[str, str] = {}

    def router(route):
        url = route.request.url
        if url.startswith(ORIGIN + "/"):
            _serve(route, url, pages)
        elif url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", router)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on("console", lambda msg: errors.append(msg.text) if csp_violation(msg.text) else None)
    p._ff_pages = pages  # type: ignore[attr-defined]
    p._ff_errors = errors  # type: ignore[attr-defined]
    yield p
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def form_page(page):
    """``load(html_fragment, lang="fr") -> page`` with the form's modules initialised."""
    counter = {"n": 0}

    def load(body: str, lang: str = "fr"):
        counter["n"] += 1
        path = f"/page{counter['n']}.html"
        page._ff_pages[path] = PAGE_HTML.format(body=body, lang=lang)
        page.goto(ORIGIN + path)
        page.wait_for_function("() => window.ffReady === true", timeout=10_000)
        return page

    return load


def posted_pairs(page, selector: str = "form[data-ff-form]") -> list[tuple[str, str]]:
    """What ``new FormData(form)`` would post (files left out: they travel separately)."""
    return [tuple(p) for p in page.evaluate(
        "(sel) => [...new FormData(document.querySelector(sel)).entries()].filter(([k, v]) => typeof v === 'string')",
        selector,
    )]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
