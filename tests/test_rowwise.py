"""`rowwise`: the same product as `x @ w`, with a weight gradient that
contracts one axis of rows."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import test_util

from rnnzoo import rowwise

RNG = np.random.default_rng(0)


@pytest.mark.parametrize('leading', [(), (5,), (4, 3), (2, 3, 2)])
def test_matmul_is_the_product_over_the_last_axis(leading):
  x = RNG.standard_normal(leading + (6,)).astype(np.float32)
  w = RNG.standard_normal((6, 7)).astype(np.float32)
  expected = np.einsum('...d,dk->...k', x.astype(np.float64), w)
  np.testing.assert_allclose(rowwise.matmul(x, w), expected, rtol=1e-5,
                             atol=1e-5)


def test_matmul_gradients():
  x = jnp.asarray(RNG.standard_normal((4, 3, 5)))
  w = jnp.asarray(RNG.standard_normal((5, 2)))
  test_util.check_grads(rowwise.matmul, (x, w), order=2, modes=['rev'])


def test_apply_keeps_leading_axes_and_takes_any_row_function():
  x = RNG.standard_normal((4, 3, 5)).astype(np.float32)
  result = rowwise.apply(lambda rows: jnp.stack([rows.sum(-1), rows[:, 0]],
                                                -1), x)
  np.testing.assert_allclose(result, np.stack([x.sum(-1), x[..., 0]], -1),
                             rtol=1e-6)


def test_weight_gradient_contracts_one_axis_of_rows():
  x = jnp.ones((4, 3, 5))
  w = jnp.ones((5, 2))

  def contracting(function):
    jaxpr = jax.make_jaxpr(jax.grad(lambda w: function(x, w).sum()))(w)
    return [len(eqn.params['dimension_numbers'][0][0])
            for eqn in jaxpr.jaxpr.eqns
            if eqn.primitive.name == 'dot_general']

  assert 2 in contracting(lambda x, w: x @ w)
  assert set(contracting(rowwise.matmul)) == {1}
