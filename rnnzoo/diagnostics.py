"""What happens inside a recurrent net: the gradient through time and the
gates.

  norms = diagnostics.state_gradient_norms(model, variables, task, batch)
  stats = diagnostics.gate_statistics(model, variables, batch)
  diagnostics.save(workdir, step, model, variables, task, batch)

`state_gradient_norms` measures ||dL/dh_t|| and, where the carry holds a
cell state, ||dL/dc_t||: the total derivative of the loss with respect to
each component of each layer's carry at step t, through every later step
(the carry's c_t enters only step t + 1, so its gradient at the last step
is 0 unless the loss reads the final carry). It vanishes or explodes with
the distance to the loss in a vanilla RNN and stays flat where a cell
carries memory. It is computed in float64, whose smallest normal number is
2.2e-308, so that norms below float32's 1.2e-38 are measured, not flushed.
`gate_statistics` gives, for each gate of a gated cell, a histogram of its
activations over a batch, the fraction of saturated values (below 0.1 or
above 0.9), and per unit the fractions of steps it is left-saturated
(< 0.1) and right-saturated (> 0.9), as Karpathy, Johnson & Fei-Fei 2015
("Visualizing and understanding recurrent networks", arXiv:1506.02078,
section 4.2) plot them.
"""

import os

import jax
import jax.numpy as jnp
from matplotlib import figure
import numpy as np

from rnnzoo import recurrence
from rnnzoo import rundir

SATURATION = (0.1, 0.9)
BINS = 20


def _directions(model) -> tuple[str, ...]:
  return ('fw', 'bw') if model.bidirectional else ('',)


def _float64(tree):
  """The tree with its float leaves cast to float64 (under enable_x64)."""
  def cast(leaf):
    if jnp.issubdtype(jnp.result_type(leaf), jnp.floating):
      return jnp.asarray(leaf, jnp.float64)
    return leaf
  return jax.tree_util.tree_map(cast, tree)


def _components(cell, offsets) -> list[tuple[str, object]]:
  """(name, offsets) of each float component of one direction's offsets,
  named by `cell.carry_names`."""
  parts = offsets if isinstance(offsets, tuple) else (offsets,)
  if len(parts) != len(cell.carry_names):
    raise ValueError(f'cell {cell.name!r} names its carry '
                     f'{cell.carry_names}, but its carry has {len(parts)} '
                     'components')
  return [(name, part) for name, part in zip(cell.carry_names, parts)
          if part is not None]


def check_model(model) -> None:
  """Raises a ValueError unless the model has recurrent layers to measure."""
  if not getattr(model, 'recurrent_diagnostics', False):
    raise ValueError(
        f'the model {type(model).__name__} has no diagnostics: the gradient '
        'through time and the gate statistics are measured on recurrent '
        "layers (model.name='rnn')")


def state_gradient_norms(model, variables, task,
                         batch) -> dict[str, dict[str, np.ndarray]]:
  """{'layer{l}' (or 'layer{l}/fw', '/bw'): {name: [T]}} for each float
  component of the layer's carry, named by its cell's `carry_names` ('h';
  'h' and 'c' for the LSTM): the mean over the batch (its valid steps) of
  ||d loss / d h_t|| (and ||d loss / d c_t||, ...; [T, K - 1] for MIST's
  K - 1 older states, one norm each), the loss being the sum of the
  examples' losses, computed in float64."""
  check_model(model)
  batch_size, num_steps = batch['x'].shape[:2]
  mask = batch.get('mask')
  with jax.enable_x64(True):
    variables, batch = _float64(variables), _float64(batch)
    offsets = []
    for index, cell in enumerate(model.layers):
      params = variables['params'][f'layer{index}']
      directions = ((params['fw'], params['bw']) if model.bidirectional
                    else (params,))
      zeros = tuple(recurrence.zero_offsets(cell, p, num_steps, batch_size)
                    for p in directions)
      offsets.append(zeros if model.bidirectional else zeros[0])

    def total_loss(offsets):
      outputs = model.apply(variables, batch, offsets=offsets)
      return task.loss(outputs, batch) * jnp.sum(batch['weight'])

    grads = jax.grad(total_loss)(offsets)
    norms = {}
    for index, (cell, layer_grads) in enumerate(zip(model.layers, grads)):
      parts = layer_grads if model.bidirectional else (layer_grads,)
      for direction, grad in zip(_directions(model), parts):
        norms[_name(index, direction)] = {
            name: _batch_mean(_norms(g), mask)
            for name, g in _components(cell, grad)}
  return norms


