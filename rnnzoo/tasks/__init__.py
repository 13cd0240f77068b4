"""The registry of tasks: `get(name, **options)` and `names()`.

  task = tasks.get('copy', delay=200)
  stream = task.train_stream(seed=0, batch_size=32)

Every task follows the contract of `rnnzoo.tasks.base.Task`. Adding a task is
one module here and one entry in `_REGISTRY`.
"""

from rnnzoo import options
from rnnzoo.tasks import adding
from rnnzoo.tasks import base
from rnnzoo.tasks import char_lm
from rnnzoo.tasks import conll
from rnnzoo.tasks import copy_memory
from rnnzoo.tasks import ctc
from rnnzoo.tasks import imdb
from rnnzoo.tasks import lookahead
from rnnzoo.tasks import mnist
from rnnzoo.tasks import mnist1d
from rnnzoo.tasks import selective_copy
from rnnzoo.tasks import slot_filling
from rnnzoo.tasks import transduction

Task = base.Task

_REGISTRY = options.Registry('task', (
    adding.Adding,
    copy_memory.Copy,
    mnist1d.MNIST1D,
    mnist.MNIST,
    char_lm.CharLM,
    imdb.IMDB,
    lookahead.Lookahead,
    selective_copy.SelectiveCopy,
    transduction.Reverse,
    transduction.Sort,
    transduction.Addition,
    slot_filling.SlotFilling,
    ctc.CTCDigits,
    conll.CoNLL2003,
))

names = _REGISTRY.names
get = _REGISTRY.get
defaults = _REGISTRY.defaults
register = _REGISTRY.register
