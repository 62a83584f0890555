"""Benchmark of the technician's phone app (issues 5 and 14), in Debian's headless Chromium.

* First load: a fresh phone opens the login page (``/m/login``), signs in as tech1 (demo
  data) and waits until the app works offline: the service worker installed and active (its
  precache done), the page controlled by it, the first pull done and the day's forms cached.
  Every response the server sent meanwhile is counted at the server (a WSGI counter around
  the app: what actually crossed the network, uncompressed), and the browser says who asked
  for it (Playwright reports the service worker's own requests as well as the page's). Held
  against the budget: the app itself (pages, scripts, styles, icons, manifest, service
  worker), <= 120 KB uncompressed, and no URL answered twice. The data (API, the blank
  forms of the day) is printed beside it: it grows with the technician's planning, not
  with the app.
* A cached form opening: from the tap on the form to the form filled and ready (target
  <= 100 ms, median of the runs), with the network throttled to 3G (the form comes from the
  cache).

    .venv/bin/python bench/client.py [--start /m/login] [--runs 7] [--chromium /usr/bin/chromium]

``--start /m/`` measures the other way in: the phone opens the app first, which sends it to
the login page. Prints the figures and a table per URL; exits 1 if a target is missed or a
URL was fetched twice.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BUDGET_KB = 120.0
TARGET_FORM_MS = 100.0
THREE_G = {"offline": False, "latency": 100, "downloadThroughput": 750 * 1000 / 8, "uploadThroughput": 250 * 1000 / 8}
DATA_PREFIXES = ("/api/", "/m/forms/")


def start_server(tmp: Path):
    """The app on a fresh SQLite database with the demo data, served on a loopback port."""
    from tests.e2e.live import Counter, migrated_app
    from werkzeug.serving import make_server

    from webapp.demo import create_demo
    from webapp.extensions import db

    app = migrated_app(tmp)
    with app.app_context(), app.test_request_context():
        create_demo()
        db.session.remove()
    counter = Counter(app.wsgi_app)
    app.wsgi_app = counter
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the table says what was asked
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_port}", counter


def first_load(browser, base: str, counter, start: str) -> tuple[list[dict], dict]:
    """Sign in on a fresh phone and wait until the app works offline; returns the server's
    hits and, per path, who asked for it (page, service worker, page answered by the worker)."""
    from webapp.demo import DEMO_PASSWORD

    context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740}, locale="fr-FR", timezone_id="Europe/Paris")
    askers: dict[str, set] = defaultdict(set)

    def on_response(response):
        req = response.request
        parts = urlsplit(req.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if req.service_worker is not None:
            askers[path].add("worker")
        elif response.from_service_worker:
            askers[path].add("page (from worker)")
        else:
            askers[path].add("page")

    context.on("response", on_response)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(start)
    page.wait_for_selector("#username")
    page.fill("#username", "tech1")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/m/")
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60_000)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null && navigator.serviceWorker.controller.state === 'activated'", timeout=60_000)
    page.wait_for_load_state("networkidle")
    hits = list(counter.hits)
    context.close()
    if errors:
        print(f"console errors on the phone: {errors}")
    return hits, askers


def report(hits: list[dict], askers: dict) -> bool:
    """The table, the totals; False if the budget is missed or a URL was answered twice."""
    by_path: dict[str, list[dict]] = defaultdict(list)
    for h in hits:
        by_path[h["path"]].append(h)
    app_bytes = data_bytes = 0
    app_n = data_n = 0
    twice = []
    print(f"{'bytes':>8}  {'hits':>4}  {'status:dest':<18} {'asked by':<30} url")
    for path, hs in sorted(by_path.items(), key=lambda x: (x[0].startswith(DATA_PREFIXES), -sum(h["bytes"] for h in x[1]))):
        size = sum(h["bytes"] for h in hs)
        gets = [h for h in hs if h["method"] == "GET" and h["status"] != 302]  # a redirect carries no file
        if len(gets) > 1:
            twice.append(path)
        if path.startswith(DATA_PREFIXES):
            data_bytes, data_n = data_bytes + size, data_n + len(hs)
        else:
            app_bytes, app_n = app_bytes + size, app_n + len(hs)
        who = ", ".join(sorted(askers.get(path, {"?"})))
        status = ",".join(f"{h['status']}{'c' if h['cond'] else ''}:{h['dest']}" for h in hs)
        flag = "  <- twice" if len(gets) > 1 else ""
        method = "" if hs[0]["method"] == "GET" else f"{hs[0]['method']} "
        print(f"{size:8d}  {len(hs):4d}  {status:<18} {who:<30} {method}{path}{flag}")
    ok = app_bytes / 1000 <= BUDGET_KB and not twice
    print(f"app (login page, shell, scripts, styles, icons, worker): {app_bytes / 1000:.1f} KB in {app_n} responses "
          f"(budget <= {BUDGET_KB:.0f} KB uncompressed)")
    print(f"data (API, blank forms): {data_bytes / 1000:.1f} KB in {data_n} responses")
    print(f"everything: {(app_bytes + data_bytes) / 1000:.1f} KB in {app_n + data_n} responses; "
          f"fetched twice: {', '.join(twice) if twice else 'none'}")
    return ok


def form_opening(browser, base: str, runs: int) -> float:
    """Median milliseconds from the tap on a cached form to the form filled and ready: the
    first form of the day's first intervention that has one (chosen on the phone itself)."""
    from webapp.demo import DEMO_PASSWORD

    context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740}, locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    page.goto("/m/login")
    page.fill("#username", "tech1")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60_000)
    href = None
    for card in page.eval_on_selector_all("a.card-main", "(links) => links.map((a) => a.getAttribute('href'))"):
        page.goto(f"/m/{card}")
        page.wait_for_function("() => document.body.dataset.drawing === '0'")
        links = page.eval_on_selector_all("a.form-link", "(links) => links.map((a) => a.getAttribute('href'))")
        if links:
            href = links[0]
            break
    assert href, "no intervention of tech1's day has a form"
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THREE_G)
    timings = []
    for _ in range(runs):
        page.goto(f"/m/{href.rsplit('/f/', 1)[0]}")
        page.click(f'a.form-link[href="{href}"]')
        page.wait_for_selector("form[data-ff-open-ms]")
        timings.append(float(page.get_attribute("form[data-ff-open-ms]", "data-ff-open-ms")))
    context.close()
    print(f"cached form opens ({href.rsplit('/', 1)[1]}, 3G throttled, {runs} runs): median {statistics.median(timings):.1f} ms, "
          f"min {min(timings):.1f}, max {max(timings):.1f} (target <= {TARGET_FORM_MS:.0f} ms)")
    return statistics.median(timings)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--start", default="/m/login", help="where the fresh phone starts (/m/login, or /m/)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--chromium", default=os.environ.get("FIELDFORMS_CHROMIUM", "/usr/bin/chromium"))
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="ff-bench-client-"))
    srv, base, counter = start_server(tmp)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-quic"])
            hits, askers = first_load(browser, base, counter, args.start)
            print(f"first load of the phone from {args.start} (Chromium, fresh profile, demo data, tech1):")
            ok = report(hits, askers)
            ok = form_opening(browser, base, args.runs) <= TARGET_FORM_MS and ok
            browser.close()
    finally:
        srv.shutdown()
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
