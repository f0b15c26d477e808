"""Shared fixtures. Warnings are errors for the whole suite (see pyproject.toml)."""

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _numpy_errors_raise():
    """Any floating-point warning inside a test is a failure."""
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        yield


@pytest.fixture
def rng():
    """A seeded generator: every test that draws random numbers is reproducible."""
    return np.random.default_rng(20261123)
