import copy
import json
import shutil
from pathlib import Path

import pytest

BASE = {
    "id": "demo",
    "version": 1,
    "title": {"fr": "Démo", "en": "Demo"},
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "a": {"type": "string", "enum": ["x", "y", "z"]},
            "b": {"type": "string"},
            "n": {"type": "integer", "minimum": 0, "maximum": 10},
        },
        "required": ["a"],
    },
    "ui": {"a": {"ui:widget": "radio"}},
}


@pytest.fixture
def base():
    """A small valid definition to break in one place per test."""
    return copy.deepcopy(BASE)


@pytest.fixture
def lint_files(tmp_path):
    """Write definition files (name -> dict or raw text) and lint the folder."""
    from engine.project import lint_paths

    def run(files: dict) -> list:
        folder = tmp_path / "forms"
        folder.mkdir(exist_ok=True)
        for name, content in files.items():
            text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False, indent=2)
            (folder / name).write_text(text, encoding="utf-8")
        return lint_paths([folder])

    return run


SHIPPED = Path(__file__).resolve().parents[2] / "form_definitions"


@pytest.fixture
def folder(tmp_path):
    """A copy of the shipped definitions folder, to break in one place per test."""
    dst = tmp_path / "form_definitions"
    shutil.copytree(SHIPPED, dst)
    return dst


def edit(path: Path, change) -> None:
    """Rewrite the JSON file ``path`` through ``change(data)``."""
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False))

