"""Technicians' private calendar feeds (iCalendar, RFC 5545, with the ``icalendar``
package): a phone calendar subscribes to ``/calendar/<token>.ics``. The token is the only
credential; revoking it (or making a new one) makes the old address answer 404.

Times are written in UTC (``DTSTART:...Z``): every calendar shows them in its own zone,
with no VTIMEZONE to get wrong; ``X-WR-TIMEZONE`` names the company's zone
(:mod:`engine.clock`) for the calendars that display a feed in the zone it suggests. Cancelled interventions stay in the feed with
``STATUS:CANCELLED`` so that subscribed calendars remove them.

An event reads the client's name, address and phone and the status's label as they are
when the feed is read. Phone calendars keep an event they already have unless its
SEQUENCE or LAST-MODIFIED moved, so each event's revision is counted from its content
(:class:`webapp.models.CalendarEvent`): a renamed client, a moved time, a new status, a
changed label all make a new revision; reading the feed again makes none.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from engine import clock

from ..extensions import db
from ..models import CalendarEvent, CalendarFeed, Intervention, User, intervention_technicians, utcnow
from ..registry import get_registry
from . import access
from .audit import audit
from .errors import Forbidden, NotFound
from .interventions import is_default_title

PAST_DAYS = 30
FUTURE_DAYS = 180
STATE_TO_ICAL = {"planned": "TENTATIVE", "confirmed": "CONFIRMED", "in_progress": "CONFIRMED", "done": "CONFIRMED", "cancelled": "CANCELLED"}


def _may_manage(actor: User, user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    if actor.id != user.id and not access.is_back_office(actor):
        raise Forbidden(_("You may not manage this calendar."))
    return user


def active_feed(user_id: int) -> CalendarFeed | None:
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None)).order_by(CalendarFeed.id.desc()).limit(1))


def feed_address(user_id: int) -> tuple[CalendarFeed | None, str | None]:
    """``user_id``'s active feed and the address a calendar subscribes to (None, None when
    there is none)."""
    feed = active_feed(user_id)
    return feed, (url_for("workflow.calendar_feed", token=feed.token, _external=True) if feed else None)


def revoke_feed(actor: User, user_id: int) -> int:
    """Revoke every address of ``user_id``'s feed; how many were active."""
    _may_manage(actor, user_id)
    now = utcnow()
    feeds = list(db.session.scalars(sa.select(CalendarFeed).where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))))
    for f in feeds:
        f.revoked_at = now
    if feeds:
        audit(actor, "user", user_id, "calendar_revoke", None, None, {"feeds": [f.id for f in feeds]})
    db.session.commit()
    return len(feeds)


def create_feed(actor: User, user_id: int) -> CalendarFeed:
    """A new private address for ``user_id``'s feed; the previous one stops working."""
    _may_manage(actor, user_id)
    now = utcnow()
    for f in db.session.scalars(sa.select(CalendarFeed).where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))):
        f.revoked_at = now
    feed = CalendarFeed(user_id=user_id, token=secrets.token_urlsafe(32), created_at=now)
    db.session.add(feed)
    db.session.flush()
    audit(actor, "user", user_id, "calendar_create", None, None, {"feed": feed.id})
    db.session.commit()
    return feed


def feed_for_token(token: str) -> bytes | None:
    """The feed's iCalendar text, or None for an unknown or revoked token."""
    if not token or len(token) > 64:
        return None
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token == token, CalendarFeed.revoked_at.is_(None)))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    if user is None or not user.active:
        return None
    return build_calendar(user)


def _interventions(user: User) -> list[Intervention]:
    now = utcnow()
    mine = sa.select(intervention_technicians.c.intervention_id).where(intervention_technicians.c.user_id == user.id)
    return list(db.session.scalars(
        sa.select(Intervention)
        .where(Intervention.id.in_(mine), Intervention.end_at >= now - timedelta(days=PAST_DAYS), Intervention.start_at <= now + timedelta(days=FUTURE_DAYS))
        .options(joinedload(Intervention.client))
        .order_by(Intervention.start_at)
    ))


