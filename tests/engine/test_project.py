"""The definitions folder as a whole: event types, the workflow, the catalog the app serves."""

import json
from pathlib import Path


from engine.project import lint_paths, load_catalog

from .conftest import edit

ROOT = Path(__file__).resolve().parents[2]


def pointers(problems):
    return sorted((Path(p.file).name, p.pointer) for p in problems)


def test_shipped_catalog_is_complete():
    cat = load_catalog(ROOT / "form_definitions")
    assert cat.problems == []
    assert set(cat.forms) == {"entretien-poele", "entretien-chaudiere", "sav-depannage", "installation", "photos-signatures"}
    assert set(cat.event_types) == {"entretien-poele", "entretien-chaudiere", "sav", "installation"}
    wf = cat.workflow
    assert [s.key for s in wf.statuses_in("done")] == ["done"]
    assert wf.status("done").label_in("fr") == "Réalisé" and wf.status("done").color == "#2e7d32"
    assert wf.can("technician", "back_to_confirmed") and not wf.can("technician", "close_reopen")
    assert {s.key for s in wf.allowed_transitions("in_progress", "technician")} >= {"done", "parts_ordered"}
    assert cat.event_types["sav"].title_in("en")


def test_event_type_naming_a_missing_form(folder):
    edit(folder / "event_types" / "sav.json", lambda d: d["forms"].append("ramonage"))
    assert pointers(load_catalog(folder).problems) == [("sav.json", "/forms/2")]
    assert "sav" not in load_catalog(folder).event_types


def test_event_type_with_unknown_options(folder):
    def change(d):
        d["time_tracking"] = "sometimes"
        d["actions"].append("dance")
    edit(folder / "event_types" / "sav.json", change)
    last = len(json.loads((folder / "event_types" / "sav.json").read_text())["actions"]) - 1
    problems = load_catalog(folder).problems
    assert pointers(problems) == [("sav.json", f"/actions/{last}"), ("sav.json", "/time_tracking")]
    assert any("use one of none, manual, automatic" in p.message for p in problems)


def test_event_type_report_template_must_exist(folder):
    edit(folder / "event_types" / "sav.json", lambda d: d.update(report_template="absent.html"))
    assert pointers(load_catalog(folder).problems) == [("sav.json", "/report_template")]


def test_workflow_transition_to_an_unknown_status(folder):
    edit(folder / "workflow.json", lambda d: d["transitions"].append({"from": "done", "to": "archived", "roles": ["office"]}))
    problems = load_catalog(folder).problems
    assert len(problems) == 1 and problems[0].pointer.endswith("/to")
    assert "“archived” is not a status" in problems[0].message


def test_workflow_unreachable_status_and_missing_state(folder):
    def change(d):
        d["statuses"].append({"key": "archive", "label": "Archivé", "color": "#000000", "state": "done"})
        d["statuses"] = [s for s in d["statuses"] if s["state"] != "cancelled"]
        d["transitions"] = [t for t in d["transitions"] if "cancelled" not in (t["from"], t["to"])]
    edit(folder / "workflow.json", change)
    messages = [p.message for p in load_catalog(folder).problems]
    assert any("“archive” cannot be reached" in m for m in messages)
    assert any("canonical state “cancelled”" in m for m in messages)


def test_an_added_status_needs_no_code(folder):
    def change(d):
        d["statuses"].append({"key": "waiting_client", "label": {"fr": "Attente client", "en": "Waiting for client"}, "color": "#795548", "state": "in_progress"})
        d["transitions"].append({"from": "in_progress", "to": "waiting_client", "roles": ["technician", "office"]})
    edit(folder / "workflow.json", change)
    cat = load_catalog(folder)
    assert cat.problems == []
    assert cat.workflow.status("waiting_client").state == "in_progress"


def test_broken_form_is_left_out_and_others_keep_serving(folder):
    (folder / "forms" / "installation.json").write_text("{")
    cat = load_catalog(folder)
    assert "installation" not in cat.forms and "sav-depannage" in cat.forms
    assert ("installation.json", "") in pointers(cat.problems)
    assert ("installation.json", "/forms/0") in pointers(cat.problems)  # its event type names it


def test_lint_paths_on_single_event_type_and_workflow_files(folder):
    assert lint_paths([folder / "event_types" / "sav.json", folder / "workflow.json"]) == []


def test_template_checker_is_called_for_each_report(folder):
    (folder / "reports" ).mkdir(exist_ok=True)
    (folder / "reports" / "x.html").write_text("{{ oops")
    seen = []

    def checker(path, forms):
        seen.append((path.name, sorted(forms)))
        return []

    load_catalog(folder, checker)
    assert ("x.html", sorted(load_catalog(folder).forms)) in seen
