"""The notebook under experiments/ runs from top to bottom and shows its
plots."""

import os

import nbclient
import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_quickstart_notebook_executes():
  path = os.path.join(ROOT, 'experiments', 'quickstart.ipynb')
  notebook = nbformat.read(path, as_version=4)
  client = nbclient.NotebookClient(
      notebook, timeout=600, kernel_name='python3',
      resources={'metadata': {'path': os.path.join(ROOT, 'experiments')}})
  client.execute()
  outputs = [o for c in notebook.cells if c.cell_type == 'code'
             for o in c.get('outputs', [])]
  assert not [o for o in outputs if o.output_type == 'error']
  text = ''.join(o.get('text', '') for o in outputs)
  assert 'done eval/ce' in text
  assert '(20, 4, 8) (4, 8) (4, 8)' in text
  plots = [o for o in outputs if 'image/png' in o.get('data', {})]
  assert len(plots) == 2  # the learning curve, the gradient through time
