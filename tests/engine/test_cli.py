"""``fieldforms lint`` and ``fieldforms validate`` as an account manager runs them."""

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main

ROOT = Path(__file__).resolve().parents[2]
FORM = ROOT / "form_definitions" / "forms" / "sav-depannage.json"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_lint_the_shipped_definitions_is_clean():
    result = run("lint", ROOT / "form_definitions")
    assert result.exit_code == 0, result.output


def test_lint_prints_one_line_per_problem_and_exits_1(tmp_path):
    bad = json.loads(FORM.read_text())
    bad["schema"]["required"].append("nope")
    bad["ui"]["zzz"] = {"ui:widget": "text"}
    f = tmp_path / "sav-depannage.json"
    f.write_text(json.dumps(bad))
    result = run("lint", f)
    assert result.exit_code == 1
    lines = [line for line in result.stdout.splitlines() if line]
    assert len(lines) == 2
    assert all(line.startswith(f"{f}:/") for line in lines)
    assert any(":/ui/zzz: " in line for line in lines)


def test_lint_warns_of_rjsf_keys_that_have_no_effect_and_exits_0():
    """A form written for RJSF lints clean: what has no effect here is a warning saying why."""
    f = ROOT / "tests" / "engine" / "fixtures" / "rjsf" / "ui-vocabulary.json"
    result = run("lint", f)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line]
    assert len(lines) == 3 and all(": warning: " in line and "has no effect here" in line for line in lines)
    assert any(line.startswith(f"{f}:/ui/ui:submitButtonOptions: warning: ") for line in lines)


def test_lint_a_broken_file_gives_a_message_not_a_traceback(tmp_path):
    f = tmp_path / "x.json"
    f.write_text("{nope")
    result = run("lint", f)
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{f}:/: invalid JSON at line 1, column 2")
    assert "Traceback" not in result.output


def test_validate_valid_and_invalid_answers():
    ok = run("validate", FORM, "--data", ROOT / "examples" / "sav-depannage" / "valid.json")
    assert ok.exit_code == 0 and ok.stdout == ""
    bad = run("validate", FORM, "--data", ROOT / "examples" / "sav-depannage" / "invalid.json", "--lang", "en")
    assert bad.exit_code == 1
    expected = json.loads((ROOT / "examples" / "sav-depannage" / "invalid.json").read_text())["errors"]
    printed = {line.split(": ", 1)[0] for line in bad.stdout.splitlines()}
    assert printed == set(expected)
    assert "This field is required." in bad.stdout


def test_validate_with_broken_answers_file(tmp_path):
    f = tmp_path / "a.json"
    f.write_text("[1,")
    result = run("validate", FORM, "--data", f)
    assert result.exit_code == 1 and "invalid JSON" in result.output
