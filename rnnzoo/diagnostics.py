"""What happens inside a recurrent net: the gradient through time and the
gates.

  norms = diagnostics.gradient_norms(model, variables, task, batch)
  stats = diagnostics.gate_statistics(model, variables, batch)
  diagnostics.save(workdir, step, model, variables, task, batch)

`gradient_norms` measures ||dL/dh_t||, the total derivative of the loss with
respect to each layer's hidden state at step t through every later step: it
vanishes or explodes with the distance to the loss in a vanilla RNN and
stays flat where a cell carries memory. `gate_statistics` gives, for each
gate of a gated cell, a histogram of its activations over a batch and the
fraction of saturated values (below 0.1 or above 0.9).
"""

import json
import os

import jax
import jax.numpy as jnp
from matplotlib import figure
import numpy as np

from rnnzoo import recurrence

SATURATION = (0.1, 0.9)
BINS = 20


def _directions(model) -> tuple[str, ...]:
  return ('fw', 'bw') if model.bidirectional else ('',)


def gradient_norms(model, variables, task, batch) -> dict[str, np.ndarray]:
  """{'layer{l}' (or 'layer{l}/fw', '/bw'): [T] mean over the batch of
  ||d loss / d h_t||}, the loss being the sum of the examples' losses."""
  batch_size, num_steps = batch['x'].shape[:2]
  zeros = jnp.zeros((num_steps, batch_size, model.hidden_size))
  offsets = [(zeros, zeros) if model.bidirectional else zeros
             for _ in model.layers]

  def total_loss(offsets):
    outputs = model.apply(variables, batch['x'], batch.get('mask'),
                          offsets=offsets)
    return task.loss(outputs, batch) * jnp.sum(batch['weight'])

  grads = jax.grad(total_loss)(offsets)
  mask = batch.get('mask')
  norms = {}
  for index, layer_grads in enumerate(grads):
    parts = layer_grads if model.bidirectional else (layer_grads,)
    for direction, grad in zip(_directions(model), parts):
      per_example = jnp.linalg.norm(grad, axis=-1)  # [T, B]
      if mask is None:
        mean = per_example.mean(1)
      else:
        valid = mask.T.astype(per_example.dtype)
        mean = (per_example * valid).sum(1) / jnp.maximum(valid.sum(1), 1)
      norms[_name(index, direction)] = np.asarray(mean)
  return norms


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


def saturation(values, valid=None) -> float:
  """The fraction of gate values below 0.1 or above 0.9 (where valid)."""
  values = np.asarray(values)
  saturated = (values < SATURATION[0]) | (values > SATURATION[1])
  if valid is None:
    return float(saturated.mean())
  valid = np.broadcast_to(np.asarray(valid), values.shape)
  return float(saturated[valid].mean())


def gate_statistics(model, variables, batch) -> dict[str, dict]:
  """{'layer{l}[/dir]/{gate}': {'histogram', 'bins', 'saturated', 'mean'}}
  over the valid steps of a batch; {} for a net without gated cells."""
  _, state = model.apply(variables, batch['x'], batch.get('mask'),
                         mutable=['intermediates'])
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
        stats[f'{_name(index, direction)}/{gate}'] = {
            'histogram': counts.tolist(), 'bins': bins.tolist(),
            'saturated': saturation(values, valid),
            'mean': float(values[np.broadcast_to(valid, values.shape)].mean())}
  return stats


def plot_gradient_norms(norms: dict[str, np.ndarray], title: str = ''):
  """||dL/dh_t|| against t, log scale, one line per layer."""
  fig = figure.Figure(figsize=(6, 3.5))
  ax = fig.subplots()
  for name, values in norms.items():
    ax.plot(np.arange(len(values)), np.maximum(values, 1e-30), label=name)
  ax.set_yscale('log')
  ax.set_xlabel('step t')
  ax.set_ylabel('||dL / dh_t||')
  ax.set_title(title or 'gradient through time')
  ax.legend(fontsize='small')
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
  """Writes diagnostics/step_{step}.json and its plots into a run dir."""
  directory = os.path.join(workdir, 'diagnostics')
  os.makedirs(directory, exist_ok=True)
  norms = gradient_norms(model, variables, task, batch)
  stats = gate_statistics(model, variables, batch)
  report = {'step': step,
            'gradient_norms': {k: v.tolist() for k, v in norms.items()},
            'gates': stats}
  with open(os.path.join(directory, f'step_{step}.json'), 'w') as f:
    json.dump(report, f)
  plot_gradient_norms(norms, f'step {step}').savefig(
      os.path.join(directory, f'gradients_step_{step}.png'), dpi=100)
  if stats:
    plot_gates(stats, f'step {step}').savefig(
        os.path.join(directory, f'gates_step_{step}.png'), dpi=100)
  return report
