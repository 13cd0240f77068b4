"""The encoder-decoder and its attention against NumPy loops written from
the equations in rnnzoo.models.seq2seq and rnnzoo.models.attention."""

import jax
import jax.numpy as jnp
from jax.test_util import check_grads
import ml_collections
import numpy as np
import optax
import pytest

from rnnzoo import config_util
from rnnzoo import tasks
from rnnzoo.models import attention
from rnnzoo.models import seq2seq
from tests import reference

KEY = jax.random.PRNGKey(0)
KINDS = ('additive', 'general', 'dot')


def np_weights(kind, params, query, memory, mask):
  """a [S] of one query [Q] over memory [S, M] from the papers' formulas."""
  p = {k: np.asarray(v, np.float64) for k, v in params.items()}
  if kind == 'additive':
    e = np.array([p['v'] @ np.tanh(query @ p['w_s'] + h @ p['w_h'])
                  for h in memory])
  elif kind == 'general':
    e = np.array([query @ p['w_a'] @ h for h in memory])
  else:
    e = memory @ query
  e = np.exp(e - e[mask].max()) * mask
  return e / e.sum()


def _attention_case(kind, seed=0):
  keys = jax.random.split(jax.random.PRNGKey(seed), 4)
  query = jax.random.normal(keys[0], (3, 4))
  memory = jax.random.normal(keys[1], (3, 5, 4))
  mask = jnp.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 0, 0, 0, 0]], bool)
  params = attention.init(keys[2], kind, 4, 4, 6)
  return params, query, memory, mask


@pytest.mark.parametrize('kind', KINDS)
def test_attention_matches_the_formulas(kind):
  params, query, memory, mask = _attention_case(kind)
  keys = attention.keys(kind, params, memory)
  context, weights = attention.attend(kind, params, query, keys, memory, mask)
  for b in range(3):
    want = np_weights(kind, params, np.asarray(query[b], np.float64),
                      np.asarray(memory[b], np.float64), np.asarray(mask[b]))
    np.testing.assert_allclose(weights[b], want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(context[b], want @ np.asarray(memory[b]),
                               rtol=1e-5, atol=1e-6)
  assert np.all(np.asarray(weights)[~np.asarray(mask)] == 0.0)
  np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-6)


@pytest.mark.parametrize('kind', KINDS)
def test_attention_gradients_match_finite_differences(kind):
  with jax.enable_x64(True):
    params, query, memory, mask = _attention_case(kind)
    params, query, memory = jax.tree_util.tree_map(
        lambda a: a.astype(jnp.float64), (params, query, memory))

    def f(params, query, memory):
      keys = attention.keys(kind, params, memory)
      return attention.attend(kind, params, query, keys, memory, mask)[0]

    check_grads(f, (params, query, memory), order=1, modes=('rev',),
                eps=1e-6, atol=1e-6, rtol=1e-6)


def test_dot_attention_refuses_unequal_sizes():
  with pytest.raises(ValueError, match="attention='dot'.*4.*8"):
    attention.init(KEY, 'dot', 4, 8, 4)


# ----------------------------------------------------------------------------
# The model.


def _config(**model):
  return ml_collections.ConfigDict(dict(
      cell=config_util.cell('lstm'),
      model=seq2seq.default_config(
          **dict(hidden_size=6, embed_size=5, attention_size=7) | model)))


def _setup(task_name='reverse', **model):
  task = tasks.get(task_name, min_len=2, max_len=5)
  net = seq2seq.build(_config(**model), task)
  batch = task.sample(jax.random.PRNGKey(3), 4)
  variables = net.init(KEY, batch, train=True)
  return task, net, batch, variables


def np_lstm_step(p, h, c, x):
  z_i, z_f, z_g, z_o = np.split(x @ p['w_x'] + h @ p['w_h'] + p['b'], 4)
  c = reference.sigmoid(z_f) * c + reference.sigmoid(z_i) * np.tanh(z_g)
  return reference.sigmoid(z_o) * np.tanh(c), c


