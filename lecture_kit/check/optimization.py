"""Self-checks for the exercises of the optimization chapters."""

from ._core import compare_arrays, compare_pointwise, correct, wrong  # noqa: F401

__all__: list[str] = []
