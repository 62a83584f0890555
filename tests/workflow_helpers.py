"""Helpers for the tests of statuses, rights, time and report delivery (issue 6): act as a
user through the services, fill an intervention's forms completely, a real SMTP server."""

from __future__ import annotations

import copy
import io
import json
import socket
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def example(form_id: str) -> dict:
    return json.loads((ROOT / "examples" / form_id / "valid.json").read_text(encoding="utf-8"))


@contextmanager
def acting(app, user_id: int):
    """A request context with ``user_id`` logged in; yields the User."""
    from flask_login import login_user

    from webapp.extensions import db
    from webapp.models import User

    with app.test_request_context():
        user = db.session.get(User, user_id)
        login_user(user)
        yield user
        db.session.remove()


def call(app, user_id: int, fn, *args, **kw):
    with acting(app, user_id) as user:
        result = fn(user, *args, **kw)
        return getattr(result, "id", result)


def png(color=(200, 60, 40), size=(64, 48)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return buf.getvalue()


def store_attachment(app, intervention_id: int, data: bytes, attachment_id: str | None = None) -> str:
    """An Attachment row and its object in the app's storage (the local folder or S3)."""
    import hashlib

    from webapp.extensions import db
    from webapp.models import Attachment
    from webapp.storage import attachment_key, get_storage

    aid = attachment_id or str(uuid.uuid4())
    sha = hashlib.sha256(data).hexdigest()
    with app.app_context():
        get_storage().put(attachment_key(sha), data, "image/png")
        db.session.add(Attachment(id=aid, sha256=sha, content_type="image/png", size=len(data), intervention_id=intervention_id))
        db.session.commit()
    return aid


def complete_answers(app, intervention_id: int, form_ids, *, with_files: bool = True) -> dict[str, dict]:
    """Valid answers for ``form_ids`` (the examples), with fresh attachment ids (stored
    as files when ``with_files``)."""
    out = {}
    for fid in form_ids:
        data = copy.deepcopy(example(fid))
        if fid == "photos-signatures":
            def new(color):
                aid = str(uuid.uuid4())
                if with_files:
                    store_attachment(app, intervention_id, png(color), aid)
                return aid

            data["photos_avant"] = [new((90, 90, 200)), new((90, 200, 90))]
            data["photos_apres"] = [new((200, 90, 90))]
            data["photo_document"] = new((120, 120, 120))
            data["signature_technicien"]["attachment"] = new((10, 10, 10))
            data["signature_client"]["attachment"] = new((20, 20, 20))
        out[fid] = data
    return out


def fill(app, user_id: int, intervention_id: int, answers: dict[str, dict]) -> None:
    from webapp.services import save_submission

    for fid, data in answers.items():
        call(app, user_id, save_submission, intervention_id, fid, data)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class SMTPStore:
    """An aiosmtpd handler: keeps what it receives; ``fail`` answers every DATA with it."""

    def __init__(self):
        self.messages = []
        self.fail: str | None = None
        self.tries = 0

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        if self.fail:
            return self.fail
        self.messages.append(envelope)
        return "250 OK queued"

    def parsed(self):
        from email import message_from_bytes, policy

        return [message_from_bytes(e.content, policy=policy.default) for e in self.messages]


@contextmanager
def smtp_server():
    from aiosmtpd.controller import Controller

    store = SMTPStore()
    port = free_port()
    controller = Controller(store, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield store, port
    finally:
        controller.stop()
