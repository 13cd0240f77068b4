"""The recurrent network (model.name='rnn'): input encoder -> recurrent
layers -> readout, in Flax Linen.

  h^0_t = encoder(x_t)   (an embedding for tokens; a dense layer or the
                          identity for reals)
  h^l_t, carry^l_t = cell^l(carry^l_{t-1}, h^{l-1}_t)   l = 1..L
  outputs = readout(h^L_T) or readout(h^L_t) for every t

with the cells of `config.cell` (`rnnzoo.cells`, each cell's module cites
its paper), run by `rnnzoo.recurrence.stack`; bidirectional layers
(Schuster & Paliwal 1997) concatenate a forward and a backward pass.
It serves every task that reads out at the last valid step or at every
step, with real or token inputs: all but the sequence-to-sequence ones,
which `seq2seq` serves.

Linen rather than NNX because the recurrent layers are pure functions of
explicit parameter pytrees (`rnnzoo.recurrence`): a Linen module holds its
parameters as one plain pytree, which the jitted train step, optax and orbax
take as they are, and `self.param` stores a cell's parameter dict unchanged
(so layer l's weights are `params['params']['layer{l}']['w_h']`, the names of
the cell contract).

The model reads the batch's x (batch-major [B, T, D] reals or [B, T] token
ids) and its optional [B, T] mask of valid steps, and transposes them once.

Streams (`rnnzoo.models.base`): called with `carries`, the layers start from
them instead of the initial carry, except on the rows whose `reset` is set,
and the final carries are returned with the outputs, for the next window.
With learn_initial_carry the learned carry is the one a stream starts from.
Only a forward-running network carries state this way: a backward direction
would carry the end of a window into the next one.
"""

from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from rnnzoo import cells
from rnnzoo import options
from rnnzoo import recurrence
from rnnzoo import rowwise
from rnnzoo.models import base

USES_CELLS = True


def default_config() -> ml_collections.ConfigDict:
  """The `config.model` section, with every field documented."""
  return ml_collections.ConfigDict(dict(
      name='rnn',
      hidden_size=128,        # H, units per layer and direction
      num_layers=1,
      bidirectional=False,    # each layer runs both ways, outputs concatenated
      dilations=(),           # per layer, e.g. (1, 2, 4): wraps the cell in
                              # `dilated`; () for none
      encoder_size=0,         # tokens: embedding width (0: hidden_size);
                              # reals: a dense layer's width (0: none, the
                              # first cell reads the inputs)
      dropout=0.0,            # on each layer's inputs and on the readout's
      dropout_kind='variational',  # 'variational': one mask per sequence;
                                   # 'per_step': a new mask at every step
      recurrent_dropout=0.0,  # variational dropout of the recurrent state
      zoneout_h=0.0,          # zoneout (Krueger et al. 2017): in training
                              # each unit of h keeps its previous value with
                              # this probability, a fresh draw per step; at
                              # evaluation h_t = z h_{t-1} + (1 - z) h~_t
      zoneout_c=0.0,          # the same for the cell state (the LSTM's c);
                              # only for cells that have one
      remat=False,            # recompute activations in backward (long T)
      scan_unroll=1,          # time steps per iteration of the compiled
                              # loop (lax.scan's unroll), forward and
                              # backward; the same results up to float
                              # rounding, another speed
                              # (on a 2-core CPU 1 is fastest for LSTM and
                              # GRU: experiments/results/bench_scan_unroll.md)
      learn_initial_carry=False,  # the initial carry of each layer and
                                  # direction is a trained parameter (its
                                  # float parts, starting at zero), the same
                                  # for every sequence; False: zeros
      top_layer_options={},   # cell options that differ in the top layer,
                              # e.g. IndRNN's {'last_layer': True}
  ))


