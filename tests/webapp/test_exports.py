"""Answer exports (issue 15): what the XLSX and the CSV hold, read back (openpyxl, csv)
and compared with the answers — labels as the back office shows them (engine.display) and
raw values as stored —, the arrays' sheet, two versions of a form in one file, the
filters, the rights, the CLI, and a large export made as a job with its progress (inline,
and on Redis with a real RQ worker)."""

from __future__ import annotations

import copy
import csv
import io
import os
import uuid
import zipfile
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from engine import MISSING, clock, display, load_definition, walk
from engine.paths import get_at
from webapp.extensions import db
from webapp.models import ExportJob, FormVersion, Submission

from tests.storage_server import on_both_storages
from tests.workflow_helpers import complete_answers, example, fill

openpyxl = pytest.importorskip("openpyxl")

DAY = date(2026, 3, 10)  # a Tuesday, in winter time (UTC+1 in Paris)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return (clock.local_midnight(day) + timedelta(hours=hour, minutes=minute)).astimezone(clock.UTC)


@pytest.fixture
def exports_dir(app, tmp_path):
    app.config.update(EXPORTS_DIR=str(tmp_path / "exports"), REDIS_URL=None)
    return tmp_path / "exports"


def _visit(app, factory, users, *, form="entretien-poele", event_type="entretien-poele", start=None, tech="tech1", client=None, status="in_progress", answers=None):
    cid = client or factory.client()
    iv = factory.intervention([users[tech]], cid, start=start or _at(DAY, 9), event_type_id=event_type, status=status)
    data = answers if answers is not None else complete_answers(app, iv, [form])[form]
    fill(app, users["office"], iv, {form: data})
    return iv


def _post(client, **values):
    body = {"subject": "form:entretien-poele", "date_from": "2026-03-01", "date_to": "2026-03-31", "format": "xlsx", **values}
    return client.post("/exports/", data={k: v for k, v in body.items() if v is not None})


