"""Day and planning views (A3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from engine.clock import UTC, company_tz


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=company_tz()).astimezone(UTC)


MONDAY = date(2030, 3, 4)


def test_week_view_rows_columns_and_colours(client, auth, users, factory):
    done = factory.intervention([users["tech1"]], start=_at(MONDAY, 9), status="done")
    planned = factory.intervention([users["tech2"]], start=_at(MONDAY + timedelta(days=2), 14))
    outside = factory.intervention([users["tech2"]], start=_at(MONDAY + timedelta(days=7), 14))
    auth.login("office")
    html = client.get("/agenda/week?date=2030-03-06").get_data(as_text=True)
    assert "Tech1" in html and "Tech2" in html
    assert f"/interventions/{done}" in html and f"/interventions/{planned}" in html and f"/interventions/{outside}" not in html
    chip = html.split(f"/interventions/{done}")[0].rsplit("<a", 1)[1]
    assert "state-done" in chip and "#2e7d32" in chip  # done = green
    assert "date=2030-02-25" in html and "date=2030-03-11" in html  # week navigation
    assert f"/interventions/new?tech={users['tech1']}&amp;start=2030-03-04T09:00" in html  # create by slot


def test_filters(client, auth, users, factory):
    a = factory.intervention([users["tech1"]], start=_at(MONDAY, 9), status="done", event_type_id="sav", tags=["urgent"])
    b = factory.intervention([users["tech2"]], start=_at(MONDAY, 10), event_type_id="installation")
    auth.login("office")
    for query, shown, hidden in (
        (f"tech={users['tech1']}", a, b), ("type=installation", b, a), ("status=done", a, b),
    ):
        html = client.get(f"/agenda/week?date=2030-03-04&{query}").get_data(as_text=True)
        assert f"/interventions/{shown}" in html and f"/interventions/{hidden}" not in html, query
    from webapp.extensions import db
    from webapp.models import Tag
    import sqlalchemy as sa

    with client.application.app_context():
        tag = db.session.scalar(sa.select(Tag.id).where(Tag.name == "urgent"))
    html = client.get(f"/agenda/week?date=2030-03-04&tag={tag}").get_data(as_text=True)
    assert f"/interventions/{a}" in html and f"/interventions/{b}" not in html


def test_day_view(client, auth, users, factory):
    iv = factory.intervention([users["tech1"]], start=_at(MONDAY, 10), minutes=120)
    auth.login("office")
    html = client.get("/agenda/day?date=2030-03-04").get_data(as_text=True)
    assert f"/interventions/{iv}" in html and "10:00 – 12:00" in html
    assert "left:23.077%;width:15.385%" in html  # 10:00 to 12:00 of 07:00..20:00


def test_multi_day_intervention_shows_on_each_day(client, auth, users, factory):
    iv = factory.intervention([users["tech1"]], start=_at(MONDAY, 9), minutes=60 * 24 * 2)
    auth.login("office")
    html = client.get("/agenda/week?date=2030-03-04").get_data(as_text=True)
    assert html.count(f"/interventions/{iv}\"") == 3


def test_technician_sees_only_their_row(client, auth, users, factory):
    factory.intervention([users["tech2"]], start=_at(MONDAY, 9))
    auth.login("tech1")
    html = client.get("/agenda/week?date=2030-03-04").get_data(as_text=True)
    assert "Tech1" in html and "Tech2" not in html
    assert "/interventions/new" not in html


def test_chips_and_slots_escape_author_and_client_text(client, auth, users, factory):
    """The chips are made in Python (webapp.views.agenda_cells): every value escaped, in
    the planning, the day view and a technician's own list, as the templates would."""
    hostile = '<script>alert("x")</script>'
    cid = factory.client(hostile, city=hostile)
    iv = factory.intervention([users["tech1"]], cid, start=_at(MONDAY, 9), title=f'Titre " {hostile}')
    for who in ("office", "tech1"):
        auth.login(who)
        for url in ("/agenda/week?date=2030-03-04", "/agenda/day?date=2030-03-04"):
            html = client.get(url).get_data(as_text=True)
            assert f"/interventions/{iv}" in html, (who, url)
            assert "<script>alert" not in html, (who, url)
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html, (who, url)
        auth.logout()
