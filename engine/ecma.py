"""Regular expressions as JSON Schema means them: ECMA-262, with Unicode semantics.

A ``pattern`` written for a form is the same text a browser's ``pattern`` attribute and the
phone's ``condition.js`` run, and JSON Schema 2020-12 says it is an ECMA-262 regex. Python's
``re`` reads it differently (``\\d`` matches Arabic digits, ``$`` matches before a final
newline, ``\\p{Letter}`` is refused), so every pattern of a form — lint, the rules, the
``regex`` format, the validator that explains errors — is compiled here, by ``regress``
(Rust's ECMA-262 engine), in its ``u`` (Unicode) mode, which is what the JSON-Schema-Test-
Suite expects.
"""

from __future__ import annotations

from functools import lru_cache

import regress


class PatternError(ValueError):
    """A pattern that is not a valid ECMA-262 regular expression."""


@lru_cache(maxsize=2048)
def compile_pattern(pattern: str) -> regress.Regex:
    """The compiled pattern; :class:`PatternError` with regress's reason if it is not one."""
    try:
        return regress.Regex(pattern, "u")
    except (regress.RegressError, UnicodeEncodeError) as exc:
        raise PatternError(str(exc) or "invalid regular expression") from None


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not an ECMA-262 regex, or None if it is one."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` matches somewhere in ``text`` (JSON Schema patterns are not anchored).

    A text with a lone surrogate (a JSON ``\\ud800`` escape: not Unicode) is matched with
    U+FFFD in its place, one character for one, so lengths and the rest of the text match
    as written. An invalid pattern matches nothing (lint and load refuse it anyway).
    """
    try:
        regex = compile_pattern(pattern)
    except PatternError:
        return False
    try:
        return regex.find(text) is not None
    except UnicodeEncodeError:
        return regex.find(scrub(text)) is not None


def scrub(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
