"""Peak memory of a report with 12 maximal photos (issue 11), before and after uploads are
re-encoded on the server.

"Maximal" is the largest photo the server accepts, as it keeps it:

* before: the device's bytes as they came, up to 9000 × 9000 PNG (what was accepted and
  stored as is: the issue saw one render take the server from 120 MB to 773 MB);
* after: :func:`renderers.imaging.reencode` of those same bytes, what is stored now
  (at most 2560 px on the long side; a PNG stays a PNG).

Each figure is the peak RSS (``resource.getrusage``, ``ru_maxrss``) of a fresh Python
process that imports the renderers and renders the photos-signatures report with 12
photos (6 before, 6 after, 1 document photo left out) from a cold image cache; "idle" is
the same process rendering it with no photo, and "upload" the peak of re-encoding one
maximal upload (what the server now pays once per upload instead of once per render).

    .venv/bin/python bench/report_memory.py [--side 9000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORM = ROOT / "form_definitions" / "forms" / "photos-signatures.json"
EXAMPLE = ROOT / "examples" / "photos-signatures" / "valid.json"
PHOTOS = 12


def photo_ids() -> list[str]:
    return [f"00000000-0000-4000-8000-{i:012d}" for i in range(PHOTOS)]


def maximal_png(path: Path, side: int) -> None:
    """A ``side`` × ``side`` RGB PNG with gradients (small on the wire, full size decoded)."""
    from PIL import Image

    tile = Image.linear_gradient("L").resize((side, side))
    Image.merge("RGB", (tile, tile.rotate(90), tile.transpose(Image.Transpose.FLIP_LEFT_RIGHT))).save(path, format="PNG", compress_level=1)


def peak_mb() -> float:
    """This process's peak RSS (kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(folder: Path, side: int) -> None:
    """The photos as they were stored before (raw) and as they are now (stored): one made,
    copied to 12 files (the report's image cache keys files by path: each is processed)."""
    import shutil

    from renderers import imaging

    (folder / "raw").mkdir()
    (folder / "stored").mkdir()
    raw, stored = folder / "raw" / "0", folder / "stored" / "0"
    maximal_png(raw, side)
    stored.write_bytes(imaging.reencode(raw.read_bytes()).data)
    for i in range(1, PHOTOS):
        shutil.copyfile(raw, folder / "raw" / str(i))
        shutil.copyfile(stored, folder / "stored" / str(i))


def child(kind: str, folder: Path) -> None:
    """Run in a fresh process: render (or re-encode), then print the peak RSS as JSON."""
    from engine import load_definition
    from renderers.pdf import render_report
    from renderers.preview import demo_context

    if kind == "upload":
        from renderers import imaging

        imaging.reencode((folder / "raw" / "0").read_bytes())
        print(json.dumps({"kind": kind, "peak_mb": round(peak_mb(), 1)}))
        return
    d = load_definition(FORM)
    answers = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    ids = photo_ids()
    answers["photos_avant"], answers["photos_apres"] = ids[:6], ids[6:]
    answers.pop("photo_document", None)
    files = {} if kind == "idle" else {aid: folder / kind / str(i) for i, aid in enumerate(ids)}
    pdf = render_report(d, answers, demo_context(), attachments=files)
    print(json.dumps({"kind": kind, "peak_mb": round(peak_mb(), 1), "pdf_kb": len(pdf) // 1024}))


def run_child(*args: str, env: dict | None = None) -> str:
    """A fresh interpreter: Linux keeps a process's peak RSS across fork and exec, so this
    parent stays small (it makes nothing itself) and each figure is the child's own."""
    return subprocess.run([sys.executable, __file__, *args], env=env, check=True, capture_output=True, text=True).stdout


def measure(kind: str, folder: Path, cache: Path) -> dict:
    env = {**os.environ, "FIELDFORMS_CACHE_DIR": str(cache / kind)}  # a cold cache for each
    return json.loads(run_child("--child", kind, "--folder", str(folder), env=env).strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=9000)
    parser.add_argument("--child")
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.child == "prepare":
        prepare(args.folder, args.side)
        return
    if args.child:
        child(args.child, args.folder)
        return
    with tempfile.TemporaryDirectory(prefix="ff-report-memory-") as tmp:
        folder, cache = Path(tmp), Path(tmp) / "cache"
        run_child("--child", "prepare", "--folder", str(folder), "--side", str(args.side))
        raw_mb = sum(p.stat().st_size for p in (folder / "raw").iterdir()) / 1e6
        stored_mb = sum(p.stat().st_size for p in (folder / "stored").iterdir()) / 1e6
        idle, before, after, upload = (measure(k, folder, cache) for k in ("idle", "raw", "stored", "upload"))
    print(f"report with {PHOTOS} photos of {args.side}×{args.side} (peak RSS of a fresh process, cold image cache)")
    print(f"  no photo (imports + render)          {idle['peak_mb']:7.1f} MB")
    print(f"  before: stored as sent ({raw_mb:5.1f} MB)      {before['peak_mb']:7.1f} MB")
    print(f"  after:  stored re-encoded ({stored_mb:5.1f} MB) {after['peak_mb']:7.1f} MB")
    print(f"  one upload re-encoded (once, at upload) {upload['peak_mb']:7.1f} MB")


if __name__ == "__main__":
    main()
