"""What a browser without JavaScript posts for a rendered form (HTML's form data set),
for fast round-trip tests in Python; the e2e tests check the same in Chromium."""

from __future__ import annotations

import lxml.html


def parse(html: str):
    return lxml.html.fragment_fromstring(html, create_parent="div")


def _in_template(el) -> bool:
    return any(a.tag == "template" for a in el.iterancestors())


def posted_pairs(html: str) -> list[tuple[str, str]]:
    root = parse(html)
    pairs: list[tuple[str, str]] = []
    for el in root.iter("input", "select", "textarea"):
        name = el.get("name")
        if not name or el.get("disabled") is not None or _in_template(el):
            continue
        if el.tag == "input":
            kind = (el.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if el.get("checked") is not None:
                    pairs.append((name, el.get("value", "on")))
            elif kind in ("file", "submit", "button", "image", "reset"):
                continue
            else:
                pairs.append((name, el.get("value", "")))
        elif el.tag == "select":
            options = list(el.iter("option"))
            chosen = [o for o in options if o.get("selected") is not None]
            if not chosen and el.get("multiple") is None and options:
                chosen = options[:1]
            pairs.extend((name, o.get("value", o.text_content())) for o in chosen)
        else:
            text = el.text or ""
            if text.startswith("\n"):
                text = text[1:]  # the HTML parser drops the first line break of a textarea
            pairs.append((name, text.replace("\r\n", "\n")))
    return pairs