def _book(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    data = response.get_data()
    response.close()  # what the server does once it has sent it (the file is closed)
    return openpyxl.load_workbook(io.BytesIO(data), data_only=True)  # links: HYPERLINK formulas, read as their address


def _sheet(book, index=0):
    ws = book.worksheets[index]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def _submission(app, iv, form_id):
    with app.app_context():
        return db.session.scalar(sa.select(Submission).where(Submission.intervention_id == iv, Submission.form_id == form_id))


def _nodes(d, data, lang="fr"):
    """The walked fields of the answers, by path: what the back office shows."""
    return {n.path: n for n in walk(d, data, lang=lang).walk() if not n.is_template}


# --- what the files hold ---------------------------------------------------------------------


def test_xlsx_labels_equal_the_answers_as_the_back_office_shows_them(app, client, auth, users, factory, exports_dir):
    iv = _visit(app, factory, users, start=_at(DAY, 9, 30))
    auth.login("office")
    book = _book(_post(client))
    headers, rows = _sheet(book)
    assert headers[:12] == ["Intervention", "Début", "Fin", "Intervenants", "Client", "Type d'intervention", "Statut", "Équipement", "Numéro de série",
                            "Réponse n°", "Version du formulaire", "Enregistrée le"]
    [row] = rows
    cells = dict(zip(headers, row))
    assert cells["Intervention"] == iv
    assert cells["Début"] == datetime(2026, 3, 10, 9, 30)  # the company's wall clock, a real date cell
    assert cells["Type d'intervention"] == "Entretien poêle à granulés" and cells["Statut"] == "En cours"
    # a choice reads as its label, a boolean Oui/Non, a list of choices joined, a number stays a number
    assert cells["Appareil › Marque"] == "MCZ"
    assert cells["Appareil › Raccordement"] == "Conduit existant tubé"
    assert cells["Contrôles et nettoyage › Ramonage du conduit effectué"] == "Oui"
    assert cells["Contrôles et nettoyage › Nettoyages réalisés"].startswith("Brasero (creuset), Chambre de combustion")
    assert cells["Mesures › Tirage (Pa)"] == 11.5
    assert cells["Date conseillée du prochain entretien"] == datetime(2027, 10, 15)
    next_visit = book.worksheets[0].cell(row=2, column=headers.index("Date conseillée du prochain entretien") + 1)
    assert next_visit.number_format == display.SPREADSHEET_FORMATS["date"]
    # every field's cell, compared with the walk of the answers through engine.display
    with app.app_context():
        from webapp.registry import definition_of

        sub = db.session.scalar(sa.select(Submission).where(Submission.intervention_id == iv, Submission.form_id == "entretien-poele"))
        d = definition_of(db.session.get(FormVersion, sub.form_version_id))
    nodes = _nodes(d, sub.data)
    from engine.columns import layout

    for col in layout(d).main.columns:
        got = cells[col.header]
        value = get_at(sub.data, col.path, MISSING)
        node = nodes[col.path]
        if value is MISSING:
            assert got is None, col.header
        elif col.role == "attachment":
            assert got == f"http://localhost/attachments/{value}", col.header
        elif isinstance(got, (int, float)) and not isinstance(got, bool):
            assert got == value, col.header
        elif isinstance(got, datetime):
            assert got.date() == date.fromisoformat(value), col.header
        else:
            assert got == display.answer(node, "fr"), col.header


def test_xlsx_raw_values_equal_the_stored_answers(app, client, auth, users, factory, exports_dir):
    iv = _visit(app, factory, users)
    auth.login("office")
    headers, [row] = _sheet(_book(_post(client, raw="1")))
    cells = dict(zip(headers, row))
    sub = _submission(app, iv, "entretien-poele")
    assert cells["Statut"] == "in_progress" and cells["Type d'intervention"] == "entretien-poele"
    assert cells["Début"] == clock.local(_at(DAY, 9)).isoformat()
    assert cells["Appareil › Marque"] == "mcz"
    assert cells["Contrôles et nettoyage › Ramonage du conduit effectué"] is True
    assert cells["Contrôles et nettoyage › Nettoyages réalisés"] == ", ".join(sub.data["controles"]["nettoyages"])
    assert cells["Date conseillée du prochain entretien"] == sub.data["date_prochain_entretien"]
    assert cells["Mesures › CO ambiant (ppm)"] == sub.data["mesures"]["co_ambiant_ppm"]
    assert cells["Observations"] == sub.data["observations"]


def test_arrays_of_objects_go_to_a_sheet_keyed_by_submission(app, client, auth, users, factory, exports_dir):
    iv = _visit(app, factory, users)
    auth.login("office")
    book = _book(_post(client))
    assert [ws.title for ws in book.worksheets] == ["Réponses", "Pièces remplacées"]
    headers, rows = _sheet(book, 1)
    assert headers == ["Intervention", "Réponse n°", "Ligne", "Référence", "Désignation", "Quantité", "Motif du remplacement", "Précision sur le motif"]
    sub = _submission(app, iv, "entretien-poele")
    parts = sub.data["pieces_remplacees"]
    assert rows == [[iv, sub.id, i, p.get("reference"), p["designation"], p["quantite"], {"usure": "Usure", "autre": "Autre"}[p["motif"]], p.get("motif_detail")]
                    for i, p in enumerate(parts, 1)]


def _store_version(app, definition: dict) -> int:
    """A FormVersion row for ``definition`` (another version of a form)."""
    d = load_definition(definition)
    with app.app_context():
        fv = FormVersion(form_id=d.id, version=d.version, content_hash=d.content_hash, definition=d.to_json())
        db.session.add(fv)
        db.session.commit()
        return fv.id


def test_two_versions_of_a_form_in_one_file(app, client, auth, users, factory, exports_dir):
    old_iv = _visit(app, factory, users, start=_at(DAY, 8))
    from bench.export import second_version  # "observations" removed, "etat_vitre" added, MCZ relabelled

    v2 = second_version()
    v2_id = _store_version(app, v2)
    new_iv = _visit(app, factory, users, start=_at(DAY, 14))
    with app.app_context():  # answered with version 2
        sub = db.session.scalar(sa.select(Submission).where(Submission.intervention_id == new_iv))
        data = copy.deepcopy(sub.data)
        del data["observations"]
        data["etat_vitre"] = "sale"
        sub.form_version_id, sub.data = v2_id, data
        db.session.commit()
    auth.login("office")
    headers, rows = _sheet(_book(_post(client)))
    fields = headers[12:]
    # the newest version's fields in its order, then what only the older one had
    i = fields.index("Appareil en état de fonctionnement")
    assert fields[i + 1] == "État de la vitre"
    assert fields[-1] == "Observations"
    by_iv = {r[0]: dict(zip(headers, r)) for r in rows}
    assert by_iv[old_iv]["Version du formulaire"] == v2["version"] - 1 and by_iv[new_iv]["Version du formulaire"] == v2["version"]
    assert by_iv[old_iv]["Observations"] == example("entretien-poele")["observations"] and by_iv[new_iv]["Observations"] is None
    assert by_iv[new_iv]["État de la vitre"] == "Sale" and by_iv[old_iv]["État de la vitre"] is None
    # each answer reads with its own version's labels
    assert by_iv[old_iv]["Appareil › Marque"] == "MCZ" and by_iv[new_iv]["Appareil › Marque"] == "MCZ Group"


def test_csv_is_a_zip_of_one_csv_per_sheet_when_the_form_has_lists(app, client, auth, users, factory, exports_dir):
    iv = _visit(app, factory, users)
    auth.login("office")
    response = _post(client, format="csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="entretien-poele_2026-03-01_2026-03-31.zip"'
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as zf:
        assert zf.namelist() == ["Réponses.csv", "Pièces remplacées.csv"]
        main = zf.read("Réponses.csv").decode("utf-8")
        items = zf.read("Pièces remplacées.csv").decode("utf-8")
    assert main.startswith("\ufeff")  # Excel reads the accents
    rows = list(csv.reader(io.StringIO(main[1:]), delimiter=";"))
    cells = dict(zip(rows[0], rows[1]))
    assert cells["Intervention"] == str(iv)
    assert cells["Début"] == "10/03/2026 09:00"
    assert cells["Appareil › Marque"] == "MCZ"
    assert cells["Mesures › Tirage (Pa)"] == "11,5"  # the French decimal comma
    assert cells["Date conseillée du prochain entretien"] == "15/10/2027"
    item_rows = list(csv.reader(io.StringIO(items[1:]), delimiter=";"))
    assert item_rows[0][:3] == ["Intervention", "Réponse n°", "Ligne"] and item_rows[1][:3] == [str(iv), cells["Réponse n°"], "1"]


def test_csv_of_a_form_without_lists_is_one_csv_with_links_that_need_a_login(app, client, auth, users, factory, exports_dir):
    iv = _visit(app, factory, users, form="photos-signatures")
    auth.login("office")
    response = _post(client, subject="form:photos-signatures", format="csv", lang=None)
    assert response.headers["Content-Disposition"].endswith('.csv"') and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    cells = dict(zip(rows[0], rows[1]))
    sub = _submission(app, iv, "photos-signatures")
    link = cells["Signature du client"]
    assert link == f"http://localhost/attachments/{sub.data['signature_client']['attachment']}"
    assert cells["Photos avant intervention"] == ", ".join(f"http://localhost/attachments/{a}" for a in sub.data["photos_avant"])
    assert cells["Signature du client › Nom du signataire"] == sub.data["signature_client"]["name"]
    path = link.removeprefix("http://localhost")
    opened = client.get(path)
    assert opened.status_code == 200 and opened.mimetype == "image/png"  # the office, logged in
    opened.close()
    auth.logout()
    assert client.get(path).status_code == 302  # nobody: the login first


def test_english_headers_and_labels(app, client, auth, users, factory, exports_dir):
    _visit(app, factory, users)
    auth.login("office")
    client.get("/exports/?lang=en")
    headers, [row] = _sheet(_book(_post(client)))
    cells = dict(zip(headers, row))
    assert headers[:9] == ["Intervention", "Starts at", "Ends at", "Technicians", "Client", "Intervention type", "Status", "Equipment", "Serial number"]
    assert cells["Appliance › Brand"] == "MCZ" and cells["Checks and cleaning › Flue sweeping done"] == "Yes" and cells["Status"] == "In progress"


def test_an_answer_that_looks_like_a_formula_stays_text(app, client, auth, users, factory, exports_dir):
    data = example("entretien-poele")
    data["observations"] = '=HYPERLINK("http://evil.example","clic")'
    _visit(app, factory, users, answers=data)
    auth.login("office")
    headers, [row] = _sheet(_book(_post(client)))
    assert dict(zip(headers, row))["Observations"] == data["observations"]  # a string cell, not a formula
    response = _post(client, format="csv")
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as zf:
        main = zf.read("Réponses.csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(main[1:]), delimiter=";"))
    assert dict(zip(rows[0], rows[1]))["Observations"] == "'" + data["observations"]


def test_an_event_type_puts_its_forms_side_by_side(app, client, auth, users, factory, exports_dir):
    iv = factory.intervention([users["tech1"]], start=_at(DAY, 10), event_type_id="entretien-poele", status="in_progress")
    fill(app, users["office"], iv, complete_answers(app, iv, ["entretien-poele", "photos-signatures"]))
    auth.login("office")
    book = _book(_post(client, subject="type:entretien-poele"))
    headers, [row] = _sheet(book)
    cells = dict(zip(headers, row))
    assert cells["Intervention"] == iv
    assert cells["Entretien poêle à granulés › Appareil › Marque"] == "MCZ"
    assert cells["Photos et signatures › Signature du client › Nom du signataire"]
    assert [ws.title for ws in book.worksheets][1].startswith("Entretien poêle à granulés")


def test_the_equipment_visited_has_its_columns(app, client, auth, users, factory, exports_dir):
    from webapp.models import Equipment, Intervention

    cid = factory.client()
    with app.app_context():
        eq = Equipment(client_id=cid, kind="poele_granules", brand="Palazzetti", model="Ginger 9", serial_number="PZ-0921-55871", fields={})
        db.session.add(eq)
        db.session.commit()
        eq_id = eq.id
    with_eq = _visit(app, factory, users, client=cid, start=_at(DAY, 9))
    without = _visit(app, factory, users, client=cid, start=_at(DAY, 14))
    with app.app_context():
        db.session.get(Intervention, with_eq).equipment_id = eq_id
        db.session.commit()
    auth.login("office")
    headers, rows = _sheet(_book(_post(client)))
    by_iv = {r[0]: dict(zip(headers, r)) for r in rows}
    assert (by_iv[with_eq]["Équipement"], by_iv[with_eq]["Numéro de série"]) == ("Poêle à granulés Palazzetti Ginger 9", "PZ-0921-55871")
    assert (by_iv[without]["Équipement"], by_iv[without]["Numéro de série"]) == (None, None)
    headers, rows = _sheet(_book(_post(client, raw="1")))
    assert {r[0]: dict(zip(headers, r))["Équipement"] for r in rows} == {with_eq: eq_id, without: None}


# --- filters, period, rights, input ------------------------------------------------------------


def test_filters_by_period_technician_status_and_client(app, client, auth, users, factory, exports_dir):
    c1, c2 = factory.client("Cotillon Marie"), factory.client("Riou Bernard")
    first = _visit(app, factory, users, start=_at(date(2026, 3, 1), 0, 10), client=c1)           # the first minutes of the period
    last = _visit(app, factory, users, start=_at(date(2026, 3, 31), 23, 30), client=c2, tech="tech2")  # its last half hour
    _visit(app, factory, users, start=_at(date(2026, 4, 1), 0, 5), client=c1)                    # the next day: out
    _visit(app, factory, users, start=_at(date(2026, 2, 28), 23, 55), client=c1)                 # the day before: out
    done = _visit(app, factory, users, start=_at(DAY, 9), client=c1, status="done")
    auth.login("office")

    def ids(**values):
        return sorted(r[0] for r in _sheet(_book(_post(client, **values)))[1])

    assert ids() == sorted([first, last, done])
    assert ids(technician_id=users["tech2"]) == [last]
    assert ids(client_id=c1) == sorted([first, done])
    assert ids(status="done") == [done]
    assert ids(date_from="2026-03-31", date_to="2026-03-31") == [last]


def test_a_technician_is_refused(app, client, auth, users, factory, exports_dir):
    _visit(app, factory, users)
    auth.login("tech1")
    assert client.get("/exports/").status_code == 403
    assert _post(client).status_code == 403


def test_the_nav_shows_exports_to_the_office_only(app, client, auth, users):
    auth.login("office")
    assert 'href="/exports/"' in client.get("/exports/").get_data(as_text=True)
    auth.logout()
    auth.login("tech1")
    assert 'href="/exports/"' not in client.get("/account/calendar").get_data(as_text=True)


@pytest.mark.parametrize("values, field", [
    ({"date_from": "2026-03-31", "date_to": "2026-03-01"}, "date_to"),
    ({"date_from": "31/03/2026"}, "date_from"),
    ({"subject": "form:nope"}, "subject"),
    ({"subject": "type:nope"}, "subject"),
    ({"subject": "<script>"}, "subject"),
    ({"technician_id": "999999"}, "technician_id"),
    ({"status": "nope"}, "status"),
    ({"format": "pdf"}, "format"),
    ({"date_from": "2020-01-01", "date_to": "2026-03-31"}, "date_to"),
])
def test_wrong_input_is_said_by_field(app, client, auth, users, exports_dir, values, field):
    auth.login("office")
    response = _post(client, **values)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and "<script>" not in page.replace('<script type="module"', "")


# --- the CLI ----------------------------------------------------------------------------------


def test_cli_export_writes_the_same_file(app, users, factory, exports_dir, tmp_path):
    from cli import main

    iv = _visit(app, factory, users)
    out = tmp_path / "poele.xlsx"
    result = app.test_cli_runner().invoke(main, ["export", "entretien-poele", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "xlsx", "-o", str(out),
                                                 "--technician", "tech1", "--base-url", "https://bo.example.fr"])
    assert result.exit_code == 0, result.output
    assert f"{out}: 1 ligne(s)" in result.output
    book = openpyxl.load_workbook(out, data_only=True)
    headers, [row] = _sheet(book)
    cells = dict(zip(headers, row))
    assert cells["Intervention"] == iv and cells["Appareil › Marque"] == "MCZ"
    assert cells["Appareil › Photo de la plaque signalétique"].startswith("https://bo.example.fr/attachments/")
    csv_out = tmp_path / "poele.csv"
    result = app.test_cli_runner().invoke(main, ["export", "entretien-poele", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv", "-o", str(csv_out), "--raw", "--lang", "en"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(str(csv_out) + ".zip") as zf:  # lists of items: a zip, said in the output
        rows = list(csv.reader(io.StringIO(zf.read("Answers.csv").decode("utf-8")[1:])))
    assert dict(zip(rows[0], rows[1]))["Appliance › Brand"] == "mcz"


def test_cli_export_refuses_a_wrong_period(app, users, exports_dir, tmp_path):
    from cli import main

    result = app.test_cli_runner().invoke(main, ["export", "entretien-poele", "--from", "2026-03-31", "--to", "2026-03-01", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1 and result.output.startswith("--to: ")


# --- large exports: a job, its progress, its file -----------------------------------------------


@on_both_storages  # the file is put in the storage: any node serves it, whichever made it
def test_a_large_export_is_a_job_with_its_progress_then_a_download(app, client, auth, users, factory, exports_dir):
    ivs = [_visit(app, factory, users, start=_at(DAY, 8 + i)) for i in range(3)]
    app.config.update(EXPORT_SYNC_MAX_ROWS=2)
    import webapp.exports.source as source

    source_page = source.PAGE
    source.PAGE = 2  # two pages: the progress moves between them
    seen: list[int] = []
    original = source.records

    def watched(req, forms, page=2):
        for chunk in original(req, forms, page):
            with app.app_context():
                job = db.session.scalar(sa.select(ExportJob))
                seen.append(job.rows_done)
            yield chunk

    source.records = watched
    try:
        auth.login("office")
        response = _post(client)
        response.close()  # sent: the job runs now (inline, after the response)
    finally:
        source.records = original
        source.PAGE = source_page
    assert response.status_code == 302
    job_url = response.headers["Location"]
    page = client.get(job_url).get_data(as_text=True)
    assert 'id="export-progress"' in page and "exports.js" in page
    status = client.get(job_url + "/status").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 3 and status["percent"] == 100
    assert seen == [0, 2]  # committed after the first page, before the second
    download = client.get(status["download_url"])
    assert download.headers["Cache-Control"] == "private, no-store" and int(download.headers["Content-Length"]) == len(download.data)
    book = _book(download)
    assert sorted(r[0] for r in _sheet(book)[1]) == sorted(ivs)
    with app.app_context():
        from webapp.storage import get_storage

        assert [k.rsplit("/", 1)[-1] for k in get_storage().keys("exports/")] == [job_url.rsplit("/", 1)[-1] + ".xlsx"]
    assert list(exports_dir.iterdir()) == []  # this node's scratch file is gone once stored
    # only the one who asked sees it
    auth.logout()
    factory.user("office", "office2")
    auth.login("office2")
    assert client.get(job_url + "/status").status_code == 404
    assert client.get(status["download_url"]).status_code == 404


@pytest.mark.parametrize("job_id", ["%00", "x" * 5000, "3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b", "%F0%9F%92%A9"])
def test_a_job_that_is_not_is_a_404(app, client, auth, users, exports_dir, job_id):
    auth.login("office")
    for suffix in ("", "/status", "/download"):
        assert client.get(f"/exports/jobs/{job_id}{suffix}").status_code == 404


def test_an_expired_export_is_gone(app, client, auth, users, factory, exports_dir):
    _visit(app, factory, users)
    app.config.update(EXPORT_SYNC_MAX_ROWS=0, EXPORT_KEEP_HOURS=0)
    auth.login("office")
    response = _post(client)
    response.close()
    job_url = response.headers["Location"]
    status = client.get(job_url + "/status").get_json()
    assert status["status"] == "done"
    assert client.get(status["download_url"]).status_code == 404
    with app.app_context():
        from webapp.services.exports import purge_expired

        from webapp.storage import get_storage

        assert len(list(get_storage().keys("exports/"))) == 1
        assert purge_expired() == 1
        assert db.session.scalar(sa.select(ExportJob.status)) == "expired"
        assert list(get_storage().keys("exports/")) == []
    assert list(exports_dir.iterdir()) == []


REDIS = os.environ.get("TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS, reason="TEST_REDIS_URL is not set (.ci/run sets it when Redis answers on 127.0.0.1:6379)")
@pytest.mark.committed
def test_on_redis_a_real_worker_makes_the_file(app, client, auth, users, factory, exports_dir):
    from redis import Redis
    from rq import Worker

    from webapp.tasks import queue

    name = f"fieldforms-test-{uuid.uuid4().hex[:8]}"
    ivs = [_visit(app, factory, users, start=_at(DAY, 8 + i)) for i in range(2)]
    app.config.update(REDIS_URL=REDIS, RQ_QUEUE=name, EXPORT_SYNC_MAX_ROWS=1)
    conn = Redis.from_url(REDIS)
    try:
        auth.login("office")
        job_url = _post(client, format="csv").headers["Location"]
        status = client.get(job_url + "/status").get_json()
        assert status["status"] == "queued" and status["download_url"] is None
        with app.app_context():
            assert db.session.scalar(sa.select(ExportJob.job_id))
            q = queue(app)
            Worker([q], connection=q.connection).work(burst=True)
            q.connection.close()
        status = client.get(job_url + "/status").get_json()
        assert status["status"] == "done" and status["done"] == 2
        response = client.get(status["download_url"])
        data = response.get_data()
        response.close()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            rows = list(csv.reader(io.StringIO(zf.read("Réponses.csv").decode("utf-8")[1:]), delimiter=";"))
        assert sorted(int(r[0]) for r in rows[1:]) == sorted(ivs)
    finally:
        for key in conn.scan_iter(f"rq:*{name}*"):
            conn.delete(key)
        conn.close()


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_has_a_year_of_answers_worth_exporting(runner, tmp_path, monkeypatch):
    from cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite'}")
    monkeypatch.setenv("FIELDFORMS_INSTANCE", str(tmp_path / "instance"))
    assert runner.invoke(main, ["demo", "--today", "2026-11-24"]).exit_code == 0
    out = tmp_path / "poeles.xlsx"
    result = runner.invoke(main, ["export", "entretien-poele", "--from", "2025-11-24", "--to", "2026-11-24", "-o", str(out)])
    assert result.exit_code == 0, result.output
    headers, rows = _sheet(openpyxl.load_workbook(out, data_only=True))
    assert len(rows) >= 100
    cells = [dict(zip(headers, r)) for r in rows]
    assert len({c["Appareil › Marque"] for c in cells}) >= 4 and len({c["Mesures › Tirage (Pa)"] for c in cells}) >= 10
    assert len({c["Intervenants"] for c in cells}) == 2
    assert sum(1 for c in cells if (c["Appareil › Photo de la plaque signalétique"] or "").startswith("http://127.0.0.1:5000/attachments/")) >= 100
    assert len(openpyxl.load_workbook(out).worksheets[1]["A"]) > 10  # replaced parts, in their own sheet


def test_photo_links_are_clickable_cells(app, client, auth, users, factory, exports_dir):
    iv = _visit(app, factory, users)
    auth.login("office")
    response = _post(client)
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))  # formulas as written
    response.close()
    headers = [c.value for c in book.worksheets[0][1]]
    plate = book.worksheets[0].cell(row=2, column=headers.index("Appareil › Photo de la plaque signalétique") + 1)
    sub = _submission(app, iv, "entretien-poele")
    assert plate.value == f'=HYPERLINK("http://localhost/attachments/{sub.data["appareil"]["photo_plaque"]}")'
