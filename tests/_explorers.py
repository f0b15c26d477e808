"""Checks of an explorer's static form, shared by the explorer tests.

They read only what the page holds (the JSON payload of the explorer and its
controls), so they apply alike to an explorer drawn in the test and to one
found in the built book.
"""

from __future__ import annotations

import json
import re

EXPLORER_BUDGET = 400 * 1024          # bytes of HTML per explorer, frames included
MIN_SLIDER_POSITIONS = 3
NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
BLOCK = re.compile(r'<div class="lk-explorer" .*?</script></div>', re.S)


def payload_of(html: str) -> dict:
    match = re.search(r'<script type="application/json" class="lk-explorer-data">(.*?)</script>',
                      html, re.S)
    return json.loads(match.group(1).replace("<\\/", "</"))


def controls_of(html: str) -> list[tuple[str, int]]:
    """``(kind, initial index)`` of each control of an explorer block, in order;
    kind is ``"slider"`` or ``"choice"``."""
    out = {}
    for m in re.finditer(r'<input\b[^>]*>', html):
        k = re.search(r'data-control="(\d+)"', m.group(0))
        if k:
            out[int(k.group(1))] = ("slider", int(re.search(r'value="(\d+)"', m.group(0)).group(1)))
    for m in re.finditer(r'<select\b([^>]*)>(.*?)</select>', html, re.S):
        k = re.search(r'data-control="(\d+)"', m.group(1))
        if k:
            options = re.findall(r'<option value="(\d+)"( selected)?', m.group(2))
            out[int(k.group(1))] = ("choice", next((int(v) for v, sel in options if sel), 0))
    return [out[k] for k in sorted(out)]


def dead_controls(html: str) -> list[str]:
    """Controls that, moved alone from the initial values, give too few distinct pictures:
    fewer than 3 for a slider (or fewer than 3 positions), fewer than its options for a choice."""
    payload, controls = payload_of(html), controls_of(html)
    sizes, names = payload["sizes"], payload.get("names") or [str(k) for k in range(len(sizes))]
    assert len(controls) == len(sizes), (controls, sizes)
    start = [initial for _, initial in controls]
    problems = []
    for k, (kind, _) in enumerate(controls):
        pictures = set()
        for i in range(sizes[k]):
            idx = list(start)
            idx[k] = i
            flat = 0
            for j, n in zip(idx, sizes):
                flat = flat * n + j
            pictures.add(payload["index"][flat])
        need = MIN_SLIDER_POSITIONS if kind == "slider" else max(2, sizes[k])
        if sizes[k] < need or len(pictures) < need:
            problems.append(f"control {names[k]!r} has {sizes[k]} positions giving "
                            f"{len(pictures)} distinct pictures (needs {need})")
    return problems


def alts_without_result(html: str) -> list[str]:
    """Pictures whose alt text has no ``Result:`` stating a computed number (a number
    other than the values of the controls that chose the picture)."""
    payload = payload_of(html)
    problems = []
    for f, alt in enumerate(payload["alts"]):
        if "Result: " not in alt:
            problems.append(f"picture {f}: no 'Result:' in {alt[:80]!r}")
            continue
        # the control values of the (first) combination drawn as this picture
        flat, position = payload["index"].index(f), []
        for n in reversed(payload["sizes"]):
            flat, i = divmod(flat, n)
            position.insert(0, i)
        shown = {tok for k, i in enumerate(position)
                 for tok in NUMBER.findall(payload["labels"][k][i])}
        result = alt.split("Result: ", 1)[1]
        if not [t for t in NUMBER.findall(result) if t not in shown]:
            problems.append(f"picture {f}: the result {result!r} states no computed number")
    return problems


def over_budget(html: str, budget: int = EXPLORER_BUDGET) -> list[str]:
    size = len(html.encode("utf-8"))
    return [] if size <= budget else [f"{size / 1024:.0f} KiB > {budget / 1024:.0f} KiB"]
