"""An object of the storage as an HTTP response, after the caller checked the access.

Streamed by the app from the backend, never a redirect to the storage (a presigned URL):
the pages and the phone's service worker fetch attachments from the app's own origin with
the session cookie (the CSP allows images from ``'self'`` only, the offline cache keeps
same-origin answers), the bucket's address may be private to the servers, and a presigned
URL would stay valid for anyone who copied it after the session that asked ended. Photos are
the server's bounded re-encodings and reports a few hundred KB: the app streams them in
chunks without holding them.

Headers: the stored content type (the server's, never the client's), ``inline`` with a name
that says nothing but the id (``Content-Disposition``), the content's sha256 as ``ETag`` (an
``If-None-Match`` that matches is a 304 without touching the storage), and
``Cache-Control: private``: a proxy between the app and a browser must not keep a client's
photo for others. ``nosniff`` comes with every response (:mod:`webapp.security`).
"""

from __future__ import annotations

from flask import Response, request
from werkzeug.wsgi import wrap_file

from .base import MissingObject, Storage

#: How long a browser may reuse an object without asking again (objects never change).
MAX_AGE = 86400


def stored_response(storage: Storage, key: str, *, content_type: str, etag: str, download_name: str) -> Response:
    """The object ``key``, streamed; raises :class:`~.base.MissingObject` when it is gone."""
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    elif request.method == "HEAD":  # the size, without reading the object
        info = storage.info(key)
        if info is None:
            raise MissingObject(key)
        response = Response(mimetype=content_type)
        response.content_length = info.size
    else:
        obj = storage.open(key)
        response = Response(wrap_file(request.environ, obj.stream), mimetype=content_type, direct_passthrough=True)
        response.content_length = obj.size
    response.set_etag(etag)
    response.headers.set("Content-Disposition", "inline", filename=download_name)
    response.cache_control.private = True
    response.cache_control.max_age = MAX_AGE
    return response
