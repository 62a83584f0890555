"""Client records (A4): search, create, edit, and the record with its interventions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from engine import clock

from .. import services
from ..bounds import bounded_int
from ..extensions import db
from ..models import Client, Intervention, Submission
from ..registry import get_registry
from ..schemas import form_to_dict
from ..services import equipment as equipment_svc
from ..services import maintenance, policy
from ..services.errors import InvalidInput
from .common import require_back_office

bp = Blueprint("clients", __name__, url_prefix="/clients")
PER_PAGE = 50


@bp.before_request
@login_required
def _back_office_only():
    require_back_office()


@bp.route("/")
def index():
    q = request.args.get("q", "")
    page = bounded_int(request.args.get("page"), 1, minimum=1)
    clients, total = services.search_clients(q, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template("clients/index.html", clients=clients, total=total, q=q, page=page, pages=max(1, -(-total // PER_PAGE)))


@bp.route("/new", methods=["GET", "POST"])
def new():
    errors, values = {}, {}
    if request.method == "POST":
        values = request.form
        try:
            client = services.create_client(current_user, form_to_dict(request.form))
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(_("Client created."), "success")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", client=None, values=values, errors=errors), 422 if errors else 200


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
def edit(client_id: int):
    client = db.get_or_404(Client, client_id)
    errors, values = {}, {k: "" if getattr(client, k) is None else getattr(client, k) for k in services.clients.FIELDS}
    if request.method == "POST":
        values = request.form
        try:
            services.update_client(current_user, client.id, form_to_dict(request.form))
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(_("Client saved."), "success")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", client=client, values=values, errors=errors), 422 if errors else 200


@bp.route("/<int:client_id>")
def show(client_id: int):
    client = db.session.get(Client, client_id)
    if client is None:
        abort(404)
    interventions = list(
        db.session.scalars(
            sa.select(Intervention)
            .where(Intervention.client_id == client.id)
            .options(selectinload(Intervention.technicians), selectinload(Intervention.tags), joinedload(Intervention.equipment),
                     selectinload(Intervention.submissions).load_only(Submission.id, Submission.form_id, Submission.intervention_id))
            .order_by(Intervention.start_at.desc())
        )
    )
    from ..models import utcnow

    now = utcnow()
    def happened(iv) -> bool:  # over, or done already (a visit finished early is history, not upcoming)
        return iv.end_at < now or get_registry().status(iv.status).state == "done"

    upcoming = [iv for iv in reversed(interventions) if not happened(iv)]
    past = [iv for iv in interventions if happened(iv)]
    rows = equipment_svc.client_equipment(current_user, client.id)
    dues = maintenance.dues_by_id(rows)
    equipment = [{"equipment": eq, "due": dues.get(eq.id)} for eq in rows]
    return render_template("clients/show.html", client=client, upcoming=upcoming, past=past, UTC=clock.UTC, equipment=equipment,
                           catalog=equipment_svc.catalog(), may_edit_equipment=policy.may_edit_equipment(current_user))
