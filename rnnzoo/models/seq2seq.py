r"""The encoder-decoder (Sutskever, Vinyals & Le 2014, "Sequence to sequence
learning with neural networks", NeurIPS; Cho et al. 2014, "Learning phrase
representations using RNN encoder-decoder for statistical machine
translation", EMNLP), with optional attention (Bahdanau, Cho & Bengio 2015;
Luong, Pham & Manning 2015; see rnnzoo.models.attention).

Encoder: `num_layers` layers of `config.cell` over the embedded source
x_j = E_src[src_j] (`recurrence.stack`; both directions when
`bidirectional`, outputs concatenated), masked so that padded source steps
change nothing: h_j [B, S, M], M = H or 2H. Each layer's final state (the
forward pass at the last valid step, and the backward pass at the first)
starts the decoder layer of the same depth, through a tanh layer as in
Cho et al. 2014 and Bahdanau et al. 2015 (appendix A.2.2; there from the
backward pass only):

    s_0^l = tanh(W_b^l [h_fwd^l; h_bwd^l] + b_b^l)

replaces h in the decoder cell's zero carry; the rest of its carry (the
LSTM's c) starts at zero, so h is all that passes, also when the decoder's
cell differs from the encoder's.

Decoder: at step t, with y_0 = BOS and s_{t-1} the top layer's state,

    c_t = attend(s_{t-1}, h_1..h_S, source mask)       (Bahdanau's order)
    s_t = cell(s_{t-1}, [E_tgt[y_{t-1}]; c_t])          (layer 0; layer l
                                                         reads layer l-1's)
    logits_t = W_o [s_t; c_t] + b_o

and with attention='none' c_t is left out (the fixed-vector model: only
s_0 carries the source). Training feeds the target (teacher forcing;
y_{t-1} is tgt_in's step t). Evaluation also decodes greedily from BOS,
y_t = argmax logits_t, and after the first EOS emits PAD; it decodes as
many steps as the batch's target (the longest target plus its EOS, which
`check_task` keeps within max_decode_len): an answer still running then is
wrong whatever follows. `generate` decodes `max_decode_len` steps.
Decoding is a `lax.scan` over steps, inside jit.

Parameters: src_embed and tgt_embed [V, E] ~ N(0, 1); per layer l
encoder{l} (the cell's; {'fw', 'bw'} when bidirectional), bridge{l}
{'w' [M, H], 'b' [H]} and decoder{l} (the decoder cell's); attention (see
rnnzoo.models.attention); readout {'w' [H + M or H, V], 'b' [V]}; the
matrices Glorot-uniform, the biases zero.

The model reads src, src_mask and tgt_in (rnnzoo.tasks.transduction) and
returns {'logits': [B, U, V] under teacher forcing, 'tokens': [B, U]}:
the greedy answer at evaluation, the logits' argmax in training. The
attention weights under teacher forcing [B, U, S] are sown into the
'intermediates' collection as 'attention'. There is no dropout; `rngs` is
not read.
"""

from typing import ClassVar, Sequence

import jax
import jax.numpy as jnp
import ml_collections

from rnnzoo import cells
from rnnzoo import options
from rnnzoo import recurrence
from rnnzoo import tasks as tasks_lib
from rnnzoo.cells import base
from rnnzoo.models import attention as attention_lib
from rnnzoo.models import base as models_base

NAME = 'seq2seq'
USES_CELLS = True


def default_config(**overrides) -> ml_collections.ConfigDict:
  """The `config.model` section, with every field documented; `overrides`
  replace defaults (an unknown field is refused)."""
  config = ml_collections.ConfigDict(dict(
      name=NAME,
      hidden_size=128,      # H: units of each encoder layer and direction,
                            # and of each decoder layer
      num_layers=1,         # layers of the encoder, and of the decoder
      bidirectional=False,  # the encoder runs both ways (its layers' outputs
                            # concatenated, the decoder bridged from both)
      decoder_cell='',      # the decoder's cell name, with its default
                            # options; '' for config.cell, with its options
      attention='additive',  # 'additive' (Bahdanau), 'general' or 'dot'
                             # (Luong), or 'none': the fixed-vector model
      attention_size=0,     # A, additive attention's hidden width (0: H)
      embed_size=0,         # width of the source and target embeddings (0: H)
      max_decode_len=128,   # the longest answer decoded, its EOS included
  ))
  for key, value in overrides.items():
    if key not in config:
      raise ValueError(f'config.model has no field {key!r}: its fields are '
                       f'{sorted(config)}')
    config[key] = value
  return config


