"""The lint of report templates (``fieldforms lint``): a template must compile, and use
only templates and answers that exist in the forms it is written for."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

from jinja2 import TemplateNotFound, TemplateSyntaxError, meta, nodes

from engine import FormDefinition, Node, Problem, walk
from engine.paths import from_name

from .template import environment

def _known_paths(d: FormDefinition) -> set[tuple[str, ...]]:
    out: set[tuple[str, ...]] = set()

    def visit(n: Node) -> None:
        out.add(tuple(p for p in n.path if isinstance(p, str)))
        for c in n.children:
            visit(c)
        if n.template is not None:
            visit(n.template)

    visit(walk(d, {}))
    return out


_DICT_METHODS = frozenset({"get", "items", "keys", "values"})


def _chain(node: nodes.Node) -> tuple[str, list] | None:
    """``answers.a.b['c']`` -> ("answers", ["a", "b", "c"]); None if not rooted in a name."""
    parts: list = []
    cur = node
    while True:
        if isinstance(cur, nodes.Getattr):
            parts.append(cur.attr)
            cur = cur.node
        elif isinstance(cur, nodes.Getitem):
            parts.append(cur.arg.value if isinstance(cur.arg, nodes.Const) else None)
            cur = cur.node
        elif isinstance(cur, nodes.Name):
            return cur.name, list(reversed(parts))
        else:
            return None


def check_template(path: str | os.PathLike, definitions: Mapping[str, FormDefinition] | Iterable[FormDefinition]) -> list[Problem]:
    """Problems of a report template: it must compile and use only answers that exist."""
    if not isinstance(definitions, Mapping):
        definitions = {d.id: d for d in definitions}
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return [Problem(source, "", "file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(source, "", f"cannot read the template: {exc}")]
    env = environment(str(Path(path).resolve().parent))
    try:
        ast = env.parse(text, name=Path(path).name, filename=source)
        env.compile(ast)
    except TemplateSyntaxError as exc:
        return [Problem(source, "", f"line {exc.lineno}: {exc.message}")]
    problems: list[Problem] = []
    for ref in meta.find_referenced_templates(ast):
        if ref is None:
            continue
        try:
            env.get_template(ref)
        except TemplateNotFound:
            problems.append(Problem(source, "", f"uses the template “{ref}”, which does not exist"))
        except TemplateSyntaxError as exc:
            problems.append(Problem(source, "", f"uses the template “{ref}”, which does not compile: line {exc.lineno}: {exc.message}"))
    known_cache: dict[str, set] = {}

    def known(fid: str) -> set:
        if fid not in known_cache:
            known_cache[fid] = _known_paths(definitions[fid])
        return known_cache[fid]

    def check_field(fid: str, parts: list, lineno: int) -> None:
        if fid not in definitions:
            problems.append(Problem(source, "", f"line {lineno}: no form “{fid}” (known: {', '.join(sorted(definitions)) or 'none'})"))
            return
        fields: list[str] = []
        for p in parts:
            if p is None or p in _DICT_METHODS:
                break
            if isinstance(p, int):
                continue
            fields.append(p)
            if tuple(fields) not in known(fid):
                problems.append(Problem(source, "", f"line {lineno}: the form “{fid}” has no field “{'.'.join(fields)}”"))
                return

    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        chain = _chain(node)
        if chain is None:
            continue
        root, parts = chain
        if root == "answers" and parts and isinstance(parts[0], str):
            check_field(parts[0], parts[1:], node.lineno)
    for call in ast.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Getattr) or call.node.attr not in ("node", "value", "label"):
            continue
        chain = _chain(call.node.node)
        if chain is None or chain[0] != "forms" or len(chain[1]) != 1 or not isinstance(chain[1][0], str):
            continue
        if call.args and isinstance(call.args[0], nodes.Const) and isinstance(call.args[0].value, str):
            path = from_name(call.args[0].value)
            if path is None:
                problems.append(Problem(source, "", f"line {call.lineno}: “{call.args[0].value}” is not a field name"))
                continue
            check_field(chain[1][0], list(path), call.lineno)
    # a subscript reached twice (answers.a.b is found as answers.a too): keep one each
    return sorted(set(problems), key=lambda p: p.message)


