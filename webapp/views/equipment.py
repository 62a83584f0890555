"""The clients' equipment (issue 15): its page (fields, free fields, history, changes), the
back office's add and edit forms, and the maintenance due list that plans the visits."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import joinedload, selectinload

from engine import FieldError, clock, decode_form, display

from .. import render
from ..bounds import bounded_int
from ..extensions import db
from ..i18n import current_lang
from ..models import AuditLog, Client, Intervention, Submission
from ..schemas import form_to_dict
from ..services import access, policy
from ..services import equipment as equipment_svc
from ..services import maintenance
from ..services.errors import Conflict, InvalidRecord
from .common import require_back_office

bp = Blueprint("equipment", __name__)

#: The id of the <form> the free fields' renderer draws; the fixed fields join it (form=).
FORM_DOM_ID = "equipment-form"


def _values(eq) -> dict:
    """The form's values of ``eq``'s fixed fields (dates as ISO text)."""
    return {k: "" if getattr(eq, k) is None else equipment_svc.plain(getattr(eq, k)) for k in equipment_svc.COLUMNS}


def _posted() -> dict:
    """The equipment's input from the page's post: the fixed fields by name, the free
    fields decoded by the engine as any form's answers are."""
    cat = equipment_svc.catalog()
    fixed = {k: v for k, v in form_to_dict(request.form).items() if k in equipment_svc.COLUMNS or k == "version"}
    pairs = [(k, v) for k, v in request.form.items(multi=True) if k != "csrf_token" and k not in equipment_svc.COLUMNS and k != "version"]
    return {**fixed, "fields": decode_form(cat.form, pairs)}


def _split(errors: list[FieldError]) -> tuple[dict[str, list[str]], list[FieldError]]:
    """A refused record's errors: the fixed fields' by name (the page's inputs), the free
    fields' as the renderer places them (their pointer without ``/fields``)."""
    fixed: dict[str, list[str]] = {}
    free = []
    for e in errors:
        if e.pointer == "/fields" or e.pointer.startswith("/fields/"):
            free.append(FieldError(e.pointer[len("/fields"):], e.message, e.keyword, e.params))
        else:
            fixed.setdefault(e.pointer.lstrip("/") or "_schema", []).append(e.message)
    return fixed, free


def _form_page(client: Client, eq, values: dict, free: dict, errors: dict, free_errors: list, status: int, action: str):
    cat = equipment_svc.catalog()
    lang = current_lang()
    html = render.render_form(cat.form, free, free_errors, lang, action=action, csrf_token=generate_csrf(), form_id=FORM_DOM_ID)
    return render_template("equipment/form.html", client=client, eq=eq, values=values, errors=errors, free_errors=free_errors, html=html,
                           catalog=cat, form_dom_id=FORM_DOM_ID), status


def _submit(client: Client, eq, action: str, save, done: str):
    """Post the page's input through ``save(raw)``; the form again with what was refused
    (422, or 409 for a stale edit), else the equipment's page."""
    raw = _posted()
    try:
        saved = save(raw)
    except InvalidRecord as exc:
        errors, free_errors = _split(exc.errors)
        return _form_page(client, eq, request.form, raw["fields"], errors, free_errors, 422, action)
    except Conflict as exc:
        return _form_page(client, eq, request.form, raw["fields"], {"_schema": [exc.message]}, [], 409, action)
    flash(done, "success")
    return redirect(url_for("equipment.show", equipment_id=saved.id))


@bp.route("/clients/<int:client_id>/equipment/new", methods=["GET", "POST"])
@login_required
def new(client_id: int):
    require_back_office()
    client = db.get_or_404(Client, client_id)
    action = url_for("equipment.new", client_id=client.id)
    if request.method == "POST":
        return _submit(client, None, action, lambda raw: equipment_svc.create_equipment(current_user, client.id, raw), _("Equipment added."))
    return _form_page(client, None, {"kind": request.args.get("kind", "")}, {}, {}, [], 200, action)


