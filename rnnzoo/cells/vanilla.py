"""The Elman RNN, and the ReLU RNNs built on it by their init or an identity
path: IRNN, np-RNN and RIN."""

import dataclasses

import jax
import jax.numpy as jnp

from rnnzoo.cells import base


def _identity(key, size):
  del key
  return jnp.eye(size, dtype=jnp.float32)


def _zeros(key, size):
  del key
  return jnp.zeros((size, size), jnp.float32)


def normalised_positive_definite(key: jax.Array, size: int) -> jax.Array:
  """[size, size] (R R^T / size + I) / lambda_max(R R^T / size + I), R ~
  N(0, 1): the np-RNN's recurrent init (Talathi & Vartak 2015)."""
  r = jax.random.normal(key, (size, size), jnp.float32)
  a = r @ r.T / size + jnp.eye(size, dtype=jnp.float32)
  return a / jnp.linalg.eigvalsh(a)[-1]


@dataclasses.dataclass(frozen=True)
class Vanilla(base.Cell):
  """Elman RNN (Elman 1990, "Finding structure in time", Cognitive Science 14).

    h_t = act(x_t W_x + h_{t-1} W_h + b),    act = tanh or relu
    h_t = act(x_t W_x + h_{t-1} (W_h + I) + b)      identity_path=True

  Parameters: w_x [D, H], w_h [H, H], b [H]; carry h. Weights: Glorot-uniform
  w_x (or N(0, input_std^2) when input_std > 0), zero b, and w_h by
  recurrent_init: 'orthogonal'; 'identity'; 'np', the normalised
  positive-definite matrix of the np-RNN, (R R^T / H + I) / lambda_max with
  R ~ N(0, 1)^{H x H}, symmetric with eigenvalues in (0, 1] and the largest
  exactly 1; or 'zeros'. identity_path adds the fixed identity of the RIN
  to the learned w_h.
  """

  name = 'vanilla'
  activation: str = 'tanh'
  recurrent_init: str = 'orthogonal'
  input_std: float = 0.0
  identity_path: bool = False

  def validate(self):
    base.check_choice('activation', self.activation, base.ACTIVATIONS)
    base.check_choice('recurrent_init', self.recurrent_init,
                      ('orthogonal', 'identity', 'np', 'zeros'))
    base.check_number('input_std', self.input_std, minimum=0)
    base.check_bool('identity_path', self.identity_path)

  def init(self, key, input_size, hidden_size):
    base.check_sizes(input_size, hidden_size)
    k_x, k_h = jax.random.split(key)
    w_x = base.input_weights(k_x, input_size, hidden_size, self.input_std)
    w_h = {'orthogonal': base.orthogonal, 'identity': _identity,
           'np': normalised_positive_definite, 'zeros': _zeros,
           }[self.recurrent_init](k_h, hidden_size)
    return {'w_x': w_x, 'w_h': w_h, 'b': jnp.zeros(hidden_size, jnp.float32)}

  def recurrent(self, params, carry):
    r = carry @ params['w_h']
    return r + carry if self.identity_path else r

  def forward(self, params, carry, inputs_t, r):
    h = base.ACTIVATIONS[self.activation](inputs_t + r)
    return h, h, {}


@dataclasses.dataclass(frozen=True)
class IRNN(Vanilla):
  """IRNN (Le, Jaitly & Hinton 2015, arXiv:1504.00941): the Elman RNN with

    h_t = relu(x_t W_x + h_{t-1} W_h + b),   W_h = I, b = 0 at init,

  and input weights W_x ~ N(0, 0.001^2), as in the IRNN baselines of the
  IndRNN paper's code. Same parameters and carry as `vanilla`.
  """

  name = 'irnn'
  activation: str = 'relu'
  recurrent_init: str = 'identity'
  input_std: float = 0.001


@dataclasses.dataclass(frozen=True)
class NpRNN(Vanilla):
  """np-RNN (Talathi & Vartak 2015, "Improving performance of recurrent
  neural network with relu nonlinearity", arXiv:1511.03771): the ReLU Elman
  RNN with its recurrent weight initialised to a normalised positive
  definite matrix,

    h_t = relu(x_t W_x + h_{t-1} W_h + b),
    W_h = (R R^T / H + I) / lambda_max,  R ~ N(0, 1)^{H x H},

  so that every eigenvalue of W_h is in (0, 1] and the largest is 1. The
  recipe is as a third-party implementation writes it (unixpickle/weakai
  rnn/nprnn.go, citing arXiv:1511.03771v3); the paper's own text and its
  input-weight scale were not available, so w_x keeps the Elman default
  (Glorot-uniform) and b starts at 0. Same parameters and carry as `vanilla`;
  nothing holds W_h positive definite during training.
  """

  name = 'nprnn'
  activation: str = 'relu'
  recurrent_init: str = 'np'


@dataclasses.dataclass(frozen=True)
class RIN(Vanilla):
  """Recurrent identity network (Hu, Huber, Anumula & Liu 2018, "Overcoming
  the vanishing gradient problem in plain recurrent networks",
  arXiv:1801.06105): a ReLU RNN with a fixed identity path beside the
  learned recurrent weight,

    h_t = relu(x_t W_x + h_{t-1} (W_h + I) + b).

  Unlike the IRNN, whose identity is only W_h's initial value, the identity
  here is not a parameter: weight decay and the gradient act on W_h alone.
  W_h starts at zero, so the RIN starts as the IRNN (the paper's own init of
  W_h was not available to check); w_x Glorot-uniform, b = 0. Same
  parameters and carry as `vanilla`.
  """

  name = 'rin'
  activation: str = 'relu'
  recurrent_init: str = 'zeros'
  identity_path: bool = True
