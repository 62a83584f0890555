"""One way to show a value (issue 10): the same duration reads the same on the back office's
detail page and day view, in the PDF report, in the CLI and in what the phone is sent to
show, in French and in English."""

from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from cli import main
from engine import clock
from webapp.extensions import db
from webapp.models import Intervention

START = datetime(2026, 3, 10, 8, 0, tzinfo=timezone.utc)  # 09:00 in Paris
EXPECTED = {"fr": "1 h 05", "en": "1 h 05 min"}


@pytest.fixture
def planned(app, factory, users, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 10, 6, 0, tzinfo=timezone.utc).astimezone(clock.company_tz()))
    iv = factory.intervention([users["tech1"]], factory.client("Riou Bernard"), start=START, minutes=65, status="confirmed")
    with app.app_context():
        return iv, db.session.get(Intervention, iv).uuid


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_duration_reads_the_same_on_every_screen(app, client, auth, planned, lang):
    iv, uuid = planned
    expected = EXPECTED[lang]
    auth.login("office")
    client.get(f"/agenda/day?date=2026-03-10&lang={lang}")  # the switch, kept in the session
    shown = {
        "detail": client.get(f"/interventions/{iv}").get_data(as_text=True),
        "day view": client.get("/agenda/day?date=2026-03-10").get_data(as_text=True),
        "pdf": "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(client.get(f"/interventions/{iv}/report.pdf").data)).pages),
        "cli": app.test_cli_runner().invoke(main, ["intervention", "show", str(iv), "--lang", lang]).stdout,
    }
    auth.logout()
    auth.login("tech1")
    pulled = client.get("/api/v1/sync/pull", headers={"Accept-Language": lang}).get_json()
    shown["pull"] = next(i for i in pulled["interventions"] if i["uuid"] == uuid)["duration_label"]
    assert shown["pull"] == expected
    assert {where: expected in text for where, text in shown.items()} == dict.fromkeys(shown, True)
    other = EXPECTED["en" if lang == "fr" else "fr"]
    if other not in expected:  # "1 h 05 min" contains "1 h 05": only the French side can check its absence
        assert {where: other in text for where, text in shown.items()} == dict.fromkeys(shown, False)
