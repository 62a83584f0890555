"""What the phone's first load rests on (issue 14): scripts and styles served minified at
their own URLs (only a copy of the exact source), style sheets and icons linked by versioned
URLs kept for good, static files that leave the session alone (so the browser's HTTP cache
serves them to the service worker), and a worker that knows the sha256 of every body it
precaches. The browser side is tests/e2e/test_first_load.py; the figures bench/client.py."""

from __future__ import annotations

import gzip
import hashlib
import re

import pytest

from webapp.mobile import STATIC_M, minified


@pytest.fixture
def min_dir(tmp_path, monkeypatch):
    """An empty folder of minified copies, as before `make assets`."""
    monkeypatch.setattr(minified, "MIN_DIR", tmp_path)
    return tmp_path


def _get(client, url: str, **kw):
    """(status, headers, body uncompressed), the response closed (a file sent is open)."""
    with client.get(url, **kw) as response:
        data = response.get_data()
        body = gzip.decompress(data) if response.headers.get("Content-Encoding") == "gzip" else data
        return response.status_code, response.headers, body


def _body(client, url: str) -> bytes:
    return _get(client, url)[2]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_script_is_served_minified_at_its_own_url_only_for_its_exact_source(client, min_dir):
    source = (STATIC_M / "store.js").read_bytes()
    assert _body(client, "/static/m/store.js") == source  # no copy: the source itself
    (min_dir / f"{_sha(source)}.js").write_bytes(b"export const minified = 1;\n")
    assert _body(client, "/static/m/store.js") == b"export const minified = 1;\n"
    (min_dir / f"{_sha(b'another source')}.js").write_bytes(b"stale")
    (min_dir / f"{_sha(source)}.js").unlink()  # a copy of an older source is never sent
    assert _body(client, "/static/m/store.js") == source
    assert _get(client, "/static/m/../../app.py")[0] == 404
    assert _get(client, "/static/ff/nothing.js")[0] == 404


def test_make_assets_made_a_smaller_copy_of_every_script_of_the_shell(app):
    """The build ran (make install / install-test): every script and style the phone
    precaches is served minified, and smaller than its source."""
    from webapp.mobile import _static_files

    with app.test_request_context():
        files = [source for _, source in _static_files() if source.suffix in (".js", ".css")]
    if not minified.MIN_DIR.is_dir():
        pytest.skip("make assets has not run (no webapp/mobile/min)")
    for source in files:
        served = minified.served_file(source)
        assert served != source and served.stat().st_size < source.stat().st_size, source.name


def test_a_versioned_url_is_kept_for_good_and_leaves_the_session_alone(client, auth, users, min_dir):
    html = client.get("/m/login").get_data(as_text=True)
    css = re.search(r'href="(/static/m/m\.css\?v=[0-9a-f]{12})"', html).group(1)
    auth.login("tech1")  # a signed-in session: the cookie changes, the style sheet does not
    status, headers, _ = _get(client, css)
    assert status == 200 and "immutable" in headers["Cache-Control"] and "max-age=31536000" in headers["Cache-Control"]
    assert "Cookie" not in headers.get("Vary", "") and "Set-Cookie" not in headers
    status, headers, _ = _get(client, "/static/m/m.css?v=000000000000")  # another version's URL: not kept for good
    assert status == 200 and "immutable" not in (headers.get("Cache-Control") or "")
    page = client.get("/m/")
    assert css in page.get_data(as_text=True) and "Cookie" in page.headers.get("Vary", "")  # pages still vary


def test_the_worker_knows_the_digest_of_every_body_it_precaches(client, auth, users):
    auth.login("tech1")
    sw = client.get("/m/sw.js").get_data(as_text=True)
    assert "{#" not in sw and "//" not in sw.split("\n", 1)[0]  # its comments stay on the server
    from webapp.mobile import precache

    with client.application.test_request_context():
        entries = precache()
    assert entries[0][0] == "/m/" and len({u for u, _ in entries}) == len(entries)
    assert "/static/ff/vendor/signature_pad/signature_pad.js" in {u for u, _ in entries}  # loaded late, needed offline
    for url, digest in entries:
        assert url in sw and digest in sw
        assert _sha(_body(client, url)) == digest, url


def test_the_shell_sends_nobody_signed_in_to_the_login_page_in_the_devices_language(client):
    response = client.get("/m/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/m/login")
    assert '<html lang="fr">' in client.get("/m/login").get_data(as_text=True)
    english = client.get("/m/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Username" in english
