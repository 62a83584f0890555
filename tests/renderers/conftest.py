from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import load_definition

ROOT = Path(__file__).resolve().parents[2]
FORMS_DIR = ROOT / "form_definitions" / "forms"
EXAMPLES_DIR = ROOT / "examples"

#: A form with every widget, author text that tries to inject markup and template code,
#: groups, a rule, arrays of scalars and of objects.
KITCHEN_SINK = {
    "id": "kitchen-sink",
    "version": 2,
    "title": {"fr": "Formulaire <b>complet</b>", "en": "Every widget"},
    "schema": {
        "type": "object",
        "required": ["nom", "marque", "etat"],
        "properties": {
            "nom": {"type": "string", "title": "Nom <script>alert(1)</script> {{ 7*7 }}", "minLength": 2, "maxLength": 80},
            "notes": {"type": "string", "title": "Notes"},
            "secret": {"type": "string", "title": "Code"},
            "email": {"type": "string", "format": "email", "title": "E-mail"},
            "site": {"type": "string", "format": "uri", "title": "Site"},
            "tel": {"type": "string", "title": "Téléphone", "pattern": "^0[1-9][0-9]{8}$"},
            "couleur": {"type": "string", "title": "Couleur"},
            "puissance": {"type": "number", "title": "Puissance", "minimum": 2, "maximum": 35},
            "annee": {"type": "integer", "title": "Année", "minimum": 1990, "maximum": 2030},
            "niveau": {"type": "integer", "title": "Niveau", "minimum": 0, "maximum": 10},
            "marque": {"type": "string", "title": "Marque", "enum": ["mcz", "palazzetti", "autre"]},
            "marque_autre": {"type": "string", "title": "Autre marque"},
            "etat": {"type": "boolean", "title": "En état de marche"},
            "energie": {"type": "string", "title": "Énergie", "enum": ["granules", "bois"]},
            "controles": {"type": "array", "title": "Contrôles", "items": {"type": "string", "enum": ["joint", "vitre", "sonde"]}, "uniqueItems": True},
            "ok": {"type": "boolean", "title": "Conforme"},
            "date_visite": {"type": "string", "format": "date", "title": "Date"},
            "heure": {"type": "string", "format": "time", "title": "Heure"},
            "debut": {"type": "string", "format": "date-time", "title": "Début"},
            "ref": {"type": "string", "title": "Référence interne"},
            "duree": {"type": "integer", "title": "Durée", "minimum": 0},
            "photo": {"type": "string", "format": "uuid", "title": "Photo de la plaque"},
            "photos": {"type": "array", "title": "Photos", "items": {"type": "string", "format": "uuid"}, "maxItems": 4},
            "signature": {
                "type": "object", "title": "Signature du client",
                "properties": {
                    "attachment": {"type": "string", "format": "uuid"},
                    "name": {"type": "string", "minLength": 1},
                    "signed_at": {"type": "string", "format": "date-time"},
                },
                "required": ["attachment", "name", "signed_at"],
            },
            "codes": {"type": "array", "title": "Codes", "items": {"type": "string", "title": "Code"}},
            "pieces": {
                "type": "array", "title": "Pièces",
                "items": {
                    "type": "object", "title": "Pièce",
                    "required": ["designation"],
                    "properties": {
                        "designation": {"type": "string", "title": "Désignation"},
                        "quantite": {"type": "integer", "title": "Quantité", "minimum": 1},
                        "motif": {"type": "string", "title": "Motif", "enum": ["usure", "casse", "autre"]},
                        "motif_detail": {"type": "string", "title": "Précision"},
                    },
                },
            },
            "verrou": {"type": "string", "title": "Texte réglementaire", "readOnly": True},
            "choix_fige": {"type": "string", "title": "Choix figé", "enum": ["a", "b"]},
        },
    },
    "ui": {
        "ui:order": ["nom", "*"],
        "nom": {"ui:placeholder": "Jean {{ x }}", "ui:help": "Aide <i>en italique</i>", "ui:description": "Le nom {% if %}", "ui:autofocus": True, "ui:group": "Client"},
        "notes": {"ui:widget": "textarea", "ui:options": {"rows": 4}, "ui:group": "Client"},
        "secret": {"ui:widget": "password", "ui:group": "Client"},
        "email": {"ui:group": "Client"},
        "site": {"ui:group": "Client"},
        "tel": {"ui:widget": "tel", "ui:group": "Client"},
        "couleur": {"ui:widget": "color", "ui:group": "Client"},
        "puissance": {"ui:group": "Appareil", "ui:options": {"unit": "kW"}},
        "annee": {"ui:widget": "updown", "ui:group": "Appareil"},
        "niveau": {"ui:widget": "range", "ui:group": "Appareil"},
        "marque": {"ui:enumNames": ["MCZ", "Palazzetti <b>", "Autre"], "ui:group": "Appareil"},
        "marque_autre": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/marque", "schema": {"const": "autre"}}}, "ui:group": "Appareil"},
        "etat": {"ui:widget": "radio", "ui:group": "Appareil"},
        "energie": {"ui:widget": "radio", "ui:options": {"inline": True}, "ui:group": "Appareil"},
        "controles": {"ui:widget": "checkboxes", "ui:enumNames": ["Joint", "Vitre", "Sonde"], "ui:group": "Contrôles"},
        "ok": {"ui:group": "Contrôles"},
        "date_visite": {"ui:group": "Contrôles"},
        "heure": {"ui:group": "Contrôles"},
        "debut": {"ui:group": "Contrôles"},
        "ref": {"ui:widget": "hidden"},
        "duree": {"ui:widget": "duration", "ui:group": "Contrôles"},
        "photo": {"ui:widget": "camera", "ui:group": "Photos"},
        "photos": {"ui:widget": "camera", "ui:options": {"maxPixels": 1600}, "ui:group": "Photos"},
        "signature": {"ui:widget": "signature", "ui:options": {"signer": "client"}, "ui:group": "Photos"},
        "codes": {"ui:options": {"orderable": True, "addLabel": "Ajouter un code"}},
        "pieces": {"items": {"motif_detail": {"ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/pieces/items/properties/motif", "schema": {"const": "autre"}}}}}},
        "verrou": {"ui:widget": "textarea"},
        "choix_fige": {"ui:disabled": True},
    },
}

