"""vanilla, irnn, lstm and gru (reset_after) against PyTorch's nn.RNN, nn.LSTM
and nn.GRU with copied weights: outputs, final states and gradients, with and
without padded sequences."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from rnnzoo import cells
from rnnzoo import recurrence
from tests import conftest

T, B, D, H = 7, 3, 4, 5
LENGTHS = [7, 4, 1]


def _torch_module(cell, params):
  """The PyTorch module with `params` copied in (PyTorch keeps W as [out, in]
  and two biases; the second holds zeros, or GRU's b_hn)."""
  name, options = cell.name, cell.options()
  if name in ('vanilla', 'irnn'):
    module = torch.nn.RNN(D, H, nonlinearity=options['activation'])
  elif name == 'lstm':
    module = torch.nn.LSTM(D, H)
  else:
    module = torch.nn.GRU(D, H)
  b_hh = np.zeros(module.bias_hh_l0.shape, np.float32)
  if name == 'gru':
    b_hh[2 * H:] = params['b_hn']
  with torch.no_grad():
    module.weight_ih_l0.copy_(torch.tensor(np.asarray(params['w_x']).T))
    module.weight_hh_l0.copy_(torch.tensor(np.asarray(params['w_h']).T))
    module.bias_ih_l0.copy_(torch.tensor(np.asarray(params['b'])))
    module.bias_hh_l0.copy_(torch.tensor(b_hh))
  return module


def _torch_run(module, xs, out_weight, last_weight, lengths):
  """Loss, outputs, final hidden state and gradients from PyTorch."""
  xs = torch.tensor(np.asarray(xs), requires_grad=True)
  packed = torch.nn.utils.rnn.pack_padded_sequence(xs, lengths,
                                                   enforce_sorted=False)
  ys, state = module(packed)
  ys, _ = torch.nn.utils.rnn.pad_packed_sequence(ys, total_length=T)
  h_last = (state[0] if isinstance(state, tuple) else state)[0]
  loss = (ys * torch.tensor(out_weight)).sum() + (
      h_last * torch.tensor(last_weight)).sum()
  loss.backward()
  return ys.detach().numpy(), h_last.detach().numpy(), module, xs.grad.numpy()


TORCH_CASES = [('vanilla', {}), ('vanilla', {'activation': 'relu'}),
               ('irnn', {}), ('lstm', {}), ('gru', {'reset_after': True})]


@pytest.mark.parametrize('name,options', TORCH_CASES,
                         ids=[conftest.case_id(c) for c in TORCH_CASES])
@pytest.mark.parametrize('lengths', [[T] * B, LENGTHS], ids=['full', 'padded'])
def test_matches_pytorch(name, options, lengths):
  cell = cells.get(name, **options)
  params = conftest.random_params(cell, jax.random.PRNGKey(0), D, H)
  rng = np.random.default_rng(0)
  xs = rng.normal(size=(T, B, D)).astype(np.float32)
  out_weight = rng.normal(size=(T, B, H)).astype(np.float32)
  last_weight = rng.normal(size=(B, H)).astype(np.float32)
  mask = recurrence.lengths_to_mask(jnp.array(lengths), T)

  def loss(params, xs):
    ys, carry = recurrence.unroll(cell, params, xs, mask=mask)
    return jnp.sum(ys * out_weight) + jnp.sum(cell.hidden(carry) * last_weight), (
        ys, cell.hidden(carry))

  (_, (ys, h_last)), (grads, d_xs) = jax.value_and_grad(
      loss, argnums=(0, 1), has_aux=True)(params, jnp.asarray(xs))
  module = _torch_module(cell, params)
  t_ys, t_h_last, module, t_d_xs = _torch_run(module, xs, out_weight,
                                              last_weight, lengths)

  np.testing.assert_allclose(ys, t_ys, atol=1e-5)
  np.testing.assert_allclose(h_last, t_h_last, atol=1e-5)
  np.testing.assert_allclose(d_xs, t_d_xs, atol=1e-4)
  np.testing.assert_allclose(grads['w_x'], module.weight_ih_l0.grad.numpy().T,
                             atol=1e-4)
  np.testing.assert_allclose(grads['w_h'], module.weight_hh_l0.grad.numpy().T,
                             atol=1e-4)
  np.testing.assert_allclose(grads['b'], module.bias_ih_l0.grad.numpy(),
                             atol=1e-4)
  if name == 'gru':
    np.testing.assert_allclose(grads['b_hn'],
                               module.bias_hh_l0.grad.numpy()[2 * H:], atol=1e-4)


def test_lstm_cell_state_matches_pytorch():
  cell = cells.get('lstm')
  params = conftest.random_params(cell, jax.random.PRNGKey(1), D, H)
  xs = np.random.default_rng(1).normal(size=(T, B, D)).astype(np.float32)
  _, (_, c) = recurrence.unroll(cell, params, jnp.asarray(xs))
  _, (_, t_c) = _torch_module(cell, params)(torch.tensor(xs))
  np.testing.assert_allclose(c, t_c[0].detach().numpy(), atol=1e-5)
