"""One blueprint per module; shared error pages."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, jsonify, render_template, request, send_from_directory
from flask_wtf.csrf import CSRFError

from ..services.errors import ServiceError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_blueprints(app: Flask) -> None:
    from . import admin, agenda, api, auth, clients, interventions, workflow

    for mod in (auth, agenda, clients, interventions, admin, api, workflow):
        app.register_blueprint(mod.bp)

    from ..render import static_dir

    ff_static = static_dir()

    @app.route("/static/ff/<path:filename>", endpoint="ff_static")
    def _ff_static(filename: str):
        """The renderers' CSS and ES modules (public, like every static file)."""
        return send_from_directory(Path(ff_static), filename, max_age=3600)

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        if _wants_json():
            body = {"error": exc.message, "code": exc.code}
            if hasattr(exc, "errors") and isinstance(exc.errors, dict):
                body["errors"] = exc.errors
            if getattr(exc, "missing", None) is not None:
                body["missing"] = exc.missing
            if getattr(exc, "reason", None):
                body["reason"] = exc.reason
            return jsonify(body), exc.status_code
        return render_template("error.html", code=exc.status_code, message=exc.message), exc.status_code

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        if _wants_json():
            return jsonify({"error": exc.description}), 400
        return render_template("error.html", code=400, message=exc.description), 400

    for code in (403, 404, 405, 413, 429):

        @app.errorhandler(code)
        def _http_error(exc, code=code):
            if _wants_json():
                return jsonify({"error": exc.description}), code
            return render_template("error.html", code=code, message=exc.description), code
