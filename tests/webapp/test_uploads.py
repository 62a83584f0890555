"""Uploads can't hurt (issue 11): the pixel count is read from the header before anything is
decoded, decompression bombs are a 422 in the one error shape (not a 500 the phone retries
forever), what is stored is the server's bounded re-encoding whatever the device sent,
attachments are served with ``nosniff`` and a safe ``Content-Disposition``, and "not yours"
reads exactly like "not there"."""

from __future__ import annotations

import io
import re
import uuid

import pytest

from tests.images import png_claiming
from tests.storage_server import on_both_storages
from tests.webapp.test_sync_api import upload, world  # noqa: F401 - the sync tests' world


def without_token(response) -> str:
    """A page or an error body, less the CSRF token of its logout form (new each time)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))


def image(fmt: str, size=(64, 48), mode="RGB", color=(200, 80, 40), **save) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, fmt, **save)
    return buf.getvalue()


def stored_bytes(app, response) -> bytes:
    """What the storage holds for an upload's answer."""
    from webapp.storage import attachment_key, get_storage

    return get_storage(app).read(attachment_key(response.get_json()["sha256"]))


def stored(app, response):
    """The stored object of an upload's answer, read by Pillow."""
    from PIL import Image

    with Image.open(io.BytesIO(stored_bytes(app, response))) as im:
        im.load()
    return im


@pytest.mark.parametrize("lang, words", [("fr", "pixels, au plus 81 millions"), ("en", "pixels, at most 81 million")])
def test_a_107_kb_png_of_30000_square_is_a_422_not_a_500(client, auth, world, lang, words):  # noqa: F811
    bomb = png_claiming(30000, 30000)
    assert len(bomb) < 200_000
    auth.login("tech1")
    response = client.put(f"/api/v1/attachments/{uuid.uuid4()}?intervention={world['uuid']['mine']}", data=bomb,
                          headers={"Content-Type": "image/png", "X-Content-SHA256": __import__("hashlib").sha256(bomb).hexdigest(), "Accept-Language": lang})
    body = response.get_json()
    assert response.status_code == 422 and set(body) == {"error", "code"} and body["code"] == "too_many_pixels"
    assert "30000 × 30000" in body["error"] and words in body["error"]


def test_a_bomb_pillow_would_only_warn_about_is_refused_too(client, auth, world):  # noqa: F811
    """10000 × 10000 is under Pillow's error threshold but over its warning one: refused by
    our bound before Pillow is asked (pytest turns warnings into errors, production would
    have decoded 400 MB)."""
    auth.login("tech1")
    response, _ = upload(client, world["uuid"]["mine"], png_claiming(10000, 10000), ctype="image/png")
    assert response.status_code == 422 and response.get_json()["code"] == "too_many_pixels"


def test_the_pixel_bound_is_a_setting(app, client, auth, world):  # noqa: F811
    app.config["ATTACHMENT_MAX_PIXELS"] = 1000
    auth.login("tech1")
    response, _ = upload(client, world["uuid"]["mine"], image("JPEG", (40, 30)))
    assert response.status_code == 422 and response.get_json()["code"] == "too_many_pixels"


@on_both_storages  # stored and served: on the local folder and on S3 (moto)
def test_a_9000_square_png_is_accepted_and_stored_re_encoded_to_the_bound(app, client, auth, world):  # noqa: F811
    auth.login("tech1")
    big = png_claiming(9000, 9000)
    response, att_id = upload(client, world["uuid"]["mine"], big, ctype="image/png")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    kept = stored(app, response)
    assert (kept.format, kept.size) == ("PNG", (2560, 2560))  # a PNG stays lossless, at the bound
    assert body["content_type"] == "image/png" and body["size"] == len(stored_bytes(app, response))
    served = client.get(f"/attachments/{att_id}")
    assert served.mimetype == "image/png" and served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Disposition"] == f'inline; filename={att_id}.png'
    served.close()


