"""The engine stands alone: nothing in engine/ imports renderers or webapp (or Flask)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def modules_imported_by(path: Path) -> set[str]:
    """The top-level packages a source file imports (relative imports aside)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def imported_modules(package: str) -> set[str]:
    return set().union(*(modules_imported_by(path) for path in (ROOT / package).rglob("*.py")))


def test_engine_source_imports_no_renderers_webapp_or_flask():
    assert imported_modules("engine") & {"renderers", "webapp", "flask", "flask_sqlalchemy"} == set()


def test_importing_the_engine_loads_no_renderers_or_webapp():
    code = ("import sys, engine, engine.project, engine.encode; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('renderers', 'webapp', 'flask')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_renderers_import_no_webapp():
    if (ROOT / "renderers").is_dir():
        assert "webapp" not in imported_modules("renderers")


def test_only_the_pdf_adapter_imports_xhtml2pdf_or_reportlab():
    """An upgrade of either library is read in one module, renderers/pdf/adapter.py (see
    pyproject.toml's bounds and tests/renderers/test_pdf_fast_path.py)."""
    users = {str(p.relative_to(ROOT)) for p in (ROOT / "renderers").rglob("*.py") if modules_imported_by(p) & {"xhtml2pdf", "reportlab"}}
    assert users == {"renderers/pdf/adapter.py"}