KITCHEN_ANSWERS = {
    "nom": "Dupont <script>alert('x')</script> {{ 7*7 }} {% raw %}",
    "notes": "\nligne 1\nligne 2 « é »",
    "secret": "abc",
    "email": "jean@exemple.fr",
    "site": "https://exemple.fr/a",
    "tel": "0299000000",
    "couleur": "#ff8800",
    "puissance": 8.5,
    "annee": 2015,
    "niveau": 7,
    "marque": "autre",
    "marque_autre": "Maison & Fils",
    "etat": False,
    "energie": "granules",
    "controles": ["joint", "sonde"],
    "ok": True,
    "date_visite": "2026-11-24",
    "heure": "14:30",
    "debut": "2026-11-24T14:00:00+01:00",
    "ref": "R-12",
    "duree": 95,
    "photo": "11111111-2222-4333-8444-555555555555",
    "photos": ["3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b", "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"],
    "signature": {"attachment": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "name": "Marie Ç. <b>", "signed_at": "2026-11-24T16:18:00+01:00"},
    "codes": ["E12", "A3"],
    "pieces": [{"designation": "Joint", "quantite": 2, "motif": "usure"}, {"designation": "Sonde", "quantite": 1, "motif": "autre", "motif_detail": "fondue"}],
    "verrou": "Texte fixe",
    "choix_fige": "b",
}


@pytest.fixture(scope="session")
def sink():
    return load_definition(KITCHEN_SINK)


@pytest.fixture
def sink_answers():
    return json.loads(json.dumps(KITCHEN_ANSWERS))


def example_cases():
    """(form file, valid.json) for every shipped form that has an example."""
    out = []
    for f in sorted(FORMS_DIR.glob("*.json")):
        valid = EXAMPLES_DIR / f.stem / "valid.json"
        out.append(pytest.param(f, valid if valid.is_file() else None, id=f.stem))
    return out


def read_answers(path):
    if path is None:
        return None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict) and set(data) == {"data", "errors"}:
        data = data["data"]
    return data
