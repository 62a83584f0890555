"""Rights are decided in one place (webapp/services/policy.py, and services/access.py for
what a role may do whatever the intervention): no view, template, sync handler, CLI
command, other service or phone module decides one on its own. Checked by reading the
code: a closed check (``.closed`` / ``closed_at``), a user's role compared, a workflow
right or transition looked up, or the phone's old home-made rules, outside the policy,
fail here unless listed below as pure display (a "Closed" pill) or as the verb that
writes the lock.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICY = {"webapp/services/policy.py", "webapp/services/access.py"}

PYTHON = sorted(
    p for pattern in ("webapp/views/*.py", "webapp/sync/*.py", "webapp/services/*.py", "webapp/commands.py", "webapp/templating.py", "cli.py")
    for p in ROOT.glob(pattern) if p.relative_to(ROOT).as_posix() not in POLICY
)
TEMPLATES = sorted(ROOT.glob("webapp/templates/**/*.html"))
PHONE = sorted(ROOT.glob("webapp/static/m/*.js"))

#: (file, a piece of the line): uses that show the lock or write it, and decide nothing.
ALLOWED = {
    ("webapp/services/workflow.py", "w.closed_at, w.closed_by_id, w.closed_reason = now"),  # close: the verb writing the lock
    ("webapp/services/workflow.py", "w.closed_at = w.closed_by_id = w.closed_reason = None"),  # reopen
    ("webapp/services/interventions.py", 'by_id[i].role != "technician"'),  # only technicians are assigned (input check)
    ("webapp/services/agenda.py", "Intervention.closed, Client.name"),  # the agenda's "closed" style
    ("webapp/views/agenda_cells.py", 'f"{css} closed" if it.closed else css'),  # the chips' "closed" style, made in Python
    ("webapp/sync/pull.py", '"closed": bool(iv.closed)'),  # the phone's "Closed" pill and banner
    ("webapp/sync/ops.py", '"closed": bool(iv.closed)'),  # the server's side of a conflict, as data
    ("webapp/commands.py", "[{_w(lang, 'closed')}]\" if iv.closed"),  # "[closed]" in a status line
    ("webapp/commands.py", "if iv.closed:"),  # show: who closed it, when, why
    ("webapp/commands.py", "when(w.closed_at)"),
    ("webapp/templates/clients/_interventions.html", "{% if iv.closed %} <span class=\"badge closed\">"),
    ("webapp/templates/interventions/show.html", "{% if iv.closed %} · <span>{{ _('Closed') }}"),
    ("webapp/templates/interventions/_workflow_actions.html", "{% if iv.closed %}"),  # the closed note, its date and reason
    ("webapp/templates/interventions/_workflow_actions.html", "work.closed_at"),
    ("webapp/static/m/views.js", "pill(st, iv.closed)"),
    ("webapp/static/m/views.js", "iv.closed ? `<span>${esc(t(\"closed_by_office\"))}"),
}

#: What deciding a right looks like, in code (Python: comments and strings left out).
PY_RULES = {
    "closed check": re.compile(r"\.closed\b|\bclosed_at\b"),
    "role compared": re.compile(r"(?<!User)\.role\s*(==|!=|\bin\b|\bnot in\b)|\brole\s*(==|!=)\s*['\"]"),
    "workflow right looked up": re.compile(r"\.can\(|(?<!policy\.)\b(can_transition|allowed_transitions)\(|\.rights\b"),
}
TEMPLATE_RULES = {
    "closed check": re.compile(r"\.closed\b|\bclosed_at\b"),
    "role compared": re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)"),
}
PHONE_RULES = {
    "closed check": re.compile(r"\.closed\b|\bclosed_at\b"),
    "role compared": re.compile(r"\.role\b|\brole\s*(===?|!==?)"),
    "home-made rule": re.compile(r"\bcfg\.rights\b|\bOPEN_STATES\b|\bmandatory_time_tracking\b|\bedit_after_done\b"),
}


def _python_code_lines(path: Path) -> dict[int, str]:
    """Each line's code, without its comments and string literals."""
    out: dict[int, list[str]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type in (tokenize.COMMENT, tokenize.STRING) or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            continue
        out.setdefault(tok.start[0], []).append(tok.string)
    return {n: " ".join(parts).replace(" . ", ".").replace(" (", "(") for n, parts in out.items()}


def _js_code_lines(path: Path) -> dict[int, str]:
    return {n: line.split("//")[0] for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)}


def _template_lines(path: Path) -> dict[int, str]:
    text = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), path.read_text(encoding="utf-8"), flags=re.S)
    return dict(enumerate(text.splitlines(), 1))


def _hits(files, lines_of, rules) -> list[str]:
    found = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        raw = path.read_text(encoding="utf-8").splitlines()
        for n, code in lines_of(path).items():
            for what, rule in rules.items():
                if rule.search(code) and not any(f == rel and piece in raw[n - 1] for f, piece in ALLOWED):
                    found.append(f"{rel}:{n}: {what}: {raw[n - 1].strip()[:140]}")
    return found


def test_no_rule_of_rights_outside_the_policy_in_python():
    found = _hits(PYTHON, _python_code_lines, PY_RULES)
    assert not found, "decide it in webapp/services/policy.py and read the decision:\n" + "\n".join(found)


def test_no_rule_of_rights_in_templates():
    found = _hits(TEMPLATES, _template_lines, TEMPLATE_RULES)
    assert not found, "pass the policy's decisions (may.*) or the role's abilities (can_plan...) instead:\n" + "\n".join(found)


def test_the_phone_decides_no_right():
    found = _hits(PHONE, _js_code_lines, PHONE_RULES)
    assert not found, "the phone shows the rights the pull sends (rights / after):\n" + "\n".join(found)


def test_every_allowance_is_still_used():
    """An allowance whose line is gone must go too, so the list stays the truth."""
    texts = {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in PYTHON + TEMPLATES + PHONE}
    stale = [(f, piece) for f, piece in ALLOWED if piece not in texts.get(f, "")]
    assert not stale, stale


def test_the_rules_catch_what_they_are_for(tmp_path):
    """The checks see the copies this issue removed, and not comments or strings."""
    view = tmp_path / "view.py"
    view.write_text('if iv.closed and not back_office:\n    pass\nif current_user.role == "technician":\n    pass\n'
                    'ok = wf.can(user.role, "edit_after_done")\n# a comment about iv.closed\ntext = "user.role == x"\n'
                    'techs = sa.select(User).where(User.role == "technician")\n', encoding="utf-8")
    lines = _python_code_lines(view)
    assert PY_RULES["closed check"].search(lines[1]) and PY_RULES["role compared"].search(lines[3])
    assert PY_RULES["workflow right looked up"].search(lines[5])
    assert not any(rule.search(lines.get(6, "")) for rule in PY_RULES.values())  # a comment
    assert not any(rule.search(lines[7]) for rule in PY_RULES.values())  # a string
    assert not PY_RULES["role compared"].search(lines[8])  # choosing technicians in a query
    assert PHONE_RULES["home-made rule"].search('if (et.mandatory_time_tracking && OPEN_STATES.includes(st.state)) return t("ro_mandatory");')
    assert PHONE_RULES["closed check"].search('if (iv.closed) return t("ro_closed");')
    assert TEMPLATE_RULES["role compared"].search("{% if current_user.role != 'technician' %}")
