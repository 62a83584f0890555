"""Attachments and sent report PDFs in the storage (issue 14): the local folder and S3, the
S3 backend against a real S3 HTTP server (moto's ``moto_server`` on loopback, one per session,
a fresh bucket per test): the interface both backends keep, uploads (sha256 check,
deduplication, resend), downloads (headers, 304, access), the PDF sent kept and served, the
report's photos read from S3, the storage unreachable (503, ``/readyz``), and
``fieldforms storage copy``."""

from __future__ import annotations

import hashlib
import io
import os
import uuid

import pytest

from webapp.storage import MissingObject, StorageError, attachment_key, build, get_storage, report_key
from webapp.storage.copy import CopyFailed, verify

from tests.storage_server import on_both_storages
from tests.webapp.test_reports import FORMS, _finish, _pdf_of, _ready, _sendings, smtp  # noqa: F401 - the report tests' SMTP server
from tests.webapp.test_sync_api import jpeg, upload, world  # noqa: F401 - the sync tests' world
from tests.workflow_helpers import call, complete_answers, fill, free_port, png


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    """A bare storage of each backend (no app)."""
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        return build(server.config(request.getfixturevalue("s3_bucket")))
    return build({"ATTACHMENTS_DIR": str(tmp_path / "files")})


# --- the interface -----------------------------------------------------------------------------


def test_both_backends_keep_the_same_interface(storage):
    sha = hashlib.sha256(b"photo bytes").hexdigest()
    info = storage.put(attachment_key(sha), b"photo bytes", "image/jpeg", sha256=sha)
    assert (info.key, info.size) == (attachment_key(sha), 11)
    storage.put("reports/ab/streamed.pdf", io.BytesIO(b"%PDF-1.4 streamed"), "application/pdf")
    assert storage.exists(attachment_key(sha)) and not storage.exists("zz/none")
    assert storage.info("zz/none") is None and storage.info("reports/ab/streamed.pdf").size == 17
    assert storage.read(attachment_key(sha)) == b"photo bytes"
    with storage.open("reports/ab/streamed.pdf") as obj:
        assert (obj.size, obj.read()) == (17, b"%PDF-1.4 streamed")
    assert storage.sha256(attachment_key(sha)) == sha
    assert list(storage.keys()) == sorted([attachment_key(sha), "reports/ab/streamed.pdf"])
    assert list(storage.keys("reports/")) == ["reports/ab/streamed.pdf"]
    storage.put(attachment_key(sha), b"other bytes", "image/jpeg")  # a key written again holds the last bytes
    assert storage.read(attachment_key(sha)) == b"other bytes"
    storage.delete(attachment_key(sha))
    storage.delete(attachment_key(sha))  # nothing there: nothing happens
    with pytest.raises(MissingObject):
        storage.open(attachment_key(sha))
    for bad in ("../secret", "/etc/passwd", "a//b", "a/./b", "a\\b", ""):
        with pytest.raises(StorageError):
            storage.put(bad, b"x", "text/plain")
    storage.check()


def test_the_local_folder_lists_no_temporary_file(tmp_path):
    storage = build({"ATTACHMENTS_DIR": str(tmp_path)})
    storage.put("ab/abc", b"x", "image/png")
    (tmp_path / "ab" / ".upload-half").write_bytes(b"half a file")
    (tmp_path / ".readyz-1").write_bytes(b"")
    assert list(storage.keys()) == ["ab/abc"]


def test_the_settings_are_checked_when_the_app_starts(tmp_path):
    from webapp import create_app

    base = {"TESTING": True, "SECRET_KEY": "t", "SYNC_DEFINITIONS_ON_START": False, "ATTACHMENTS_DIR": str(tmp_path)}
    with pytest.raises(StorageError, match="STORAGE_BACKEND='ftp'"):
        create_app({**base, "STORAGE_BACKEND": "ftp"})
    with pytest.raises(StorageError, match="S3_BUCKET"):
        create_app({**base, "STORAGE_BACKEND": "s3"})


def test_the_s3_settings_come_from_the_environment(tmp_path, monkeypatch, s3_server, s3_bucket):
    from webapp import create_app

    for key, value in s3_server.config(s3_bucket).items():
        monkeypatch.setenv(key, value)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SYNC_DEFINITIONS_ON_START": False})
    storage = get_storage(app)
    assert (storage.kind, storage.bucket, storage.endpoint_url) == ("s3", s3_bucket, s3_server.url)
    storage.check()


