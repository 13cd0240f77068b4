"""The options a cell's authors train it with, beside its size: the specs
that compare cells apply them to every arm of that cell.

- qrnn: the input convolution spans two steps, as Bradbury et al. 2017 use
  the QRNN on language modelling and classification.
- exprnn: the skew parameter `a` learns at a tenth of the rate of the
  others, as every experiment of Lezcano-Casado & Martinez-Rubio 2019 does
  (the commands of lezcano/expRNN: lr_orth = lr / 10).
"""

AUTHORS_OPTIONS = {
    'qrnn': {'cell.window': 2},
    'exprnn': {'optim.lr_scale': 0.1, 'optim.lr_scale_params': '(^|/)a$'},
}


def options(cell: str) -> dict:
  """The overrides for `cell` (none for a cell trained as the configs do)."""
  return dict(AUTHORS_OPTIONS.get(cell, {}))
