"""Every ES module the form loads is cached by the phone for offline use and bundled in the
standalone preview: a module added to renderers/static (choice.js for oneOf/anyOf) and
left out of either list breaks the form offline or from a file."""

from __future__ import annotations

import re

from renderers import STATIC_DIR
from renderers.preview import MODULES as PREVIEW_MODULES
from webapp.mobile import FORM_MODULES

_IMPORT = re.compile(r'^(?:import|export)\s*\{[^}]*\}\s*from\s*"\./([\w.-]+\.js)";', re.M)


def _reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += _IMPORT.findall((STATIC_DIR / name).read_text(encoding="utf-8"))
    return seen


def test_the_phone_and_the_preview_have_every_module_of_the_form():
    modules = _reachable("form.js")
    assert {"choice.js", "condition.js", "values.js", "arrays.js"} <= modules
    assert modules <= set(FORM_MODULES)
    assert modules <= set(PREVIEW_MODULES)
