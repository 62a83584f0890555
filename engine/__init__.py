"""fieldforms' form engine: definitions, lint, the one walk, validation, decoding.

Pure Python (jsonschema, no Flask): the renderers and the web app build on this API.
"""

from .decode import decode_form
from .definition import FormDefinition, load_definition
from .lint import lint
from .node import MISSING, Choice, Node, Section
from .problems import DefinitionError, FieldError, Problem
from .validation import Checked
from .walk import walk

__all__ = [
    "Checked", "Choice", "DefinitionError", "FieldError", "FormDefinition", "MISSING", "Node", "Problem",
    "Section", "decode_form", "lint", "load_definition", "walk",
]
