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


@pytest.fixture(scope="session")
def built_book():
    """Build the whole book once per session, strictly, re-executing every notebook.

    Returns the path of ``_build/html``. A failed build fails every test that
    needs it, with the exit code in the message.
    """
    from _book import HTML, ROOT
    import build_book

    code = build_book.build(ROOT, force=True)
    assert code == 0, f"strict book build failed with exit code {code} (see output above)"
    return HTML


@pytest.fixture(scope="session")
def browser():
    """A local Chromium (tools/chromium.py finds it) driven by Playwright; never downloaded."""
    from _book import CHROMIUM_ARGS, chromium_executable
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield b
        b.close()
