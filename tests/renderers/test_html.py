"""The technician's form and the read-only answers, as HTML."""

from __future__ import annotations

import re


from engine import FieldError, decode_form, load_definition
from renderers import STATIC_DIR
from renderers.html import render_answers, render_form

from .formpost import parse, posted_pairs


def by_id(root, dom_id):
    found = root.xpath(f'//*[@id="{dom_id}"]')
    assert found, f"no element #{dom_id}"
    return found[0]


def test_every_widget_is_drawn(sink, sink_answers):
    root = parse(render_form(sink, sink_answers))
    types = {
        "ff-nom": "text", "ff-secret": "password", "ff-email": "email", "ff-site": "url",
        "ff-tel": "tel", "ff-couleur": "color", "ff-puissance": "number", "ff-annee": "number",
        "ff-niveau": "range", "ff-date_visite": "date", "ff-heure": "time",
        "ff-debut": "datetime-local", "ff-ref": "hidden", "ff-ok": "checkbox",
        "ff-duree": "number", "ff-photo": "file", "ff-photos": "file",
    }
    for dom_id, kind in types.items():
        assert by_id(root, dom_id).get("type") == kind, dom_id
    assert by_id(root, "ff-notes").tag == "textarea" and by_id(root, "ff-notes").get("rows") == "4"
    assert by_id(root, "ff-marque").tag == "select"
    assert [o.get("value") for o in by_id(root, "ff-marque").iter("option")] == ["", "mcz", "palazzetti", "autre"]
    # radios (booleans posted as true/false), checkboxes (one name, several values)
    radios = root.xpath('//input[@name="etat"]')
    assert [(r.get("type"), r.get("value")) for r in radios] == [("radio", "true"), ("radio", "false")]
    assert [r.get("value") for r in root.xpath('//input[@name="controles"][@checked]')] == ["joint", "sonde"]
    # duration: hours and minutes
    assert by_id(root, "ff-duree").get("name") == "duree:h" and by_id(root, "ff-duree").get("value") == "1"
    assert by_id(root, "ff-duree-m").get("name") == "duree:m" and by_id(root, "ff-duree-m").get("value") == "35"
    # camera: the file input has no name and opens the back camera; ids in hidden inputs
    cam = by_id(root, "ff-photos")
    assert cam.get("name") is None and cam.get("accept") == "image/*" and cam.get("capture") == "environment"
    assert cam.get("multiple") is not None
    assert [i.get("name") for i in root.xpath('//*[@id="ff-photos-field"]//input[@type="hidden"]')] == ["photos[0]", "photos[1]"]
    assert root.xpath('//input[@type="hidden"][@name="photo"]')[0].get("value") == "11111111-2222-4333-8444-555555555555"
    # signature: pad, clear, signer's name, hidden attachment and time
    sig = by_id(root, "ff-signature-field")
    assert sig.get("data-ff-signer") == "client"
    assert sig.xpath(".//canvas") and sig.xpath(".//button[@data-ff-sig-clear]")
    assert by_id(root, "ff-signature-name").get("name") == "signature.name"
    assert sig.xpath('.//input[@type="hidden"][@name="signature.attachment"]')[0].get("value") == "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
    assert sig.xpath('.//input[@type="hidden"][@name="signature.signed_at"]')[0].get("value") == "2026-11-24T16:18"
    # arrays: items, a template with __INDEX__, add / remove / reorder buttons
    codes = by_id(root, "ff-codes-field")
    assert [i.get("name") for i in codes.xpath('./ol//input')] == ["codes[0]", "codes[1]"]
    tpl = codes.xpath("./template")[0]
    assert tpl.xpath(".//input")[0].get("name") == "codes[__INDEX__]"
    assert codes.xpath(".//button[@data-ff-up]") and codes.xpath(".//button[@data-ff-down]")
    assert "Ajouter un code" in codes.xpath("./button[@data-ff-add]")[0].text_content()
    pieces = by_id(root, "ff-pieces-field")
    assert not pieces.xpath(".//button[@data-ff-up]")  # not orderable
    assert pieces.xpath("./template//select")[0].get("name") == "pieces[__INDEX__].motif"


