"""`make lab` as a learner meets it: JupyterLab in Chromium renders the chapters like the book.

`make lab` itself is started (as root here: it must pass --allow-root) on a copy
of `book/`, headless, on a free loopback port with a token. In Chromium, the
chapter `how_to_use` (a solution drop-down, an equation reference and a live
explorer) is opened and run from the top, and:

* the solution drop-down is collapsed (its text is not visible until clicked);
* no raw MyST is visible: no `:::` fence, no `{eq}` or `{admonition}` role;
* every cell ran without an error;
* moving the explorer's first slider changes the picture (the image bytes);
* the server log has no nbgrader error (make lab turns nbgrader's extensions off).

Waits are explicit and generous: a loaded two-core machine can take minutes.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from _book import ROOT, settle

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CHAPTER = "how_to_use.ipynb"
SCREENSHOTS = ROOT / "_build" / "screenshots"
START_TIMEOUT = 300          # seconds for JupyterLab to answer
LONG = 300_000               # milliseconds for page-side waits (kernel start, run all)
SHORT = 60_000               # milliseconds for a reaction to a click


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``(base url, token, log path)`` of a running `make lab` on a copy of book/."""
    base = tmp_path_factory.mktemp("lab")
    book = base / "book"
    shutil.copytree(ROOT / "book", book,
                    ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints", "__pycache__"))
    # Every cell in the page (JupyterLab otherwise attaches only the cells near the view).
    settings = base / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port, token = _free_port(), secrets.token_hex(16)
    args = " ".join([
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        f"--LabApp.user_settings_dir={base / 'settings'}",
        "--LabApp.expose_app_in_browser=True",
    ])
    log = base / "lab.log"
    env = {k: v for k, v in os.environ.items()
           if k not in ("JUPYTER_CONFIG_PATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    with open(log, "w") as fh:
        proc = subprocess.Popen(["make", "--no-print-directory", "-C", str(ROOT), "lab",
                                 f"LAB_DIR={book}", f"LAB_ARGS={args}"],
                                stdout=fh, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        deadline = started + START_TIMEOUT
        while True:
            assert proc.poll() is None, f"make lab exited with {proc.returncode}:\n" \
                                        f"{log.read_text()}"
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=10) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"JupyterLab did not answer:\n{log.read_text()}"
            time.sleep(0.5)                                    # polling, not a fixed wait
        print(f"\nmake lab answered after {time.monotonic() - started:.1f} s")
        yield url, token, log
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


_KERNEL_IDLE = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const s = w && w.sessionContext && w.sessionContext.session;
  return !!(s && s.kernel && s.kernel.status === 'idle' && w.content && w.content.model);
}"""

_ALL_RAN = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type === 'code' && c.sharedModel.getSource().trim() && !c.executionCount) return false;
  }
  return w.sessionContext.session.kernel.status === 'idle';
}"""

_ERRORS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const cells = w.content.model.cells, errors = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    for (const o of c.outputs.toJSON()) {
      if (o.output_type === 'error') errors.push(i + ': ' + o.ename + ': ' + o.evalue);
    }
  }
  return errors;
}"""

# The rendered part of a markdown cell (jupyterlab-myst: div.myst; plain JupyterLab:
# .jp-RenderedMarkdown); its hidden editor, which holds the raw source, is left out.
RENDERED = ".jp-MarkdownCell .myst, .jp-MarkdownCell .jp-RenderedMarkdown"
_MARKDOWN_TEXT = """() => Array.from(document.querySelectorAll('.jp-MarkdownCell'))
  .map(c => { const out = c.querySelector('.myst, .jp-RenderedMarkdown');
              return out ? out.textContent : '[not rendered] ' + c.textContent; })"""

_IMAGE_FINGERPRINT = """async (img) => {
  const r = await fetch(img.src);
  const b = new Uint8Array(await r.arrayBuffer());
  let h = 0;
  for (const x of b) h = (Math.imul(h, 31) + x) >>> 0;
  return b.length + ':' + h;
}"""


def test_chapter_renders_like_the_book_and_the_explorer_is_live(browser, lab):
    url, token, _ = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(LONG)
    try:
        page.goto(f"{url}/lab/tree/{CHAPTER}?token={token}")
        page.wait_for_function(_KERNEL_IDLE, timeout=LONG, polling=250)
        page.wait_for_selector(RENDERED, state="attached")

        # MyST: no raw fences or roles; the solution is a collapsed drop-down
        texts = page.evaluate(_MARKDOWN_TEXT)
        assert len(texts) >= 10 and not any(t.startswith("[not rendered]") for t in texts)
        joined = "\n".join(texts)
        for raw in (":::", "{eq}", "{admonition}", ":class: dropdown"):
            assert raw not in joined, f"raw MyST {raw!r} is visible in JupyterLab"
        assert not re.search(r"\(eq-[\w-]+\)", joined), "a raw equation label is visible"
        assert page.locator(".jp-MarkdownCell .myst .katex").count() >= 10, "math not typeset"
        dropdown = page.locator(".myst details",
                                has=page.locator("summary", has_text="Solution")).first
        summary = dropdown.locator("summary").first
        solution_text = dropdown.locator("p", has_text="(fan-in, fan-out)").first
        assert solution_text.count() == 1, "the first solution's text is not in the drop-down"
        assert dropdown.get_attribute("open") is None
        summary.scroll_into_view_if_needed()
        assert summary.is_visible()
        assert not solution_text.is_visible(), "the solution is shown without a click"
        summary.click()
        solution_text.wait_for(state="visible", timeout=SHORT)
        summary.click()                                      # close it again
        solution_text.wait_for(state="hidden", timeout=SHORT)

        # run everything, as Run > Run All Cells does
        started = time.monotonic()
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        page.wait_for_function(_ALL_RAN, timeout=LONG * 2, polling=500)
        print(f"Run All in JupyterLab: {time.monotonic() - started:.1f} s")
        assert page.evaluate(_ERRORS) == []

        # the live explorer: moving a slider redraws the picture
        explorer = page.locator(".jp-OutputArea-output .widget-vbox",
                                has=page.locator(".widget-html img")).first
        explorer.scroll_into_view_if_needed()
        image = explorer.locator(".widget-html img").first
        image.wait_for(state="visible")
        before = settle(page, _IMAGE_FINGERPRINT, image.element_handle())
        readout = explorer.locator(".widget-readout").first
        label_before = readout.inner_text()
        handle = explorer.locator(".noUi-handle").first
        handle.focus()
        page.keyboard.press("ArrowRight")
        moved = time.monotonic()
        old_src = image.get_attribute("src")
        # A redraw sets the HTML widget's value: the <img> element itself is replaced, so
        # the explorer is asked for its image anew on every poll (a handle on the old
        # element would keep the old picture forever); then compare the bytes themselves.
        page.wait_for_function(
            """([box, src]) => {
                 const img = box.querySelector('.widget-html img');
                 return !!img && img.getAttribute('src') !== src && img.complete;
               }""",
            arg=[explorer.element_handle(), old_src], timeout=LONG, polling=250)
        after = settle(page, _IMAGE_FINGERPRINT, image.element_handle())
        print(f"live redraw after a slider move: {time.monotonic() - moved:.1f} s")
        assert after != before, "moving the slider did not change the figure"
        assert readout.inner_text() != label_before
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "lab__how_to_use.png"))
        page.close()


def test_lab_log_has_no_nbgrader_error(lab):
    _, _, log = lab
    text = log.read_text()
    assert "Jupyter Server" in text and "is running at" in text, text
    assert "--allow-root" in text or os.geteuid() != 0   # make echoes the command it runs
    bad = [ln for ln in text.splitlines()
           if "nbgrader" in ln.lower() and re.search(r"\[(E|W|C)|error|warning", ln, re.I)]
    assert bad == [], bad
    assert "nbgrader_config.py" not in text
    assert "jupyterlab_myst | extension was successfully loaded" in text
