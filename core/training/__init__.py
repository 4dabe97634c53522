"""Training face restoration generators: data and degradations, losses, the trainer, evaluation.

Entry points: ``trainer.train(config, run_dir)``, ``evaluate.evaluate(model, hr_dir, scale)`` and the
``train`` / ``eval`` sub-commands of ``commands.register_commands``. Modules import torch, so this
package imports nothing by itself (the CLI stays quick to start).
"""