def test_constraints_placeholder_states(sink, sink_answers):
    root = parse(render_form(sink, sink_answers))
    nom = by_id(root, "ff-nom")
    assert list(nom.attrib)[:4] == ["id", "name", "type", "value"]
    assert nom.get("required") is not None and nom.get("minlength") == "2" and nom.get("maxlength") == "80"
    assert nom.get("placeholder") == "Jean {{ x }}" and nom.get("autofocus") is not None
    assert by_id(root, "ff-puissance").get("min") == "2" and by_id(root, "ff-puissance").get("step") == "any"
    assert by_id(root, "ff-annee").get("step") == "1" and by_id(root, "ff-annee").get("inputmode") == "numeric"
    assert by_id(root, "ff-tel").get("pattern")
    assert by_id(root, "ff-verrou").get("readonly") is not None
    fige = by_id(root, "ff-choix_fige")
    assert fige.get("disabled") is not None and fige.get("data-ff-keep-disabled") is not None
    # a disabled control still posts its answer through a hidden carrier
    assert root.xpath('//input[@data-ff-carrier][@name="choix_fige"]')[0].get("value") == "b"


def test_labels_are_bound_and_required_marked(sink):
    root = parse(render_form(sink, None))
    for label in root.iter("label"):
        target = label.get("for")
        if target:
            by_id(root, target)
    for el in root.xpath('//input[not(@type="hidden")] | //select | //textarea'):
        if any(a.tag == "template" for a in el.iterancestors()):
            continue
        el_id = el.get("id")
        has_label = bool(el_id and root.xpath(f'//label[@for="{el_id}"]')) or any(a.tag == "label" for a in el.iterancestors()) or el.get("aria-label")
        assert has_label, f"control without a label: {el.get('name') or el_id}"
    nom_label = root.xpath('//label[@for="ff-nom"]')[0]
    assert nom_label.xpath('.//span[@class="ff-req"]'), "required mark"
    assert not root.xpath('//label[@for="ff-notes"]//span[@class="ff-req"]')


def test_errors_next_to_fields_in_both_languages(sink, sink_answers):
    sink_answers["annee"] = 1900
    del sink_answers["marque"]
    for lang, word in (("fr", "obligatoire"), ("en", "required")):
        errors = sink.validate(sink_answers, lang=lang)
        assert {e.pointer for e in errors} >= {"/annee", "/marque"}
        root = parse(render_form(sink, sink_answers, errors, lang=lang))
        annee = by_id(root, "ff-annee")
        assert "ff-annee-error" in annee.get("aria-describedby").split()
        assert annee.get("aria-invalid") == "true"
        msg = by_id(root, "ff-marque-error").text_content()
        assert word in msg.lower() or "manqu" in msg.lower() or msg.strip()
        assert root.xpath('//div[@class="ff-summary"]')
        assert "ff-invalid" in by_id(root, "ff-annee-field").get("class")
    # help and description are linked too
    nom = by_id(parse(render_form(sink, None)), "ff-nom")
    assert nom.get("aria-describedby") == "ff-nom-desc ff-nom-help"


def test_errors_on_array_items_and_signature_parts(sink, sink_answers):
    errs = [FieldError("/pieces/1/quantite", "Trop petit", "minimum"), FieldError("/signature/name", "Nom manquant", "required")]
    root = parse(render_form(sink, sink_answers, errs))
    assert by_id(root, "ff-pieces-1-quantite-error").text_content() == "Trop petit"
    assert by_id(root, "ff-signature-name").get("aria-describedby") == "ff-signature-name-error"


def test_author_text_and_answers_are_text_not_markup(sink, sink_answers):
    html = render_form(sink, sink_answers)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in html
    assert "Dupont &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; {{ 7*7 }} {% raw %}" in html
    assert "Palazzetti &lt;b&gt;" in html and "Le nom {% if %}" in html
    assert "49" not in html
    answers = render_answers(sink, sink_answers)
    assert "<script" not in answers and "{{ 7*7 }}" in answers and "Marie Ç. &lt;b&gt;" in answers


def test_rules_hide_and_disable(sink, sink_answers):
    sink_answers["marque"] = "mcz"
    root = parse(render_form(sink, sink_answers))
    wrapper = by_id(root, "ff-marque_autre-field")
    assert wrapper.get("hidden") is not None
    assert '"scope":"/marque"' in wrapper.get("data-ff-rules")
    assert by_id(root, "ff-marque_autre").get("disabled") is not None
    # inside array items the scope is the item's own; the template keeps __INDEX__
    assert '"/pieces/1/motif"' in by_id(root, "ff-pieces-1-motif_detail-field").get("data-ff-rules")
    tpl = root.xpath('//*[@id="ff-pieces-field"]/template')[0]
    assert '"/pieces/__INDEX__/motif"' in tpl.xpath('.//*[@data-ff-rules]')[0].get("data-ff-rules")


