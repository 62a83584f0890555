"""Interventions (A1, A5): create, edit, cancel, statuses, tags; their answers and photos."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from marshmallow import ValidationError
from sqlalchemy.orm import joinedload

from engine import decode_form

from engine import clock

from .. import render, services
from ..bounds import bounded_int
from ..extensions import db
from ..i18n import current_lang
from ..models import AuditLog, Client, Intervention, Store, User
from ..registry import definition_of, get_registry
from ..schemas import InterventionInputSchema, error_dict, form_to_dict
from ..services import access, policy, prefill
from ..services import equipment as equipment_svc
from ..services.errors import Conflict, InvalidAnswers, InvalidInput
from ..services.submissions import form_for, form_ids_of, get_submission, load_submissions
from ..sync import attachments as att_mod
from .workflow import detail_context

bp = Blueprint("interventions", __name__)

CLIENT_SELECT_LIMIT = 300  # above this, the client is chosen by searching


def _parse_input(form) -> dict:
    raw = form_to_dict(form, lists=("technician_ids",))
    raw["tags"] = [t.strip() for t in (form.get("tags") or "").split(",") if t.strip()]
    try:
        return InterventionInputSchema().load(raw)
    except ValidationError as err:
        raise InvalidInput(error_dict(err)) from None


def _form_choices(selected_client_id):
    """The form's lists: technicians, stores, clients, and the selected client's equipment
    (in service; the page's script reloads it when the client changes)."""
    techs = list(db.session.scalars(sa.select(User).where(User.role == "technician", User.active.is_(True)).order_by(User.display_name)))
    stores = list(db.session.scalars(sa.select(Store).order_by(Store.name)))
    n_clients = db.session.scalar(sa.select(sa.func.count(Client.id)))
    if n_clients <= CLIENT_SELECT_LIMIT:
        clients = list(db.session.scalars(sa.select(Client).order_by(Client.name)))
    else:
        clients = [c for c in [db.session.get(Client, selected_client_id)] if c] if selected_client_id else []
    equipment = equipment_svc.client_equipment(current_user, selected_client_id, include_retired=False) if selected_client_id else []
    return {"techs": techs, "stores": stores, "clients": clients, "client_search": n_clients > CLIENT_SELECT_LIMIT, "equipment": equipment,
            "equipment_label": equipment_svc.label}


@bp.route("/interventions/new", methods=["GET", "POST"])
@login_required
def new():
    if not access.can_plan(current_user):
        abort(403)
    reg = get_registry()
    errors: dict = {}
    if request.method == "POST":
        values = request.form
        try:
            data = _parse_input(request.form)
            iv, created = services.schedule_intervention(current_user, data)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(_("Intervention planned.") if created else _("This intervention was already created."), "success" if created else "info")
            return redirect(url_for("interventions.show", intervention_id=iv.id))
        selected_client = bounded_int(values.get("client_id"))
        selected_techs = {bounded_int(v) for v in values.getlist("technician_ids")}
    else:
        type_id = request.args.get("type") or next(iter(reg.event_types), "")
        et = reg.event_types.get(type_id)
        try:
            start = clock.parse_local_datetime(request.args["start"]) if request.args.get("start") else None
        except ValueError:
            start = None
        if start is None:
            start = (clock.local_midnight(clock.today() + timedelta(days=1)) + timedelta(hours=9)).astimezone(clock.UTC)
        end = start + timedelta(minutes=et.default_duration_minutes if et else 60)
        values = {
            "uuid": str(uuid.uuid4()), "event_type_id": type_id, "client_id": request.args.get("client_id", ""),
            "start_at": clock.input_value(start), "end_at": clock.input_value(end), "title": "", "tags": "", "notes": "", "store_id": "",
            "equipment_id": request.args.get("equipment_id", ""),
        }
        selected_client = bounded_int(request.args.get("client_id"))
        selected_techs = {bounded_int(v) for v in request.args.getlist("tech")}
    return (
        render_template("interventions/form.html", iv=None, values=values, errors=errors, selected_client=selected_client, selected_techs=selected_techs, **_form_choices(selected_client)),
        422 if errors else 200,
    )


@bp.route("/interventions/<int:intervention_id>/edit", methods=["GET", "POST"])
@login_required
def edit(intervention_id: int):
    iv = services.load_intervention(intervention_id, current_user)
    policy.enforce(current_user, iv, "edit_appointment")
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values = request.form
        try:
            services.update_intervention(current_user, iv.id, _parse_input(request.form))
        except InvalidInput as exc:
            errors, status = exc.errors, 422
        except Conflict as exc:
            errors, status = {"_schema": [exc.message]}, 409
        else:
            flash(_("Intervention saved."), "success")
            return redirect(url_for("interventions.show", intervention_id=iv.id))
        selected_client = bounded_int(values.get("client_id"))
        selected_techs = {bounded_int(v) for v in values.getlist("technician_ids")}
    else:
        values = {
            "version": iv.version, "event_type_id": iv.event_type_id, "client_id": iv.client_id, "title": iv.title,
            "start_at": clock.input_value(iv.start_at), "end_at": clock.input_value(iv.end_at), "tags": ", ".join(t.name for t in iv.tags),
            "notes": iv.notes or "", "store_id": iv.store_id or "", "equipment_id": iv.equipment_id or "",
        }
        selected_client = iv.client_id
        selected_techs = {t.id for t in iv.technicians}
    return (
        render_template("interventions/form.html", iv=iv, values=values, errors=errors, selected_client=selected_client, selected_techs=selected_techs, **_form_choices(selected_client)),
        status,
    )


@bp.route("/interventions/<int:intervention_id>")
@login_required
def show(intervention_id: int):
    iv = services.load_intervention(intervention_id, current_user)
    lang = current_lang()
    submissions = load_submissions(iv.id)
    by_form = {s.form_id: s for s in submissions}
    forms = []
    for fid in form_ids_of(iv, submissions):
        sub = by_form.get(fid)
        d = definition_of(sub.form_version) if sub else get_registry().forms.get(fid)
        forms.append({
            "id": fid,
            "title": d.title_in(lang) if d else fid,
            "submission": sub,
            "html": render.render_answers(d, sub.data, lang, attachment_url=_attachment_url) if (sub and d) else None,
        })
    history = list(
        db.session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.entity == "intervention", AuditLog.entity_id == str(iv.id))
            .options(joinedload(AuditLog.user))
            .order_by(AuditLog.at, AuditLog.id)
        )
    )
    others = []
    if access.is_back_office(current_user):
        others = list(
            db.session.execute(
                sa.select(Intervention.id, Intervention.start_at, Intervention.status, Intervention.title, Intervention.event_type_id)
                .where(Intervention.client_id == iv.client_id, Intervention.id != iv.id)
                .order_by(Intervention.start_at.desc())
                .limit(10)
            )
        )
    et = get_registry().event_types.get(iv.event_type_id)
    return render_template("interventions/show.html", iv=iv, et=et, forms=forms, history=history, others=others, **detail_context(iv, current_user))