def check_config(config: ml_collections.ConfigDict) -> None:
  """Raises a ValueError naming the first impossible field of config.model
  (and a missing config.cell)."""
  if 'cell' not in config:
    raise ValueError("config has no field 'cell': model.name='rnn' runs the "
                     "cell it names (config_util.cell('gru'), say)")
  m = config.model
  options.check_number('model.hidden_size', m.hidden_size, minimum=1,
                       integer=True)
  options.check_number('model.num_layers', m.num_layers, minimum=1,
                       integer=True)
  options.check_bool('model.bidirectional', m.bidirectional)
  if m.dilations and len(m.dilations) != m.num_layers:
    raise ValueError(f'model.dilations={tuple(m.dilations)} is not allowed: '
                     f'give one dilation per layer (num_layers='
                     f'{m.num_layers}), or () for none')
  for d in m.dilations:
    options.check_number('model.dilations', d, minimum=1, integer=True)
  if m.dilations and config.cell.name == 'dilated':
    raise ValueError("model.dilations is not allowed with cell.name="
                     "'dilated': give the base cell and model.dilations")
  options.check_number('model.encoder_size', m.encoder_size, minimum=0,
                       integer=True)
  for field in ('dropout', 'recurrent_dropout', 'zoneout_h', 'zoneout_c'):
    rate = m[field]
    options.check_number(f'model.{field}', rate, minimum=0)
    if rate >= 1:
      kind = 'zoneout' if field.startswith('zoneout') else 'dropout'
      raise ValueError(f'model.{field}={rate!r} is not allowed: a {kind} '
                       'rate must be in [0, 1)')
  if config.cell.get('cudnn', False):
    for field, value in (('model.recurrent_dropout', m.recurrent_dropout),
                         ('model.zoneout_h', m.zoneout_h),
                         ('model.zoneout_c', m.zoneout_c),
                         ('model.remat', m.remat),
                         ('log.diagnostics_at',
                          tuple(config.get('log', {}).get('diagnostics_at',
                                                          ())))):
      if value:
        raise ValueError(f"{field}={value!r} is not allowed with cell.cudnn="
                         "True: cuDNN's kernel has no hook for it (give "
                         'cell.cudnn=False)')
  if m.zoneout_c and not layer_cells(config)[0].cell_states:
    raise ValueError(f'model.zoneout_c={m.zoneout_c!r} is not allowed for '
                     f'cell.name={config.cell.name!r}: its carry has no cell '
                     'state (model.zoneout_h acts on h)')
  options.check_choice('model.dropout_kind', m.dropout_kind,
                       ('variational', 'per_step'))
  options.check_bool('model.remat', m.remat)
  options.check_number('model.scan_unroll', m.scan_unroll, minimum=1,
                       integer=True)
  options.check_bool('model.learn_initial_carry', m.learn_initial_carry)


def check_task(config: ml_collections.ConfigDict, task) -> None:
  """Real or token inputs, read out at the last step or at every step; a task
  that carries state from window to window only by forward layers."""
  base.check_serves('rnn', task)
  if task.carries_state and config.model.bidirectional:
    raise ValueError(
        f'model.bidirectional=True is not allowed with task {task.name!r} '
        'carrying state from window to window (stateful or eval_stream): '
        'the backward direction reads a window from its end, so its carry '
        'would bring the future of the text into the next window; use '
        'model.bidirectional=False, or independent windows')


def layer_cells(config: ml_collections.ConfigDict) -> tuple[cells.Cell, ...]:
  """The cell of every layer: config.cell, dilated per model.dilations, with
  model.top_layer_options in the top layer."""
  cell_options = dict(config.cell)
  name = cell_options.pop('name')
  num_layers = config.model.num_layers
  dilations = tuple(config.model.dilations) or (1,) * num_layers
  result = []
  for index, dilation in enumerate(dilations):
    layer_options = dict(cell_options)
    if index == num_layers - 1:
      layer_options |= dict(config.model.top_layer_options)
    if dilation > 1:
      result.append(cells.get('dilated', base=name, dilation=dilation,
                              **layer_options))
    else:
      result.append(cells.get(name, **layer_options))
  return tuple(result)


