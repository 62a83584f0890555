"""Export columns read off the walk (engine/columns.py, issue 15): order, labels, the
arrays' tables, the union of two versions, and what each cell holds in labels and raw
modes. No app: the engine alone."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from engine import MISSING, load_definition
from engine.columns import SEP, Link, cell, items, layout, row, text, union

ROOT = Path(__file__).resolve().parents[2]
FORMS = sorted((ROOT / "form_definitions" / "forms").glob("*.json"))
RJSF = sorted(p for p in (ROOT / "tests" / "engine" / "fixtures" / "rjsf").glob("*.json") if not p.name.endswith(".answers.json"))


def _form(name: str):
    return load_definition(ROOT / "form_definitions" / "forms" / f"{name}.json")


def _example(name: str) -> dict:
    return json.loads((ROOT / "examples" / name / "valid.json").read_text(encoding="utf-8"))


def test_columns_follow_ui_order_with_group_headers():
    lay = layout(_form("entretien-poele"))
    headers = [c.header for c in lay.main.columns]
    assert headers[:3] == ["Appareil › Marque", "Appareil › Autre marque", "Appareil › Modèle"]
    assert headers.index("Contrôles et nettoyage › Ramonage du conduit effectué") < headers.index("Mesures › CO ambiant (ppm)")
    assert headers[-4:] == ["Travaux à prévoir", "Appareil en état de fonctionnement", "Date conseillée du prochain entretien", "Observations"]
    assert "Pièces remplacées" not in " ".join(headers)  # an array of objects: a table of its own
    [table] = lay.tables
    assert table.path == ("pieces_remplacees",) and table.title == "Pièces remplacées"
    assert [c.header for c in table.columns] == ["Référence", "Désignation", "Quantité", "Motif du remplacement", "Précision sur le motif"]


def test_english_labels():
    headers = [c.header for c in layout(_form("entretien-poele"), "en").main.columns]
    assert headers[0] == "Appliance › Brand" and "Checks and cleaning › Door gasket" in headers


def test_signatures_and_photos_are_links_then_the_signer_and_date():
    lay = layout(_form("photos-signatures"))
    by_header = {c.header: c for c in lay.main.columns}
    assert by_header["Signature du client"].role == "attachment" and by_header["Signature du client"].path == ("signature_client", "attachment")
    assert by_header["Signature du client › Nom du signataire"].path == ("signature_client", "name")
    assert by_header["Photos avant intervention"].role == "attachment"
    data = _example("photos-signatures")
    cells = dict(zip(by_header, row(lay.main, lay.main, data, link=lambda i: f"https://bo/attachments/{i}")))
    assert cells["Photo d'un document"] == Link(f"https://bo/attachments/{data['photo_document']}")
    assert cells["Photos avant intervention"] == ", ".join(f"https://bo/attachments/{i}" for i in data["photos_avant"])
    # a signed_at instant reads on the company's wall clock (Paris), without a zone
    assert cells["Signature du client › Signé le"] == dt.datetime(2026, 11, 24, 16, 19)


def test_labels_and_raw_values():
    lay = layout(_form("entretien-poele"))
    data = _example("entretien-poele")
    labels = dict(zip([c.header for c in lay.main.columns], row(lay.main, lay.main, data)))
    raw = dict(zip([c.header for c in lay.main.columns], row(lay.main, lay.main, data, raw=True)))
    assert (labels["Appareil › Marque"], raw["Appareil › Marque"]) == ("MCZ", "mcz")
    assert (labels["Contrôles et nettoyage › Ramonage du conduit effectué"], raw["Contrôles et nettoyage › Ramonage du conduit effectué"]) == ("Oui", True)
    assert labels["Contrôles et nettoyage › Nettoyages réalisés"].split(", ")[0] == "Brasero (creuset)"
    assert raw["Contrôles et nettoyage › Nettoyages réalisés"] == ", ".join(data["controles"]["nettoyages"])
    assert labels["Mesures › Tirage (Pa)"] == raw["Mesures › Tirage (Pa)"] == 11.5
    assert labels["Date conseillée du prochain entretien"] == dt.date(2027, 10, 15) and raw["Date conseillée du prochain entretien"] == "2027-10-15"
    assert labels["Travaux à prévoir"] == ", ".join(data["travaux_a_prevoir"])
    assert labels["Appareil › Autre marque"] is None  # unanswered: an empty cell


def test_durations_read_as_hours_and_minutes_unless_raw():
    lay = layout(_form("sav-depannage"))
    col = next(c for c in lay.main.columns if c.node.widget == "duration")
    assert cell(col, 65) == "1 h 05" and cell(col, 65, raw=True) == 65


def test_text_of_cells_for_csv():
    assert text(8.5, lang="fr") == "8,5" and text(8.5, lang="en") == "8.5" and text(8.5, raw=True, lang="fr") == "8.5"
    assert text(dt.date(2027, 10, 15)) == "15/10/2027" and text(dt.datetime(2026, 11, 24, 16, 19)) == "24/11/2026 16:19"
    assert text(True, raw=True) == "true" and text(None) == "" and text(Link("https://x")) == "https://x"


def test_array_items_are_rows_numbered_from_one():
    lay = layout(_form("entretien-poele"))
    data = _example("entretien-poele")
    [table] = lay.tables
    got = list(items(table, lay, data))
    assert [n for n, _ in got] == list(range(1, len(data["pieces_remplacees"]) + 1))
    assert got[0][1][1] == data["pieces_remplacees"][0]["designation"]


def test_the_union_of_two_versions():
    d1 = json.loads((ROOT / "form_definitions/forms/entretien-poele.json").read_text(encoding="utf-8"))
    d2 = copy.deepcopy(d1)
    d2["version"] = 2
    del d2["schema"]["properties"]["observations"]
    d2["ui"]["ui:order"].remove("observations")
    del d2["ui"]["observations"]
    d2["schema"]["properties"]["etat_vitre"] = {"title": "État de la vitre", "type": "string", "enum": ["propre", "sale"]}
    d2["ui"]["ui:order"].insert(0, "etat_vitre")
    d2["schema"]["$defs"]["piece_remplacee"]["properties"]["prix"] = {"title": "Prix", "type": "number"}
    old, new = layout(load_definition(d1)), layout(load_definition(d2))
    u = union([new, old])
    headers = [c.header for c in u.main.columns]
    assert headers[0] == "État de la vitre" and headers[-1] == "Observations"
    assert [c.header for c in u.tables[0].columns][-1] == "Prix"
    data = _example("entretien-poele")
    cells = dict(zip(headers, row(u.main, old.main, data)))  # an old answer: nothing under the new field
    assert cells["État de la vitre"] is None and cells["Observations"] == data["observations"]


def test_a_unit_goes_to_the_header():
    d = {"id": "u", "version": 1, "title": "U", "schema": {"type": "object", "properties": {"p": {"title": "Pression", "type": "number"}}},
         "ui": {"p": {"ui:options": {"unit": "bar"}}}}
    [col] = layout(load_definition(d)).main.columns
    assert col.header == "Pression (bar)" and cell(col, 1.5) == 1.5


@pytest.mark.parametrize("path", FORMS + RJSF, ids=lambda p: p.stem)
def test_every_form_lays_out_and_reads_its_example(path):
    d = load_definition(path)
    lay = layout(d)
    assert lay.main.columns or lay.tables
    for f in (ROOT / "examples" / d.id / "valid.json", path.with_name(path.stem + ".answers.json")):
        if f.is_file():
            data = json.loads(f.read_text(encoding="utf-8"))
            for answers in (data if isinstance(data, list) else [data]):
                for raw in (False, True):
                    cells = row(lay.main, lay.main, answers, raw=raw)
                    assert len(cells) == len(lay.main.columns)
                    assert all(v is None or isinstance(v, (str, int, float, bool, dt.date, Link)) for v in cells)
                    for t in lay.tables:
                        list(items(t, lay, answers, raw=raw))
    assert all(SEP not in label for c in lay.main.columns for label in c.labels if label)
