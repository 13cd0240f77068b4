"""The project's own promises: CI runs README's test command, rnnzoo is a
package that installs and imports from anywhere, and no module edits
sys.path."""

import pathlib
import re
import shutil
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ci_runs_the_test_command_of_the_readme():
  readme = (ROOT / 'README.md').read_text()
  commands = re.findall(r'^(python -m pytest .*)$', readme, re.M)
  assert len(set(commands)) == 1, commands
  ci_lines = (ROOT / '.ci' / 'run').read_text().splitlines()
  assert commands[0] in ci_lines


def test_no_module_edits_sys_path():
  editing = re.compile(r'sys\.path\.(insert|append|extend)|sys\.path\s*[+]?=')
  offenders = [str(path.relative_to(ROOT))
               for folder in ('rnnzoo', 'configs', 'experiments', 'tests')
               for path in (ROOT / folder).rglob('*.py')
               if path.name != 'test_project.py'
               and editing.search(path.read_text())]
  offenders += [name for name in ('launch.py',)
                if editing.search((ROOT / name).read_text())]
  assert not offenders


def test_the_package_declares_the_dependencies_of_requirements_txt():
  project = tomllib.loads((ROOT / 'pyproject.toml').read_text())
  assert project['tool']['setuptools']['dynamic']['dependencies'] == {
      'file': ['requirements.txt']}
  requirements = [line for line in
                  (ROOT / 'requirements.txt').read_text().splitlines()
                  if line.strip() and not line.startswith('#')]
  assert all(re.fullmatch(r'[A-Za-z0-9_.-]+(\[[a-z,]+\])?[<>=!,.0-9]+', r)
             for r in requirements), requirements
  assert project['project']['scripts'] == {'rnnzoo': 'rnnzoo.launch:run'}
  assert set(project['project']['optional-dependencies']) == {'dev', 'ray'}


def test_a_built_wheel_imports_and_runs_outside_the_checkout(tmp_path):
  source = tmp_path / 'source'
  source.mkdir()
  for name in ('pyproject.toml', 'requirements.txt', 'README.md'):
    shutil.copy(ROOT / name, source / name)
  shutil.copytree(ROOT / 'rnnzoo', source / 'rnnzoo',
                  ignore=shutil.ignore_patterns('__pycache__'))
  subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
                  '--no-build-isolation', '-q', '-w', str(tmp_path / 'dist'),
                  str(source)], check=True, capture_output=True)
  wheel, = (tmp_path / 'dist').glob('rnnzoo-*.whl')
  site = tmp_path / 'site'
  subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '-q',
                  '--target', str(site), str(wheel)], check=True,
                 capture_output=True)
  code = ('import jax, rnnzoo\n'
          'from rnnzoo import cells, recurrence\n'
          'cell = cells.get("gru")\n'
          'params = cell.init(jax.random.key(0), 2, 3)\n'
          'ys, h = recurrence.unroll(cell, params, jax.numpy.ones((4, 1, 2)))\n'
          'print(rnnzoo.__file__, ys.shape)\n')
  elsewhere = tmp_path / 'elsewhere'
  elsewhere.mkdir()
  result = subprocess.run([sys.executable, '-c', code], cwd=elsewhere,
                          env={'PYTHONPATH': str(site), 'JAX_PLATFORMS': 'cpu'},
                          capture_output=True, text=True, check=True)
  where, shape = result.stdout.split(' ', 1)
  assert pathlib.Path(where).is_relative_to(site)
  assert shape.strip() == '(4, 1, 3)'
