"""A first JSON API (marshmallow schemas); issue 5 grows it for the offline client.

Same login (session cookie) and rules as the pages; a POST needs the CSRF token in the
``X-CSRFToken`` header. Errors are answered in the one shape of :mod:`webapp.errors`.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from engine import clock

from .. import services
from ..bounds import bounded_int
from ..extensions import db
from ..models import Intervention
from ..schemas import ClientSchema, EquipmentSchema, InterventionInputSchema, InterventionSchema, SubmissionSchema, UserRefSchema
from ..services import access, policy
from ..services import equipment as equipment_svc
from ..services.errors import Forbidden
from ..services.submissions import load_submissions
from .common import json_object, load_json_body

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.route("/me")
@login_required
def me():
    return jsonify({**UserRefSchema().dump(current_user), "role": current_user.role})


@bp.route("/interventions")
@login_required
def interventions():
    first = clock.parse_day(request.args.get("from"), clock.today())
    days = min(31, bounded_int(request.args.get("days"), 7, minimum=1))
    start, end = clock.day_bounds_utc(first, days)
    stmt = (
        sa.select(Intervention)
        .where(Intervention.start_at < end, Intervention.end_at > start)
        .options(joinedload(Intervention.client), joinedload(Intervention.store), selectinload(Intervention.technicians), selectinload(Intervention.tags))
        .order_by(Intervention.start_at)
        .limit(2000)
    )
    rows = db.session.scalars(access.visible_interventions(current_user, stmt)).unique()
    return jsonify({"interventions": InterventionSchema(many=True).dump(rows)})


@bp.route("/interventions/<int:intervention_id>")
@login_required
def intervention(intervention_id: int):
    """The intervention, its answers, and what the policy lets the user do to it now
    (``rights``: every action and ``transition:<status>``, each allowed or not, why)."""
    iv = services.load_intervention(intervention_id, current_user)
    rights = {action: d.as_dict() for action, d in policy.decisions_for(current_user, iv).items()}
    return jsonify({**InterventionSchema().dump(iv), "submissions": SubmissionSchema(many=True).dump(load_submissions(iv.id)), "rights": rights})


@bp.route("/interventions", methods=["POST"])
@login_required
def create_intervention():
    if not access.can_plan(current_user):
        raise Forbidden(_("You may not plan interventions."))
    data = load_json_body(InterventionInputSchema())
    iv, created = services.schedule_intervention(current_user, data)
    return jsonify(InterventionSchema().dump(iv)), 201 if created else 200


@bp.route("/clients")
@login_required
def clients():
    if not access.is_back_office(current_user):
        raise Forbidden(_("Only the back office may do this."))
    rows, total = services.search_clients(request.args.get("q", ""), limit=20)
    return jsonify({"clients": ClientSchema(many=True).dump(rows), "total": total})


# --- equipment (issue 15) ----------------------------------------------------------------------


def _equipment_json(eq) -> dict:
    return {**EquipmentSchema().dump(eq), "label": equipment_svc.label(eq)}


@bp.route("/clients/<int:client_id>/equipment")
@login_required
def client_equipment(client_id: int):
    """The client's equipment this user may see (``retired=0``: in service only)."""
    rows = equipment_svc.client_equipment(current_user, client_id, include_retired=request.args.get("retired") != "0")
    return jsonify({"equipment": [_equipment_json(eq) for eq in rows]})


@bp.route("/clients/<int:client_id>/equipment", methods=["POST"])
@login_required
def create_equipment(client_id: int):
    """Add equipment; refused fields come back by JSON pointer (``/fields/...`` for the free ones)."""
    equipment_svc.require_editor(current_user)
    eq = equipment_svc.create_equipment(current_user, client_id, json_object())
    return jsonify(_equipment_json(eq)), 201


@bp.route("/equipment/<int:equipment_id>")
@login_required
def equipment(equipment_id: int):
    return jsonify(_equipment_json(equipment_svc.get_equipment(current_user, equipment_id)))


@bp.route("/equipment/<int:equipment_id>", methods=["PUT"])
@login_required
def update_equipment(equipment_id: int):
    """Replace the equipment's values (``version``: the one read, else 409)."""
    equipment_svc.require_editor(current_user)
    eq = equipment_svc.update_equipment(current_user, equipment_id, json_object())
    return jsonify(_equipment_json(eq))