@bp.route("/interventions/<int:intervention_id>/cancel", methods=["POST"])
@login_required
def cancel(intervention_id: int):
    try:
        services.cancel_intervention(current_user, intervention_id, expected_version=bounded_int(request.form.get("version")))
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(_("Intervention cancelled."), "success")
    return redirect(url_for("interventions.show", intervention_id=intervention_id))


@bp.route("/interventions/<int:intervention_id>/status", methods=["POST"])
@login_required
def status(intervention_id: int):
    try:
        services.transition(current_user, intervention_id, request.form.get("status", ""), expected_version=bounded_int(request.form.get("version")))
    except Conflict as exc:
        flash(exc.message, "error")
    else:
        flash(_("Status changed."), "success")
    return redirect(url_for("interventions.show", intervention_id=intervention_id))


@bp.route("/interventions/<int:intervention_id>/tags", methods=["POST"])
@login_required
def add_tag(intervention_id: int):
    try:
        services.add_tag(current_user, intervention_id, request.form.get("tag", ""))
    except InvalidInput as exc:
        flash(" ".join(exc.errors.get("tag", [])), "error")
    except Conflict as exc:
        flash(exc.message, "error")
    return redirect(url_for("interventions.show", intervention_id=intervention_id) + "#tags")


@bp.route("/interventions/<int:intervention_id>/tags/<int:tag_id>/remove", methods=["POST"])
@login_required
def remove_tag(intervention_id: int, tag_id: int):
    try:
        services.remove_tag(current_user, intervention_id, tag_id)
    except Conflict as exc:
        flash(exc.message, "error")
    return redirect(url_for("interventions.show", intervention_id=intervention_id) + "#tags")


