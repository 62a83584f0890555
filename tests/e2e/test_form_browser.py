"""The form in a real Chromium: round trips, rules, arrays, photos, signatures, layout."""

from __future__ import annotations

import base64
import io

import pytest
from hypothesis import HealthCheck, given, settings

from engine import decode_form, load_definition
from engine.rules import holds
from engine.visibility import without as prune
from engine import walk
from renderers.html import render_form

from tests.renderers.conftest import FORMS_DIR, KITCHEN_ANSWERS, KITCHEN_SINK, example_cases, read_answers
from tests.strategies import answers_for, opened

from .conftest import posted_pairs

pytestmark = pytest.mark.e2e


def expected_after_post(d, data):
    """What a post of ``data`` rendered can give back: the form opens with the defaults of
    what ``data`` lacks, and answers of hidden fields are not sent."""
    data = opened(d, data)
    for _ in range(5):
        hidden = [n.path for n in walk(d, data).walk() if not n.visible and not n.is_template]
        pruned = prune(data, hidden)
        if pruned == data:
            break
        data = _drop_emptied(pruned, hidden)
    return data or {}


def _drop_emptied(data, paths):
    """Objects and lists that pruning left empty are absent after a post (answers carried
    as they are, such as an empty list no field shows, stay)."""
    from engine.paths import get_at

    for path in sorted(paths, key=len, reverse=True):
        for cut in range(len(path) - 1, 0, -1):
            parent = path[:cut]
            if get_at(data, parent, None) in ({}, []):
                data = prune(data, [parent])
            else:
                break
    return data


def check_round_trip(page, d, data):
    pairs = posted_pairs(page)
    assert decode_form(d, pairs) == data, pairs
    assert page.evaluate("() => window.ff.decodeForm(document.querySelector('form'))") == data


@pytest.mark.parametrize("form_file, answers_file", [c for c in example_cases() if c.values[1] is not None])
def test_examples_round_trip_in_chromium(form_page, form_file, answers_file):
    d = load_definition(form_file)
    data = read_answers(answers_file)
    page = form_page(render_form(d, data))
    check_round_trip(page, d, data)


def test_kitchen_sink_round_trip(form_page):
    d = load_definition(KITCHEN_SINK)
    page = form_page(render_form(d, KITCHEN_ANSWERS))
    check_round_trip(page, d, KITCHEN_ANSWERS)
    assert page.evaluate("() => document.activeElement.id") == "ff-nom"  # ui:autofocus


RJSF_DIR = FORMS_DIR.parents[1] / "tests" / "engine" / "fixtures" / "rjsf"
RJSF_FORMS = sorted(p for p in RJSF_DIR.glob("*.json") if not p.name.endswith(".answers.json"))


@pytest.mark.parametrize("form_file", sorted(FORMS_DIR.glob("*.json")) + ["sink"] + RJSF_FORMS, ids=lambda f: getattr(f, "stem", f))
def test_generated_answers_round_trip(browser, form_file):
    """Any answers (RJSF's shapes too: choices, maps, tuples, JSON, answers no field shows)
    come back from Chromium's post, decoded on the server and on the device alike."""
    d = load_definition(KITCHEN_SINK if form_file == "sink" else form_file)
    from .conftest import ORIGIN, PAGE_HTML, _serve

    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    pages = {"/blank.html": PAGE_HTML.format(body="<div id=host></div>", lang="fr")}
    context.route("**/*", lambda r: _serve(r, r.request.url, pages) if r.request.url.startswith(ORIGIN) else r.abort())
    page = context.new_page()
    page.goto(ORIGIN + "/blank.html")
    page.wait_for_function("() => window.ffReady === true")

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(answers_for(d))
    def run(data):
        html = render_form(d, data)
        page.evaluate("(html) => { const h = document.getElementById('host'); h.innerHTML = html; return window.ff.initForm(h.querySelector('form')); }", html)
        expected = expected_after_post(d, data)
        pairs = posted_pairs(page)
        assert decode_form(d, pairs) == expected, pairs
        assert page.evaluate("() => window.ff.decodeForm(document.querySelector('form'))") == expected

    try:
        run()
    finally:
        context.close()