class RNN(base.Model):
  """Encoder, `layers` recurrent layers and a dense readout.

  Attributes:
    layers: the cell of each layer, bottom first (see `layer_cells`).
    input_kind: 'real' or 'tokens'.
    input_size: D for reals, the vocabulary size for tokens.
    output_size: readout units.
    readout: 'last' (the last valid step; for bidirectional layers the
      backward direction's first step) or 'every' (every step).
    Others: as in `default_config`.
  """

  batch_fields = ('x', 'mask', 'reset')
  recurrent_diagnostics = True
  carries_state = True

  layers: Sequence[cells.Cell]
  input_kind: str
  input_size: int
  output_size: int
  readout: str
  hidden_size: int = 128
  bidirectional: bool = False
  encoder_size: int = 0
  dropout: float = 0.0
  dropout_kind: str = 'variational'
  recurrent_dropout: float = 0.0
  zoneout_h: float = 0.0
  zoneout_c: float = 0.0
  remat: bool = False
  scan_unroll: int = 1
  learn_initial_carry: bool = False

  def __post_init__(self):
    options.check_choice('readout', self.readout, ('last', 'every'))
    options.check_choice('input_kind', self.input_kind, ('real', 'tokens'))
    super().__post_init__()

  @nn.compact
  def __call__(self, batch, *, train: bool = False, offsets=None,
               carries=None):
    """batch x [B, T, D] or [B, T] ids, mask [B, T] -> [B, O] or [B, T, O].

    offsets: None, or per layer the `offsets` of `recurrence.unroll`
    (time-major; a (forward, backward) pair when bidirectional). Each
    layer's inputs are sown into the 'intermediates' collection as
    'inputs{index}'.
    carries: None, or the final carries of the previous window of each
    row's stream (as returned here; `zero_carries` before the first): each
    layer starts from them, except the rows whose batch['reset'] is True,
    which start from the initial carry; returns (outputs, final carries).
    """
    x, mask = batch['x'], batch.get('mask')
    batch_size = x.shape[0]
    if self.input_kind == 'tokens':
      features = nn.Embed(self.input_size,
                          self.encoder_size or self.hidden_size,
                          name='encoder')(x)
    elif self.encoder_size:
      features = rowwise.apply(
          nn.Dense(self.encoder_size, name='encoder'), x)
    else:
      features = x
    xs = jnp.swapaxes(features, 0, 1)
    time_mask = None if mask is None else jnp.swapaxes(mask, 0, 1)
    directions = 2 if self.bidirectional else 1

    layers, dropouts, starts = [], [], []
    size = xs.shape[-1]
    for index, cell in enumerate(self.layers):
      params = self.param(f'layer{index}', base.init_layer, cell, size,
                          self.hidden_size, self.bidirectional)
      if self.bidirectional:
        params = (params['fw'], params['bw'])
      layers.append((cell, params))
      dropouts.append(self._layer_masks(batch_size, xs.shape[0], size, train))
      start = (self._initial_carry(index, cell, params, batch_size)
               if self.learn_initial_carry else None)
      if carries is not None:
        start = _continue(cell, params if self.bidirectional else (params,),
                          carries[index], start, batch.get('reset'),
                          batch_size, self.bidirectional)
      if start is not None:
        starts.append(start)
      size = self.hidden_size * directions

    per_step = train and self.dropout_kind == 'per_step' and self.dropout > 0

    def between(index, inputs):
      self.sow('intermediates', f'inputs{index}', inputs)
      if per_step:
        return nn.Dropout(self.dropout, deterministic=False)(inputs)
      return inputs

    ys, finals = recurrence.stack(
        layers, xs, mask=time_mask, bidirectional=self.bidirectional,
        dropouts=dropouts, remat=self.remat, between=between, offsets=offsets,
        carries=starts or None, scan_unroll=self.scan_unroll)
    outputs = self._readout(self._readout_dropout(ys, train), mask)
    return outputs if carries is None else (outputs, finals)

  def zero_carries(self, batch_size: int):
    """Zeros of every layer's carry for `batch_size` rows, shaped as the
    final carries `__call__` returns: what streams start from (their first
    window sets `reset`, which replaces them by the initial carry)."""
    params = self.variables['params']
    result = []
    for index, cell in enumerate(self.layers):
      layer = params[f'layer{index}']
      result.append(
          tuple(cell.initial_carry(layer[d], batch_size) for d in ('fw', 'bw'))
          if self.bidirectional else cell.initial_carry(layer, batch_size))
    return result

  def _readout(self, ys, mask):
    """Time-major top-layer outputs -> [B, T, O], or [B, O] at the last
    valid step."""
    if self.readout == 'every':
      return jnp.swapaxes(
          rowwise.apply(nn.Dense(self.output_size, name='readout'), ys), 0, 1)
    features = base.at_last_valid_step(ys, mask)
    if self.bidirectional:
      features = jnp.concatenate(
          [features[:, :self.hidden_size], ys[0, :, self.hidden_size:]], -1)
    return nn.Dense(self.output_size, name='readout')(features)

  def _initial_carry(self, index, cell, params, batch_size):
    """Layer `index`'s learned initial carry for a batch (a (forward,
    backward) pair when bidirectional).

    The parameter 'initial{index}' holds the float leaves of the cell's
    carry for one sequence (batch axis of size 1, wherever the cell keeps
    it), zeros at init; each is broadcast over the batch. Leaves that are
    not floats (CW-RNN's clock) keep their initial value.
    """
    directions = params if self.bidirectional else (params,)

    def zeros(key, direction):
      del key
      return [leaf for leaf in jax.tree_util.tree_leaves(
          cell.initial_carry(direction, 1)) if _is_float(leaf)]

    def carry(direction, learned):
      template = cell.initial_carry(direction, batch_size)
      leaves, treedef = jax.tree_util.tree_flatten(template)
      learned = iter(learned)
      return treedef.unflatten([
          jnp.broadcast_to(next(learned), leaf.shape) if _is_float(leaf)
          else leaf for leaf in leaves])

    learned = self.param(f'initial{index}', lambda key: [
        zeros(key, direction) for direction in directions])
    result = tuple(carry(d, l) for d, l in zip(directions, learned))
    return result if self.bidirectional else result[0]

  def _layer_masks(self, batch_size, num_steps, input_size, train):
    """The layer's `recurrence.Dropout` (a (forward, backward) pair when
    bidirectional), or None: variational masks in training, and zoneout's,
    drawn in training and its rates at evaluation."""
    input_rate = self.dropout if self.dropout_kind == 'variational' else 0.0
    variational = train and (input_rate > 0 or self.recurrent_dropout > 0)
    zoning = self.zoneout_h > 0 or self.zoneout_c > 0
    if not variational and not zoning:
      return None

    def draw():
      masks = recurrence.Dropout()
      if variational:
        masks = recurrence.variational_dropout(
            self.make_rng('dropout'), batch_size, input_size,
            self.hidden_size, input_rate=input_rate,
            state_rate=self.recurrent_dropout)
      if zoning:
        zone = recurrence.zoneout(
            self.make_rng('dropout') if train else None, num_steps,
            batch_size, self.hidden_size, h_rate=self.zoneout_h,
            c_rate=self.zoneout_c, train=train)
        masks = masks._replace(zone_h=zone.zone_h, zone_c=zone.zone_c)
      return masks

    return (draw(), draw()) if self.bidirectional else draw()

  def _readout_dropout(self, ys, train):
    if not train or self.dropout == 0:
      return ys
    if self.dropout_kind == 'per_step':
      return nn.Dropout(self.dropout, deterministic=False)(ys)
    return nn.Dropout(self.dropout, broadcast_dims=(0,),
                      deterministic=False)(ys)

  def constrain(self, variables):
    """Each layer's `cell.constrain` (IndRNN's clip), for after an update."""
    params = dict(variables['params'])
    for index, cell in enumerate(self.layers):
      name = f'layer{index}'
      if self.bidirectional:
        params[name] = {d: cell.constrain(params[name][d]) for d in ('fw', 'bw')}
      else:
        params[name] = cell.constrain(params[name])
    return {**variables, 'params': params}

  def num_params(self, variables) -> int:
    """Trainable parameters, each cell counted its own way (CW-RNN's mask)."""
    params = variables['params']
    total = 0
    for name, value in params.items():
      if name.startswith('layer'):
        cell = self.layers[int(name[len('layer'):])]
        parts = value.values() if self.bidirectional else [value]
        total += sum(cell.num_params(p) for p in parts)
      else:
        total += sum(a.size for a in jax.tree_util.tree_leaves(value))
    return total