def _norms(grad) -> np.ndarray:
  """[T, B, H] -> [T, B] Euclidean norms over H, each vector scaled by its
  largest entry first so that squares of entries near 1e-300 do not
  underflow."""
  grad = np.asarray(grad, np.float64)
  scale = np.abs(grad).max(-1, keepdims=True)
  scale = np.where(scale > 0, scale, 1.0)
  return scale[..., 0] * np.linalg.norm(grad / scale, axis=-1)


def _batch_mean(per_example, mask) -> np.ndarray:
  """[T, B, ...] -> [T, ...]: the mean over the sequences valid at each
  step."""
  if mask is None:
    return per_example.mean(1)
  valid = np.asarray(mask).T.astype(np.float64)
  valid = valid.reshape(valid.shape + (1,) * (per_example.ndim - 2))
  return (per_example * valid).sum(1) / np.maximum(valid.sum(1), 1)


def gradient_norms(model, variables, task, batch) -> dict[str, np.ndarray]:
  """{'layer{l}' (or 'layer{l}/fw', '/bw'): [T] mean over the batch of
  ||d loss / d h_t||}: the h part of `state_gradient_norms`."""
  return {name: parts['h'] for name, parts in
          state_gradient_norms(model, variables, task, batch).items()}


def _name(index: int, direction: str) -> str:
  return f'layer{index}' + (f'/{direction}' if direction else '')


def gate_sequences(cell, params, xs) -> dict[str, jax.Array]:
  """{gate: activations [T, B, H]} of `cell` run over xs [T, B, D].

  Padding needs no mask here: it comes after a sequence's valid steps, whose
  gates it cannot change.
  """

  params = cell.prepare(params)

  def body(carry, inputs_t):
    new_carry, _, gates = cell.forward(params, carry, inputs_t,
                                       cell.recurrent(params, carry))
    return new_carry, gates

  _, gates = jax.lax.scan(body, cell.initial_carry(params, xs.shape[1]),
                          cell.project(params, xs))
  return gates


def unit_saturation(values, valid=None) -> tuple[np.ndarray, np.ndarray]:
  """values [T, B, H] -> per unit, the fractions of its valid (t, b) values
  below 0.1 (left-saturated) and above 0.9 (right-saturated), each [H]."""
  values = np.asarray(values)
  valid = np.broadcast_to(np.ones((), bool) if valid is None else
                          np.asarray(valid), values.shape)
  count = np.maximum(valid.sum((0, 1)), 1)
  left = ((values < SATURATION[0]) & valid).sum((0, 1)) / count
  right = ((values > SATURATION[1]) & valid).sum((0, 1)) / count
  return left, right


def saturation(values, valid=None) -> float:
  """The fraction of gate values below 0.1 or above 0.9 (where valid)."""
  values = np.asarray(values)
  saturated = (values < SATURATION[0]) | (values > SATURATION[1])
  if valid is None:
    return float(saturated.mean())
  valid = np.broadcast_to(np.asarray(valid), values.shape)
  return float(saturated[valid].mean())


