"""fieldforms' renderers: the walked form tree to HTML (the technician's form, the back
office's read-only answers) and to PDF (the intervention report).

Both read only :class:`engine.Node` trees; nothing here imports the web app.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
#: ES modules, CSS and vendored libraries of the form; the web app serves it at /static/ff/.
STATIC_DIR = PACKAGE_DIR / "static"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
#: Fonts embedded in PDF reports (copied from npm's dejavu-fonts-ttf by ``make assets``).
FONTS_DIR = PACKAGE_DIR / "fonts"

__all__ = ["FONTS_DIR", "PACKAGE_DIR", "STATIC_DIR", "TEMPLATES_DIR"]
