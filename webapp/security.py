"""The security headers of every response, set here and nowhere else (issue 11).

* ``Content-Security-Policy``: scripts only from this origin (no inline script anywhere:
  every page loads its ES modules by URL), no plugins, no ``<base>``, forms post only
  here, and no framing (``frame-ancestors 'none'``, with ``X-Frame-Options: DENY`` for
  older browsers): a one-click POST cannot be clickjacked. Styles allow inline *attributes*
  (``'unsafe-inline'``): the colours of statuses and event types are the account manager's
  data (``workflow.json``, event types), drawn as CSS custom properties in ``style=""`` on
  the back office and on the phone; the CSP3 ``style-src-attr`` that would allow only
  those is not read by every phone's browser (Safari), and a style cannot run code.
  Images may be ``data:`` (signatures drawn on the device) and ``blob:`` (photos being
  taken).
* ``X-Content-Type-Options: nosniff`` everywhere, attachments included: a browser never
  runs as a page what was sent as an image.
* ``Referrer-Policy: same-origin``: addresses of interventions and clients never leave
  for the map or any other site.
* ``Strict-Transport-Security`` when the request came over HTTPS (``request.is_secure``;
  behind a TLS-terminating proxy, ``FIELDFORMS_PROXY_FIX`` makes it so).
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def secure_headers(response: Response) -> Response:
    """Add the headers to ``response`` (every response of the app, errors included)."""
    for name, value in HEADERS.items():
        response.headers[name] = value
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure_headers)
