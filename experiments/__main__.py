r"""Runs experiments and regenerates their tables, plots and verdicts.

  python -m experiments                           # each claim's verdict
  python -m experiments adding [copy ...] [--workers=2] [--arms=a,b]
  python -m experiments adding --report           # from the committed runs
  python -m experiments --readme                  # README.md's results

Running an experiment trains every seed of its arms that is not finished
(a killed run resumes from its checkpoint; a finished one is skipped), then
writes the generated part of experiments/NAME/README.md. Commit the run
files it leaves in experiments/NAME/runs (checkpoints are ignored).
"""

from absl import app
from absl import flags

import experiments
from experiments import readme
from rnnzoo import experiment
from rnnzoo import sweep

_WORKERS = flags.DEFINE_integer('workers', 1, 'Processes for the runs.')
_ARMS = flags.DEFINE_list('arms', [], 'Only these arms (default: all).')
_REPORT = flags.DEFINE_bool('report', False, 'Only regenerate the report.')
_README = flags.DEFINE_bool('readme', False,
                            "Regenerate README.md's results section.")


def main(argv):
  names = argv[1:]
  try:
    if _README.value:
      readme.update()
      return
    if not names:
      for name in experiments.names():
        spec = experiments.load(name)
        for claim, verdict in experiment.verdicts_of(
            spec, experiments.folder(name)):
          unfinished = (' (runs not finished)'
                        if experiment.is_unfinished(verdict) else '')
          print(f'{name:24} {verdict.outcome:13} {claim.text}{unfinished}')
      return
    for name in names:
      spec = experiments.load(name)
      if not _REPORT.value:
        reports = experiment.run(spec, experiments.ROOT,
                                 experiments.folder(name),
                                 workers=_WORKERS.value,
                                 arms=tuple(_ARMS.value))
        print(sweep.describe(reports, experiment.runs_dir(
            experiments.folder(name))))
      print(experiment.report(spec, experiments.folder(name)))
  except ValueError as error:
    raise SystemExit(f'error: {error}') from None


if __name__ == '__main__':
  app.run(main)