def test_form_attributes_csrf_and_readonly(sink, sink_answers):
    html = render_form(sink, sink_answers, action="/save", csrf_token="tok<en>", form_id="f1")
    root = parse(html)
    form = root.xpath("//form")[0]
    assert form.get("id") == "f1" and form.get("action") == "/save" and form.get("method") == "post"
    assert form.get("data-ff-form") == "kitchen-sink" and form.get("data-ff-version") == "2"
    assert form.get("data-ff-hash") == sink.content_hash
    assert root.xpath('//input[@name="csrf_token"]')[0].get("value") == "tok<en>"
    assert decode_form(sink, posted_pairs(html)) == sink_answers  # csrf_token is ignored
    ro = parse(render_form(sink, sink_answers, readonly=True))
    assert not ro.xpath("//button[@data-ff-add]") and not ro.xpath("//canvas") and not ro.xpath('//input[@type="file"]')
    assert decode_form(sink, posted_pairs(render_form(sink, sink_answers, readonly=True))) == sink_answers


def test_round_trip_without_javascript(sink, sink_answers):
    assert decode_form(sink, posted_pairs(render_form(sink, sink_answers))) == sink_answers
    blank = decode_form(sink, posted_pairs(render_form(sink, None)))
    assert blank == {"ok": False}


def test_steps_render_as_sections_with_navigation():
    d = load_definition({
        "id": "etapes", "version": 1, "title": "Étapes",
        "schema": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "boolean"}}},
        "ui": {"ui:steps": [{"title": "Avant", "fields": ["a"]}, {"title": "Après", "fields": ["b", "c"]}]},
    })
    root = parse(render_form(d))
    steps = root.xpath('//section[@class="ff-step"]')
    assert [s.get("data-ff-step") for s in steps] == ["0", "1"]
    assert "Avant" in steps[0].xpath(".//h2")[0].text_content() and "Étape 1 sur 2" in steps[0].xpath(".//h2")[0].text_content()
    assert steps[1].xpath('.//input[@name="c"]') and steps[0].xpath(".//button[@data-ff-next]")


def test_render_answers(sink, sink_answers):
    html = render_answers(sink, sink_answers, attachment_url=lambda i: f"/att/{i}")
    root = parse(html)
    text = root.text_content()
    assert "Autre" in text and "Non" in text and "Oui" in text          # choice label, booleans
    assert "Joint, Sonde" in text and "1 h 35" in text                   # checkboxes, duration
    assert "24/11/2026" in text and "Signé par Marie Ç. <b>" in text
    assert root.xpath('//img[@src="/att/3f1c9a2e-5b7d-4e8f-9a01-0c2d3e4f5a6b"]')
    assert root.xpath('//table[@class="ff-ans-array"]//th')[1].text_content() == "Désignation"
    assert "en" in render_answers(sink, sink_answers, lang="en") and "Yes" in parse(render_answers(sink, sink_answers, lang="en")).text_content()


def test_static_files_exist():
    for name in ("form.js", "condition.js", "values.js", "arrays.js", "camera.js", "signature.js", "steps.js", "attachments.js", "form.css"):
        assert (STATIC_DIR / name).is_file(), name
    imports = re.findall(r'from "\./([\w/.]+)"', (STATIC_DIR / "form.js").read_text())
    assert {"condition.js", "arrays.js", "camera.js", "signature.js"} <= set(imports)


def test_renderers_never_import_the_webapp():
    import renderers.html, renderers.pdf, renderers.preview  # noqa: F401
    from pathlib import Path

    for f in Path(renderers.html.__file__).parent.rglob("*.py"):
        assert "webapp" not in re.findall(r"^\s*(?:from|import)\s+(\w+)", f.read_text(), re.M), f


def test_a_section_whose_fields_are_all_hidden_is_hidden_without_script():
    from engine import load_definition
    from renderers.html import render_form

    d = load_definition({"id": "sec", "version": 1, "schema": {"type": "object", "properties": {
        "ok": {"type": "boolean"}, "why": {"type": "string"}, "how": {"type": "string"}}},
        "ui": {"why": {"ui:group": "Anomalie", "ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/ok", "schema": {"const": False}}}},
               "how": {"ui:group": "Anomalie", "ui:rule": {"effect": "SHOW", "condition": {"scope": "#/properties/ok", "schema": {"const": False}}}}}})
    hidden = render_form(d, {"ok": True})
    assert '<fieldset class="ff-section" data-ff-section="Anomalie" hidden>' in hidden
    shown = render_form(d, {"ok": False})
    assert '<fieldset class="ff-section" data-ff-section="Anomalie">' in shown