CONDITIONS = [
    {"const": True}, {"const": 1}, {"const": "autre"}, {"const": None}, {"const": [1, 2]}, {"const": {"a": 1}},
    {"enum": ["a", "b", 1]}, {"enum": [True]}, {"minimum": 2}, {"maximum": 2.5}, {"exclusiveMinimum": 2},
    {"exclusiveMaximum": 0}, {"pattern": "^A[0-9]+"}, {"pattern": "é"}, {"minLength": 3}, {"maxLength": 2},
    {"minItems": 2}, {"maxItems": 1}, {"contains": {"const": "erreur_affichee"}}, {"not": {"const": "x"}},
    {"required": ["a"]}, {"properties": {"a": {"const": 1}}}, {"properties": {"a": {"minimum": 5}}, "required": ["a"]},
    {"allOf": [{"minimum": 1}, {"maximum": 3}]}, {"anyOf": [{"const": "x"}, {"type": "integer"}]},
    {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": ["null", "boolean"]}, {"type": "object"},
    {"type": "array"}, {}, True, False, {"not": {}}, {"not": {"type": "string"}, "minimum": 0},
]
VALUES = [None, True, False, 0, 1, 1.0, 1.5, 2, 2.5, 3, -1, 7, "", "x", "autre", "A12", "a12", "élan", "ab", "abc",
          "😀😀", [], [1], [1, 2], ["erreur_affichee", "x"], {}, {"a": 1}, {"a": 6}, {"b": 2}, {"a": 1, "b": 2}, "MISSING"]


def test_condition_js_matches_engine_rules(form_page):
    page = form_page("<div></div>")
    pairs = [(c, v) for c in CONDITIONS for v in VALUES]
    py = [holds(c, __import__("engine").MISSING if v == "MISSING" else v) for c, v in pairs]
    js = page.evaluate(
        "(pairs) => pairs.map(([c, v]) => window.ffCondition.holds(c, v === 'MISSING' ? undefined : v))",
        [[c, v] for c, v in pairs],
    )
    diff = [(c, v, p, j) for (c, v), p, j in zip(pairs, py, js) if p != j]
    assert not diff, diff[:10]
    assert len(pairs) > 1000


def test_rules_show_hide_and_disable_live(form_page):
    d = load_definition(KITCHEN_SINK)
    data = dict(KITCHEN_ANSWERS, marque="mcz")
    data.pop("marque_autre")
    page = form_page(render_form(d, data))
    assert page.is_hidden("#ff-marque_autre-field") and page.is_disabled("#ff-marque_autre")
    page.select_option("#ff-marque", "autre")
    assert page.is_visible("#ff-marque_autre-field") and page.is_enabled("#ff-marque_autre")
    page.fill("#ff-marque_autre", "Stûv")
    assert decode_form(d, posted_pairs(page))["marque_autre"] == "Stûv"
    page.select_option("#ff-marque", "palazzetti")
    assert page.is_hidden("#ff-marque_autre-field")
    assert "marque_autre" not in decode_form(d, posted_pairs(page))


def test_array_add_remove_reorder(form_page):
    d = load_definition(KITCHEN_SINK)
    page = form_page(render_form(d, KITCHEN_ANSWERS))
    page.click("#ff-pieces-field > [data-ff-add]")
    assert page.locator("#ff-pieces-2-designation").is_visible()
    assert page.evaluate("() => document.activeElement.id") == "ff-pieces-2-designation"
    page.fill("#ff-pieces-2-designation", "Bougie")
    page.fill("#ff-pieces-2-quantite", "3")
    page.select_option("#ff-pieces-2-motif", "autre")  # the rule of the new item works
    assert page.is_visible("#ff-pieces-2-motif_detail-field")
    page.fill("#ff-pieces-2-motif_detail", "grillée")
    page.click("#ff-pieces-field li[data-ff-index='0'] [data-ff-remove]")
    got = decode_form(d, posted_pairs(page))
    assert got["pieces"] == [KITCHEN_ANSWERS["pieces"][1], {"designation": "Bougie", "quantite": 3, "motif": "autre", "motif_detail": "grillée"}]
    # orderable scalars: move the second code up
    page.click("#ff-codes-field li[data-ff-index='1'] [data-ff-up]")
    page.click("#ff-codes-field > [data-ff-add]")
    page.fill("#ff-codes-2", "Z9")
    got = decode_form(d, posted_pairs(page))
    assert got["codes"] == ["A3", "E12", "Z9"]
    assert page.evaluate("() => window.ff.decodeForm(document.querySelector('form'))") == got


def test_signature_pad_makes_a_png(form_page):
    d = load_definition(KITCHEN_SINK)
    data = dict(KITCHEN_ANSWERS)
    data.pop("signature")
    page = form_page(render_form(d, data))
    page.locator("#ff-signature-pad").scroll_into_view_if_needed()
    box = page.locator("#ff-signature-pad").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 30)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 20 + i * 20, box["y"] + 30 + (i % 3) * 25, steps=3)
    page.mouse.up()
    page.wait_for_function("() => document.querySelector('[name=\"signature.attachment\"]').value !== ''")
    page.fill("#ff-signature-name", "Marie Cotillon")
    got = decode_form(d, posted_pairs(page))
    sig = got["signature"]
    assert sig["name"] == "Marie Cotillon" and len(sig["attachment"]) == 36 and sig["signed_at"].endswith(("+01:00", "+02:00"))
    b64 = page.evaluate("""async (id) => {
        const rec = window.ff.attachments.get(id);
        const buf = new Uint8Array(await rec.blob.arrayBuffer());
        let s = ''; for (const b of buf) s += String.fromCharCode(b); return [rec.type, rec.kind, btoa(s)];
    }""", sig["attachment"])
    assert b64[0] == "image/png" and b64[1] == "signature"
    from PIL import Image

    im = Image.open(io.BytesIO(base64.b64decode(b64[2])))
    assert im.format == "PNG" and im.width > 100
    assert im.convert("L").getextrema()[0] < 128  # ink on it
    page.click("#ff-signature-field [data-ff-sig-clear]")
    assert decode_form(d, posted_pairs(page))["signature"] == {"name": "Marie Cotillon"}  # the drawing is cleared, not the name


