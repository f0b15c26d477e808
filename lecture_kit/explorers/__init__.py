"""The explorers of the chapters, one module per part of the course.

They sit above the explorer engine (:mod:`lecture_kit.explorer`) and the
figures (:mod:`lecture_kit.plots`); :mod:`lecture_kit.widgets` re-exports them
with the engine, under the names the chapters use.
"""

from .activation import (activation_explorer, activation_parameter_explorer,
                         default_activations, logit_explorer, rrelu_explorer,
                         sigmoid_neuron_explorer)
from .initialization import NAIVE_INIT, depth_probe_explorer, init_explorer
from .optimization import (beta_meaning, lr_explorer, make_optimizer, momentum_explorer,
                           optimizer_choices, optimizer_explorer)
from .training import schedule_choices, schedule_explorer
from .approximation import approximation_explorer, default_target, sawtooth_explorer
from .normalization import normalization_explorer

__all__ = ["sigmoid_neuron_explorer", "default_activations", "activation_explorer",
           "activation_parameter_explorer", "rrelu_explorer", "logit_explorer", "NAIVE_INIT",
           "depth_probe_explorer", "init_explorer", "optimizer_choices", "beta_meaning",
           "make_optimizer", "optimizer_explorer", "momentum_explorer", "lr_explorer",
           "schedule_choices", "schedule_explorer", "default_target",
           "approximation_explorer", "sawtooth_explorer", "normalization_explorer"]