@bp.route("/equipment/<int:equipment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(equipment_id: int):
    require_back_office()
    eq = equipment_svc.get_equipment(current_user, equipment_id)
    action = url_for("equipment.edit", equipment_id=eq.id)
    if request.method == "POST":
        return _submit(eq.client, eq, action, lambda raw: equipment_svc.update_equipment(current_user, eq.id, raw), _("Equipment saved."))
    return _form_page(eq.client, eq, {**_values(eq), "version": eq.version}, eq.fields or {}, {}, [], 200, action)


def history(equipment_id: int) -> list[Intervention]:
    """Every intervention on the equipment the user may see, latest first, with their
    technicians and answered forms."""
    stmt = (
        sa.select(Intervention)
        .where(Intervention.equipment_id == equipment_id)
        .options(selectinload(Intervention.technicians), selectinload(Intervention.submissions).load_only(Submission.id, Submission.form_id, Submission.intervention_id))
        .order_by(Intervention.start_at.desc(), Intervention.id.desc())
    )
    return list(db.session.scalars(access.visible_interventions(current_user, stmt)))


def changes(equipment_id: int) -> list[AuditLog]:
    """The equipment's audit trail, latest first, with who made each change."""
    stmt = (
        sa.select(AuditLog).where(AuditLog.entity == "equipment", AuditLog.entity_id == str(equipment_id))
        .options(joinedload(AuditLog.user)).order_by(AuditLog.id.desc()).limit(200)
    )
    return list(db.session.scalars(stmt))


def field_label(name: str) -> str:
    """A changed field's words: the fixed fields' labels, the free fields' titles."""
    labels = {
        "kind": _("Kind"), "brand": _("Brand"), "model": _("Model"), "serial_number": _("Serial number"), "installed_on": _("Installed on"),
        "warranty_until": _("Warranty until"), "fuel": _("Fuel"), "notes": _("Notes"), "next_maintenance_on": _("Next maintenance"), "retired_on": _("Retired on"),
    }
    if name in labels:
        return labels[name]
    cat = equipment_svc.catalog()
    node = next((n for n in _free_nodes(cat) if n.path == (name,)), None)
    return node.label if node is not None and node.label else name


def change_text(name: str, value) -> str:
    """An audited value as people read it: dates in the page's language, kinds and fuels by
    their labels, yes/no; nothing as a dash."""
    lang = current_lang()
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return display.boolean(value, lang)
    if name in ("installed_on", "warranty_until", "next_maintenance_on", "retired_on"):
        try:
            return display.date(date.fromisoformat(str(value)), lang, "short")
        except ValueError:
            return str(value)
    if name == "kind":
        return equipment_svc.catalog().kind_label(value, lang)
    if name == "fuel":
        return equipment_svc.catalog().fuel_label(value, lang)
    if isinstance(value, (int, float)):
        return display.number(value, lang)
    return str(value)


def _free_nodes(cat):
    from engine import walk

    return list(walk(cat.form, {}, lang=current_lang()).children)


@bp.route("/equipment/<int:equipment_id>")
@login_required
def show(equipment_id: int):
    eq = equipment_svc.get_equipment(current_user, equipment_id)
    cat = equipment_svc.catalog()
    lang = current_lang()
    free = render.render_answers(cat.form, eq.fields or {}, lang) if eq.fields else None
    back_office = access.is_back_office(current_user)
    return render_template(
        "equipment/show.html", eq=eq, catalog=cat, free=free, due=maintenance.due_of(eq), history=history(eq.id),
        changes=changes(eq.id) if back_office else [], field_label=field_label, change_text=change_text, may_edit=policy.may_edit_equipment(current_user),
        under_warranty=eq.warranty_until is not None and eq.warranty_until >= clock.today(),
    )


# --- maintenance due -----------------------------------------------------------------------------


def _period() -> tuple:
    today = clock.today()
    since = clock.parse_day(request.args.get("from"), today)
    until = clock.parse_day(request.args.get("to"), clock.month_end(clock.add_months(today, 1)))
    if until < since:
        until = since
    return since, until


@bp.route("/equipment/due")
@login_required
def due():
    require_back_office()
    since, until = _period()
    overdue = request.args.get("overdue", "1") != "0"
    kinds = [k for k in request.args.getlist("kind") if k]
    rows = maintenance.due_list(current_user, until, since=since, overdue=overdue, kinds=kinds)
    return render_template("equipment/due.html", rows=rows, since=since, until=until, overdue=overdue, kinds=kinds, catalog=equipment_svc.catalog(), today=clock.today())


@bp.route("/equipment/due/plan", methods=["POST"])
@login_required
def plan():
    """The proposal: a suggested technician and slot for each equipment ticked."""
    if not access.can_plan(current_user):
        abort(403)
    ids = [i for i in (bounded_int(v, minimum=1) for v in request.form.getlist("equipment_id")) if i is not None]
    if not ids:
        flash(_("Tick the equipment to plan first."), "error")
        return redirect(url_for("equipment.due", **{k: v for k, v in request.form.items() if k in ("from", "to")}))
    proposals = maintenance.propose(current_user, ids)
    rows = [
        {"equipment_id": p.due.equipment.id, "event_type_id": p.event_type.id if p.event_type else "", "technician_id": p.technician_id or "",
         "start_at": clock.input_value(p.start_at) if p.start_at else "", "minutes": p.minutes, "uuid": p.uuid}
        for p in proposals
    ]
    return _proposal_page(proposals, rows, {}, 200)


def _proposal_page(proposals, rows, errors, status):
    return render_template("equipment/plan.html", items=list(zip(proposals, rows)), errors=errors, technicians=maintenance.technicians()), status


@bp.route("/equipment/due/confirm", methods=["POST"])
@login_required
def confirm():
    """Plan the visits of the proposal as the clerk left it."""
    if not access.can_plan(current_user):
        abort(403)
    f = request.form
    n = min(len(f.getlist("equipment_id")), 200)
    rows = [
        {"equipment_id": bounded_int(f.getlist("equipment_id")[i], minimum=1), "event_type_id": _at(f, "event_type_id", i),
         "technician_id": bounded_int(_at(f, "technician_id", i), minimum=1), "start_at": _at(f, "start_at", i),
         "minutes": bounded_int(_at(f, "minutes", i), 60, minimum=5), "uuid": _at(f, "uuid", i)}
        for i in range(n)
    ]
    planned, errors = maintenance.plan_visits(current_user, rows)
    if errors:
        proposals = maintenance.propose(current_user, [r["equipment_id"] for r in rows if r["equipment_id"]])
        by_eq = {p.due.equipment.id: p for p in proposals}
        kept = [(by_eq[r["equipment_id"]], r) for r in rows if r["equipment_id"] in by_eq]
        return _proposal_page([p for p, _r in kept], [r for _p, r in kept], errors, 422)
    flash(ngettext("%(num)d visit planned.", "%(num)d visits planned.", len(planned)), "success")
    first = min((iv.start_at for iv in planned), default=None)
    return redirect(url_for("agenda.week", date=clock.local(first).date().isoformat()) if first else url_for("equipment.due"))


def _at(form, name: str, i: int) -> str:
    values = form.getlist(name)
    return values[i] if i < len(values) else ""