def event_summary(iv: Intervention, lang: str = "fr") -> str:
    """What a phone's calendar shows of an intervention: the client's name as it is now, and
    the title typed at planning, or the type when the title was left to be made (it holds
    the client's name of that day)."""
    reg = get_registry()
    et = reg.event_types.get(iv.event_type_id)
    what = iv.title if et is None or not is_default_title(iv.title, et, iv.client) else et.title_in(lang)
    return f"{iv.client.name} — {what}"


def _event(iv: Intervention, lang: str, host: str) -> Event:
    """The event of ``iv``, all but its revision (SEQUENCE, LAST-MODIFIED, DTSTAMP)."""
    reg = get_registry()
    st = reg.status(iv.status)
    c = iv.client
    ev = Event()
    ev.add("uid", f"intervention-{iv.uuid}@{host}")
    ev.add("dtstart", iv.start_at)
    ev.add("dtend", iv.end_at)
    ev.add("summary", event_summary(iv, lang))
    location = ", ".join(x for x in [c.address or "", " ".join(x for x in [c.postcode or "", c.city or ""] if x)] if x)
    if location:
        ev.add("location", location)
    if c.has_coordinates:
        ev.add("geo", (c.lat, c.lon))
    lines = [f"{reg.event_type_title(iv.event_type_id, lang)} — {st.label_in(lang)}", c.name]
    if c.phone:
        lines.append(f"Tél. {c.phone}")
    if iv.notes:
        lines.append(iv.notes)
    ev.add("description", "\n".join(lines))
    ev.add("status", STATE_TO_ICAL.get(st.state, "CONFIRMED"))
    ev.add("categories", [reg.event_type_title(iv.event_type_id, lang)])
    try:
        ev.add("url", url_for("interventions.show", intervention_id=iv.id, _external=True))
    except RuntimeError:  # no request and no SERVER_NAME
        pass
    return ev


def _revise(published: dict[int, tuple[str, int, datetime]]) -> dict[int, tuple[int, datetime]]:
    """intervention id -> (SEQUENCE, LAST-MODIFIED), given what is about to be published
    (id -> content hash, version, updated_at). A new hash is a new revision, counted now;
    an event published for the first time continues the SEQUENCE the feed used to give
    (its version - 1)."""
    rows = {r.intervention_id: r for r in db.session.scalars(sa.select(CalendarEvent).where(CalendarEvent.intervention_id.in_(list(published))))}
    now = utcnow()
    for iv_id, (digest, version, updated_at) in published.items():
        row = rows.get(iv_id)
        if row is None:
            rows[iv_id] = CalendarEvent(intervention_id=iv_id, content_hash=digest, sequence=max(0, version - 1), modified_at=updated_at or now)
            db.session.add(rows[iv_id])
        elif row.content_hash != digest:
            row.content_hash, row.sequence, row.modified_at = digest, row.sequence + 1, max(now, row.modified_at)
    revisions = {i: (r.sequence, r.modified_at) for i, r in rows.items()}
    if db.session.new or db.session.dirty:
        db.session.commit()
    return revisions


def _revisions(published: dict[int, tuple[str, int, datetime]], attempts: int = 3) -> dict[int, tuple[int, datetime]]:
    """:func:`_revise`, again when another feed of the same events counted them meanwhile
    (two technicians' calendars refreshing at once)."""
    for attempt in range(attempts):
        try:
            return _revise(published)
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def build_calendar(user: User, lang: str = "fr") -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//fieldforms//interventions//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    company = current_app.config.get("COMPANY_NAME") or "fieldforms"
    cal.add("x-wr-calname", f"{company} — {user.display_name}")
    cal.add("x-wr-timezone", clock.company_tz().key)
    host = current_app.config.get("SERVER_NAME") or "fieldforms"
    events, published = [], {}
    for iv in _interventions(user):
        ev = _event(iv, lang, host)
        events.append((iv.id, ev))
        published[iv.id] = (hashlib.sha256(ev.to_ical()).hexdigest(), iv.version or 1, iv.updated_at)
    revisions = _revisions(published) if published else {}
    for iv_id, ev in events:
        sequence, modified = revisions[iv_id]
        ev.add("dtstamp", modified)
        ev.add("last-modified", modified)
        ev.add("sequence", sequence)
        cal.add_component(ev)
    return cal.to_ical()