def check_config(config: ml_collections.ConfigDict) -> None:
  """Raises a ValueError naming the first impossible field of config.model."""
  m = config.model
  known = set(default_config())
  for key in m:
    if key not in known:
      raise ValueError(f'config.model has no field {key!r} for model.name='
                       f'{NAME!r}: its fields are {sorted(known)}')
  options.check_choice('model.name', m.name, (NAME,))
  options.check_number('model.hidden_size', m.hidden_size, minimum=1,
                       integer=True)
  options.check_number('model.num_layers', m.num_layers, minimum=1,
                       integer=True)
  options.check_bool('model.bidirectional', m.bidirectional)
  if m.decoder_cell:
    options.check_choice('model.decoder_cell', m.decoder_cell, cells.names())
  attention_lib.check_kind('model.attention', m.attention)
  if m.attention == 'dot' and m.bidirectional:
    raise ValueError("model.attention='dot' is not allowed with "
                     'model.bidirectional=True: the decoder state (H units) '
                     'and the encoder outputs (2H) differ in size; use '
                     "'general' or 'additive'")
  for field in ('attention_size', 'embed_size'):
    options.check_number(f'model.{field}', m[field], minimum=0, integer=True)
  options.check_number('model.max_decode_len', m.max_decode_len, minimum=1,
                       integer=True)
  decoder = decoder_cell(config)
  if decoder.project_window != 1 or isinstance(decoder, cells.Dilated):
    raise ValueError(f'the decoder cell {decoder.name!r} is not allowed: it '
                     'decodes one step at a time, which a cell that reads '
                     'several steps (qrnn with window=2, dilated) cannot; '
                     'set model.decoder_cell to another cell')


def encoder_cell(config: ml_collections.ConfigDict) -> cells.Cell:
  """config.cell, built."""
  cell_options = dict(config.cell)
  return cells.get(cell_options.pop('name'), **cell_options)


def decoder_cell(config: ml_collections.ConfigDict) -> cells.Cell:
  """model.decoder_cell with its defaults, or config.cell when ''."""
  name = config.model.decoder_cell
  return cells.get(name) if name else encoder_cell(config)


def layer_cells(config: ml_collections.ConfigDict) -> tuple[cells.Cell, ...]:
  """The encoder's and the decoder's cell (built, so that their options are
  checked)."""
  return encoder_cell(config), decoder_cell(config)


def sequence_task_names() -> list[str]:
  """The registered tasks this model can serve (readout 'sequence')."""
  return [name for name in tasks_lib.names()
          if tasks_lib.get(name).readout == 'sequence']


def check_task(config: ml_collections.ConfigDict, task) -> None:
  """Raises a ValueError unless the model of `config` can serve `task`: a
  sequence-to-sequence task whose answers fit in model.max_decode_len."""
  if task.readout != 'sequence':
    raise ValueError(
        f"model.name={NAME!r} cannot serve task {task.name!r} (readout "
        f"{task.readout!r}, not a sequence-to-sequence task): choose one of "
        f'{sequence_task_names()}, or another model')
  if task.target_len > config.model.max_decode_len:
    raise ValueError(
        f'model.max_decode_len={config.model.max_decode_len} is not allowed '
        f'for task {task.name!r}: its longest answer takes {task.target_len} '
        'steps (the target and its EOS); it must be at least that')


def build(config: ml_collections.ConfigDict, task) -> 'Seq2Seq':
  """The model of `config` for `task`, after checking both."""
  check_config(config)
  check_task(config, task)
  m = config.model
  return Seq2Seq(
      encoder_cells=(encoder_cell(config),) * m.num_layers,
      decoder_cells=(decoder_cell(config),) * m.num_layers,
      source_vocab=task.input_size, target_vocab=task.output_size,
      hidden_size=m.hidden_size, bidirectional=m.bidirectional,
      attention=m.attention, attention_size=m.attention_size,
      embed_size=m.embed_size, max_decode_len=m.max_decode_len,
      pad=task.pad, bos=task.bos, eos=task.eos)