# --- uploads and downloads ---------------------------------------------------------------------


@pytest.mark.parametrize("storage_kind", ["s3"], indirect=True)
def test_an_upload_to_s3_is_checked_deduplicated_and_resent_safely(app, client, auth, world, s3_server, s3_bucket):  # noqa: F811
    auth.login("tech1")
    photo = jpeg(640, 480)
    sha = hashlib.sha256(photo).hexdigest()
    damaged, _ = upload(client, world["uuid"]["mine"], photo, sha="0" * 64)  # the sha256 check: nothing stored
    assert damaged.status_code == 400 and damaged.get_json()["code"] == "checksum"
    assert s3_server.keys(s3_bucket) == []

    first, att_id = upload(client, world["uuid"]["mine"], photo)
    assert first.status_code == 201
    assert s3_server.keys(s3_bucket) == [attachment_key(sha)]
    head = s3_server.head(s3_bucket, attachment_key(sha))
    stored = s3_server.client.get_object(Bucket=s3_bucket, Key=attachment_key(sha))["Body"].read()
    assert head["ContentType"] == "image/jpeg" and head["Metadata"]["sha256"] == hashlib.sha256(stored).hexdigest()
    assert first.get_json()["size"] == len(stored) == head["ContentLength"]

    resent, _ = upload(client, world["uuid"]["mine"], photo, att_id)  # the phone did not hear the answer
    assert (resent.status_code, resent.get_json()) == (200, first.get_json())
    twin, _ = upload(client, world["uuid"]["mine"], photo)  # the same photo in another field
    assert twin.status_code == 201
    assert s3_server.keys(s3_bucket) == [attachment_key(sha)]  # one object for the three
    assert s3_server.head(s3_bucket, attachment_key(sha))["LastModified"] == head["LastModified"]  # not written again


