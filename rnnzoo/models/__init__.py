"""The registry of models: `get(name)` gives a model's module, `names()` the
registered names; `config.model.name` picks one.

  module = models.of(config)          # models.get(config.model.name)
  module.check_config(config); module.check_task(config, task)
  model = module.build(config, task)  # a Linen module (`base.Model`)
  outputs = model.apply(variables, batch, train=False)

Every model follows the contract of `rnnzoo.models.base`. Adding a model is
one module here and one entry in `_MODULES`.

  rnn       encoder, recurrent layers of `config.cell`, readout
  mlp       the inputs flattened, ReLU layers, readout (order-free control)
  conv_glu  gated causal convolutions (Dauphin et al. 2017), per step
  seq2seq   encoder-decoder of `config.cell` layers with attention (Bahdanau
            et al. 2015; Luong et al. 2015), for sequence-to-sequence tasks
  jordan    the Jordan network (Jordan 1986): the outputs are the prediction
            and recur, optionally the targets in training (teacher forcing)

A config written before models had names (no `model.name`) is an 'rnn'
config: `DEFAULT`.
"""

import types

import ml_collections

from rnnzoo import options
from rnnzoo.models import base
from rnnzoo.models import conv_glu
from rnnzoo.models import jordan
from rnnzoo.models import mlp
from rnnzoo.models import rnn
from rnnzoo.models import seq2seq

Model = base.Model
DEFAULT = 'rnn'

_MODULES = {
    'rnn': rnn,
    'mlp': mlp,
    'conv_glu': conv_glu,
    'seq2seq': seq2seq,
    'jordan': jordan,
}


def names() -> list[str]:
  """The registered names, sorted."""
  return sorted(_MODULES)


def get(name: str) -> types.ModuleType:
  """The module of model `name`; a ValueError naming the valid ones."""
  options.check_choice('model.name', name, names())
  return _MODULES[name]


def name_of(config: ml_collections.ConfigDict) -> str:
  """config.model.name, or `DEFAULT` for a config written without one."""
  return config.model.get('name', DEFAULT)


def of(config: ml_collections.ConfigDict) -> types.ModuleType:
  """The module of the model that `config` names."""
  return get(name_of(config))