class NumpySeq2Seq:
  """One example at a time, a one-layer LSTM encoder-decoder from the
  equations of rnnzoo.models.seq2seq."""

  def __init__(self, variables, kind, bidirectional):
    self.p = jax.tree_util.tree_map(lambda a: np.asarray(a, np.float64),
                                    variables['params'])
    self.kind, self.bidirectional = kind, bidirectional

  def encode(self, src, length):
    xs = self.p['src_embed'][src[:length]]
    p = self.p['encoder0']
    runs = [(p['fw'] if self.bidirectional else p, xs)]
    if self.bidirectional:
      runs.append((p['bw'], xs[::-1]))
    outputs, finals = [], []
    for params, inputs in runs:
      h = c = np.zeros(params['w_h'].shape[0])
      ys = []
      for x in inputs:
        h, c = np_lstm_step(params, h, c, x)
        ys.append(h)
      outputs.append(np.stack(ys))
      finals.append(h)
    if self.bidirectional:
      outputs[1] = outputs[1][::-1]
    memory = np.concatenate(outputs, -1)
    bridge = self.p['bridge0']
    s = np.tanh(np.concatenate(finals) @ bridge['w'] + bridge['b'])
    return memory, s, np.zeros_like(s)

  def step(self, memory, s, c, previous):
    x = self.p['tgt_embed'][previous]
    context = np.zeros(0)
    weights = None
    if self.kind != 'none':
      weights = np_weights(self.kind, self.p['attention'], s, memory,
                           np.ones(len(memory), bool))
      context = weights @ memory
    s, c = np_lstm_step(self.p['decoder0'], s, c,
                        np.concatenate([x, context]))
    logits = np.concatenate([s, context]) @ self.p['readout']['w']
    return s, c, logits + self.p['readout']['b'], weights


@pytest.mark.parametrize('kind,bidirectional', [
    ('none', False), ('additive', False), ('additive', True),
    ('general', True), ('dot', False)])
def test_teacher_forcing_matches_a_numpy_loop(kind, bidirectional):
  _, net, batch, variables = _setup(attention=kind,
                                    bidirectional=bidirectional)
  out, state = net.apply(variables, batch, train=True,
                         mutable=['intermediates'])
  weights = state['intermediates']['attention'][0]
  ref = NumpySeq2Seq(variables, kind, bidirectional)
  for b in range(4):
    length = int(batch['src_mask'][b].sum())
    memory, s, c = ref.encode(np.asarray(batch['src'][b]), length)
    for t, previous in enumerate(np.asarray(batch['tgt_in'][b])):
      s, c, logits, a = ref.step(memory, s, c, previous)
      np.testing.assert_allclose(out['logits'][b, t], logits, rtol=2e-4,
                                 atol=2e-5)
      if a is not None:
        np.testing.assert_allclose(weights[b, t, :length], a, rtol=2e-4,
                                   atol=2e-6)
        assert np.all(np.asarray(weights[b, t, length:]) == 0.0)
  np.testing.assert_array_equal(out['tokens'], jnp.argmax(out['logits'], -1))


def _hand_greedy(ref, src, length, steps, eos, pad):
  memory, s, c = ref.encode(src, length)
  previous, tokens, done = 1, [], False
  for _ in range(steps):
    s, c, logits, _ = ref.step(memory, s, c, previous)
    best = int(np.argmax(logits))
    tokens.append(pad if done else best)
    done = done or best == eos
    previous = tokens[-1]
  return tokens


def test_greedy_decoding_is_argmax_step_by_step():
  task, net, batch, variables = _setup(attention='additive')
  out = net.apply(variables, batch, train=False)
  # At these seeds one answer ends before the last step, then pads.
  assert any(task.eos in row[:-1] for row in out['tokens'].tolist())
  ref = NumpySeq2Seq(variables, 'additive', False)
  steps = batch['tgt_in'].shape[1]
  for b in range(4):
    want = _hand_greedy(ref, np.asarray(batch['src'][b]),
                        int(batch['src_mask'][b].sum()), steps, task.eos,
                        task.pad)
    np.testing.assert_array_equal(out['tokens'][b], want)
  tokens, _ = net.apply(variables, batch['src'], batch['src_mask'], 9,
                        method='generate')
  np.testing.assert_array_equal(tokens[:, :steps], out['tokens'])


def test_an_end_token_stops_a_sequence():
  task, net, batch, variables = _setup(attention='general')
  params = variables['params']
  # EOS wins at the first step; whatever wins after, the answer is over.
  bias = params['readout']['b'].at[task.eos].set(100.0)
  variables = {'params': {**params, 'readout': {**params['readout'],
                                                'b': bias}}}
  tokens, weights = net.apply(variables, batch['src'], batch['src_mask'],
                              method='generate')
  assert tokens.shape == (4, net.max_decode_len)
  np.testing.assert_array_equal(tokens[:, 0], task.eos)
  np.testing.assert_array_equal(tokens[:, 1:], task.pad)
  np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-5)