def _embedding(key, vocab, size):
  return jax.random.normal(key, (vocab, size), jnp.float32)


def _dense(key, fan_in, fan_out):
  return {'w': base.glorot_uniform(key, fan_in, fan_out),
          'b': jnp.zeros(fan_out, jnp.float32)}


class Seq2Seq(models_base.Model):
  """The encoder-decoder of the module docstring.

  Attributes:
    encoder_cells, decoder_cells: the cell of each layer, bottom first.
    source_vocab, target_vocab: vocabulary sizes.
    pad, bos, eos: the task's token ids.
    Others: as in `default_config`.
  """

  batch_fields: ClassVar[tuple[str, ...]] = ('src', 'src_mask', 'tgt_in')

  encoder_cells: Sequence[cells.Cell]
  decoder_cells: Sequence[cells.Cell]
  source_vocab: int
  target_vocab: int
  hidden_size: int = 128
  bidirectional: bool = False
  attention: str = 'additive'
  attention_size: int = 0
  embed_size: int = 0
  max_decode_len: int = 128
  pad: int = 0
  bos: int = 1
  eos: int = 2

  def setup(self):
    hidden = self.hidden_size
    embed = self.embed_size or hidden
    directions = 2 if self.bidirectional else 1
    memory = directions * hidden
    context = 0 if self.attention == 'none' else memory
    self.src_embed = self.param('src_embed', _embedding, self.source_vocab,
                                embed)
    self.tgt_embed = self.param('tgt_embed', _embedding, self.target_vocab,
                                embed)
    encoders, bridges, decoders = [], [], []
    for index, cell in enumerate(self.encoder_cells):
      size = embed if index == 0 else memory
      encoders.append(self.param(f'encoder{index}', models_base.init_layer,
                                 cell, size, hidden, self.bidirectional))
      bridges.append(self.param(f'bridge{index}', _dense, memory, hidden))
    for index, cell in enumerate(self.decoder_cells):
      size = embed + context if index == 0 else hidden
      decoders.append(self.param(f'decoder{index}', cell.init, size, hidden))
    self.encoders, self.bridges, self.decoders = encoders, bridges, decoders
    if context:
      self.attention_params = self.param(
          'attention', attention_lib.init, self.attention, hidden, memory,
          self.attention_size or hidden)
    self.readout = self.param('readout', _dense, hidden + context,
                              self.target_vocab)

  def __call__(self, batch, *, train: bool = False):
    """The batch's {'logits', 'tokens'} (see the module docstring)."""
    encoded = self.encode(batch['src'], batch['src_mask'])
    logits, weights = self.teacher_forced(encoded, batch['tgt_in'])
    self.sow('intermediates', 'attention', weights)
    if train:
      tokens = jnp.argmax(logits, -1)
    else:
      tokens, _, _ = self.greedy(encoded, batch['tgt_in'].shape[1])
    return {'logits': logits, 'tokens': tokens}

  def generate(self, src, src_mask, num_steps: int | None = None):
    """Greedy answers (tokens [B, N], attention weights [B, N, S]) of
    `num_steps` steps (default max_decode_len)."""
    tokens, _, weights = self.greedy(self.encode(src, src_mask),
                                     num_steps or self.max_decode_len)
    return tokens, weights

  def encode(self, src, src_mask):
    """(memory [B, S, M], source mask [B, S], the decoder's initial carries)."""
    xs = jnp.swapaxes(self.src_embed[src], 0, 1)
    layers = []
    for cell, params in zip(self.encoder_cells, self.encoders):
      layers.append((cell, (params['fw'], params['bw']) if self.bidirectional
                     else params))
    ys, finals = recurrence.stack(layers, xs, mask=jnp.swapaxes(src_mask, 0, 1),
                                  bidirectional=self.bidirectional)
    carries = []
    for enc, bridge, dec, params, final in zip(
        self.encoder_cells, self.bridges, self.decoder_cells, self.decoders,
        finals):
      parts = final if self.bidirectional else (final,)
      summary = jnp.concatenate([enc.hidden(part) for part in parts], -1)
      h0 = jnp.tanh(summary @ bridge['w'] + bridge['b'])
      carries.append(base.replace_hidden(
          dec.initial_carry(params, src.shape[0]), h0))
    return jnp.swapaxes(ys, 0, 1), src_mask, tuple(carries)

  def _step_fn(self, encoded):
    """decoder step (carries, previous tokens [B]) -> (carries, logits
    [B, V], attention weights [B, S]), for `lax.scan`."""
    memory, mask, _ = encoded
    prepared = [cell.prepare(p) for cell, p in zip(self.decoder_cells,
                                                   self.decoders)]
    attending = self.attention != 'none'
    if attending:
      keys = attention_lib.keys(self.attention, self.attention_params, memory)
    tgt_embed, readout = self.tgt_embed, self.readout

    def step(carries, previous):
      x = tgt_embed[previous]
      if attending:
        context, weights = attention_lib.attend(
            self.attention, self.attention_params,
            self.decoder_cells[-1].hidden(carries[-1]), keys, memory, mask)
        x = jnp.concatenate([x, context], -1)
      else:
        weights = jnp.zeros(mask.shape, x.dtype)
      new = []
      for cell, params, carry in zip(self.decoder_cells, prepared, carries):
        inputs = cell.project(params, x[None])[0]
        carry, x = cell.update(params, carry, inputs,
                               cell.recurrent(params, carry))
        new.append(carry)
      if attending:
        x = jnp.concatenate([x, context], -1)
      return tuple(new), x @ readout['w'] + readout['b'], weights

    return step

  def teacher_forced(self, encoded, tgt_in):
    """(logits [B, U, V], attention weights [B, U, S]) fed tgt_in [B, U]."""
    step = self._step_fn(encoded)

    def body(carries, previous):
      carries, logits, weights = step(carries, previous)
      return carries, (logits, weights)

    _, (logits, weights) = jax.lax.scan(body, encoded[2], tgt_in.T)
    return jnp.swapaxes(logits, 0, 1), jnp.swapaxes(weights, 0, 1)

  def greedy(self, encoded, num_steps: int):
    """Greedy decoding from BOS for num_steps steps: (tokens [B, N], PAD
    after the first EOS; logits [B, N, V]; attention weights [B, N, S])."""
    step = self._step_fn(encoded)
    batch_size = encoded[1].shape[0]

    def body(state, _):
      carries, previous, done = state
      carries, logits, weights = step(carries, previous)
      best = jnp.argmax(logits, -1).astype(previous.dtype)
      emitted = jnp.where(done, self.pad, best)
      done = done | (best == self.eos)
      return (carries, emitted, done), (emitted, logits, weights)

    start = (encoded[2], jnp.full(batch_size, self.bos, jnp.int32),
             jnp.zeros(batch_size, bool))
    _, outputs = jax.lax.scan(body, start, None, length=num_steps)
    return tuple(jnp.swapaxes(o, 0, 1) for o in outputs)

  def constrain(self, variables):
    """Each cell's `constrain` (IndRNN's clip), for after an update."""
    params = dict(variables['params'])
    for prefix, layer_cells in (('encoder', self.encoder_cells),
                                ('decoder', self.decoder_cells)):
      for index, cell in enumerate(layer_cells):
        name = f'{prefix}{index}'
        if prefix == 'encoder' and self.bidirectional:
          params[name] = {d: cell.constrain(params[name][d])
                          for d in ('fw', 'bw')}
        else:
          params[name] = cell.constrain(params[name])
    return {**variables, 'params': params}

  def num_params(self, variables) -> int:
    """Trainable parameters, each cell counted its own way (CW-RNN's mask)."""
    total = 0
    for name, value in variables['params'].items():
      if name.startswith(('encoder', 'decoder')):
        layers = (self.encoder_cells if name.startswith('encoder')
                  else self.decoder_cells)
        cell = layers[int(name[len('encoder'):])]
        both = name.startswith('encoder') and self.bidirectional
        total += sum(cell.num_params(p)
                     for p in (value.values() if both else [value]))
      else:
        total += sum(a.size for a in jax.tree_util.tree_leaves(value))
    return total
