"""The error of every stage of a report: what cannot be made, said so a person can fix it."""

from __future__ import annotations


class ReportError(Exception):
    """A report that cannot be made: ``file: message`` or ``field: message``."""
