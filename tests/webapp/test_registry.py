"""The form registry: one immutable FormVersion per distinct content; a definition that
fails lint is refused with its problems and the previous version keeps serving."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_PASSWORD
from webapp.extensions import db
from webapp.models import FormVersion
from webapp.registry import Registry, get_registry

ROOT = Path(__file__).resolve().parents[2]


def _copy_definitions(tmp_path) -> Path:
    dest = tmp_path / "form_definitions"
    shutil.copytree(ROOT / "form_definitions", dest)
    return dest


def test_sync_stores_each_content_once(app):
    with app.app_context():
        n = db.session.scalar(sa.select(sa.func.count(FormVersion.id)))
        reg = Registry(app.config["FORM_DEFINITIONS"])
        result = reg.sync()
        assert not result.added and n == len(reg.forms) >= 5
        assert db.session.scalar(sa.select(sa.func.count(FormVersion.id))) == n


def test_changed_definition_is_a_new_version_and_broken_one_is_refused(app, tmp_path):
    root = _copy_definitions(tmp_path)
    path = root / "forms" / "installation.json"
    with app.app_context():
        reg = Registry(str(root))
        reg.sync()
        first = reg.current_version("installation")
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["version"] += 1
        raw["title"]["fr"] = "Installation (v2)"
        path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
        reg.load()
        result = reg.sync()
        assert [fv.form_id for fv in result.added] == ["installation"]
        second = reg.current_version("installation")
        assert second.id != first.id and second.version == first.version + 1
        assert db.session.get(FormVersion, first.id).definition["title"]["fr"] != "Installation (v2)"  # immutable

        raw["ui"]["ui:order"] = ["champ_qui_n_existe_pas", "*"]
        raw["version"] += 1
        path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
        reg.load()
        result = reg.sync()
        assert "installation" in result.refused and result.refused["installation"]
        assert reg.current_version("installation").id == second.id  # the previous keeps serving

        fresh = Registry(str(root))  # a restart: the latest stored version serves
        fresh.sync()
        assert fresh.current_version("installation").id == second.id


def test_forms_page_lists_problems(app, client, auth, users, tmp_path):
    auth.login("manager")
    page = client.get("/admin/forms").get_data(as_text=True)
    assert "entretien-poele" in page and "en service" in page
    assert client.post("/admin/forms/reload").status_code == 302


@pytest.mark.committed
def test_every_worker_follows_the_files_not_only_the_one_reloaded(app_config, users, tmp_path):
    """Two apps (two gunicorn workers, or two machines with the same files): a changed form
    file, reloaded on one, is served by the other too at its next check."""
    from webapp import create_app

    root = _copy_definitions(tmp_path)
    cfg = {**app_config, "FORM_DEFINITIONS": str(root), "DEFINITIONS_CHECK_SECONDS": 1e-6}
    one, two = create_app(cfg), create_app(cfg)
    try:
        for a in (one, two):
            with a.app_context():
                get_registry().sync()
        path = root / "forms" / "installation.json"
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["version"] += 1
        path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
        manager = one.test_client()
        assert manager.post("/login", data={"username": "manager", "password": TEST_PASSWORD}).status_code == 302
        assert manager.post("/admin/forms/reload").status_code == 302
        with one.app_context():
            assert get_registry().current_version("installation").version == raw["version"]
        with two.app_context():
            assert get_registry().current_version("installation").version == raw["version"] - 1  # not checked yet
        assert two.test_client().get("/login").status_code == 200  # any request: the check
        with two.app_context():
            assert get_registry().current_version("installation").version == raw["version"]
            assert db.session.scalar(sa.select(sa.func.count()).select_from(FormVersion).where(FormVersion.form_id == "installation")) == 2  # stored once
    finally:
        for a in (one, two):
            with a.app_context():
                db.session.remove()
                db.engine.dispose()