@on_both_storages
def test_a_download_streams_the_stored_bytes_with_its_headers(app, client, auth, world):  # noqa: F811
    auth.login("tech1")
    response, att_id = upload(client, world["uuid"]["mine"], jpeg(320, 240))
    sha = response.get_json()["sha256"]
    stored = get_storage(app).read(attachment_key(sha))
    got = client.get(f"/attachments/{att_id}")
    assert got.status_code == 200 and got.data == stored
    assert got.headers["Content-Type"] == "image/jpeg" and int(got.headers["Content-Length"]) == len(stored)
    assert got.headers["Content-Disposition"] == f"inline; filename={att_id}.jpg"
    assert got.headers["ETag"] == f'"{sha}"' and got.headers["X-Content-Type-Options"] == "nosniff"
    assert set(got.headers["Cache-Control"].split(", ")) == {"private", "max-age=86400"}  # never kept by a shared proxy
    got.close()
    again = client.get(f"/attachments/{att_id}", headers={"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == f'"{sha}"'
    head = client.head(f"/attachments/{att_id}")
    assert head.status_code == 200 and head.data == b"" and int(head.headers["Content-Length"]) == len(stored)
    head.close()
    auth.logout()
    assert client.get(f"/attachments/{att_id}").status_code == 302  # to the login page
    auth.login("tech2")
    assert client.get(f"/attachments/{att_id}").status_code == 404
    assert client.get(f"/attachments/{att_id}", headers={"If-None-Match": f'"{sha}"'}).status_code == 404  # the access first


@on_both_storages
def test_an_attachment_whose_object_is_gone_is_a_404(app, client, auth, world):  # noqa: F811
    auth.login("tech1")
    response, att_id = upload(client, world["uuid"]["mine"], jpeg(color=(1, 2, 3)))
    get_storage(app).delete(attachment_key(response.get_json()["sha256"]))
    gone = client.get(f"/attachments/{att_id}")
    assert gone.status_code == 404 and "Pièce jointe introuvable." in gone.get_data(as_text=True)


@pytest.mark.parametrize("storage_kind", ["s3"], indirect=True)
def test_s3_unreachable_is_a_503_the_phone_retries_and_readyz_names_it(app, client, auth, world):  # noqa: F811
    auth.login("tech1")
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    response, _ = upload(client, world["uuid"]["mine"], jpeg(color=(9, 9, 9)))
    assert response.status_code == 503  # the phone's BUSY list: sent again later, not given up
    assert response.get_json() == {"error": "Le service n'est pas disponible pour le moment ; réessayez plus tard.", "code": "unavailable"}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and [e["code"] for e in ready.get_json()["errors"]] == ["storage"]


@pytest.mark.parametrize("storage_kind", ["s3"], indirect=True)
def test_readyz_checks_the_bucket(app, client, s3_bucket):
    assert client.get("/readyz").get_json()["checks"]["storage"] == "ok"
    app.config["S3_BUCKET"] = s3_bucket + "-missing"
    response = client.get("/readyz")
    assert response.status_code == 503 and [e["code"] for e in response.get_json()["errors"]] == ["storage"]


# --- reports -----------------------------------------------------------------------------------


@on_both_storages
def test_the_pdf_sent_is_kept_and_served_as_it_was_sent(app, client, auth, smtp, users, factory):  # noqa: F811
    iv = _ready(app, factory, users, "entretien-poele")
    _finish(app, users, iv)
    auth.login("office")
    client.post(f"/interventions/{iv}/report/send", data={"recipients": "marie.cotillon@example.fr"})
    [message] = smtp.parsed()
    mailed = _pdf_of(message)
    [(status, _attempts, _trigger, _rcpts, sha, _error)] = _sendings(app, iv)
    assert status == "sent" and sha == hashlib.sha256(mailed).hexdigest()
    assert get_storage(app).read(report_key(sha)) == mailed
    from webapp.models import ReportSending
    from webapp.extensions import db

    with app.app_context():
        sid = db.session.query(ReportSending.id).filter_by(intervention_id=iv).scalar()
    url = f"/interventions/{iv}/sendings/{sid}/report.pdf"
    assert url in client.get(f"/interventions/{iv}").get_data(as_text=True)  # linked from the sendings
    got = client.get(url)
    assert got.status_code == 200 and got.data == mailed and got.mimetype == "application/pdf"
    assert got.headers["ETag"] == f'"{sha}"' and got.headers["Content-Disposition"] == f"inline; filename=rapport-intervention-{iv}-envoi-{sid}.pdf"
    got.close()
    # the answers change afterwards: the kept PDF is still the one sent
    answers = complete_answers(app, iv, ["entretien-poele"])
    answers["entretien-poele"]["appareil"]["modele"] = "Autre modèle, changé après l'envoi"
    fill(app, users["office"], iv, answers)
    again = client.get(url)
    assert again.data == mailed
    again.close()
    auth.logout()
    auth.login("tech2")  # not theirs
    assert client.get(url).status_code == 404
    assert client.get(f"/interventions/{iv}/sendings/{sid + 1}/report.pdf").status_code == 404


@pytest.mark.parametrize("storage_kind", ["s3"], indirect=True)
def test_the_report_embeds_the_photos_read_from_s3(app, users, factory, s3_server, s3_bucket):
    from pypdf import PdfReader

    from webapp.extensions import db
    from webapp.models import Intervention
    from webapp.services.reports import render_report_pdf

    iv = _ready(app, factory, users, "installation", status="done")
    assert len(s3_server.keys(s3_bucket)) == 6  # two photos before, one after, a document, two signatures
    with app.test_request_context():
        pdf = render_report_pdf(db.session.get(Intervention, iv))
    images = sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert images == 6

    # a photo whose object is gone is left out, the report is made all the same
    cid = factory.client("Sans Photo")
    other = factory.intervention([users["tech1"]], cid, event_type_id="installation", status="done")
    answers = complete_answers(app, other, FORMS["installation"])
    fill(app, users["office"], other, answers)
    aid = answers["photos-signatures"]["photos_apres"][0]
    unique = png(color=tuple(uuid.uuid4().bytes[:3]))  # never cached by the renderer
    from webapp.models import Attachment

    with app.app_context():
        att = db.session.get(Attachment, aid)
        att.sha256 = hashlib.sha256(unique).hexdigest()  # an object nobody stored
        db.session.commit()
    with app.test_request_context():
        pdf = render_report_pdf(db.session.get(Intervention, other))
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages) == images - 1


# --- fieldforms storage copy -------------------------------------------------------------------


def _copy(app, to: str):
    from cli import main

    return app.test_cli_runner().invoke(main, ["storage", "copy", "--to", to])


@pytest.fixture
def both(app, tmp_path, s3_server, s3_bucket):
    """The app on its local folder, with the S3 settings of a fresh bucket beside."""
    app.config.update({**s3_server.config(s3_bucket), "STORAGE_BACKEND": "local", "ATTACHMENTS_DIR": str(tmp_path / "local")})
    return app


def test_copy_to_s3_is_verified_idempotent_and_names_what_failed(both, s3_server, s3_bucket, tmp_path):
    local = build(both.config, "local")
    files = {attachment_key(hashlib.sha256(p).hexdigest()): p for p in (jpeg(color=(5, 6, 7)), png((1, 1, 1)))}
    files[report_key("ab" * 32)] = b"%PDF-1.4 a sent report"
    for key, data in files.items():
        local.put(key, data, "application/octet-stream")

    result = _copy(both, "s3")
    assert result.exit_code == 0, result.output
    assert "3 object(s) from local folder" in result.output and f"to s3://{s3_bucket}/ at {s3_server.url}" in result.output
    assert "copying" in result.output and "3 copied, 0 already there, 0 failed" in result.output
    assert sorted(s3_server.keys(s3_bucket)) == sorted(files)
    s3 = build(both.config, "s3")
    for key, data in files.items():
        assert s3.read(key) == data and s3.info(key).sha256 == hashlib.sha256(data).hexdigest()
    assert s3_server.head(s3_bucket, report_key("ab" * 32))["ContentType"] == "application/pdf"
    assert s3_server.head(s3_bucket, next(iter(files)))["ContentType"] == "image/jpeg"

    again = _copy(both, "s3")
    assert again.exit_code == 0 and "0 copied, 3 already there, 0 failed" in again.output

    # other bytes under a key at the destination are replaced; a new file is sent; a file
    # the folder lists but that cannot be read fails, named, and the others go on
    changed = next(iter(files))
    s3.put(changed, b"not the same", "image/jpeg")
    local.put("cd/cdef", png((2, 2, 2)), "image/png")
    local.path("ef").mkdir()
    os.symlink(tmp_path / "nowhere", local.path("ef/broken"))
    third = _copy(both, "s3")
    assert third.exit_code == 1
    assert "2 copied, 2 already there, 1 failed" in third.stdout
    assert f"failed: {local.path('ef/broken')}: MissingObject" in third.stderr
    assert s3.read(changed) == files[changed] and s3.exists("cd/cdef") and not s3.exists("ef/broken")


def test_copy_to_local_brings_the_bucket_back_to_a_folder(both, tmp_path):
    s3 = build(both.config, "s3")
    s3.put("ab/abcd", b"photo", "image/jpeg")
    s3.put(report_key("cd" * 32), b"%PDF-1.4", "application/pdf")
    both.config["ATTACHMENTS_DIR"] = str(tmp_path / "backup")
    result = _copy(both, "local")
    assert result.exit_code == 0 and "2 copied" in result.output
    assert (tmp_path / "backup" / "ab" / "abcd").read_bytes() == b"photo"
    assert (tmp_path / "backup" / "reports" / "cd" / f"{'cd' * 32}.pdf").read_bytes() == b"%PDF-1.4"


def test_copy_stops_at_once_when_the_destination_is_unreachable(both):
    both.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    build(both.config, "local").put("ab/abcd", b"photo", "image/jpeg")
    result = _copy(both, "s3")
    assert result.exit_code == 1 and result.stderr.startswith("Error: s3://") and "Traceback" not in result.output


def test_a_copy_that_reads_back_other_bytes_is_removed_and_failed(s3_server, s3_bucket):
    s3 = build(s3_server.config(s3_bucket))
    s3.put("ab/abcd", b"what arrived", "image/jpeg")
    with pytest.raises(CopyFailed, match="read back"):
        verify(s3, "ab/abcd", hashlib.sha256(b"what was sent").hexdigest())
    assert not s3.exists("ab/abcd")  # a later run copies it again


def test_nothing_but_the_storage_opens_the_attachments_folder():
    """One home for the files: the app's code reaches them through webapp.storage only."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    allowed = {root / "webapp" / "__init__.py"}  # where the setting's default is
    readers = [p.relative_to(root).as_posix() for folder in ("webapp", "renderers", "engine") for p in (root / folder).rglob("*.py")
               if "ATTACHMENTS_DIR" in p.read_text(encoding="utf-8") and p not in allowed and (root / "webapp" / "storage") not in p.parents]
    assert readers == []
