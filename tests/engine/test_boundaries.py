"""The engine stands alone: nothing in engine/ imports renderers or webapp (or Flask)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


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