# -- answers -----------------------------------------------------------------------------


def _attachment_url(attachment_id: str) -> str:
    return url_for("interventions.attachment", attachment_id=attachment_id)


def _form_context(intervention_id: int, form_id: str):
    iv = services.load_intervention(intervention_id, current_user)
    sub = get_submission(iv.id, form_id)
    fv = form_for(iv, form_id, sub)
    return iv, sub, fv, definition_of(fv)


@bp.route("/interventions/<int:intervention_id>/forms/<form_id>")
@login_required
def answers(intervention_id: int, form_id: str):
    iv, sub, fv, d = _form_context(intervention_id, form_id)
    lang = current_lang()
    html = render.render_answers(d, sub.data, lang, attachment_url=_attachment_url) if sub else None
    return render_template("interventions/answers.html", iv=iv, sub=sub, fv=fv, d=d, html=html, may_edit=policy.decision(current_user, iv, "edit_answers"))


@bp.route("/interventions/<int:intervention_id>/forms/<form_id>/edit", methods=["GET", "POST"])
@login_required
def edit_answers(intervention_id: int, form_id: str):
    iv, sub, fv, d = _form_context(intervention_id, form_id)
    policy.enforce(current_user, iv, "edit_answers")
    lang = current_lang()
    data, errors, status, message = (sub.data if sub else None), (), 200, None
    # the first time a form is opened, it is prefilled from the client, the intervention and
    # the previous visit (ui:prefill); the page shows those fields so until they are confirmed
    pre = prefill.prefill_form(iv, form_id, fv, lang) if sub is None else None
    shown = dict(pre.sources) if pre else {}
    if pre is not None:
        data = pre.answers
    if request.method == "POST":
        pairs = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", prefill.POSTED_NAME)]
        data = decode_form(d, pairs)
        shown = {p: pre.sources[p] for p in prefill.unconfirmed(prefill.posted_pointers(request.form.get(prefill.POSTED_NAME)), data, pre)}
        try:
            services.save_submission(current_user, iv.id, form_id, data, expected_version=bounded_int(request.args.get("v")), lang=lang, prefilled=sorted(shown))
        except InvalidAnswers as exc:
            errors, status = exc.errors, 422
            message = _("The answers were not saved: correct the fields in red.")
        except Conflict as exc:
            status, message = 409, exc.message
        else:
            flash(_("Answers saved."), "success")
            return redirect(url_for("interventions.answers", intervention_id=iv.id, form_id=form_id))
    action = url_for("interventions.edit_answers", intervention_id=iv.id, form_id=form_id, v=sub.version if sub else None)
    pattern = url_for("interventions.attachment", attachment_id="00000000-0000-0000-0000-000000000000").replace("00000000-0000-0000-0000-000000000000", "{id}")
    form_dom_id = f"ff-form-{d.id}"  # the Save buttons above and below the form submit it
    html = render.render_form(d, data, errors, lang, action=action, csrf_token=generate_csrf(), form_id=form_dom_id, attachment_url=pattern, prefilled=shown)
    return render_template("interventions/edit_answers.html", iv=iv, sub=sub, fv=fv, d=d, html=html, errors=errors, message=message, form_dom_id=form_dom_id), status


@bp.route("/attachments/<attachment_id>")
@login_required
def attachment(attachment_id: str):
    """A photo or signature as stored (:mod:`webapp.sync.attachments`): only to those who
    may see its intervention, one 404 for "not yours" and "not there", named by its id."""
    try:
        attachment_id = str(uuid.UUID(attachment_id))
    except ValueError:
        abort(404)
    att = att_mod.find_visible(current_user, attachment_id)
    return att_mod.download(att)
