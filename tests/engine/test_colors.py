"""Text on a configured colour is readable (WCAG 2, 4.5:1), whatever the colour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.colors import DARK_INK, LIGHT_INK, contrast_ratio, readable_ink, relative_luminance

ROOT = Path(__file__).resolve().parents[2]


def test_contrast_ratio_is_wcags():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#2196f3", "#ffffff") == pytest.approx(3.12, abs=0.01)  # the badge: white on Confirmed's blue
    assert contrast_ratio("#616e7c", "#dff0e0") == pytest.approx(4.38, abs=0.01)  # the grey text on a done chip
    assert relative_luminance("#FFFFFF") == pytest.approx(1)
    with pytest.raises(ValueError):
        relative_luminance("#fff")


def test_every_colour_gets_an_ink_of_at_least_4_5_to_1():
    """The choice depends on the luminance only: every grey (each luminance the worst case
    can sit near), and a grid of colours."""
    greys = [f"#{v:02x}{v:02x}{v:02x}" for v in range(256)]
    steps = range(0, 256, 15)
    grid = [f"#{r:02x}{g:02x}{b:02x}" for r in steps for g in steps for b in steps]
    assert min(contrast_ratio(c, readable_ink(c)) for c in greys + grid) >= 4.5


def test_the_configured_statuses_and_types_read_on_their_colours():
    from engine.project import EventType, Status

    workflow = json.loads((ROOT / "form_definitions" / "workflow.json").read_text(encoding="utf-8"))
    for s in workflow["statuses"]:
        status = Status(s["key"], s["label"], s["color"], s["state"])
        assert contrast_ratio(status.color, status.ink) >= 4.5, s["key"]
    assert Status("confirmed", "Confirmé", "#2196f3", "confirmed").ink == DARK_INK
    assert Status("done", "Réalisé", "#2e7d32", "done").ink == LIGHT_INK
    for path in sorted((ROOT / "form_definitions" / "event_types").glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        et = EventType(raw["id"], raw["title"], raw.get("color", "#607d8b"))
        assert contrast_ratio(et.color, et.ink) >= 4.5, path.name
