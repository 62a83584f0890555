"""One blueprint per module (error pages and API errors: :mod:`webapp.errors`)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, send_from_directory


def register_blueprints(app: Flask) -> None:
    from . import admin, agenda, api, auth, clients, equipment, exports, health, interventions, workflow

    for mod in (auth, agenda, clients, equipment, interventions, exports, admin, api, workflow, health):
        app.register_blueprint(mod.bp)

    from ..mobile.minified import send_minified
    from ..render import static_dir

    ff_static = static_dir()

    @app.route("/favicon.ico", endpoint="favicon")
    def _favicon():
        """Every browser asks for it, whatever the page says (webapp/mobile/icons.py draws it)."""
        return send_from_directory(app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)

    @app.route("/static/ff/<path:filename>", endpoint="ff_static")
    def _ff_static(filename: str):
        """The renderers' CSS and ES modules (public, like every static file), minified
        when ``make assets`` made a copy of this very source (webapp/mobile/minified.py)."""
        return send_minified(Path(ff_static), filename, max_age=3600)
