"""Validations per second: the engine's cached validator vs plain ``jsonschema.validate()``.

The largest shipped form (by number of fields) with its valid example. Targets (issue 2):
>= 1,000 validations/s on one core, and >= 30x the plain call, in the same run.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import jsonschema

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import load_definition, walk  # noqa: E402


def largest_form():
    forms = [load_definition(p) for p in sorted((ROOT / "form_definitions" / "forms").glob("*.json"))]
    return max(forms, key=lambda d: sum(1 for n in walk(d, {}).walk() if n.is_leaf))


def rate(fn, seconds: float = 1.0, rounds: int = 5) -> float:
    """Median calls per second over ``rounds`` timed windows (after a warm-up)."""
    for _ in range(20):
        fn()
    rates = []
    for _ in range(rounds):
        n, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            fn()
            n += 1
        rates.append(n / elapsed)
    return statistics.median(rates)


def main() -> None:
    d = largest_form()
    data = json.loads((ROOT / "examples" / d.id / "valid.json").read_text())
    fields = sum(1 for n in walk(d, {}).walk() if n.is_leaf)
    assert d.validate(data) == [], "the example must be valid"
    engine_rate = rate(lambda: d.validate(data))
    plain_rate = rate(lambda: jsonschema.validate(data, d.schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER), seconds=1.0, rounds=3)
    print(f"form: {d.id} ({fields} fields)")
    print(f"engine (cached validator, rules, pruning): {engine_rate:,.0f} validations/s  (target >= 1,000)")
    print(f"plain jsonschema.validate():               {plain_rate:,.0f} validations/s")
    print(f"ratio: {engine_rate / plain_rate:.1f}x  (target >= 30x)")


if __name__ == "__main__":
    main()
