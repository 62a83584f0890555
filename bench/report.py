"""Benchmark of the renderers (issue 3).

The standard report: the largest shipped form with its example, plus the photos and
signatures form with 4 photos of 4000×3000 as a phone makes them and 2 signatures.
Prints the median of warm renders (target ≤ 0.35 s, ≤ 1.2 MB), the same HTML through
WeasyPrint when the `bench` extra is installed (target ≤ 0.6× of it), and the form HTML
render time of the largest form (target ≤ 2 ms, templates cached).

    .venv/bin/python bench/report.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import FormDefinition, load_definition, walk  # noqa: E402
from renderers.html import render_form  # noqa: E402
from renderers.pdf import html_to_pdf, render_html, render_intervention_report  # noqa: E402
from renderers.preview import demo_context  # noqa: E402


def phone_photo(path: Path, seed: int) -> None:
    """A 4000×3000 JPEG with detail everywhere, about the size a phone writes (~3-5 MB)."""
    from PIL import Image, ImageDraw, ImageFilter
    import random

    rnd = random.Random(seed)
    im = Image.effect_noise((1000, 750), 60).convert("RGB").resize((4000, 3000))
    draw = ImageDraw.Draw(im)
    for _ in range(400):
        x, y = rnd.randrange(4000), rnd.randrange(3000)
        draw.ellipse([x, y, x + rnd.randrange(40, 400), y + rnd.randrange(40, 400)], fill=(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)))
    im = im.filter(ImageFilter.GaussianBlur(1))
    im.save(path, "JPEG", quality=92)


def signature_png(path: Path, seed: int) -> None:
    from PIL import Image, ImageDraw
    import math

    im = Image.new("RGBA", (1200, 400), (255, 255, 255, 0))
    draw = ImageDraw.Draw(im)
    pts = [(60 + i * 9, 200 + int(80 * math.sin(i / (3.0 + seed)))) for i in range(120)]
    draw.line(pts, fill=(20, 30, 90, 255), width=6)
    im.save(path, "PNG")


def largest_form() -> Path:
    forms = sorted((ROOT / "form_definitions" / "forms").glob("*.json"), key=lambda p: p.stat().st_size)
    return forms[-1]


def standard_forms() -> list[tuple[FormDefinition, dict]]:
    """The standard report's forms and answers: the largest shipped form with its example,
    then the photos and signatures form with 2 photos before, 2 after and 2 signatures
    (tests/renderers/test_pdf_fast_path.py guards its one-pass layout)."""
    d1 = load_definition(largest_form())
    a1 = json.loads((ROOT / "examples" / d1.id / "valid.json").read_text(encoding="utf-8"))
    d2 = load_definition(ROOT / "form_definitions" / "forms" / "photos-signatures.json")
    a2 = json.loads((ROOT / "examples" / "photos-signatures" / "valid.json").read_text(encoding="utf-8"))
    a2["photos_avant"] = a2["photos_avant"][:2]
    a2["photos_apres"] = a2["photos_apres"][:2]
    a2.pop("photo_document", None)
    return [(d1, a1), (d2, a2)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    forms = standard_forms()
    (d1, a1), (d2, a2) = forms
    big = largest_form()
    tmp = Path(tempfile.mkdtemp(prefix="ff-bench-"))
    attachments = {}
    for i, pid in enumerate(a2["photos_avant"] + a2["photos_apres"]):
        p = tmp / f"photo{i}.jpg"
        phone_photo(p, i)
        attachments[pid] = p
    for i, key in enumerate(("signature_technicien", "signature_client")):
        p = tmp / f"sig{i}.png"
        signature_png(p, i)
        attachments[a2[key]["attachment"]] = p
    sizes = [p.stat().st_size for p in attachments.values()]
    ctx = demo_context()

    t = time.perf_counter()
    pdf = render_intervention_report(forms, ctx, attachments=attachments)
    cold = time.perf_counter() - t
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        pdf = render_intervention_report(forms, ctx, attachments=attachments)
        times.append(time.perf_counter() - t)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    median = statistics.median(times)
    print(f"standard report: {d1.id} + {d2.id}, 4 photos 4000x3000 ({sum(sizes[:4]) / 4 / 1e6:.1f} MB each), 2 signatures")
    print(f"  pages: {pages}")
    print(f"  first render (photos downscaled, cache cold): {cold:.3f} s")
    print(f"  median of {args.runs} warm renders: {median:.3f} s (target <= 0.35 s)  [min {min(times):.3f}, max {max(times):.3f}]")
    print(f"  size: {len(pdf) / 1e6:.3f} MB (target <= 1.2 MB)")

    html, resources = render_html(forms, ctx, attachments=attachments)
    html_to_pdf(html, resources)
    drawn = resources.drawn
    if drawn.error is not None:
        print(f"  layout: the plain way, the one-pass layout failed: {drawn.error!r} (see renderers/pdf/layout.py)")
    elif drawn.missed():
        print("  layout: the plain way, twice (the page marks were missed: see renderers/pdf/page_marks.py)")
    else:
        print(f"  layout: once, header drawn again on {drawn.header_replayed} page(s), {drawn.totals} page totals")
    try:
        import weasyprint
    except ImportError:
        print("  WeasyPrint: not installed (pip install -e '.[bench]') — ratio not measured")
    else:
        try:  # WeasyPrint >= 66: responses are objects
            from weasyprint.urls import URLFetcherResponse

            def respond(url, data, mime):
                return URLFetcherResponse(url, body=data, headers={"Content-Type": mime})
        except ImportError:
            def respond(url, data, mime):
                return {"string": data, "mime_type": mime}

        def fetch(url, *a, **k):
            path = resources.files.get(url)
            if path is None:
                raise ValueError(f"refused {url}")
            return respond(url, Path(path).read_bytes(), "image/png" if Path(path).suffix == ".png" else "image/jpeg")

        weasyprint.HTML(string=html, url_fetcher=fetch).write_pdf()
        # medians of both, run in turns: one sample of each swung the ratio by 0.1-0.2
        xt, wt = [], []
        for _ in range(max(3, args.runs)):
            t = time.perf_counter()
            html_to_pdf(html, resources)
            xt.append(time.perf_counter() - t)
            t = time.perf_counter()
            weasyprint.HTML(string=html, url_fetcher=fetch).write_pdf()
            wt.append(time.perf_counter() - t)
        x2p, w = statistics.median(xt), statistics.median(wt)
        print(f"  same HTML (median of {len(xt)} each): xhtml2pdf {x2p:.3f} s, WeasyPrint {w:.3f} s, ratio {x2p / w:.2f}x (target <= 0.6x)")

    render_form(d1, a1)
    per, w_per = per_call(lambda: render_form(d1, a1)), per_call(lambda: walk(d1, a1))
    print(f"form HTML: {d1.id} ({big.stat().st_size // 1000} kB definition) render_form {per * 1000:.2f} ms per render "
          f"(walk {w_per * 1000:.2f} ms + templates {(per - w_per) * 1000:.2f} ms; target <= 2 ms)")


def per_call(fn, blocks: int = 15, calls: int = 50) -> float:
    """Seconds per call: the median of blocks of calls, which a noisy neighbour moves less
    than one long average."""
    times = []
    for _ in range(blocks):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        times.append((time.perf_counter() - t) / calls)
    return statistics.median(times)


if __name__ == "__main__":
    main()
