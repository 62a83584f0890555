"""The account manager's pages: users (T1) and the form registry."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from .. import services
from ..extensions import db
from ..models import FormVersion, User
from ..registry import get_registry
from ..services import access, calendar
from ..services.errors import InvalidInput
from .common import require_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _manager_only():
    require_manager()


@bp.route("/users")
def users():
    rows = list(db.session.scalars(sa.select(User).order_by(User.active.desc(), User.role, User.display_name)))
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    errors, values = {}, {"role": "technician"}
    if request.method == "POST":
        values = request.form
        try:
            user = services.create_user(current_user, request.form.to_dict())
        except InvalidInput as exc:
            errors = exc.errors
        else:
            flash(_("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", user=None, values=values, errors=errors), 422 if errors else 200


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    errors = {}
    values = {"username": user.username, "display_name": user.display_name, "email": user.email or "", "role": user.role}
    if request.method == "POST":
        values = request.form
        try:
            services.update_user(current_user, user.id, request.form.to_dict())
        except InvalidInput as exc:
            errors = exc.errors
        else:
            if user.id == current_user.id and request.form.get("password"):
                login_user(user)  # their other devices are logged out; this browser stays in
            flash(_("Account saved."), "success")
            return redirect(url_for("admin.users"))
    has_feed = access.is_assignable(user)
    feed, feed_url = calendar.feed_address(user.id) if has_feed else (None, None)
    return render_template("admin/user_form.html", user=user, values=values, errors=errors, has_feed=has_feed, feed=feed, feed_url=feed_url), 422 if errors else 200


@bp.route("/users/<int:user_id>/<any(enable, disable):action>", methods=["POST"])
def set_active(user_id: int, action: str):
    user = services.set_active(current_user, user_id, action == "enable")
    flash(_("Account %(name)s enabled.", name=user.username) if user.active else _("Account %(name)s disabled.", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/forms")
def forms():
    reg = get_registry()
    versions = list(db.session.scalars(sa.select(FormVersion).order_by(FormVersion.form_id, FormVersion.id.desc())))
    current = {d.content_hash for d in reg.forms.values()}
    return render_template("admin/forms.html", reg=reg, versions=versions, current=current)


@bp.route("/forms/reload", methods=["POST"])
def reload_forms():
    reg = get_registry()
    reg.load()
    result = reg.sync()
    flash(_("Definitions reloaded: %(added)d new version(s), %(refused)d form(s) refused.", added=len(result.added), refused=len(result.refused)), "info")
    return redirect(url_for("admin.forms"))
