"""Validation messages in French and English, by JSON Schema keyword.

The engine has no Flask, so it carries its own small catalogue; the web app passes the
user's language. Messages speak to a technician, not to a schema author: no keyword names.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("fr", "en")

_MESSAGES: dict[str, dict[str, str]] = {
    "required": {"fr": "Ce champ est obligatoire.", "en": "This field is required."},
    "type": {"fr": "Doit être {expected}.", "en": "Must be {expected}."},
    "minimum": {"fr": "Doit être supérieur ou égal à {limit}.", "en": "Must be at least {limit}."},
    "maximum": {"fr": "Doit être inférieur ou égal à {limit}.", "en": "Must be at most {limit}."},
    "exclusiveMinimum": {"fr": "Doit être supérieur à {limit}.", "en": "Must be greater than {limit}."},
    "exclusiveMaximum": {"fr": "Doit être inférieur à {limit}.", "en": "Must be less than {limit}."},
    "multipleOf": {"fr": "Doit être un multiple de {limit}.", "en": "Must be a multiple of {limit}."},
    "minLength": {"fr": "Doit contenir au moins {limit} caractère(s).", "en": "Must be at least {limit} character(s) long."},
    "maxLength": {"fr": "Doit contenir au plus {limit} caractère(s).", "en": "Must be at most {limit} character(s) long."},
    "pattern": {"fr": "Le format n'est pas valide.", "en": "The format is not valid."},
    "enum": {"fr": "Choisissez une des valeurs proposées.", "en": "Choose one of the proposed values."},
    "minItems": {"fr": "Au moins {limit} élément(s) attendu(s).", "en": "At least {limit} item(s) expected."},
    "maxItems": {"fr": "Au plus {limit} élément(s) attendu(s).", "en": "At most {limit} item(s) expected."},
    "uniqueItems": {"fr": "Chaque élément ne doit apparaître qu'une fois.", "en": "Each item may appear only once."},
    "contains": {"fr": "Il manque un élément attendu.", "en": "An expected item is missing."},
    "additionalProperties": {"fr": "Ce champ n'existe pas dans ce formulaire.", "en": "This field does not exist in this form."},
    "invalid": {"fr": "Valeur invalide.", "en": "Invalid value."},
    "text": {"fr": "Ce texte contient des caractères invalides.", "en": "This text contains invalid characters."},
    "depth": {"fr": "Réponses imbriquées trop profondément.", "en": "Answers nested too deeply."},
}

_FORMATS: dict[str, dict[str, str]] = {
    "date": {"fr": "Date invalide (attendu : AAAA-MM-JJ).", "en": "Invalid date (expected YYYY-MM-DD)."},
    "time": {"fr": "Heure invalide (attendu : HH:MM).", "en": "Invalid time (expected HH:MM)."},
    "date-time": {"fr": "Date et heure invalides.", "en": "Invalid date and time."},
    "email": {"fr": "Adresse e-mail invalide.", "en": "Invalid e-mail address."},
    "uri": {"fr": "Adresse web invalide.", "en": "Invalid web address."},
    "uuid": {"fr": "Identifiant de pièce jointe invalide.", "en": "Invalid attachment identifier."},
}

_TYPES: dict[str, dict[str, str]] = {
    "string": {"fr": "un texte", "en": "a text"},
    "number": {"fr": "un nombre", "en": "a number"},
    "integer": {"fr": "un nombre entier", "en": "a whole number"},
    "boolean": {"fr": "oui ou non", "en": "yes or no"},
    "object": {"fr": "un groupe de champs", "en": "a group of fields"},
    "array": {"fr": "une liste", "en": "a list"},
    "null": {"fr": "vide", "en": "empty"},
}


def format_number(value: Any, lang: str) -> str:
    """``2.5`` -> ``2,5`` in French; integers without a decimal part."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text.replace(".", ",") if lang == "fr" else text


def message(keyword: str, lang: str = "fr", **params: Any) -> str:
    """The user-facing message for a failed keyword, with its parameters filled in."""
    lang = lang if lang in LANGUAGES else "fr"
    if keyword == "format":
        fmt = _FORMATS.get(params.get("format", ""))
        if fmt:
            return fmt[lang]
        keyword = "invalid"
    if keyword == "type":
        expected = params.get("expected")
        names = expected if isinstance(expected, list) else [expected]
        words = [(_TYPES.get(n) or _TYPES["string"])[lang] for n in names if n != "null"] or [_TYPES["null"][lang]]
        params["expected"] = (" ou " if lang == "fr" else " or ").join(words)
    if "limit" in params:
        params["limit"] = format_number(params["limit"], lang)
    template = (_MESSAGES.get(keyword) or _MESSAGES["invalid"])[lang]
    return template.format(**params)
