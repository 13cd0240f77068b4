"""The project's own promises: CI runs README's test command."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ci_runs_the_test_command_of_the_readme():
  readme = (ROOT / 'README.md').read_text()
  commands = re.findall(r'^(python -m pytest .*)$', readme, re.M)
  assert len(set(commands)) == 1, commands
  ci_lines = (ROOT / '.ci' / 'run').read_text().splitlines()
  assert commands[0] in ci_lines
