"""Answers: stored with the FormVersion they were filled with, viewed read-only, corrected
through the same rendered form, validated by the engine (422 by field, nothing saved)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine import load_definition
from webapp.extensions import db
from webapp.models import FormVersion, Submission

ROOT = Path(__file__).resolve().parents[2]
VALID = json.loads((ROOT / "examples/entretien-poele/valid.json").read_text(encoding="utf-8"))


def _pairs_of(d, data):
    """The browser post of a form filled with ``data``: the renderer's own field values."""
    from renderers.html import render_form
    import html.parser

    class P(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.pairs = []
            self._textarea = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("name") and "disabled" not in a:
                if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                    return
                self.pairs.append((a["name"], a.get("value") or ""))
            elif tag == "textarea" and a.get("name"):
                self._textarea = [a["name"], ""]
            elif tag == "select" and a.get("name"):
                self._select = a["name"]
            elif tag == "option" and "selected" in a and getattr(self, "_select", None):
                self.pairs.append((self._select, a.get("value") or ""))

        def handle_data(self, data):
            if self._textarea is not None:
                self._textarea[1] += data

        def handle_endtag(self, tag):
            if tag == "textarea" and self._textarea is not None:
                name, text = self._textarea
                self.pairs.append((name, text[1:] if text.startswith("\n") else text))  # as browsers do
                self._textarea = None
            if tag == "select":
                self._select = None

    p = P()
    p.feed(render_form(d, data))
    return p.pairs


@pytest.fixture
def iv(factory, users):
    # in progress: entretien-poele has mandatory time tracking, technicians fill it after Start
    return factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="in_progress")


def _save(app, iv, user_id, data):
    from webapp.models import User
    from webapp.services import save_submission

    with app.test_request_context():
        from flask_login import login_user

        user = db.session.get(User, user_id)
        login_user(user)
        return save_submission(user, iv, "entretien-poele", data).id


def test_view_answers_read_only(app, client, auth, users, iv):
    _save(app, iv, users["tech1"], VALID)
    auth.login("office")
    html = client.get(f"/interventions/{iv}/forms/entretien-poele").get_data(as_text=True)
    assert "MCZ-1845-0072" in html and "<form" not in html.split("<main")[1].split("Se déconnecter")[-1]
    detail = client.get(f"/interventions/{iv}").get_data(as_text=True)
    assert "MCZ-1845-0072" in detail


def test_correct_answers_through_the_rendered_form(app, client, auth, users, iv):
    sid = _save(app, iv, users["tech1"], VALID)
    auth.login("office")
    page = client.get(f"/interventions/{iv}/forms/entretien-poele/edit")
    assert page.status_code == 200 and "MCZ-1845-0072" in page.get_data(as_text=True)
    with app.app_context():
        d = load_definition(db.session.scalar(sa.select(FormVersion.definition).where(FormVersion.form_id == "entretien-poele")))
    pairs = [(k, "MCZ-0000-0001" if v == "MCZ-1845-0072" else v) for k, v in _pairs_of(d, VALID)]
    response = client.post(f"/interventions/{iv}/forms/entretien-poele/edit?v=1", data=_multidict(pairs))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        sub = db.session.get(Submission, sid)
        assert sub.data["appareil"]["numero_serie"] == "MCZ-0000-0001"
        assert sub.version == 2
        expected = {**VALID, "appareil": {**VALID["appareil"], "numero_serie": "MCZ-0000-0001"}}
        assert sub.data == expected


def _multidict(pairs):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def test_invalid_answers_are_refused_by_field_and_nothing_saved(app, client, auth, users, iv):
    sid = _save(app, iv, users["tech1"], VALID)
    auth.login("office")
    with app.app_context():
        d = load_definition(db.session.scalar(sa.select(FormVersion.definition).where(FormVersion.form_id == "entretien-poele")))
    pairs = [(k, "-5" if k == "mesures.co_ambiant_ppm" else v) for k, v in _pairs_of(d, VALID)]
    assert any(k == "mesures.co_ambiant_ppm" for k, _ in pairs)
    response = client.post(f"/interventions/{iv}/forms/entretien-poele/edit?v=1", data=_multidict(pairs))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "/mesures/co_ambiant_ppm" in html
    with app.app_context():
        sub = db.session.get(Submission, sid)
        assert sub.data == VALID and sub.version == 1


def test_stale_correction_is_refused(app, client, auth, users, iv):
    _save(app, iv, users["tech1"], VALID)
    _save(app, iv, users["tech1"], VALID)  # version 2 now
    auth.login("office")
    with app.app_context():
        d = load_definition(db.session.scalar(sa.select(FormVersion.definition).where(FormVersion.form_id == "entretien-poele")))
    response = client.post(f"/interventions/{iv}/forms/entretien-poele/edit?v=1", data=_multidict(_pairs_of(d, VALID)))
    assert response.status_code == 409


def test_submission_keeps_the_version_it_was_filled_with(app, users, iv):
    sid = _save(app, iv, users["tech1"], VALID)
    with app.app_context():
        sub = db.session.get(Submission, sid)
        fv = db.session.get(FormVersion, sub.form_version_id)
        assert fv.form_id == "entretien-poele" and fv.content_hash == load_definition(ROOT / "form_definitions/forms/entretien-poele.json").content_hash


def test_form_outside_the_event_type_is_404(client, auth, users, iv):
    auth.login("office")
    assert client.get(f"/interventions/{iv}/forms/installation/edit").status_code == 404


def test_what_is_stored_is_what_was_validated(app, users, iv):
    """A stale answer of a field a rule hides (no chimney sweep reason when it was swept) is
    not stored: the stored answers are exactly the checked ones (issue 12)."""
    data = json.loads(json.dumps(VALID))
    assert data["controles"]["ramonage_effectue"] is True
    data["controles"]["motif_non_ramonage"] = "x"  # too short, but hidden: pruned, not an error
    sid = _save(app, iv, users["tech1"], data)
    d = load_definition(ROOT / "form_definitions/forms/entretien-poele.json")
    checked = d.check(data)
    assert checked.errors == [] and checked.answers == VALID
    with app.app_context():
        assert db.session.get(Submission, sid).data == checked.answers


@pytest.mark.parametrize("lang,save", [("fr", "Enregistrer les réponses"), ("en", "Save the answers")])
def test_the_correction_page_has_a_save_button_above_and_below_the_form(client, auth, users, iv, lang, save):
    """The rendered form has no button of its own: the page's two Save buttons belong to it
    (``form=``), the first one before it, so that it is also the default button that Enter
    in a field presses."""
    import re

    auth.login("office")
    html = client.get(f"/interventions/{iv}/forms/entretien-poele/edit?lang={lang}").get_data(as_text=True)
    form_id = re.search(r'<form id="([^"]+)" class="ff-form"', html).group(1)
    buttons = [m for m in re.finditer(r'<button type="submit" form="([^"]+)"[^>]*>([^<]*)</button>', html)]
    assert [(m.group(1), m.group(2)) for m in buttons] == [(form_id, save), (form_id, save)]
    start, end = html.index(f'<form id="{form_id}"'), html.index("</form>", html.index(f'<form id="{form_id}"'))
    assert buttons[0].start() < start and buttons[1].start() > end
