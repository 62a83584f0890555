"""Security headers (issue 11), set in one place (webapp/security.py) on every response:
pages, the login page, the API and its errors, static files, the phone's shell and service
worker, attachments; HSTS only over HTTPS; and no inline script in any template, so that
the CSP can forbid it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted([*(ROOT / "webapp" / "templates").rglob("*.html"), *(ROOT / "renderers" / "templates").rglob("*.html")])


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in (x.strip() for x in policy.split(";")) if d}


@pytest.mark.parametrize("path, logged_in", [
    ("/login", False), ("/agenda/week", False), ("/agenda/week", True), ("/api/v1/sync/session", False), ("/api/v1/sync/session", True),
    ("/api/v1/nowhere", True), ("/interventions/999999", True), ("/static/app.js", False), ("/m/", False), ("/m/sw.js", False), ("/m/login", False),
])
def test_every_response_carries_the_headers(client, auth, users, path, logged_in):
    if logged_in:
        auth.login("office")
    response = client.get(path)
    d = directives(response)
    assert d["script-src"] == "'self'" and d["frame-ancestors"] == "'none'" and d["object-src"] == "'none'" and d["base-uri"] == "'none'"
    assert "'unsafe-inline'" not in d.get("default-src", "") and "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP
    response.close()


def test_hsts_over_https_only(client):
    assert client.get("/login", base_url="https://fieldforms.example").headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_script_in_templates(template):
    """Scripts are files loaded by URL: no ``<script>`` body, no ``on…=`` handler, no
    ``javascript:`` URL (the CSP would refuse them)."""
    html = template.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", html, flags=re.I):
        assert "src=" in tag, f"inline <script> in {template.name}: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", html, flags=re.I), f"an event handler attribute in {template.name}"
    assert "javascript:" not in html.lower()
