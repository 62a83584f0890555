"""The services' unit of work (webapp.services.unit): one transaction for several changes,
each a step that is kept whole or not at all, and what waits for the commit run after it
— never for a change rolled back."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


def names(app) -> list[str]:
    from webapp.extensions import db
    from webapp.models import Client

    with app.app_context():
        return sorted(db.session.scalars(sa.select(Client.name)))


def test_steps_are_kept_or_rolled_back_alone_and_callbacks_follow_the_commit(app, users):
    from webapp.extensions import db
    from webapp.models import User
    from webapp.services import unit
    from webapp.services.clients import create_client

    ran: list[str] = []
    with app.test_request_context():
        office = db.session.get(User, users["office"])
        with unit.unit_of_work():
            with unit.step():
                create_client(office, {"name": "Kept"})
                unit.after_commit(ran.append, "kept")
            with pytest.raises(RuntimeError), unit.step():
                create_client(office, {"name": "Rolled back"})
                unit.after_commit(ran.append, "rolled back")
                raise RuntimeError("a bug")
            assert ran == []  # not before the commit
        assert ran == ["kept"]
    assert names(app) == ["Kept"]


def test_a_unit_that_fails_keeps_nothing_and_runs_nothing(app, users):
    from webapp.extensions import db
    from webapp.models import User
    from webapp.services import unit
    from webapp.services.clients import create_client

    ran: list[str] = []
    with app.test_request_context():
        office = db.session.get(User, users["office"])
        with pytest.raises(RuntimeError), unit.unit_of_work():
            create_client(office, {"name": "Gone"})
            unit.after_commit(ran.append, "gone")
            raise RuntimeError("the request died")
    assert ran == [] and names(app) == []


def test_outside_a_unit_a_service_commits_and_callbacks_run_at_once(app, users):
    from webapp.extensions import db
    from webapp.models import User
    from webapp.services import unit
    from webapp.services.clients import create_client

    ran: list[str] = []
    with app.test_request_context():
        create_client(db.session.get(User, users["office"]), {"name": "Alone"})
        unit.after_commit(ran.append, "now")
        assert ran == ["now"] and not unit.in_unit()
        db.session.rollback()  # nothing left to roll back: it was committed
    assert names(app) == ["Alone"]