def test_signature_time_is_on_the_company_clock_whatever_the_device_zone(browser):
    """A phone set to Tokyo signs at 14:00 UTC: the answer says 15:00 Paris time (the
    company's zone, winter), the instant it was."""
    from .conftest import ORIGIN, PAGE_HTML, _serve

    d = load_definition(KITCHEN_SINK)
    data = dict(KITCHEN_ANSWERS)
    data.pop("signature")
    pages = {"/sign.html": PAGE_HTML.format(body=render_form(d, data), lang="fr")}
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR", timezone_id="Asia/Tokyo")
    try:
        context.route("**/*", lambda route: _serve(route, route.request.url, pages) if route.request.url.startswith(ORIGIN) else route.abort())
        page = context.new_page()
        page.clock.set_fixed_time("2026-03-10T14:00:00Z")
        page.goto(ORIGIN + "/sign.html")
        page.wait_for_function("() => window.ffReady === true", timeout=10_000)
        assert page.evaluate("new Date().getHours()") == 23  # the device's own clock: Tokyo
        page.locator("#ff-signature-pad").scroll_into_view_if_needed()
        box = page.locator("#ff-signature-pad").bounding_box()
        page.mouse.move(box["x"] + 20, box["y"] + 30)
        page.mouse.down()
        page.mouse.move(box["x"] + 120, box["y"] + 60, steps=5)
        page.mouse.up()
        page.wait_for_function("() => document.querySelector('[name=\"signature.attachment\"]').value !== ''")
        assert decode_form(d, posted_pairs(page))["signature"]["signed_at"] == "2026-03-10T15:00:00+01:00"
    finally:
        context.close()