def test_padded_source_steps_do_not_reach_the_decoder():
  _, net, batch, variables = _setup(attention='additive', bidirectional=True)
  changed = dict(batch)
  changed['src'] = jnp.where(batch['src_mask'], batch['src'], 5)
  for train in (True, False):
    a = net.apply(variables, batch, train=train)
    b = net.apply(variables, changed, train=train)
    np.testing.assert_array_equal(a['logits'], b['logits'])
    np.testing.assert_array_equal(a['tokens'], b['tokens'])


def test_decoding_runs_inside_jit_with_other_cells():
  task, net, batch, variables = _setup(num_layers=2, decoder_cell='gru',
                                       bidirectional=True)
  eager = net.apply(variables, batch)
  jitted = jax.jit(lambda v, b: net.apply(v, b))(variables, batch)
  np.testing.assert_allclose(eager['logits'], jitted['logits'], rtol=1e-5,
                             atol=1e-6)
  np.testing.assert_array_equal(eager['tokens'], jitted['tokens'])
  assert eager['logits'].shape == (4, task.target_len, task.output_size)


@pytest.mark.parametrize('model,match', [
    (dict(attention='bahdanau'), r"model.attention='bahdanau'.*'additive'"),
    (dict(attention='dot', bidirectional=True),
     r"model.attention='dot'.*bidirectional"),
    (dict(decoder_cell='lstn'), r"model.decoder_cell='lstn'.*'lstm'"),
    (dict(decoder_cell='dilated'), r"decoder cell 'dilated'"),
    (dict(hidden_size=0), r'model.hidden_size=0.*>= 1'),
    (dict(max_decode_len=5), r'model.max_decode_len=5.*6 steps'),
])
def test_impossible_configs_are_refused(model, match):
  task = tasks.get('reverse', min_len=2, max_len=5)
  with pytest.raises(ValueError, match=match):
    seq2seq.build(_config(**model), task)


def test_a_decoder_cell_reading_several_steps_is_refused():
  config = _config()
  config.cell = config_util.cell('qrnn', window=2)
  with pytest.raises(ValueError, match=r"decoder cell 'qrnn'.*decoder_cell"):
    seq2seq.check_config(config)


def test_a_task_that_is_not_sequence_to_sequence_is_refused():
  with pytest.raises(ValueError, match=r"model.name='seq2seq' cannot serve "
                     r"task 'copy'.*'addition', 'reverse', 'sort'"):
    seq2seq.check_task(_config(), tasks.get('copy'))


def test_an_unknown_model_field_is_refused():
  with pytest.raises(ValueError, match="no field 'dropout'"):
    seq2seq.default_config(dropout=0.1)


def test_the_reverse_config_learns_in_a_few_adam_steps():
  config = config_util.load('configs/reverse.py:runlocal')
  task = tasks.get(**dict(config.task))
  net = seq2seq.build(config, task)
  batch = task.sample(jax.random.PRNGKey(config.seed), config.batch_size)
  variables = net.init(KEY, batch, train=True)
  optimizer = optax.adam(config.optim.lr * 10)
  state = optimizer.init(variables)

  @jax.jit
  def step(variables, state):
    loss, grads = jax.value_and_grad(
        lambda v: task.loss(net.apply(v, batch, train=True), batch))(variables)
    updates, state = optimizer.update(grads, state)
    return optax.apply_updates(variables, updates), state, loss

  losses = []
  for _ in range(15):
    variables, state, loss = step(variables, state)
    losses.append(float(loss))
  assert losses[-1] < 0.8 * losses[0]


def test_constrain_applies_each_cells_projection():
  task = tasks.get('reverse', min_len=2, max_len=5)
  config = _config(bidirectional=True)
  config.cell = config_util.cell('indrnn', seq_len=5)
  net = seq2seq.build(config, task)
  variables = net.init(KEY, task.sample(KEY, 2), train=True)
  big = jax.tree_util.tree_map(lambda a: 10 * a + 3, variables)
  got = net.constrain(big)['params']
  cell = net.encoder_cells[0]
  for name, params in (('encoder0', big['params']['encoder0']['bw']),
                       ('decoder0', big['params']['decoder0'])):
    want = cell.constrain(params)
    found = got[name]['bw'] if name == 'encoder0' else got[name]
    jax.tree_util.tree_map(np.testing.assert_array_equal, found, want)
  assert not np.array_equal(got['decoder0']['u'], big['params']['decoder0']['u'])
