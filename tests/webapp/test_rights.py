"""The workflow's rights (S4) for every role, enforced in the services (so the back office,
the API and the CLI obey them alike), and read from workflow.json, not from code."""

from __future__ import annotations

from dataclasses import replace

import pytest

from webapp.registry import get_registry
from webapp.services import reports, save_submission, workflow
from webapp.services.errors import Forbidden, MailNotConfigured

from tests.workflow_helpers import call, example

ROLE_USERS = {"manager": "manager", "office": "office", "technician": "tech1"}


def _edit(app, uid, iv):
    call(app, uid, save_submission, iv, "entretien-chaudiere", example("entretien-chaudiere"))


def _edit_done(app, uid, iv):
    _edit(app, uid, iv)


def _back(app, uid, iv):
    call(app, uid, workflow.back_to_confirmed, iv)


def _close(app, uid, iv):
    call(app, uid, workflow.close_intervention, iv)
    call(app, uid, workflow.reopen_intervention, iv)


def _send(app, uid, iv):
    app.config["MAIL_SERVER"] = None
    with pytest.raises(MailNotConfigured):  # the right is granted: what stops it is the configuration
        call(app, uid, reports.request_report_sending, iv)


# right -> (status of the intervention, event type, action)
RIGHTS = {
    "edit_before_done": ("confirmed", "entretien-chaudiere", _edit),
    "edit_after_done": ("done", "entretien-chaudiere", _edit_done),
    "back_to_confirmed": ("done", "entretien-chaudiere", _back),
    "close_reopen": ("in_progress", "entretien-chaudiere", _close),
    "send_report": ("done", "sav", _send),
}


def _cases():
    for right, roles in get_workflow_rights().items():
        for role in ROLE_USERS:
            yield right, role, role in roles


def get_workflow_rights():
    import json
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parents[2] / "form_definitions/workflow.json").read_text())["rights"]


@pytest.mark.parametrize("right, role, granted", list(_cases()), ids=[f"{r}-{o}" for r, o, _ in _cases()])
def test_every_right_for_every_role(app, users, factory, right, role, granted):
    status, event_type, action = RIGHTS[right]
    iv = factory.intervention([users["tech1"]], event_type_id=event_type, status=status)
    uid = users[ROLE_USERS[role]]
    if granted:
        action(app, uid, iv)
    else:
        with pytest.raises(Forbidden):
            action(app, uid, iv)


@pytest.mark.parametrize("role, granted", [("manager", True), ("office", False), ("technician", False)])
def test_rights_come_from_the_workflow_file(app, users, factory, role, granted):
    reg = get_registry(app)
    reg.workflow = replace(reg.workflow, rights={**reg.workflow.rights, "edit_before_done": ["manager"]})
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-chaudiere", status="confirmed")
    if granted:
        _edit(app, users[ROLE_USERS[role]], iv)
    else:
        with pytest.raises(Forbidden):
            _edit(app, users[ROLE_USERS[role]], iv)


def test_technician_sends_only_in_device_mode(app, users, factory):
    app.config["MAIL_SERVER"] = None
    iv = factory.intervention([users["tech1"]], event_type_id="entretien-poele", status="done")  # back_office mode
    with pytest.raises(Forbidden):
        call(app, users["tech1"], reports.request_report_sending, iv, source="device")
    with pytest.raises(MailNotConfigured):  # the office may
        call(app, users["office"], reports.request_report_sending, iv)