def test_camera_downscales_on_the_device(form_page, tmp_path):
    from PIL import Image

    big = tmp_path / "phone.jpg"
    Image.new("RGB", (4000, 3000), (180, 90, 40)).save(big, "JPEG", quality=90)
    d = load_definition(KITCHEN_SINK)
    data = dict(KITCHEN_ANSWERS)
    page = form_page(render_form(d, data))
    page.set_input_files("#ff-photos", str(big))
    page.wait_for_function("() => document.querySelectorAll('#ff-photos-field [data-ff-photos] > li').length === 3")
    got = decode_form(d, posted_pairs(page))
    assert got["photos"][:2] == data["photos"] and len(got["photos"]) == 3
    new_id = got["photos"][2]
    info = page.evaluate("(id) => { const r = window.ff.attachments.get(id); return [r.type, r.width, r.height, r.size, r.kind]; }", new_id)
    assert info[0] == "image/jpeg" and max(info[1], info[2]) <= 1600 and (info[1], info[2]) == (1600, 1200)
    assert info[3] < 400_000 and info[4] == "photo"
    assert page.locator("#ff-photos-field img").count() == 1  # the new one shows
    page.click("#ff-photos-field li[data-ff-photo='%s'] [data-ff-remove-photo]" % data["photos"][0])
    assert decode_form(d, posted_pairs(page))["photos"] == [data["photos"][1], new_id]
    # not an image: a clear message on the field, nothing added
    bad = tmp_path / "notes.jpg"
    bad.write_bytes(b"not a picture")
    page.set_input_files("#ff-photo", str(bad))
    page.wait_for_selector("#ff-photo-field .ff-errors[data-ff-client]")
    assert "pas une image" in page.inner_text("#ff-photo-field .ff-errors[data-ff-client]")
    assert decode_form(d, posted_pairs(page))["photo"] == data["photo"]


def test_steps_are_pages_with_javascript(form_page):
    d = load_definition({
        "id": "etapes", "version": 1, "title": "Étapes",
        "schema": {"type": "object", "properties": {"a": {"type": "string", "minLength": 3}, "b": {"type": "string"}}},
        "ui": {"ui:steps": [{"title": "Avant", "fields": ["a"]}, {"title": "Après", "fields": ["b"]}]},
    })
    page = form_page(render_form(d))
    assert page.is_visible("#ff-a") and page.is_hidden("#ff-b")
    page.fill("#ff-a", "ab")
    page.click("section[data-ff-step='0'] [data-ff-next]")
    assert page.is_hidden("#ff-b")  # the browser's validation keeps the technician here
    page.fill("#ff-a", "abc")
    page.click("section[data-ff-step='0'] [data-ff-next]")
    assert page.is_visible("#ff-b") and page.is_hidden("#ff-a")
    page.click("section[data-ff-step='1'] [data-ff-prev]")
    assert page.is_visible("#ff-a")


def test_standalone_preview_page_works_from_file(browser, tmp_path):
    from renderers.preview import write_html_preview

    d = load_definition(KITCHEN_SINK)
    out = write_html_preview(d, KITCHEN_ANSWERS, tmp_path / "preview.html")
    context = browser.new_context(viewport={"width": 360, "height": 740})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(out.as_uri())
    page.wait_for_selector("form[data-ff-ready]")
    page.wait_for_function("() => document.querySelector('#ff-signature-pad').width > 0")
    page.select_option("#ff-marque", "mcz")
    assert page.is_hidden("#ff-marque_autre-field")
    assert not errors
    context.close()


def test_phone_layout_screenshot(form_page, tmp_path, repo_root):
    """360 px wide: one column, nothing wider than the screen (look at the PNG too)."""
    d = load_definition(FORMS_DIR / "photos-signatures.json")
    data = read_answers(repo_root / "examples" / "photos-signatures" / "valid.json")
    page = form_page(render_form(d, data, d.validate(data)))
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    too_small = page.evaluate("""() => [...document.querySelectorAll('form button:not([hidden]), form select, form input:not([type=hidden]):not([type=file]):not([type=checkbox]):not([type=radio])')]
        .filter(e => e.offsetParent && e.getBoundingClientRect().height < 40).map(e => e.outerHTML.slice(0, 80))""")
    assert not too_small, too_small
    page.screenshot(path=str(tmp_path / "form-360.png"), full_page=True)
