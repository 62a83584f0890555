"""What can go wrong, as values: problems in definitions, errors in answers.

Both carry a JSON pointer so that the CLI, the web app and the renderers can put them where
they belong (a line in a lint report, a message next to a field, a 422 body).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .paths import Path, from_pointer


@dataclass(frozen=True, order=True)
class Problem:
    """One thing an author must fix in a definition file: ``file:pointer: message``.

    A *warning* is something written for react-jsonschema-form that has no effect here: the
    form still loads and is served (``file:pointer: warning: message``)."""

    file: str
    pointer: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.pointer or '/'}: {'warning: ' if self.warning else ''}{self.message}"


def errors_only(problems: list[Problem]) -> list[Problem]:
    """The problems that make a definition unusable (warnings aside)."""
    return [p for p in problems if not p.warning]


@dataclass(frozen=True)
class FieldError:
    """One error in a submission, located by pointer, in the user's language."""

    pointer: str
    message: str
    keyword: str
    params: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def path(self) -> Path:
        return from_pointer(self.pointer)

    def as_dict(self) -> dict:
        return {"pointer": self.pointer, "message": self.message, "keyword": self.keyword}


class DefinitionError(Exception):
    """A definition that cannot be used at all; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid definition")


def file_problems(validator: Any, raw: Any, source: str) -> list[Problem]:
    """What a definition file's own meta-schema (event type, workflow, equipment) finds in
    it, by JSON pointer, said the way an author fixes it: unknown members with the allowed
    ones, a value out of its list with the list, a missing member named."""
    out = []
    for err in validator.iter_errors(raw):
        pointer = "".join(f"/{p}" for p in err.path)
        if err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            msg = f"unknown member(s) {', '.join(extra)}: allowed are {', '.join(sorted(err.schema.get('properties', {})))}"
        elif err.validator == "enum":
            msg = f"{err.instance!r} is not allowed: use one of {', '.join(map(str, err.validator_value))}"
        elif err.validator == "required":
            msg = err.message.replace("is a required property", "is missing")
        else:
            msg = err.message
        out.append(Problem(source, pointer, msg))
    return out

