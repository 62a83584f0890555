"""A form written for react-jsonschema-form loads and lints clean unchanged, and walks."""

from pathlib import Path

from engine import lint, load_definition, walk
from engine.project import lint_paths

FIXTURE = Path(__file__).parent / "fixtures" / "rjsf_form.json"


def test_rjsf_form_loads_and_lints_clean():
    d = load_definition(FIXTURE)
    assert lint(d) == []
    assert lint_paths([FIXTURE]) == []


def test_rjsf_constructs_are_understood():
    d = load_definition(FIXTURE)
    raw = FIXTURE.read_text()
    for construct in ('"*"', '"ui:options"', '"ui:enumNames"', '"$ref"', '"dependencies"', '"if"', '"items"', '"oneOf"'):
        assert construct in raw, f"the fixture should use {construct}"
    root = walk(d, {})
    leaves = [n for n in root.walk() if n.is_leaf]
    assert len(leaves) >= 10
    # every ui hint names a field the walk drew (so nothing the author wrote is ignored)
    drawn = {n.path[-1] for n in root.walk() if n.path} | {n.path[-1] for n in root.walk() if n.template for n in [n.template] for n in n.walk() if n.path}
    for key in d.ui:
        if not key.startswith("ui:"):
            assert key in drawn