def gate_statistics(model, variables, batch) -> dict[str, dict]:
  """{'layer{l}[/dir]/{gate}': {'histogram', 'bins', 'saturated', 'mean',
  'left_saturated', 'right_saturated'}} over the valid steps of a batch,
  the last two per unit ([H] lists, see `unit_saturation`); {} for a net
  without gated cells."""
  check_model(model)
  _, state = model.apply(variables, batch, mutable=['intermediates'])
  mask = batch.get('mask')
  time_mask = None if mask is None else jnp.swapaxes(mask, 0, 1)
  stats = {}
  for index, cell in enumerate(model.layers):
    xs = state['intermediates'][f'inputs{index}'][0]
    params = variables['params'][f'layer{index}']
    for direction in _directions(model):
      if direction == 'bw':
        gates = gate_sequences(cell, params['bw'],
                               recurrence.reverse_valid(xs, time_mask))
      else:
        gates = gate_sequences(cell, params[direction] if direction else
                               params, xs)
      valid = (np.ones(xs.shape[:2], bool) if time_mask is None
               else np.asarray(time_mask))[..., None]
      for gate, values in gates.items():
        values = np.asarray(values)
        counts, bins = np.histogram(
            values[np.broadcast_to(valid, values.shape)], BINS, (0.0, 1.0))
        left, right = unit_saturation(values, valid)
        stats[f'{_name(index, direction)}/{gate}'] = {
            'histogram': counts.tolist(), 'bins': bins.tolist(),
            'saturated': saturation(values, valid),
            'mean': float(values[np.broadcast_to(valid, values.shape)].mean()),
            'left_saturated': left.tolist(), 'right_saturated': right.tolist()}
  return stats


_LINE_STYLES = ('-', '--', ':', '-.')


def plot_gradient_norms(norms: dict[str, dict[str, np.ndarray]],
                        title: str = ''):
  """||dL/dh_t|| (solid) and the norms of the carry's other components
  (dashed, dotted, ...: ||dL/dc_t|| for the LSTM) against t, log scale, one
  colour per layer; zeros (below float64's range) are left out."""
  fig = figure.Figure(figsize=(7, 3.5))
  ax = fig.subplots()
  for index, (name, parts) in enumerate(norms.items()):
    for (component, values), style in zip(parts.items(), _LINE_STYLES):
      values = np.asarray(values, np.float64)
      ax.plot(np.arange(len(values)), np.where(values > 0, values, np.nan),
              color=f'C{index}', linestyle=style, label=f'{name} {component}')
  ax.set_yscale('log')
  ax.set_xlabel('step t')
  ax.set_ylabel('||dL / d state_t||')
  ax.set_title(title or 'gradient through time')
  ax.legend(fontsize='small', loc='center left', bbox_to_anchor=(1, 0.5))
  fig.tight_layout()
  return fig


def plot_gates(stats: dict[str, dict], title: str = ''):
  """One histogram per gate, with its saturated fraction."""
  fig = figure.Figure(figsize=(3 * max(len(stats), 1), 2.8))
  axes = np.atleast_1d(fig.subplots(1, max(len(stats), 1)))
  for ax, (name, gate) in zip(axes, stats.items()):
    counts, bins = np.asarray(gate['histogram']), np.asarray(gate['bins'])
    ax.bar(bins[:-1], counts / max(counts.sum(), 1), width=np.diff(bins),
           align='edge')
    ax.set_title(f"{name}\nsaturated {gate['saturated']:.0%}",
                 fontsize='small')
    ax.set_xlim(0, 1)
  fig.suptitle(title or 'gate activations', fontsize='small')
  fig.tight_layout()
  return fig


def save(workdir: str, step: int, model, variables, task, batch) -> dict:
  """Writes diagnostics/step_{step}.json and its plots into a run dir:
  'gradient_norms' {layer: [T] ||dL/dh_t||}, 'state_gradient_norms'
  {layer: {name: [T]}} per carry component (float64 values; 0 only below
  1e-308) and
  'gates' (`gate_statistics`)."""
  norms = state_gradient_norms(model, variables, task, batch)
  stats = gate_statistics(model, variables, batch)
  report = {'step': step,
            'gradient_norms': {k: v['h'].tolist() for k, v in norms.items()},
            'state_gradient_norms': {
                k: {c: v.tolist() for c, v in parts.items()}
                for k, parts in norms.items()},
            'gates': stats}
  directory = rundir.write_diagnostics(workdir, step, report)
  plot_gradient_norms(norms, f'step {step}').savefig(
      os.path.join(directory, f'gradients_step_{step}.png'), dpi=100)
  if stats:
    plot_gates(stats, f'step {step}').savefig(
        os.path.join(directory, f'gates_step_{step}.png'), dpi=100)
  return report
