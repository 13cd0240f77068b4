"""A local English text for the character-level experiments when TFDS's
tiny_shakespeare is not prepared: the licence texts that Debian ships in
/usr/share/common-licenses (about 250k characters), concatenated in name
order, each file once.

  config overrides: {'task.path': corpus.PATH}

PATH is relative to the repository root, where `python -m experiments`
runs; `make` writes the file there on first use.
"""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATH = os.path.join('runs', 'corpus.txt')
LICENSES = '/usr/share/common-licenses'


def make() -> str:
  """Writes ROOT/runs/corpus.txt unless it exists (or this machine has no
  licence texts: then a run names the missing file); returns PATH."""
  target = os.path.join(ROOT, PATH)
  if os.path.exists(target) or not os.path.isdir(LICENSES):
    return PATH
  texts = {}
  for name in sorted(os.listdir(LICENSES)):
    real = os.path.realpath(os.path.join(LICENSES, name))
    if real not in texts and os.path.isfile(real):
      with open(real, encoding='utf-8', errors='replace') as f:
        texts[real] = f.read()
  os.makedirs(os.path.dirname(target), exist_ok=True)
  with open(target, 'w') as f:
    f.write('\n\n'.join(texts.values()).strip() + '\n')
  return PATH
