"""The book builds strictly, a broken cell fails the build, and nothing leaks."""

import shutil
import textwrap
from pathlib import Path

import nbformat
import pytest
import yaml

from _book import HTML, ROOT, toc_pages

import build_book

pytestmark = pytest.mark.build


def test_every_page_in_the_toc_is_built(built_book):
    for name in toc_pages():
        assert (built_book / f"{name}.html").is_file(), f"{name}.html was not built"


def test_the_build_executed_no_notebook_itself(built_book, executed_notebooks):
    """Every chapter ran once, before the build: myst-nb found each one in its
    cache and executed nothing (otherwise each chapter would run twice)."""
    from jupyter_cache import get_cache

    cache = get_cache(str(build_book.cache_path(ROOT)))
    toc = set(build_book.toc_notebooks(ROOT))
    assert toc, "no notebook in the table of contents"
    for path in toc:
        execution = executed_notebooks[path]
        assert execution.ok, f"{path} failed to execute:\n{execution.error}"
        record = cache.match_cache_notebook(nbformat.read(path, as_version=4))
        assert record.pk == execution.cache_pk, f"{path} was executed again by the build"
        created = record.created.replace(tzinfo=executed_notebooks.finished.tzinfo)
        assert created <= executed_notebooks.finished, f"{path} was executed again by the build"


def test_html_has_no_notebook_sources(built_book):
    """No _sources/ copies and no .ipynb downloads: solutions must never leak."""
    assert not (built_book / "_sources").exists()
    leaked = [p.relative_to(built_book) for p in built_book.rglob("*.ipynb")]
    assert leaked == []


def test_html_references_no_remote_script_or_stylesheet(built_book):
    """A static check beside the browser test: no page names a remote asset."""
    import re

    remote = re.compile(r'<(?:script|link)[^>]+(?:src|href)="(?:https?:)?//[^"]+"', re.I)
    offenders = {}
    for page in built_book.rglob("*.html"):
        found = remote.findall(page.read_text(encoding="utf-8"))
        if found:
            offenders[str(page.relative_to(built_book))] = found
    assert offenders == {}


def _tiny_book(tmp_path: Path, cell_source: str) -> Path:
    """A copy of the real configuration with one notebook whose only cell is given."""
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "_toc.yml").write_text(
        yaml.safe_dump({"format": "jb-book", "root": "intro",
                        "chapters": [{"file": "planted"}]})
    )
    (tmp_path / "intro.md").write_text("# Planted\n\nA two-page book.\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter"),
                nbformat.v4.new_code_cell(textwrap.dedent(cell_source))]
    nbformat.write(nb, tmp_path / "planted.ipynb")
    return tmp_path


@pytest.mark.parametrize(
    "cell, should_build",
    [
        ("print(1 + 1)", True),
        ("raise RuntimeError('planted failure')", False),
    ],
    ids=["healthy-cell-builds", "raising-cell-fails-build"],
)
def test_an_exception_in_a_cell_fails_the_build(tmp_path, capfd, cell, should_build):
    """Jupyter Book's default lets a failing cell pass; our configuration must not."""
    book = _tiny_book(tmp_path, cell)
    code = build_book.build(book, force=True)
    log = capfd.readouterr()
    assert (code == 0) is should_build, f"exit code {code}"
    if should_build:
        assert (book / "_build" / "html" / "planted.html").exists()
    else:
        assert "planted failure" in log.out + log.err
        assert not (book / "_build" / "html" / "planted.html").exists()


def test_a_warning_fails_the_build(tmp_path, capfd):
    """Warnings are errors: a reference to a label that does not exist (a Sphinx
    warning, nothing raises) fails the build, with the label in the report."""
    book = _tiny_book(tmp_path, "print(1 + 1)")
    (book / "intro.md").write_text("# Planted\n\nSee {ref}`lk-planted-missing-label`.\n")
    code = build_book.build(book, force=True)
    log = capfd.readouterr()
    assert code != 0
    assert "lk-planted-missing-label" in log.out + log.err


