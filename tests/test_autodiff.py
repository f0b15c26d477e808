"""Tests for lecture_kit.autodiff.

Oracles: derivatives worked out by hand, the derivatives of
lecture_kit.activations (themselves checked against SymPy and PyTorch), and
central finite differences of the forward values.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lecture_kit import activations
from lecture_kit.autodiff import Value, layout, maximum, topological_order


def fd(f, x, eps=1e-6):
    """Central difference of a float -> float function."""
    return (f(x + eps) - f(x - eps)) / (2 * eps)


# ---------------------------------------------------------------------------
# The gates
# ---------------------------------------------------------------------------


def test_add_distributes_the_gradient_unchanged():
    a, b = Value(2.0), Value(-5.0)
    c = (a + b) * 3.0
    c.backward()
    assert (a.grad, b.grad) == (3.0, 3.0)


def test_multiply_swaps_the_inputs():
    a, b = Value(2.0), Value(-5.0)
    (a * b).backward()
    assert (a.grad, b.grad) == (-5.0, 2.0)


def test_copy_sums_the_gradients_of_every_use():
    a = Value(3.0)
    (a * a).backward()  # d(a^2)/da = 2a
    assert a.grad == 6.0
    b = Value(3.0)
    (b + b + b).backward()
    assert b.grad == 3.0


def test_a_shared_subexpression_accumulates_once_per_path():
    x = Value(0.7)
    h = x.tanh()
    y = h * h + h  # dy/dh = 2h + 1, dh/dx = 1 - tanh^2
    y.backward()
    t = math.tanh(0.7)
    assert x.grad == pytest.approx((2 * t + 1) * (1 - t * t), rel=1e-14)
    assert h.grad == pytest.approx(2 * t + 1, rel=1e-14)


def test_max_routes_the_gradient_to_the_larger_input():
    a, b = Value(1.0), Value(4.0)
    (maximum(a, b) * 2).backward()
    assert (a.grad, b.grad) == (0.0, 2.0)
    c, d = Value(5.0), Value(4.0)
    (c.maximum(d) * 2).backward()
    assert (c.grad, d.grad) == (2.0, 0.0)


def test_max_with_a_tie_routes_to_the_first_input():
    a, b = Value(1.0), Value(1.0)
    maximum(a, b).backward()
    assert (a.grad, b.grad) == (1.0, 0.0)


def test_relu_is_max_with_zero_and_has_zero_slope_at_zero():
    for x, slope in [(-2.0, 0.0), (0.0, 0.0), (3.0, 1.0)]:
        v = Value(x)
        out = v.relu()
        out.backward()
        assert out.data == max(x, 0.0) and v.grad == slope


# ---------------------------------------------------------------------------
# Operators with Python numbers on both sides
# ---------------------------------------------------------------------------

OPS = {
    "x + 2": (lambda x: x + 2, lambda x: 1.0),
    "2 + x": (lambda x: 2 + x, lambda x: 1.0),
    "x - 2": (lambda x: x - 2, lambda x: 1.0),
    "2 - x": (lambda x: 2 - x, lambda x: -1.0),
    "x * 3": (lambda x: x * 3, lambda x: 3.0),
    "3 * x": (lambda x: 3 * x, lambda x: 3.0),
    "x / 4": (lambda x: x / 4, lambda x: 0.25),
    "4 / x": (lambda x: 4 / x, lambda x: -4 / x**2),
    "x ** 3": (lambda x: x**3, lambda x: 3 * x**2),
    "x ** -0.5": (lambda x: x**-0.5, lambda x: -0.5 * x**-1.5),
    "2 ** x": (lambda x: 2**x, lambda x: 2**x * math.log(2)),
    "-x": (lambda x: -x, lambda x: -1.0),
}


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("x0", [0.3, 1.7])
def test_operator_value_and_gradient_by_hand(name, x0):
    f, df = OPS[name]
    x = Value(x0)
    y = f(x)
    y.backward()
    assert y.data == pytest.approx(f(x0), rel=1e-14)
    assert x.grad == pytest.approx(df(x0), rel=1e-12)


def test_value_to_a_value_power_differentiates_both_sides():
    a, b = Value(1.5), Value(2.5)
    (a**b).backward()
    assert a.grad == pytest.approx(2.5 * 1.5**1.5, rel=1e-14)
    assert b.grad == pytest.approx(1.5**2.5 * math.log(1.5), rel=1e-14)


def test_division_of_two_values():
    a, b = Value(3.0), Value(-2.0)
    (a / b).backward()
    assert a.grad == pytest.approx(-0.5) and b.grad == pytest.approx(-3.0 / 4.0)


FUNCS = {
    "exp": (math.exp, math.exp),
    "log": (math.log, lambda x: 1 / x),
    "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "sigmoid": (lambda x: 1 / (1 + math.exp(-x)),
                lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
}


@pytest.mark.parametrize("name", FUNCS)
@pytest.mark.parametrize("x0", [0.2, 1.3, 2.9])
def test_elementary_functions_by_hand(name, x0):
    f, df = FUNCS[name]
    x = Value(x0)
    y = getattr(x, name)()
    y.backward()
    assert y.data == pytest.approx(f(x0), rel=1e-14)
    assert x.grad == pytest.approx(df(x0), rel=1e-12)


def test_sigmoid_is_finite_at_minus_1000():
    x = Value(-1000.0)
    y = x.sigmoid()
    y.backward()
    assert y.data == 0.0 and x.grad == 0.0


def test_exp_of_a_large_number_is_inf_not_an_error():
    assert Value(1000.0).exp().data == math.inf


# ---------------------------------------------------------------------------
# Every registered activation, against the registry and finite differences
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", activations.names())
@pytest.mark.parametrize("x0", [-1.7, -0.4, 0.6, 2.3])
def test_registry_activation_matches_activations_module(name, x0):
    act = activations.get(name)
    x = Value(x0)
    y = (2 * x).activation(name)  # a gate before it: the chain rule gives 2 f'(2x)
    y.backward()
    assert y.data == pytest.approx(float(act(2 * x0)), rel=1e-14, abs=1e-15)
    assert x.grad == pytest.approx(2 * float(act.grad(2 * x0)), rel=1e-12, abs=1e-15)
    # independent oracle: finite differences of the forward value (no kink near 2 * x0)
    assert x.grad == pytest.approx(fd(lambda t: (2 * Value(t)).activation(name).data, x0),
                                   rel=1e-6, abs=1e-9)


def test_activation_parameters_are_passed_on():
    x = Value(-1.0)
    y = x.activation("leaky_relu", negative_slope=0.2)
    y.backward()
    assert y.data == pytest.approx(-0.2) and x.grad == pytest.approx(0.2)


def test_own_tanh_and_sigmoid_agree_with_the_registry():
    for name in ("tanh", "sigmoid"):
        a, b = Value(0.8), Value(0.8)
        getattr(a, name)().backward()
        b.activation(name).backward()
        assert a.grad == pytest.approx(b.grad, rel=1e-14)


# ---------------------------------------------------------------------------
# backward()
# ---------------------------------------------------------------------------


def test_backward_handles_a_chain_deeper_than_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def test_backward_on_a_deep_tanh_chain_matches_the_product_of_slopes():
    x = Value(0.3)
    y, slopes, t = x, 1.0, 0.3
    for _ in range(6000):
        y = y.tanh()
        slopes *= 1 - math.tanh(t) ** 2
        t = math.tanh(t)
    y.backward()
    assert x.grad == pytest.approx(slopes, rel=1e-10)


def test_backward_twice_gives_the_same_gradients():
    a = Value(2.0)
    y = a * a * a
    y.backward()
    first = a.grad
    y.backward()
    assert a.grad == first == 12.0


def test_topological_order_puts_parents_first_and_lists_each_node_once():
    a = Value(1.0, label="a")
    b = a * a
    c = b + a
    order = topological_order(c)
    assert len(order) == 3 and order[-1] is c
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)


def test_nan_propagates_through_values_and_gradients():
    x = Value(float("nan"))
    y = (x * 2).tanh() + 1
    y.backward()
    assert math.isnan(y.data) and math.isnan(x.grad)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["2", None, 1j, [1.0]])
def test_non_numbers_raise_type_error(bad):
    with pytest.raises(TypeError, match="real number"):
        Value(1.0) + bad
    with pytest.raises(TypeError, match="real number"):
        Value(bad)


def test_log_of_a_negative_number_raises_value_error():
    with pytest.raises(ValueError, match="log needs a positive"):
        Value(-1.0).log()


def test_division_by_zero_raises_value_error():
    with pytest.raises(ValueError, match="division"):
        Value(1.0) / 0


def test_fractional_power_of_a_negative_number_raises_value_error():
    with pytest.raises(ValueError, match="not a real number"):
        Value(-2.0) ** 0.5


# ---------------------------------------------------------------------------
# Random expressions (hypothesis) against finite differences
# ---------------------------------------------------------------------------

# An expression is a nested tuple over the leaves "x" and "y"; every operation
# is smooth and defined on the whole real line, so finite differences apply.
UNARY = {
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "square": lambda v: v**2,
    "softplus": lambda v: (1 + v.exp()).log() if v.data < 30 else v + (-v).exp(),
    "gelu": lambda v: v.activation("gelu"),
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / (1 + b * b),
}

leaves = st.sampled_from(["x", "y", 0.5, -1.5])
expressions = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), sub),
        st.tuples(st.sampled_from(sorted(BINARY)), sub, sub),
    ),
    max_leaves=8,
)


def evaluate(expr, env):
    if isinstance(expr, str):
        return env[expr]
    if isinstance(expr, float):
        return expr  # a Python number: exercises the number-on-either-side paths
    if len(expr) == 2:
        arg = evaluate(expr[1], env)
        return UNARY[expr[0]](arg if isinstance(arg, Value) else Value(arg))
    return BINARY[expr[0]](evaluate(expr[1], env), evaluate(expr[2], env))


def forward(expr, x, y):
    out = evaluate(expr, {"x": Value(x), "y": Value(y)})
    return out.data if isinstance(out, Value) else float(out)


@settings(max_examples=150, deadline=None)
@given(expr=expressions, x0=st.floats(-2, 2), y0=st.floats(-2, 2))
def test_random_expressions_match_finite_differences(expr, x0, y0):
    x, y = Value(x0), Value(y0)
    out = evaluate(expr, {"x": x, "y": y})
    if not isinstance(out, Value):
        return  # a constant expression
    out.backward()
    scale = 1 + abs(out.data)
    assert x.grad == pytest.approx(fd(lambda t: forward(expr, t, y0), x0), rel=1e-5, abs=1e-6 * scale)
    assert y.grad == pytest.approx(fd(lambda t: forward(expr, x0, t), y0), rel=1e-5, abs=1e-6 * scale)


def test_layout_puts_inputs_left_and_the_output_right():
    a, b = Value(2.0), Value(3.0)
    c = a * b + a
    pos = layout(c)
    assert pos[id(a)][0] == pos[id(b)][0] == 0
    assert pos[id(c)][0] == max(x for x, _ in pos.values()) == 2
