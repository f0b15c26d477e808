"""The comparison table: every declared property agrees with a numerical probe.

The probe is independent of the declarations (a dense grid, far points, the
trapezoidal rule for the Gaussian mean); the expected table rows are the
textbook facts, written here, not copied from the code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lecture_kit import activations as A
from lecture_kit.activations.properties import mismatches, probe

# default parameters, and non-default ones that change a property
CASES = [(n, {}) for n in A.names()] + [
    ("leaky_relu", {"negative_slope": 0.0}), ("leaky_relu", {"negative_slope": -0.5}),
    ("leaky_relu", {"negative_slope": 1.0}), ("elu", {"alpha": 0.0}), ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 2.0}), ("swish", {"beta": 0.0}), ("swish", {"beta": 3.0}),
    ("softplus", {"beta": 3.0}), ("hard_tanh", {"min_val": -2.0, "max_val": 3.0}),
    ("gelu", {"approximate": "tanh"}), ("rrelu", {"lower": 0.1, "upper": 0.2}),
]


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}{p or ''}" for n, p in CASES])
def test_every_declared_property_agrees_with_the_probe(name, params):
    assert mismatches(A.get(name, **params)) == []


# textbook facts: range (with closedness), odd, zero mean under N(0, 1), monotone, smoothness
EXPECTED = {
    "sigmoid": ("(0, 1)", False, False, True, "Cinf"),
    "tanh": ("(−1, 1)", True, True, True, "Cinf"),
    "relu": ("[0, ∞)", False, False, True, "C0"),
    "relu6": ("[0, 6]", False, False, True, "C0"),
    "hard_tanh": ("[−1, 1]", True, True, True, "C0"),
    "elu": ("(−1, ∞)", False, False, True, "C1"),
    "selu": ("(−1.758, ∞)", False, True, True, "C0"),
    "softplus": ("(0, ∞)", False, False, True, "Cinf"),
    "gelu": ("[−0.17, ∞)", False, False, False, "Cinf"),
    "softsign": ("(−1, 1)", True, True, True, "C1"),
    "identity": ("(−∞, ∞)", True, True, True, "Cinf"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_property_table_states_the_textbook_facts(name):
    (row,) = A.property_table([name])
    assert (row["range"], row["odd"], row["zero_mean"], row["monotone"],
            row["smoothness"]) == EXPECTED[name]
    assert row["bounded_below"] == math.isfinite(row["lower"])
    assert row["bounded_above"] == math.isfinite(row["upper"])


def test_gelu_lower_bound_is_its_minimum_value():
    p = A.properties("gelu")
    x = np.linspace(-3, 0, 300_001)
    assert p.lower == pytest.approx(float(np.min(A.get("gelu")(x))), abs=1e-12)
    assert p.lower_closed and not p.upper_closed


def test_selu_has_zero_mean_without_being_odd_and_elu_has_neither():
    # E selu(z) = lambda (phi(0) + alpha (e^{1/2} Phi(-1) - 1/2)) = 0 analytically
    lam, alpha = A.SELU.SCALE, A.SELU.ALPHA
    phi0 = 1 / math.sqrt(2 * math.pi)
    Phi_m1 = 0.5 * math.erfc(1 / math.sqrt(2))
    assert lam * (phi0 + alpha * (math.exp(0.5) * Phi_m1 - 0.5)) == pytest.approx(0, abs=1e-12)
    assert abs(probe("selu")["mean"]) < 1e-9 and not probe("selu")["odd"]
    assert probe("elu")["mean"] == pytest.approx(
        phi0 + (math.exp(0.5) * Phi_m1 - 0.5), abs=1e-8)  # analytic E elu(z) != 0


def test_format_property_table_aligns_text_and_writes_markdown():
    rows = A.property_table(["relu", "tanh"])
    text = A.format_property_table(rows)
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["name", "range"]
    starts = [line.index(("[0, ∞)", "(−1, 1)")[i - 1]) for i, line in enumerate(lines) if i]
    assert starts[0] == starts[1] == lines[0].index("range")  # columns line up
    md = A.format_property_table(rows, markdown=True).splitlines()
    assert md[0].startswith("| name | range |") and set(md[1]) <= set("|-")
    assert md[2].startswith("| relu | [0, ∞) |")
