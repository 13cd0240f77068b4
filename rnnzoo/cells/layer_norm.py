"""Layer normalisation inside a recurrent cell (Ba, Kiros & Hinton 2016,
"Layer normalization", arXiv:1607.06450), shared by the LSTM and the GRU.

  LN(z; g, beta) = g * (z - mean(z)) / sqrt(var(z) + eps) + beta

over the features of one example at one time step; eps = 1e-5 as in the
authors' code (ryankiros/layer-norm). A cell's `norm` option picks which
features share the statistics: 'layer' normalises the gate blocks jointly the
way the paper and its code do (the LSTM's four blocks together; the GRU's
gates r, z together and its candidate on its own), 'layer_per_gate' each
block of H on its own, '' none.
"""

import jax
import jax.numpy as jnp

KINDS = ('', 'layer', 'layer_per_gate')
EPS = 1e-5


def groups(kind: str, joint: tuple[int, ...]) -> tuple[int, ...]:
  """Blocks per normalisation group: `joint` for 'layer', ones per block for
  'layer_per_gate'."""
  return joint if kind == 'layer' else (1,) * sum(joint)


def layer_norm(z: jax.Array, gain: jax.Array, bias: jax.Array,
               blocks: tuple[int, ...] = (1,)) -> jax.Array:
  """z [..., G*H] normalised in consecutive groups of blocks[i] blocks of H
  (sum(blocks) = G), then scaled by gain [G*H] and shifted by bias [G*H]."""
  size = z.shape[-1] // sum(blocks)
  bounds = [size * sum(blocks[:i]) for i in range(1, len(blocks))]
  parts = []
  for part in jnp.split(z, bounds, axis=-1):
    centred = part - part.mean(-1, keepdims=True)
    variance = (centred ** 2).mean(-1, keepdims=True)
    parts.append(centred * jax.lax.rsqrt(variance + EPS))
  return jnp.concatenate(parts, -1) * gain + bias


def params(name: str, size: int) -> dict[str, jax.Array]:
  """{'g_<name>': ones [size], 'beta_<name>': zeros [size]}: the identity."""
  return {f'g_{name}': jnp.ones(size, jnp.float32),
          f'beta_{name}': jnp.zeros(size, jnp.float32)}


def apply(p, name: str, z: jax.Array, blocks=(1,)) -> jax.Array:
  """`layer_norm` of z with gain p['g_<name>'] and bias p['beta_<name>']."""
  return layer_norm(z, p[f'g_{name}'], p[f'beta_{name}'], blocks)