@on_both_storages  # stored and served: on the local folder and on S3 (moto)
def test_a_photo_is_kept_as_a_jpeg_at_the_bound(app, client, auth, world):  # noqa: F811
    auth.login("tech1")
    for ctype, fmt in (("image/jpeg", "JPEG"), ("image/webp", "WEBP")):
        response, att_id = upload(client, world["uuid"]["mine"], image(fmt, (4000, 3000)), ctype=ctype)
        kept = stored(app, response)
        assert response.get_json()["content_type"] == "image/jpeg" and (kept.format, kept.size) == ("JPEG", (2560, 1920))
        served = client.get(f"/attachments/{att_id}")
        assert served.headers["Content-Disposition"] == f"inline; filename={att_id}.jpg"
        served.close()


@on_both_storages  # stored and served: on the local folder and on S3 (moto)
def test_orientation_applied_and_metadata_stripped(app, client, auth, world):  # noqa: F811
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    exif[0x010F] = "PhoneMaker"
    photo = image("JPEG", (400, 200), exif=exif.tobytes(), comment=b"lat 48.12 lon -1.60")
    auth.login("tech1")
    response, _ = upload(client, world["uuid"]["mine"], photo)
    kept = stored(app, response)
    assert kept.size == (200, 400)
    assert not kept.getexif() and "comment" not in kept.info and "icc_profile" not in kept.info


@on_both_storages  # stored and served: on the local folder and on S3 (moto)
def test_a_signature_stays_a_png(app, client, auth, world):  # noqa: F811
    auth.login("tech1")
    response, _ = upload(client, world["uuid"]["mine"], image("PNG", (300, 100), "RGBA", (0, 0, 0, 0)), ctype="image/png")
    assert response.get_json()["content_type"] == "image/png" and stored(app, response).mode == "RGBA"
    response, _ = upload(client, world["uuid"]["mine"], image("PNG", (300, 100), "RGBA", (255, 255, 255, 255)), ctype="image/png")
    kept = stored(app, response)
    assert response.get_json()["content_type"] == "image/png" and (kept.format, kept.mode) == ("PNG", "RGB")  # opaque: no alpha kept


@on_both_storages  # stored and served: on the local folder and on S3 (moto)
def test_a_replay_of_the_same_bytes_is_found_by_their_sha(app, client, auth, world):  # noqa: F811
    auth.login("tech1")
    photo = image("JPEG", (3000, 2000))
    first, att_id = upload(client, world["uuid"]["mine"], photo)
    again, _ = upload(client, world["uuid"]["mine"], photo, att_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json() == again.get_json() and stored(app, first).size == (2560, 1707)


def test_a_truncated_image_is_a_422(client, auth, world):  # noqa: F811
    auth.login("tech1")
    whole = image("JPEG", (800, 600), quality=95)
    response, _ = upload(client, world["uuid"]["mine"], whole[: len(whole) // 2])
    assert response.status_code == 422 and response.get_json()["code"] == "unreadable"


@on_both_storages  # stored and served: on the local folder and on S3 (moto)
def test_not_yours_reads_exactly_like_not_there(client, auth, world):  # noqa: F811
    auth.login("tech2")
    _, theirs = upload(client, world["uuid"]["theirs"], image("JPEG"))
    auth.logout()
    auth.login("tech1")
    client.get("/agenda/day")  # shows (and spends) the logout's flash message
    unknown = str(uuid.uuid4())
    for path in ("/api/v1/attachments/{}", "/attachments/{}"):
        not_yours = client.get(path.format(theirs))
        not_there = client.get(path.format(unknown))
        assert not_yours.status_code == not_there.status_code == 404
        assert without_token(not_yours).replace(theirs, "ID") == without_token(not_there).replace(unknown, "ID")
        assert "Pièce jointe introuvable." in (not_yours.get_json()["error"] if not_yours.is_json else without_token(not_yours))
