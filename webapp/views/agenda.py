"""Day view and planning view (A3): technicians as rows, hours or days as columns."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from engine import clock

from engine import display

from ..extensions import db
from ..i18n import current_lang
from ..models import Tag, User
from ..services import access
from ..services.agenda import Filters, load_agenda
from .agenda_cells import Chips, Slots

bp = Blueprint("agenda", __name__, url_prefix="/agenda")

DAY_START, DAY_END = 7, 20  # hours shown in the day view


def _filter_choices():
    if not access.is_back_office(current_user):  # a technician's agenda is their own
        return [], []
    techs = list(db.session.scalars(sa.select(User).where(User.role == "technician", User.active.is_(True)).order_by(User.display_name)))
    tags = list(db.session.scalars(sa.select(Tag).order_by(Tag.name)))
    return techs, tags


@bp.route("/week")
@login_required
def week():
    day = clock.parse_day(request.args.get("date"))
    monday = clock.monday_of(day)
    filters = Filters.from_args(request.args)
    agenda = load_agenda(current_user, monday, 7, filters)
    all_techs, tags = _filter_choices()
    today, lang = clock.today(), current_lang()
    days = [{"day": d, "index": i, "today": d == today, "label": display.date(d, lang, "long")} for i, d in enumerate(agenda.days)]
    return render_template(
        "agenda/week.html", agenda=agenda, filters=filters, all_techs=all_techs, tags=tags, today=today, days=days, chip=Chips(lang), slots=Slots(),
        prev=(monday - timedelta(days=7)).isoformat(), next=(monday + timedelta(days=7)).isoformat(), view="week",
    )


@bp.route("/day")
@login_required
def day():
    the_day = clock.parse_day(request.args.get("date"))
    filters = Filters.from_args(request.args)
    agenda = load_agenda(current_user, the_day, 1, filters)
    all_techs, tags = _filter_choices()
    span = (DAY_END - DAY_START) * 60

    def bar(item):
        """left and width in % of the DAY_START..DAY_END window, clamped."""
        day_start = clock.local_midnight(the_day) + timedelta(hours=DAY_START)
        a = (clock.local(item.start_at) - day_start).total_seconds() / 60
        b = (clock.local(item.end_at) - day_start).total_seconds() / 60
        a, b = max(0.0, a), min(float(span), b)
        if b <= a:
            a, b = (0.0, 15.0) if b <= 0 else (span - 15.0, float(span))
        return round(100 * a / span, 3), round(100 * (b - a) / span, 3)

    def lanes(items):
        """Overlapping interventions side by side: [(item, lane)], number of lanes."""
        ends: list = []
        placed = []
        for it in items:
            for i, end in enumerate(ends):
                if end <= it.start_at:
                    ends[i] = it.end_at
                    placed.append((it, i))
                    break
            else:
                ends.append(it.end_at)
                placed.append((it, len(ends) - 1))
        return placed, max(1, len(ends))

    return render_template(
        "agenda/day.html", lanes=lanes, agenda=agenda, filters=filters, all_techs=all_techs, tags=tags, today=clock.today(), the_day=the_day,
        hours=list(range(DAY_START, DAY_END)), bar=bar, chip=Chips(current_lang()), slots=Slots(),
        prev=(the_day - timedelta(days=1)).isoformat(), next=(the_day + timedelta(days=1)).isoformat(), view="day",
    )