def test_a_failed_execution_is_not_cached_so_the_build_reports_it(tmp_path):
    """The shared execution step never hands a failed notebook to the build."""
    book = _tiny_book(tmp_path, "raise RuntimeError('planted failure')")
    executions = build_book.execute(book, force=True)
    (execution,) = executions.values()
    assert not execution.ok and "planted failure" in execution.error
    assert execution.cache_pk is None
    from jupyter_cache import get_cache

    cache = get_cache(str(build_book.cache_path(book)))
    with pytest.raises(KeyError):
        cache.match_cache_notebook(nbformat.read(book / "planted.ipynb", as_version=4))


def test_a_chapter_runs_in_a_kernel_on_unix_sockets_that_leaves_nothing(tmp_path, capfd,
                                                                         monkeypatch):
    """The executor's kernel listens on no TCP port (ipykernel warns on every start of
    one) and leaves no socket behind, next to the notebook or in the temporary folder."""
    import tempfile

    book = _tiny_book(tmp_path, """\
        import json, ipykernel.connect
        print(json.loads(ipykernel.connect.get_connection_info())["transport"])""")
    # this process's own temporary folder: other workers' kernels come and go in /tmp
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    files = sorted(book.iterdir())
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    text, error, _ = build_book._execute_one(str(book / "planted.ipynb"), 60, False)
    assert error is None, error
    (output,) = nbformat.reads(text, as_version=4).cells[1].outputs
    assert output["text"] == "ipc\n"
    assert "without encryption" not in capfd.readouterr().err
    assert sorted(book.iterdir()) == files
    assert list(temporary.iterdir()) == []


def test_numerics_are_pinned_to_x86_64_v3_where_the_cpu_has_it():
    v3 = build_book.X86_64_V3_FLAGS | {"sse4_2", "avx"}
    assert build_book.numerics_env(frozenset(v3 | {"avx512f"})) == {
        "OPENBLAS_NUM_THREADS": "1", **build_book.PINNED_NUMERICS}
    # no AVX2 (or not x86): the CPU's own code, never a kernel it cannot run
    assert build_book.numerics_env(frozenset(v3 - {"avx2"})) == {"OPENBLAS_NUM_THREADS": "1"}
    assert build_book.numerics_env(frozenset()) == {"OPENBLAS_NUM_THREADS": "1"}
    # every dispatch target of this NumPy above x86-64-v3 is switched off
    from numpy._core._multiarray_umath import __cpu_dispatch__

    above_v3 = set(__cpu_dispatch__) - {"X86_V2", "X86_V3"}
    assert above_v3 <= set(build_book.PINNED_NUMERICS["NPY_DISABLE_CPU_FEATURES"].split())


def test_a_chapter_kernel_computes_with_the_pinned_code():
    """What a kernel started in the build's environment actually runs: OpenBLAS's
    Haswell kernels, one thread, and none of NumPy's AVX-512 loops (on this
    machine's CPU, if it has them)."""
    import json
    import subprocess
    import sys

    script = ("import json, numpy, threadpoolctl\n"
              "from numpy._core._multiarray_umath import __cpu_dispatch__ as d, "
              "__cpu_features__ as f\n"
              "blas = [i for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas']\n"
              "print(json.dumps({'blas': blas, 'avx512': sorted(k for k in d if f.get(k)\n"
              "                  and k not in ('X86_V2', 'X86_V3'))}))\n")
    out = subprocess.run([sys.executable, "-c", script], env=build_book.build_env(),
                         capture_output=True, text=True, check=True, timeout=120)
    seen = json.loads(out.stdout)
    assert [b["num_threads"] for b in seen["blas"]] == [1]
    if build_book.X86_64_V3_FLAGS <= build_book.cpu_flags():
        assert [b["architecture"] for b in seen["blas"]] == ["Haswell"]
        assert seen["avx512"] == []
