"""Execute notebooks inside a student environment (run with that environment's python).

Usage: ``<venv>/bin/python tests/_run_notebooks.py JOBS.json``, where the file is a
list of ``{"input": path, "output": path, "cwd": folder}``. Every notebook runs
from the top in a fresh kernel of this interpreter (the kernel JupyterLab would
start), with errors allowed so that every cell runs; the executed notebook is
written to ``output``. Only nbformat and nbclient are used: both come with
JupyterLab, so the student environment needs nothing extra.
"""

import json
import sys
import time

# jsonschema (through nbformat) would compile rfc3987_syntax's 38 grammars (3-4 s)
# for two string formats no notebook uses: see tools/quick_imports.py. This file
# runs with the student environment's python, where tools/ is not importable.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402


def main(jobs_file: str) -> int:
    with open(jobs_file, encoding="utf-8") as fh:
        jobs = json.load(fh)
    for job in jobs:
        nb = nbformat.read(job["input"], as_version=4)
        start = time.monotonic()
        client = NotebookClient(nb, timeout=600, allow_errors=True, kernel_name="python3",
                                resources={"metadata": {"path": job["cwd"]}})
        client.execute()
        nbformat.write(nb, job["output"])
        print(f"{job['input']}: {time.monotonic() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
