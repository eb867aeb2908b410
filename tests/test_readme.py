"""The README stays true to the code: its key table, its commands and CI's command."""

import re
from pathlib import Path

from monitor.model.keys import key_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_key_table_matches_the_schema():
    # Regenerate with: python -c "from monitor.model.keys import key_table; print(key_table())"
    assert key_table() in README


def _commands() -> list[str]:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", quick, flags=re.S)


def test_readme_has_an_install_and_run_command_and_a_test_command():
    run, test = _commands()
    assert "pip install" in run and "monitor solve configs/" in run
    assert "pip install" in test and "pytest" in test


def test_ci_runs_the_readmes_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test = _commands()[1]
    # The part after the venv set-up is what CI runs inside its own fresh venv.
    install_and_test = test.split("activate && ", 1)[1]
    assert install_and_test in ci
