"""One clock (issue 10): with ``FIELDFORMS_TZ=America/Montreal`` every screen reads the same
instant at the same local time, and the agenda files it under the company's day.

Expected values are worked out by hand: Montreal is on EDT (UTC-4) from 8 March 2026, so
14:00 UTC on 10 March is 10:00 there (it would be 15:00 in Paris), and 03:00 UTC on 11
March is still 23:00 on 10 March in Montreal (04:00 on the 11th in Paris). On 6 March,
before the change, Montreal is on EST (UTC-5): 14:00 UTC is 09:00.
"""

from __future__ import annotations

import io
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from cli import main
from engine import clock, decode_form
from renderers.html import render_answers, render_form
from webapp.extensions import db
from webapp.models import Intervention
from webapp.registry import definition_of, get_registry
from webapp.services import calendar

from tests.workflow_helpers import call, example, fill

UTC = timezone.utc
START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)        # 10:00 EDT
LATE = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)          # 23:00 EDT, 10 March
WINTER = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)        # 09:00 EST
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)          # the company's today: 10 March


@pytest.fixture
def app_config(app_config):
    """The test app in Montreal; the engine's clock goes back to the previous zone after."""
    before = clock.company_tz()
    yield {**app_config, "FIELDFORMS_TZ": "America/Montreal"}
    clock.configure(before)


@pytest.fixture
def frozen(app, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW.astimezone(clock.company_tz()))


@pytest.fixture
def plan(app, factory, users, frozen):
    cid = factory.client("Cotillon Marie")
    ids = {
        "main": factory.intervention([users["tech1"]], cid, start=START, minutes=60, event_type_id="installation", status="confirmed", title="Mise en service"),
        "late": factory.intervention([users["tech1"]], cid, start=LATE, minutes=45, status="confirmed", title="Tard le soir"),
        "winter": factory.intervention([users["tech1"]], cid, start=WINTER, minutes=60, status="confirmed", title="Avant le changement d'heure"),
    }
    answers = {**example("installation"), "date_heure_mise_en_service": START.isoformat()}
    fill(app, users["office"], ids["main"], {"installation": answers})
    return ids


def test_the_app_hands_its_zone_to_the_engine(app):
    assert app.config["FIELDFORMS_TZ"] == "America/Montreal"
    assert clock.company_tz() == ZoneInfo("America/Montreal") and app.config["BABEL_DEFAULT_TIMEZONE"] == "America/Montreal"


def test_agenda_day_and_week_put_interventions_on_the_companys_day(client, auth, plan):
    auth.login("office")
    day = client.get("/agenda/day?date=2026-03-10").get_data(as_text=True)
    assert f'/interventions/{plan["main"]}"' in day and f'/interventions/{plan["late"]}"' in day
    assert "10:00 – 11:00" in day and "23:00 – 23:45" in day
    next_day = client.get("/agenda/day?date=2026-03-11").get_data(as_text=True)
    assert f'/interventions/{plan["late"]}"' not in next_day  # the UTC day, not the company's
    week = client.get("/agenda/week?date=2026-03-10").get_data(as_text=True)
    cells = week.split("<tbody>")[1].split('<td class="cell')[1:]  # tech1's row: Monday 9 .. Sunday 15
    columns = {key: [i for i, cell in enumerate(cells) if f'/interventions/{plan[key]}"' in cell] for key in ("main", "late")}
    assert columns == {"main": [1], "late": [1]}  # Tuesday 10 March, both
    assert "<b>10:00</b>" in cells[1] and "<b>23:00</b>" in cells[1]


def test_detail_page_and_answers_read_montreal_time(client, auth, plan):
    auth.login("office")
    page = client.get(f"/interventions/{plan['main']}").get_data(as_text=True)
    assert "mardi 10 mars 2026" in page and "10:00 – 11:00" in page
    assert "10/03/2026 10:00" in page  # the date-time answer, in the read-only answers
    winter = client.get(f"/interventions/{plan['winter']}").get_data(as_text=True)
    assert "09:00 – 10:00" in winter


