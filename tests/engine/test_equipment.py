"""``form_definitions/equipment.json``: kinds with their maintenance interval, fuels and
free fields, linted like every definition file (file + JSON pointer)."""

from pathlib import Path


from engine.equipment import FIXED_FIELDS, load_equipment
from engine.project import lint_paths, load_catalog

from .conftest import edit

ROOT = Path(__file__).resolve().parents[2]


def found(problems):
    return sorted((Path(p.file).name, p.pointer) for p in problems)


def test_shipped_equipment_catalog():
    cat = load_catalog(ROOT / "form_definitions")
    assert cat.problems == []
    eq = cat.equipment
    stove = eq.kind("poele_granules")
    assert (stove.maintenance_months, stove.event_type, stove.label_in("en")) == (12, "entretien-poele", "Pellet stove")
    assert eq.kind("chauffe_eau").maintenance_months is None
    assert eq.fuel_label("granules", "fr") == "Granulés" and eq.kind_label("pompe_chaleur", "en") == "Heat pump"
    types = eq.field_types()
    assert types["serial_number"] == "string" and types["installed_on"] == "date" and types["next_maintenance_on"] == "date"
    assert types["puissance_kw"] == "number" and types["contrat_entretien"] == "boolean"
    # the free fields are a form: validated by the engine, by pointer, in the user's language
    assert eq.form.check({"puissance_kw": 8.5, "contrat_entretien": True, "numero_contrat": "CT-2024-18"}, "fr").errors == []
    errors = eq.form.check({"puissance_kw": "huit", "numero_contrat": "x"}, "en").errors
    assert [e.pointer for e in errors] == ["/puissance_kw"]  # the contract number is hidden without a contract


def test_a_folder_without_equipment_file_has_an_empty_catalog(folder):
    (folder / "equipment.json").unlink()
    cat = load_catalog(folder)
    assert cat.equipment.kinds == {}
    # only the fixed fields are left: the event types updating a free field say so
    assert {p.pointer for p in cat.problems} == {"/equipment_updates/puissance_kw"}


def test_unknown_event_type_and_duplicate_kind(folder):
    path = folder / "equipment.json"

    def change(d):
        d["kinds"][0]["event_type"] = "ramonage"
        d["kinds"][1]["key"] = d["kinds"][0]["key"]

    edit(path, change)
    cat = load_catalog(folder)
    assert found(cat.problems) == [("equipment.json", "/kinds/0/event_type"), ("equipment.json", "/kinds/1/key")]
    assert "no event type “ramonage”" in " ".join(p.message for p in cat.problems)
    assert cat.equipment is None  # refused whole: the app keeps its previous catalog


def test_structure_problems_point_into_the_file(folder):
    path = folder / "equipment.json"

    def change(d):
        d["kinds"][2]["maintenance_months"] = 0
        d["fuels"][0]["colour"] = "red"
        d["garantie"] = 2

    edit(path, change)
    problems = lint_paths([path])
    assert found(problems) == [("equipment.json", ""), ("equipment.json", "/fuels/0"), ("equipment.json", "/kinds/2/maintenance_months")]


def test_free_fields_are_linted_like_a_form(folder):
    path = folder / "equipment.json"

    def change(d):
        d["schema"]["properties"]["serial_number"] = {"type": "string"}  # a fixed field's name
        d["schema"]["properties"]["puissance_kw"]["type"] = "decimal"  # not a JSON type
        d["ui"]["emplacement"]["ui:widget"] = "sliderz"  # unknown widget

    edit(path, change)
    problems = lint_paths([folder])
    assert ("equipment.json", "/schema/properties/puissance_kw/type") in found(problems)
    edit(path, lambda d: d["schema"]["properties"]["puissance_kw"].update(type="number"))
    pointers = found(lint_paths([folder]))
    assert ("equipment.json", "/schema/properties/serial_number") in pointers
    assert ("equipment.json", "/ui/emplacement/ui:widget") in pointers


def test_lint_of_the_single_file_checks_event_types_next_to_it(folder):
    edit(folder / "equipment.json", lambda d: d["kinds"][0].update(event_type="nope"))
    assert found(lint_paths([folder / "equipment.json"])) == [("equipment.json", "/kinds/0/event_type")]


def test_unreadable_file(tmp_path):
    p = tmp_path / "equipment.json"
    p.write_text("{ not json")
    cat, problems = load_equipment(p)
    assert cat is None and problems[0].pointer == "" and "invalid JSON" in problems[0].message


def test_fixed_fields_are_what_the_model_has():
    from webapp.models import Equipment

    assert set(FIXED_FIELDS) <= set(Equipment.__table__.columns.keys())


# --- equipment_updates: answers that update the equipment --------------------------------------


def test_shipped_event_types_declare_their_equipment_updates():
    cat = load_catalog(ROOT / "form_definitions")
    assert cat.event_types["entretien-poele"].equipment_updates["serial_number"] == "entretien-poele#/appareil/numero_serie"
    assert cat.event_types["entretien-chaudiere"].equipment_updates["next_maintenance_on"] == "entretien-chaudiere#/date_prochaine_visite"


def test_equipment_updates_are_linted(folder):
    path = folder / "event_types" / "entretien-poele.json"

    def change(d):
        d["equipment_updates"] = {
            "serial_number": "entretien-poele#/appareil/numero_series",  # no such field
            "numero_contrat": "entretien-poele#/appareil/puissance_kw",  # a number into a text
            "next_maintenance_on": "entretien-poele#/observations",  # a text into a date
            "kind": "entretien-poele#/appareil/marque",  # set by the office
            "couleur": "entretien-poele#/appareil/modele",  # no such equipment field
            "model": "sav-depannage#/modele",  # not one of the event type's forms
            "brand": "entretien-poele/appareil/marque",  # not form#pointer
            "puissance_kw": "entretien-poele#/mesures/tirage_pa",  # a number into a number: fine
            "warranty_until": "entretien-poele#/pieces_remplacees/0/reference",  # in a list
        }

    edit(path, change)
    cat = load_catalog(folder)
    got = {p.pointer: p.message for p in cat.problems}
    assert set(got) == {f"/equipment_updates/{k}" for k in ("serial_number", "numero_contrat", "next_maintenance_on", "kind", "couleur", "model", "brand", "warranty_until")}
    assert all(Path(p.file).name == "entretien-poele.json" for p in cat.problems)
    assert "is a number: the equipment field “numero_contrat” holds a string" in got["/equipment_updates/numero_contrat"]
    assert "is a string: the equipment field “next_maintenance_on” holds a date" in got["/equipment_updates/next_maintenance_on"]
    assert "entretien-poele" not in cat.event_types  # refused, like any event type with a problem
    # the same problems when the one file is linted
    assert {p.pointer for p in lint_paths([path])} == set(got)


def test_a_field_under_a_condition_can_update_the_equipment(folder):
    path = folder / "event_types" / "entretien-poele.json"
    edit(path, lambda d: d.update(equipment_updates={"brand": "entretien-poele#/appareil/marque_autre"}))
    assert load_catalog(folder).problems == []
