"""A refused report template (issue 11): the office gets a page naming the template and
the problem, not a bare 500; the sending logs the same words."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.workflow_helpers import complete_answers, fill

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def refused_template(app_config, tmp_path):
    """The shipped definitions, the installation's report through ``reports/casse.html``,
    a template the sandbox refuses on its third line."""
    folder = tmp_path / "definitions"
    shutil.copytree(ROOT / "form_definitions", folder)
    (folder / "reports" / "casse.html").write_text(
        '{% extends "fieldforms/layout.html" %}\n{% block content %}\n{{ "".__class__.__mro__ }}\n{% endblock %}\n', encoding="utf-8")
    et = folder / "event_types" / "installation.json"
    data = json.loads(et.read_text(encoding="utf-8"))
    et.write_text(json.dumps({**data, "report_template": "casse.html"}), encoding="utf-8")
    app_config["FORM_DEFINITIONS"] = str(folder)
    return folder


def test_the_office_reads_which_template_and_why(refused_template, app, client, auth, users, factory):
    cid = factory.client("Cotillon Marie")
    iv = factory.intervention([users["tech1"]], cid, event_type_id="installation", status="in_progress")
    fill(app, users["office"], iv, complete_answers(app, iv, ["installation", "photos-signatures"]))
    auth.login("office")
    response = client.get(f"/interventions/{iv}/report.pdf")
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Le rapport ne peut pas être produit : reports/casse.html:3: access to attribute '__class__' of 'str' object is unsafe." in page
    assert str(refused_template) not in page  # the server's paths stay on the server
