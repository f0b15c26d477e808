"""Adding an activation or an optimizer is one class (one factory) in one place.

Each test defines a new entry *here*, touching no other file, inside the
registry's ``scope()`` (so nothing leaks into other tests), and finds it
everywhere the course looks: the registry, the property table, the chapter
explorers, the MLP with a gradient check, the initialization baselines.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pytest

from lecture_kit import activations, gradcheck, mlp, optim, widgets
from lecture_kit.activations import Activation
from lecture_kit.activations.properties import mismatches


def _define_isru():
    """The inverse square root unit x / sqrt(1 + x^2): odd, bounded, smooth, monotone."""

    class ISRU(Activation):
        name = "test_isru"
        latex = r"\operatorname{ISRU}(x) = \frac{x}{\sqrt{1 + x^2}}"
        latex_grad = r"\operatorname{ISRU}'(x) = (1 + x^2)^{-3/2}"
        reference = "Carlile et al. (2017), arXiv:1710.09967"
        output_range = (-1.0, 1.0)
        zero_centered = True
        saturating = True
        shown_in = ("activation_explorer",)

        def _forward(self, x):
            return x / np.sqrt(1 + x * x)

        def _grad(self, x):
            return (1 + x * x) ** -1.5

        def _symbolic(self, sp, x, p):
            return x / sp.sqrt(1 + x**2)

    return ISRU


def test_a_new_activation_class_is_found_everywhere_and_leaks_nowhere(rng):
    assert "test_isru" not in activations.names()
    with activations.REGISTRY.scope():
        _define_isru()
        # the registry, in course order (last defined, last listed)
        assert activations.names()[-1] == "test_isru"
        act = activations.get("test_isru")
        np.testing.assert_allclose(act(np.array([0.0, 3.0])), [0.0, 3.0 / np.sqrt(10.0)])
        # the comparison table, verified by the probe
        (row,) = activations.property_table(["test_isru"])
        assert row["range"] == "(−1, 1)" and row["odd"] and row["zero_mean"]
        assert row["monotone"] and row["smoothness"] == "Cinf"
        assert "test_isru" in [r["name"] for r in activations.property_table()]
        # the chapter explorer's choices
        exp = widgets.activation_explorer()
        assert "test_isru" in exp.controls[0].values
        assert "test_isru" in widgets.DEFAULT_ACTIVATIONS
        # the initialization baseline it declares (Xavier by default)
        assert widgets.init_explorer("test_isru", depth=3, width=8, batch=16,
                                     scales=(1.0, 2.0)).title.endswith("Xavier variance, test_isru")
        # gradcheck through an MLP that uses it by name
        net = mlp.MLP([3, 4, 2], activation="test_isru", init="xavier_normal", rng=rng)
        X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
        _, grads = net.gradients(X, y, loss="mse")
        params = [p.copy() for p in net.params]
        for k, p0 in enumerate(params):
            def f(p, k=k):
                trial = list(params)
                trial[k] = p
                net.params = trial
                return float(net.loss(X, y, loss="mse"))

            assert gradcheck.check_gradient(f, grads[k].copy(), p0, rtol=1e-5, atol=1e-8).passed
    # nothing leaks out of the scope
    assert "test_isru" not in activations.names()
    assert "test_isru" not in widgets.DEFAULT_ACTIVATIONS
    with pytest.raises(ValueError, match="Unknown activation 'test_isru'"):
        activations.get("test_isru")


@pytest.mark.parametrize("attr, value, word", [
    ("zero_mean", False, "zero_mean"),
    ("zero_centered", False, "odd"),
    ("monotonic", False, "monotone"),
    ("output_range", (-1.0, 2.0), "upper"),
    ("attained_at", (-1.0, None), "lower_closed"),
    ("smooth_order", "C1", "smoothness"),
])
def test_a_planted_wrong_declaration_is_caught_by_the_probe(attr, value, word):
    with activations.REGISTRY.scope():
        isru = _define_isru()
        type("WrongISRU", (isru,), {"name": "test_wrong_isru", attr: value})
        assert mismatches("test_isru") == []
        wrong = mismatches("test_wrong_isru")
        assert wrong and any(word in w for w in wrong), wrong
        with pytest.raises(ValueError, match=word):
            activations.properties("test_wrong_isru")


def test_registering_a_taken_name_is_refused():
    with activations.REGISTRY.scope():
        with pytest.raises(ValueError, match="already registered"):
            type("AnotherReLU", (Activation,), {"name": "relu"})


# ----------------------------------------------------------------------------
# a new optimizer: one factory, declared with its beta
# ----------------------------------------------------------------------------
class SignumState(NamedTuple):
    step: int
    momentum: Any


def _define_signum():
    @optim.register(("test_signum", {}, "beta", "momentum β of the sign"))
    def test_signum(lr: float = 1e-2, beta: float = 0.9) -> optim.Optimizer:
        """Signum (Bernstein et al. 2018): step along the sign of a momentum average."""

        def init_leaf(p):
            return (np.zeros_like(p),)

        def update_leaf(p, g, bufs, t):
            (m,) = bufs
            m = beta * m + (1 - beta) * g
            return p - lr * np.sign(m), (m,)

        return optim.Optimizer("test_signum", dict(lr=lr, beta=beta), r"\theta - \gamma\,"
                               r"\operatorname{sign}(m_t)", SignumState, init_leaf, update_leaf)

    return test_signum


def test_a_new_optimizer_factory_is_found_everywhere_and_leaks_nowhere():
    assert "test_signum" not in optim.names()
    with optim.REGISTRY.scope():
        _define_signum()
        assert optim.names()[-1] == "test_signum"
        opt = optim.get("test_signum", lr=0.5)
        w, _ = opt.step(np.array([3.0, -2.0]), np.array([6.0, -4.0]), opt.init(np.zeros(2)))
        np.testing.assert_allclose(w, [2.5, -1.5])  # one step of lr along -sign(g)
        with pytest.raises(ValueError, match="Unknown parameter"):
            optim.get("test_signum", momentum=0.9)
        # the optimizer explorer: its choices, what its beta means, the beta reaching it
        assert "test_signum" in widgets.optimizer_choices()
        assert widgets.beta_meaning()["test_signum"] == "momentum β of the sign"
        assert widgets.make_optimizer("test_signum", 0.1, 0.5).hyperparams == {"lr": 0.1,
                                                                                "beta": 0.5}
        exp = widgets.optimizer_explorer("ill_conditioned_quadratic",
                                         optimizers=("sgd", "test_signum"), lrs=(0.01,),
                                         betas=(0.5, 0.9), steps=5, resolution=20)
        assert exp.controls[0].values == ["sgd", "test_signum"]
        assert "test_signum, lr=0.01, momentum β of the sign=0.5" in exp.alt_text(
            optimizer="test_signum", lr=0.01, beta=0.5)
    assert "test_signum" not in optim.names()
    assert "test_signum" not in widgets.optimizer_choices()