def _continue(cell, directions, carries, initial, reset, batch_size,
              bidirectional):
  """The carry a layer starts from in a stream: `carries`, except on the
  rows where `reset` [B] (if given) is True, which take `initial` (None:
  the cell's zeros). A (forward, backward) pair when bidirectional."""
  carries = carries if bidirectional else (carries,)
  if initial is None:
    initial = tuple(cell.initial_carry(p, batch_size) for p in directions)
  elif not bidirectional:
    initial = (initial,)
  result = []
  for params, passed, start in zip(directions, carries, initial):
    if reset is not None:
      axes = base.batch_axes(lambda n, p=params: cell.initial_carry(p, n),
                             batch_size)
      passed = jax.tree_util.tree_map(
          lambda axis, new, old: jnp.where(_along(reset, axis, new.ndim),
                                           new, old), axes, start, passed)
    result.append(passed)
  return tuple(result) if bidirectional else result[0]


def _along(rows, axis: int, ndim: int):
  """rows [B] shaped to broadcast along `axis` of an array of `ndim` axes."""
  return rows.reshape((1,) * axis + rows.shape + (1,) * (ndim - axis - 1))


def _is_float(leaf) -> bool:
  return jnp.issubdtype(leaf.dtype, jnp.floating)


def build(config: ml_collections.ConfigDict, task) -> RNN:
  """The model of `config` for `task`, with the cells of `layer_cells`;
  `rnnzoo.assembly.assemble` checks the config first."""
  m = config.model
  return RNN(
      layers=layer_cells(config), input_kind=task.input_kind,
      input_size=task.input_size, output_size=task.output_size,
      readout=task.readout, hidden_size=m.hidden_size,
      bidirectional=m.bidirectional, encoder_size=m.encoder_size,
      dropout=m.dropout, dropout_kind=m.dropout_kind,
      recurrent_dropout=m.recurrent_dropout, zoneout_h=m.zoneout_h,
      zoneout_c=m.zoneout_c, remat=m.remat, scan_unroll=m.scan_unroll,
      learn_initial_carry=m.learn_initial_carry)