def test_pull_sends_montreal_days_and_hours(client, auth, plan, app):
    auth.login("tech1")
    body = client.get("/api/v1/sync/pull").get_json()
    assert body["window"] == {"from": "2026-03-09", "to": "2026-03-17"} and body["config"]["tz"] == "America/Montreal"
    with app.app_context():
        uuids = {db.session.get(Intervention, v).uuid: k for k, v in plan.items()}
    got = {uuids[iv["uuid"]]: iv for iv in body["interventions"]}
    assert set(got) == {"main", "late"}  # 6 March is before the window
    assert (got["main"]["day"], got["main"]["day_label"], got["main"]["time_label"]) == ("2026-03-10", "mardi 10 mars", "10:00 – 11:00")
    assert (got["late"]["day"], got["late"]["time_label"], got["late"]["duration_label"]) == ("2026-03-10", "23:00 – 23:45", "45 min")
    assert body["server_time"] == "2026-03-10T12:00:00+00:00" and body["server_time_label"] == "08:00"


def test_form_datetimes_render_and_decode_in_montreal(app, client, auth, plan):
    with app.app_context():
        d = definition_of(get_registry().current_version("installation"))
    html = render_form(d, {"date_heure_mise_en_service": START.isoformat()})
    assert 'data-ff-tz="America/Montreal"' in html and 'value="2026-03-10T10:00"' in html
    decoded = decode_form(d, [("date_heure_mise_en_service", "2026-03-10T10:00")])["date_heure_mise_en_service"]
    assert decoded == "2026-03-10T10:00:00-04:00" and datetime.fromisoformat(decoded) == START
    assert "10/03/2026 10:00" in render_answers(d, {"date_heure_mise_en_service": decoded})
    auth.login("office")  # the back office's edit page shows the same input value
    edit = client.get(f"/interventions/{plan['main']}/forms/installation/edit").get_data(as_text=True)
    assert 'value="2026-03-10T10:00"' in edit


def test_pdf_report_reads_montreal_time(client, auth, plan):
    from pypdf import PdfReader

    auth.login("office")
    response = client.get(f"/interventions/{plan['main']}/report.pdf")
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "10/03/2026 10:00 – 11:00" in text  # the intervention's day and hours
    assert "10/03/2026 10:00" in text.replace("10/03/2026 10:00 – 11:00", "")  # the date-time answer


def test_calendar_feed_names_the_zone_and_its_instants_read_montreal_time(app, users, plan):
    call(app, users["tech1"], calendar.create_feed, users["tech1"])
    with app.app_context():
        from webapp.models import User

        cal = Calendar.from_ical(calendar.build_calendar(db.session.get(User, users["tech1"])))
    zone = ZoneInfo(str(cal["x-wr-timezone"]))
    local = {str(e["summary"]).split(" — ", 1)[1]: e.decoded("dtstart").astimezone(zone) for e in cal.walk("VEVENT")}  # "client — title"
    assert zone.key == "America/Montreal"
    assert local["Mise en service"].strftime("%Y-%m-%d %H:%M") == "2026-03-10 10:00"
    assert local["Tard le soir"].strftime("%Y-%m-%d %H:%M") == "2026-03-10 23:00"


def test_cli_shows_montreal_time(app, plan):
    result = app.test_cli_runner().invoke(main, ["intervention", "show", str(plan["main"])])
    assert result.exit_code == 0, result.output
    assert "10/03/2026 10:00 – 11:00" in result.stdout


def test_an_unknown_zone_stops_the_start(app_config, monkeypatch):
    from webapp import create_app

    with pytest.raises(clock.UnknownTimeZone, match="Mars/Olympus"):
        create_app({**app_config, "FIELDFORMS_TZ": "Mars/Olympus"})
    monkeypatch.setenv("FIELDFORMS_TZ", "Mars/Olympus")  # or given by the environment
    with pytest.raises(clock.UnknownTimeZone):
        create_app({k: v for k, v in app_config.items() if k != "FIELDFORMS_TZ"})
