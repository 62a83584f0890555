"""Validations per CPU second on the largest shipped form, valid and invalid answers.

Candidates, timed on the same answers, in alternating rounds (A B C D A B C D ...) so that a
busy machine slows them all alike, each round a fixed slice of *CPU* time
(``time.process_time``), the median of the rounds reported:

- ``engine``: ``FormDefinition.validate`` — what the product runs (rules, pruning, errors
  as FieldErrors in the user's language);
- ``cached jsonschema``: one ``Draft202012Validator(schema, format_checker=...)`` built
  once, all its errors listed;
- ``jsonschema-rs alone``: the compiled validator with its own formats, nothing else — the
  limit the engine can approach;
- ``naive jsonschema.validate()``: the one-line call that builds a validator every time.

Targets (issue 12): valid answers >= 20,000/s and within 5x of jsonschema-rs alone; invalid
answers no slower than the cached jsonschema validator. The script only uses the engine's
stable API, so it measures an older checkout as well (``python bench/validate.py`` there).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import jsonschema
import jsonschema_rs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import load_definition, walk  # noqa: E402

SLICE = 0.25   # CPU seconds per candidate per round
ROUNDS = 7


def largest_form():
    forms = [load_definition(p) for p in sorted((ROOT / "form_definitions" / "forms").glob("*.json"))]
    return max(forms, key=lambda d: sum(1 for n in walk(d, {}).walk() if n.is_leaf))


def _naive(schema: dict, data: object) -> None:
    try:
        jsonschema.validate(data, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    except jsonschema.ValidationError:
        pass


def candidates(d, data) -> dict[str, Callable[[], object]]:
    cached = jsonschema.Draft202012Validator(d.schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    compiled = jsonschema_rs.validator_for(d.schema, validate_formats=True)
    return {
        "engine FormDefinition.validate": lambda: d.validate(data),
        "cached Draft202012Validator": lambda: list(cached.iter_errors(data)),
        "jsonschema-rs alone (the limit)": (lambda: compiled.is_valid(data)) if compiled.is_valid(data) else (lambda: list(compiled.iter_errors(data))),
        "naive jsonschema.validate()": lambda: _naive(d.schema, data),
    }


def rates(fns: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Median calls per CPU second of each candidate, over alternating rounds."""
    for fn in fns.values():
        fn()  # warm-up: caches, compilation
    seen: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(ROUNDS):
        for name, fn in fns.items():
            n, start = 0, time.process_time()
            while (elapsed := time.process_time() - start) < SLICE:
                fn()
                n += 1
            seen[name].append(n / elapsed)
    return {name: statistics.median(r) for name, r in seen.items()}


def main() -> None:
    d = largest_form()
    valid = json.loads((ROOT / "examples" / d.id / "valid.json").read_text())
    invalid = json.loads((ROOT / "examples" / d.id / "invalid.json").read_text())["data"]
    assert d.validate(valid) == [], "the valid example must be valid"
    assert d.validate(invalid) != [], "the invalid example must be invalid"
    fields = sum(1 for n in walk(d, {}).walk() if n.is_leaf)
    by_path = {"valid": rates(candidates(d, valid)), "invalid": rates(candidates(d, invalid))}
    print(f"form: {d.id} ({fields} fields); CPU time, median of {ROUNDS} alternating rounds of {SLICE} s")
    print(f"{'':34}{'valid answers':>18}{'invalid answers':>18}")
    for name in by_path["valid"]:
        print(f"{name:34}{by_path['valid'][name]:>16,.0f}/s{by_path['invalid'][name]:>16,.0f}/s")
    engine, rs, cached = ("engine FormDefinition.validate", "jsonschema-rs alone (the limit)", "cached Draft202012Validator")
    v, i = by_path["valid"], by_path["invalid"]
    print(f"valid:   engine {v[engine]:,.0f}/s (target >= 20,000), jsonschema-rs alone is {v[rs] / v[engine]:.1f}x faster (target <= 5x)")
    print(f"invalid: engine is {i[engine] / i[cached]:.1f}x the cached validator (target >= 1x)")


if __name__ == "__main__":
    main()
