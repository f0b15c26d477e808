"""Self-checks for the exercises: ``check.<exercise>(your_answer)``.

Each function evaluates the reader's answer on points the reader does not
see and returns a :class:`Verdict`: ``correct``, or the first place where the
answer goes wrong with a hint about what was expected. It never shows the
reference code or the exact expected value.

>>> from lecture_kit import check
>>> check.Verdict(True, "demo", "all hidden test points agree")
[demo] correct: all hidden test points agree
"""

from ._core import Verdict, call_safely, compare_arrays, compare_pointwise, correct, wrong
from .saturating import *  # noqa: F401,F403
from .relu_family import *  # noqa: F401,F403
from .initialization import *  # noqa: F401,F403
from .optimization import *  # noqa: F401,F403
from .basics import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from .approximation import *  # noqa: F401,F403
from .init_exercises import *  # noqa: F401,F403
from .loss_exercises import *  # noqa: F401,F403
from .symmetry import *  # noqa: F401,F403
from .optimizer_exercises import *  # noqa: F401,F403
