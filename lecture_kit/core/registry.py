"""One registry: a name becomes an object the same way everywhere.

Every family of the package that is chosen by name (activations, optimizers,
initializers, landscapes, derivations) keeps a :class:`Registry`. They all
behave alike:

* ``names()`` is a tuple, in the order the course meets the entries
  (registration order);
* an unknown name raises :class:`ValueError` with a did-you-mean hint and the
  list of known names; a name that is not a string raises :class:`TypeError`;
* :meth:`Registry.create` checks the keyword arguments against the entry's
  signature and raises :class:`ValueError` naming an unknown one (instead of
  Python's bare ``TypeError``);
* an entry may carry metadata (a dict), e.g. what an optimizer's β means;
* :meth:`Registry.scope` undoes every registration made inside it, so a test
  can register a new entry without leaking it into other tests.
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
from typing import Any, Callable, Iterator

__all__ = ["Registry"]


class Registry:
    """An ordered map from names to entries (classes or factories).

    Parameters
    ----------
    kind : str
        What the entries are, for messages: ``"activation"``, ``"optimizer"``.

    Examples
    --------
    >>> shapes = Registry("shape")
    >>> @shapes.register("square")
    ... def square(side=1.0):
    ...     return side * side
    >>> shapes.names()
    ('square',)
    >>> shapes.create("square", side=3.0)
    9.0
    >>> shapes.create("sqare")
    Traceback (most recent call last):
    ...
    ValueError: Unknown shape 'sqare' (did you mean 'square'?). Known shapes: square
    >>> shapes.create("square", sides=2)
    Traceback (most recent call last):
    ...
    ValueError: Unknown parameter(s) sides for shape 'square'; its parameters: side
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Any] = {}
        self._meta: dict[str, dict] = {}

    # -- registering -------------------------------------------------------------
    def add(self, name: str, entry, **meta) -> None:
        """Register ``entry`` under ``name`` (a new name: no silent overwrite)."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"{self.kind} name must be a non-empty string, got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry
        self._meta[name] = dict(meta)

    def register(self, name: str | None = None, **meta) -> Callable:
        """Decorator form of :meth:`add`; ``name`` defaults to the function's name."""
        def decorate(entry):
            self.add(name or entry.__name__, entry, **meta)
            return entry
        return decorate

    def unregister(self, name: str) -> None:
        """Remove ``name`` (ValueError if it is unknown)."""
        self.lookup(name)
        del self._entries[name]
        del self._meta[name]

    @contextlib.contextmanager
    def scope(self) -> Iterator["Registry"]:
        """Undo, on exit, every registration and removal made inside the block.

        Examples
        --------
        >>> r = Registry("thing")
        >>> with r.scope():
        ...     r.add("temporary", object())
        ...     "temporary" in r
        True
        >>> "temporary" in r
        False
        """
        entries, meta = dict(self._entries), dict(self._meta)
        try:
            yield self
        finally:
            self._entries, self._meta = entries, meta

    # -- looking up --------------------------------------------------------------
    def names(self) -> tuple:
        """The registered names, in registration (course) order."""
        return tuple(self._entries)

    def __contains__(self, name) -> bool:
        return name in self._entries

    def __iter__(self):
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"

    def lookup(self, name):
        """The entry called ``name``; ValueError (with a hint) if there is none."""
        if not isinstance(name, str):
            raise TypeError(f"{self.kind} name must be a string, got {name!r}")
        if name not in self._entries:
            close = difflib.get_close_matches(name, list(self._entries), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(f"Unknown {self.kind} {name!r}{hint}. "
                             f"Known {self.kind}s: {', '.join(self._entries)}")
        return self._entries[name]

    def meta(self, name) -> dict:
        """A copy of the metadata registered with ``name``."""
        self.lookup(name)
        return dict(self._meta[name])

    def parameters(self, name) -> tuple:
        """Names of the keyword parameters the entry ``name`` accepts."""
        entry = self.lookup(name)
        target = entry.__init__ if inspect.isclass(entry) else entry
        return tuple(p.name for p in inspect.signature(target).parameters.values()
                     if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))

    def check_params(self, name, params) -> None:
        """ValueError naming any key of ``params`` that ``name`` does not accept."""
        allowed = self.parameters(name)
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            valid = ", ".join(allowed) if allowed else "none"
            raise ValueError(f"Unknown parameter(s) {', '.join(unknown)} for {self.kind} "
                             f"{name!r}; its parameters: {valid}")

    def create(self, name, **params):
        """Call the entry ``name`` with ``params``, after checking their names."""
        entry = self.lookup(name)
        self.check_params(name, params)
        return entry(**params)
