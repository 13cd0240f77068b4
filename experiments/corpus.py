r"""The text of the character-level experiments when TFDS's tiny_shakespeare
is not prepared: the licence texts that Debian ships in
/usr/share/common-licenses (about 240k characters of legal English),
committed as experiments/data/licenses.txt so that every machine trains on
the same characters.

  config overrides: {'task.path': corpus.PATH}

The character LM holds out the last `valid_fraction` (10%) of its text. So
that the held-out text is of the same kind as the training text, the file
is laid out as the first 90% of every licence, then the last 10% of every
licence, each part in name order; identical texts (symlinks) once. PATH is
relative to the repository root, where `python -m experiments` runs.

  python -m experiments.corpus   # rebuilds the file
"""

import os

import experiments

LICENSES = '/usr/share/common-licenses'
PATH = os.path.join('experiments', 'data', 'licenses.txt')
VALID_FRACTION = 0.1


def texts() -> list[str]:
  """Each distinct licence text, in name order."""
  found = {}
  for name in sorted(os.listdir(LICENSES)):
    real = os.path.realpath(os.path.join(LICENSES, name))
    if real not in found and os.path.isfile(real):
      with open(real, encoding='utf-8', errors='replace') as f:
        found[real] = f.read()
  return list(found.values())


def layout(documents: list[str], valid_fraction: float) -> str:
  """The training parts of every document, then their held-out tails."""
  cuts = [len(d) - int(round(valid_fraction * len(d))) for d in documents]
  heads = '\n\n'.join(d[:cut] for d, cut in zip(documents, cuts))
  tails = '\n\n'.join(d[cut:] for d, cut in zip(documents, cuts))
  return heads + '\n\n' + tails


def build() -> str:
  """Writes experiments/data/licenses.txt; returns its path."""
  path = os.path.join(experiments.ROOT, PATH)
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with open(path, 'w', encoding='utf-8') as f:
    f.write(layout(texts(), VALID_FRACTION))
  return path


if __name__ == '__main__':
  print(build())
