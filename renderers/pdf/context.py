"""What a report template sees: the company, the intervention, the forms and their answers,
and the report's own words, in the report's language.

:func:`normalise_context` turns whatever the caller has (the web app's rows, the CLI's demo
dict) into plain dicts of display strings; :class:`FormView` is one form's walked tree
with lookups by field name.
"""

from __future__ import annotations

from typing import Any, Mapping

from engine import FormDefinition, Node, display, walk

PDF_TEXTS = {
    "fr": {
        "report": "Rapport d'intervention", "client": "Client", "address": "Adresse", "date": "Date",
        "technicians": "Intervenants", "type": "Type", "status": "Statut", "planned": "Durée prévue",
        "actual": "Durée réelle", "durations": "Durée prévue / réelle", "travel": "Temps de trajet", "page": "Page", "reference": "Réf.",
        "photo_missing": "Photo indisponible", "signed_by": "Signé par", "signed_at": "le",
        "not_signed": "Non signé", "technician": "Technicien", "client_signer": "Client",
        "generated": "Document généré le", "none": "—", "item": "n°",
        "segments": "Temps passé (chronomètre)", "total": "Total",
        "signature_invalid": "Signature {signer} de {name} plus valide : les réponses ont été modifiées après la signature.",
    },
    "en": {
        "report": "Intervention report", "client": "Client", "address": "Address", "date": "Date",
        "technicians": "Technicians", "type": "Type", "status": "Status", "planned": "Planned duration",
        "actual": "Actual duration", "durations": "Planned / actual", "travel": "Travel time", "page": "Page", "reference": "Ref.",
        "photo_missing": "Photo not available", "signed_by": "Signed by", "signed_at": "on",
        "not_signed": "Not signed", "technician": "Technician", "client_signer": "Client",
        "generated": "Generated on", "none": "—", "item": "#",
        "segments": "Time spent (timer)", "total": "Total",
        "signature_invalid": "The {signer} signature of {name} is no longer valid: the answers changed after it was signed.",
    },
}


class FormView:
    """One form of the report: its walked tree and answers, with lookups by field name."""

    def __init__(self, d: FormDefinition, data: Any, lang: str):
        self.id = d.id
        self.version = d.version
        self.title = d.title_in(lang)
        self.lang = lang
        self.data = data if isinstance(data, dict) else {}
        self.tree = walk(d, self.data, lang=lang)
        self.sections = self.tree.sections
        self._by_name = {n.name: n for n in self.tree.walk()}

    def node(self, name: str) -> Node | None:
        """The field ``name`` (HTML spelling: ``appareil.marque``, ``pieces[0].ref``)."""
        return self._by_name.get(name)

    def label(self, name: str) -> str:
        n = self.node(name)
        return n.label if n is not None else ""

    def value(self, name: str) -> str:
        """The answer as a person reads it (choice label, Oui/Non…), empty when absent."""
        n = self.node(name)
        return display.answer(n, self.lang) if n is not None and n.visible else ""

    def __repr__(self) -> str:
        return f"FormView({self.id})"


class FormList(list):
    """The report's forms, in order; ``forms['entretien-poele']`` also finds one by id."""

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            for f in self:
                if f.id == key:
                    return f
            raise KeyError(key)
        return super().__getitem__(key)


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def normalise_context(context: Any, lang: str) -> tuple[dict, dict]:
    company = _get(context, "company") or {}
    inter = _get(context, "intervention") or {}
    client = _get(inter, "client") or {}
    if isinstance(client, str):
        client = {"name": client}
    technicians = _get(inter, "technicians") or []
    if isinstance(technicians, str):
        technicians = [technicians]
    c = {
        "name": _get(company, "name", ""),
        "address": _get(company, "address", ""),
        "phone": _get(company, "phone", ""),
        "email": _get(company, "email", ""),
        "logo": _get(company, "logo"),
    }
    i = {
        "reference": _get(inter, "reference", ""),
        "title": _get(inter, "title", ""),
        "client_name": _get(client, "name", "") or _get(inter, "client_name", ""),
        "client_address": _get(client, "address", "") or _get(inter, "client_address", ""),
        "client_phone": _get(client, "phone", ""),
        "client_email": _get(client, "email", ""),
        "when": display.period(_get(inter, "start"), _get(inter, "end"), lang),
        "start": _get(inter, "start"),
        "end": _get(inter, "end"),
        "technicians": ", ".join(str(_get(t, "name", t) if not isinstance(t, str) else t) for t in technicians),
        "type": _get(inter, "type", "") or _get(inter, "type_label", ""),
        "status": _get(inter, "status", "") or _get(inter, "status_label", ""),
        "planned": display.duration(_get(inter, "planned_minutes"), lang),
        "actual": display.duration(_get(inter, "actual_minutes"), lang),
        "travel": display.duration(_get(inter, "travel_minutes"), lang),
        # timer segments and signatures with their validity (issue 6), when the caller has them
        "segments": [
            {"when": display.period(_get(sg, "start"), _get(sg, "end"), lang), "duration": display.duration(_get(sg, "minutes"), lang)}
            for sg in (_get(inter, "segments") or [])
        ],
        "signatures": [
            {"signer": _get(sg, "signer", ""), "name": _get(sg, "name") or "", "valid": bool(_get(sg, "valid", True))}
            for sg in (_get(inter, "signatures") or [])
        ],
    }
    return c, i


def child(node: Node | None, key: str) -> Node | None:
    """The child ``key`` of an object field (a signature's ``attachment``, ``name``…)."""
    if node is None:
        return None
    return next((c for c in node.children if c.key == key), None)


def attachments_of(context: Any) -> Mapping[str, Any] | None:
    """The photos and signatures the caller's context brings, by attachment id."""
    return _get(context, "attachments")
