"""What an instructor reads after grading: a class report and gradebooks an LMS imports.

Everything here reads ``grading/results/grades.csv`` (written by
``tools/grading.py grade``: one row per student and exercise) and writes, next to it,

* ``report.html``: one self-contained page (figures as inline SVG, no external
  file, font or script) with the score distributions per part and per
  exercise, the exercises ranked by difficulty, the most common reasons for
  lost points, the submissions that need a human, and every feedback page;
* ``gradebook.csv``: one row per student, one column per exercise and per
  part, and the totals (UTF-8 with a byte-order mark, so that Excel shows
  "Zoë" and "李雷" as they are);
* ``gradebook_canvas.csv`` and ``gradebook_moodle.csv``: one column per part
  in the layouts the Canvas and Moodle grade imports read (see
  ``book/instructor.md`` for the import steps).

``python tools/grade_report.py [--results DIR] [--roster FILE]`` writes them
again without grading (for instance with a roster exported from the LMS, which
fills in the LMS's student ids). ``grading.grade()`` calls :func:`write_all`
at the end of every run.

The CSV may carry the columns ``status`` (graded, needs_review, not_graded,
manual) and ``feedback`` (the student's feedback page, relative to the
results folder); when it does not, both are derived (:func:`derive_status`,
:func:`feedback_path`).
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import math
import os
import re
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATUSES = ("graded", "needs_review", "not_graded", "manual")
REQUIRED = ("student", "assignment", "exercise", "score", "max_score", "reason")
ALL_PASSED = "all tests passed"

# Reasons that call for a human even though a score was recorded.
REVIEW_WORDS = re.compile(r"did not finish|time ?out|timed out|time budget|died|restarted too many"
                          r"|flag|tamper|needs review|could not be read", re.IGNORECASE)
NOT_GRADED_WORDS = re.compile(r"could not grade|produced no graded notebook", re.IGNORECASE)
MANUAL_WORDS = re.compile(r"by hand", re.IGNORECASE)


# ---------------------------------------------------------------------------
# Reading grades.csv
# ---------------------------------------------------------------------------

@dataclass
class Entry:
    """One row of grades.csv."""

    student: str
    assignment: str
    exercise: str
    score: float | None       # None: not scored yet (a written answer to grade by hand)
    max_score: float
    reason: str
    status: str
    feedback: str             # relative to the results folder; "" if unknown

    @property
    def fraction(self) -> float | None:
        if self.score is None:
            return None
        return self.score / self.max_score if self.max_score else 1.0


def derive_status(score: float | None, reason: str, max_score: float | None = None) -> str:
    """The ``status`` of a row written by a grader that did not record one.

    A row whose reason is "all tests passed" but whose score is below
    ``max_score`` contradicts itself (nbgrader scores an unanswered written
    answer 0 without asking for a human): it needs review.

    >>> derive_status(None, "written answer: to be graded by hand (nbgrader formgrader)")
    'manual'
    >>> derive_status(2.0, "hidden tests: the cell did not finish within 30 s")
    'needs_review'
    >>> derive_status(0.0, "nbgrader could not grade the notebook (KeyError)")
    'not_graded'
    >>> derive_status(4.0, "all tests passed")
    'graded'
    >>> derive_status(0.0, "all tests passed", max_score=2.0)
    'needs_review'
    """
    if NOT_GRADED_WORDS.search(reason):
        return "not_graded"
    if score is None and MANUAL_WORDS.search(reason):
        return "manual"
    if REVIEW_WORDS.search(reason):
        return "needs_review"
    if score is None:
        return "not_graded"
    if max_score is not None and score < max_score and reason.strip() == ALL_PASSED:
        return "needs_review"
    return "graded"


def feedback_ids(students) -> dict[str, str]:
    """The feedback page name of each student, as ``grading.grade`` assigns them."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from grading import student_id

    taken: set[str] = set()
    return {name: student_id(name, taken) for name in sorted(set(students))}


def _number(text: str, what: str, line: int) -> float | None:
    text = (text or "").strip()
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"grades.csv line {line}: {what} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"grades.csv line {line}: {what} {text!r} is not a finite number >= 0")
    return value


def read_grades(path: Path) -> list[Entry]:
    """The rows of ``grades.csv`` with ``status`` and ``feedback`` filled in."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path} lacks the column(s) {', '.join(missing)} "
                             f"(found: {', '.join(reader.fieldnames or [])})")
        raw = list(reader)
    entries, seen = [], set()
    for line, row in enumerate(raw, start=2):
        score = _number(row["score"], "score", line)
        max_score = _number(row["max_score"], "max_score", line)
        if max_score is None:
            raise ValueError(f"grades.csv line {line}: max_score is empty")
        if score is not None and score > max_score + 1e-9:
            raise ValueError(f"grades.csv line {line}: score {score:g} exceeds max_score "
                             f"{max_score:g}")
        key = (row["student"], row["exercise"])
        if key in seen:
            raise ValueError(f"grades.csv line {line}: a second row for {key[0]!r}, {key[1]!r}")
        seen.add(key)
        status = (row.get("status") or "").strip() or derive_status(score, row["reason"], max_score)
        if status == "manual" and score is not None:
            status = "graded"          # the instructor filled in the hand-graded score
        if status not in STATUSES:
            raise ValueError(f"grades.csv line {line}: unknown status {status!r} "
                             f"(expected one of {', '.join(STATUSES)})")
        entries.append(Entry(row["student"], row["assignment"], row["exercise"], score,
                             max_score, row["reason"] or "", status,
                             (row.get("feedback") or "").strip()))
    if any(not e.feedback for e in entries):
        ids = feedback_ids(e.student for e in entries)
        for e in entries:
            if not e.feedback:
                e.feedback = f"feedback/{ids[e.student]}.html"
    return entries


# ---------------------------------------------------------------------------
# Tables computed from the rows
# ---------------------------------------------------------------------------

def ordered(values) -> list:
    return list(dict.fromkeys(values))


@dataclass
class Layout:
    students: list[str]
    parts: list[str]                       # assignment names in order of appearance
    exercises: dict[str, list[str]]        # part -> exercises in order of appearance
    max_score: dict[str, float]            # exercise -> points
    cell: dict[tuple[str, str], Entry]     # (student, exercise) -> row

    @property
    def all_exercises(self) -> list[str]:
        return [x for p in self.parts for x in self.exercises[p]]

    def part_max(self, part: str) -> float:
        return sum(self.max_score[x] for x in self.exercises[part])


def layout(entries: list[Entry]) -> Layout:
    if not entries:
        raise ValueError("grades.csv has no rows")
    parts = ordered(e.assignment for e in entries)
    exercises = {p: ordered(e.exercise for e in entries if e.assignment == p) for p in parts}
    max_score: dict[str, float] = {}
    for e in entries:
        if max_score.setdefault(e.exercise, e.max_score) != e.max_score:
            raise ValueError(f"exercise {e.exercise} has two different max_score values "
                             f"({max_score[e.exercise]:g} and {e.max_score:g})")
    return Layout(sorted(ordered(e.student for e in entries), key=_sort_key), parts, exercises,
                  max_score, {(e.student, e.exercise): e for e in entries})


def _sort_key(name: str):
    return (name.casefold(), name)


def student_totals(entries: list[Entry]) -> dict[str, dict]:
    """Per student: points per part and in total (known scores), pending and flagged counts."""
    lay = layout(entries)
    out = {}
    for s in lay.students:
        parts = {}
        for p in lay.parts:
            rows = [lay.cell[(s, x)] for x in lay.exercises[p] if (s, x) in lay.cell]
            parts[p] = {
                "score": sum(r.score for r in rows if r.score is not None),
                "max": sum(r.max_score for r in rows),
                "scored_max": sum(r.max_score for r in rows if r.score is not None),
                "pending": sum(r.status == "manual" for r in rows),
            }
        rows = [e for e in entries if e.student == s]
        out[s] = {
            "parts": parts,
            "total": sum(v["score"] for v in parts.values()),
            "max": sum(v["max"] for v in parts.values()),
            "pending": sum(r.status == "manual" for r in rows),
            "review": sum(r.status == "needs_review" for r in rows),
            "not_graded": sum(r.status == "not_graded" for r in rows),
            "feedback": rows[0].feedback if rows else "",
        }
    return out


NOT_SUBMITTED = re.compile(r"was not submitted", re.IGNORECASE)


def handed_in(e: Entry) -> bool:
    """False when the student did not hand in the exercise's notebook at all."""
    return not NOT_SUBMITTED.search(e.reason)


def exercise_stats(entries: list[Entry]) -> list[dict]:
    """Per exercise (hardest first): mean and median fraction of the points over the
    students who handed the notebook in and have a score, and how many of them scored
    full, part or zero; how many are pending (by hand) or did not hand it in."""
    lay = layout(entries)
    stats = []
    for p in lay.parts:
        for x in lay.exercises[p]:
            rows = [e for e in entries if e.exercise == x]
            fr = [e.fraction for e in rows if e.fraction is not None and handed_in(e)]
            stats.append({
                "exercise": x, "part": p, "max": lay.max_score[x], "n": len(rows),
                "scored": len(fr), "missing": sum(not handed_in(e) for e in rows),
                "mean": statistics.fmean(fr) if fr else None,
                "median": statistics.median(fr) if fr else None,
                "full": sum(f >= 1 - 1e-9 for f in fr),
                "half": sum(0.5 <= f < 1 - 1e-9 for f in fr),
                "some": sum(0 < f < 0.5 for f in fr),
                "zero": sum(f == 0 for f in fr),
                "pending": sum(e.score is None and handed_in(e) for e in rows),
                "review": sum(e.status == "needs_review" for e in rows),
            })
    order = {x: i for i, x in enumerate(lay.all_exercises)}
    return sorted(stats, key=lambda s: (s["mean"] is None, s["mean"] if s["mean"] is not None
                                        else 0, order[s["exercise"]]))


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# grading.py joins the reasons of a row with "; ", and some reasons contain "; "
# themselves ("...within 30 s (an endless loop?); the kernel was restarted"):
# split only where the next piece starts like a reason of its own.
_REASON_START = re.compile(r"(?:the )?(?:visible|hidden) test|the written answer|the solution"
                           r"|not attempted|not answered|written answer|to be graded by hand"
                           r"|nbgrader|all tests passed|\S+\.ipynb|could not|nothing to grade"
                           r"|the tests did not run|reviewed by|flag|tamper|needs review"
                           r"|several copies", re.IGNORECASE)


def split_reasons(reason: str) -> list[str]:
    """The separate reasons in a row's ``reason`` (see ``_REASON_START``).

    >>> split_reasons("hidden tests: the kernel died; it was restarted; visible tests failed: E")
    ['hidden tests: the kernel died; it was restarted', 'visible tests failed: E']
    """
    pieces: list[str] = []
    for piece in reason.split("; "):
        if pieces and not _REASON_START.match(piece.strip()):
            pieces[-1] += "; " + piece
        else:
            pieces.append(piece)
    return [p.strip() for p in pieces if p.strip()]


def failure_reasons(entries: list[Entry], secret: set[str] | None = None,
                    top: int = 3) -> dict[str, list[tuple[str, int]]]:
    """Per exercise, the ``top`` most common reasons for lost points, with their counts.

    A row's reason is split into its reasons (:func:`split_reasons`); reasons
    that differ only in their numbers count as one, shown with "…" for the
    numbers. Rows with full
    marks, and the notes "all tests passed" and "to be graded by hand", are
    not failures. Every reason goes through ``grading.scrub`` with ``secret``.
    """
    scrub = _scrubber(secret)
    groups: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for e in entries:
        if e.score is not None and e.score >= e.max_score:
            continue
        for part in dict.fromkeys(split_reasons(e.reason)):
            if not part or part == ALL_PASSED or MANUAL_WORDS.search(part):
                continue
            part = scrub(part)
            groups[e.exercise][_NUMBER.sub("#", part)][part] += 1
    out = {}
    for x, by_key in groups.items():
        # One wording: shown as is; several (numbers differ): numbers shown as "…".
        ranked = sorted(((sum(c.values()), c.most_common(1)[0][0] if len(c) == 1
                          else _NUMBER.sub("…", c.most_common(1)[0][0]))
                         for c in by_key.values()), key=lambda t: (-t[0], t[1]))
        out[x] = [(text, n) for n, text in ranked[:top]]
    return out


def _scrubber(secret):
    if not secret:
        return lambda text: text
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from grading import scrub

    return lambda text: scrub(text, secret)


def book_secrets(root: Path = ROOT) -> set[str]:
    """Hidden-test and solution lines of the book's exercises (``grading.secrets``)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import grading

    if hasattr(grading, "course_secrets"):
        return grading.course_secrets(root)
    import nbformat
    from grading import discover, secrets

    lines: set[str] = set()
    for a in discover(root):
        for c in a.chapters:
            s = secrets(nbformat.read(c.path, as_version=4))
            lines |= s["hidden"] | s["solution"]
    return lines


def book_captions(root: Path = ROOT) -> dict[str, str]:
    """``{assignment name: part caption}`` from ``_toc.yml`` (empty if it cannot be read)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from grading import slug, toc_parts

        return {slug(caption): caption for caption, _ in toc_parts(root)}
    except Exception:  # noqa: BLE001 - captions are cosmetic; names are used instead
        return {}


# ---------------------------------------------------------------------------
# Gradebooks
# ---------------------------------------------------------------------------

def fmt(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def wide_rows(entries: list[Entry]) -> tuple[list[str], list[list[str]]]:
    """``gradebook.csv``: header and rows, one row per student.

    Columns: ``student``; for each part its exercises (empty: not scored yet)
    and ``<part> total`` (points earned so far); ``total``, ``max_total``,
    ``to_grade_by_hand``, ``needs_review``, ``not_graded`` (numbers of
    exercises) and ``feedback``.
    """
    lay = layout(entries)
    totals = student_totals(entries)
    header = ["student"]
    for p in lay.parts:
        header += lay.exercises[p] + [f"{p} total"]
    header += ["total", "max_total", "to_grade_by_hand", "needs_review", "not_graded",
               "feedback"]
    rows = []
    for s in lay.students:
        t = totals[s]
        row = [s]
        for p in lay.parts:
            for x in lay.exercises[p]:
                e = lay.cell.get((s, x))
                row.append(fmt(e.score) if e else "")
            row.append(fmt(t["parts"][p]["score"]))
        row += [fmt(t["total"]), fmt(t["max"]), str(t["pending"]), str(t["review"]),
                str(t["not_graded"]), t["feedback"]]
        rows.append(row)
    return header, rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig: a byte-order mark, so that Excel (and the LMS imports, which skip it)
    # read non-ASCII names as UTF-8; "\r\n" line ends as RFC 4180 asks.
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_roster(path: Path) -> list[dict[str, str]]:
    """A class list: any CSV with a header, e.g. the LMS's own gradebook export."""
    with Path(path).open(newline="", encoding="utf-8-sig") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = list(csv.DictReader(fh, dialect=dialect))
    return [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in rows
            if "points possible" not in " ".join(str(v) for v in r.values()).lower()]


ID_COLUMNS = ("student", "folder", "username", "sis login id", "login id", "sis user id", "id",
              "id number", "idnumber", "email", "email address", "integration id")


def _norm_name(text: str) -> str:
    return re.sub(r"[\s_.\-]+", " ", text).strip().casefold()


def match_roster(students: list[str], roster: list[dict[str, str]]
                 ) -> tuple[dict[str, dict[str, str]], list[str]]:
    """Match submission folder names to roster rows; return ``(matches, unmatched)``.

    A folder matches a row when it equals (ignoring case) one of its identifier
    columns (``student``, ``username``, ``SIS Login ID``, ``SIS User ID``,
    ``ID``, ``ID number``, an e-mail address or the part before its ``@``), or
    the person's name (``Student`` as "Last, First" or "First Last", or
    ``First name`` + ``Last name``; spaces, dots and underscores alike). Only a
    match with exactly one row counts.
    """
    keys: dict[str, set[int]] = defaultdict(set)
    for i, row in enumerate(roster):
        low = {k.casefold(): v for k, v in row.items()}
        for col in ID_COLUMNS:
            value = low.get(col, "")
            if value:
                keys[value.casefold()].add(i)
                if "@" in value:
                    keys[value.split("@")[0].casefold()].add(i)
        names = []
        if low.get("student") or low.get("name") or low.get("full name"):
            name = low.get("student") or low.get("name") or low.get("full name")
            names.append(name)
            if "," in name:
                last, first = name.split(",", 1)
                names.append(f"{first} {last}")
        if low.get("first name") or low.get("last name"):
            names.append(f"{low.get('first name', '')} {low.get('last name', '')}")
        for name in names:
            keys[_norm_name(name)].add(i)
    matches, unmatched = {}, []
    for s in students:
        found = keys.get(s.casefold(), set()) or keys.get(_norm_name(s), set())
        if len(found) == 1:
            matches[s] = roster[next(iter(found))]
        else:
            unmatched.append(s)
    return matches, unmatched


def _col(row: dict[str, str], *names: str) -> str:
    low = {k.casefold(): v for k, v in row.items()}
    for n in names:
        if low.get(n.casefold()):
            return low[n.casefold()]
    return ""


def canvas_rows(entries: list[Entry], captions: dict[str, str] | None = None,
                roster: list[dict[str, str]] | None = None):
    """Canvas's gradebook import layout: ``Student, ID, SIS User ID, SIS Login ID,
    Section``, then one column per part (a Canvas assignment); the second row,
    ``Points Possible``, gives each part's points for assignments the import creates."""
    lay = layout(entries)
    totals = student_totals(entries)
    captions = captions or {}
    matches, _ = match_roster(lay.students, roster or [])
    titles = [captions.get(p, p) for p in lay.parts]
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + titles
    rows = [["    Points Possible", "", "", "", ""] + [fmt(lay.part_max(p)) for p in lay.parts]]
    for s in lay.students:
        r = matches.get(s, {})
        rows.append([_col(r, "Student") or s, _col(r, "ID"), _col(r, "SIS User ID"),
                     _col(r, "SIS Login ID") or ("" if r else s), _col(r, "Section")]
                    + [fmt(totals[s]["parts"][p]["score"]) for p in lay.parts])
    return header, rows


def moodle_rows(entries: list[Entry], captions: dict[str, str] | None = None,
                roster: list[dict[str, str]] | None = None):
    """A Moodle grade import file: identifier columns (``Username``, ``Email address``,
    ``ID number``: map one of them under "Identify user by"), then one column per part."""
    lay = layout(entries)
    totals = student_totals(entries)
    captions = captions or {}
    matches, _ = match_roster(lay.students, roster or [])
    header = ["Full name", "Username", "Email address", "ID number"] + [
        captions.get(p, p) for p in lay.parts]
    rows = []
    for s in lay.students:
        r = matches.get(s, {})
        full = (" ".join(x for x in (_col(r, "First name"), _col(r, "Last name")) if x)
                or _col(r, "Full name", "Name", "Student") or s)
        rows.append([full, _col(r, "Username", "student") or s,
                     _col(r, "Email address", "Email"), _col(r, "ID number", "idnumber")]
                    + [fmt(totals[s]["parts"][p]["score"]) for p in lay.parts])
    return header, rows


# ---------------------------------------------------------------------------
# The HTML report
# ---------------------------------------------------------------------------

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5;
       max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; color: #1d1d1d; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem;
  border-bottom: 1px solid #ccc; padding-bottom: .2rem; } h3 { margin-bottom: .3rem; }
.lead { color: #444; margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .6rem;
         padding: 0; list-style: none; }
.cards li { border: 1px solid #ccc; border-radius: .4rem; padding: .5rem .8rem; }
.cards b { display: block; font-size: 1.35rem; }
.scroll { overflow-x: auto; margin: .8rem 0; }
table { border-collapse: collapse; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #bbb; padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #eee; } td.num, th.num { text-align: right; white-space: nowrap; }
td.reason { min-width: 14rem; } .id { white-space: nowrap; }
ul.names { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap;
           gap: .1rem .9rem; }
figure { margin: 1rem 0 1.6rem; } figcaption { color: #333; font-size: .92rem; }
.figscroll { overflow-x: auto; }
figure svg { width: 100%; height: auto; min-width: 34rem; display: block; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .3rem; font-size: .85rem;
         white-space: nowrap; }
.needs_review { background: #fde2c8; color: #6b2f00; }
.manual { background: #dde8fb; color: #123a7a; }
.not_graded { background: #f6d2d2; color: #7a1010; }
.graded { background: #d9efe3; color: #0d4a2b; }
a { color: #0645ad; } a:visited { color: #4b2a85; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: #fff; }
@media (max-width: 40rem) { body { padding: .5rem .7rem 2rem; } h1 { font-size: 1.35rem; }
  table { font-size: .85rem; } .cards { grid-template-columns: 1fr 1fr; } }
"""

STATUS_LABEL = {"needs_review": "needs review", "manual": "to grade by hand",
                "not_graded": "could not be graded", "graded": "graded"}
# Colour-blind safe (Okabe-Ito) colours for the score classes.
COLOURS = {"full": "#009E73", "half": "#56B4E9", "some": "#E69F00", "zero": "#D55E00",
           "pending": "#8C8C8C", "missing": "#DDDDDD"}
LABELS = {"full": "full marks", "half": "half or more", "some": "less than half",
          "zero": "zero", "pending": "not scored yet (by hand)", "missing": "not handed in"}


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.0f}%"


def _svg(fig, label: str, fig_id: str) -> str:
    """A matplotlib figure as inline SVG with role="img", a title and an aria-label."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r'<svg([^>]*?)\swidth="[^"]*"\s+height="[^"]*"', r"<svg\1", text, count=1)
    # Two inline SVGs share the page's id space: prefix matplotlib's clip-path ids.
    for old_id in set(re.findall(r'\sid="([^"]+)"', text)):
        new_id = f"{fig_id}-{old_id}"
        text = (text.replace(f'id="{old_id}"', f'id="{new_id}"')
                .replace(f"#{old_id})", f"#{new_id})").replace(f'"#{old_id}"', f'"#{new_id}"'))
    title = html.escape(label)
    text = text.replace("<svg", f'<svg role="img" aria-label="{title}" id="{fig_id}"', 1)
    text = re.sub(r"(<svg[^>]*>)", rf"\1<title>{title}</title>", text, count=1)
    return text


def _matplotlib():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "font.size": 10, "svg.hashsalt": "report",
                         "font.family": "DejaVu Sans"})
    return plt


def part_figure(entries: list[Entry], captions: dict[str, str]) -> tuple[str, str]:
    """Histograms (one panel per part) of each student's share of the part's scored points."""
    plt = _matplotlib()
    lay = layout(entries)
    totals = student_totals(entries)
    n = len(lay.parts)
    cols = 2 if n > 1 else 1
    rows_n = math.ceil(n / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(7, 2.2 * rows_n + 0.3), squeeze=False,
                             sharex=True)
    bins = [i / 10 for i in range(11)]
    summary = []
    for k, p in enumerate(lay.parts):
        ax = axes[k // cols][k % cols]
        fr = [t["parts"][p]["score"] / t["parts"][p]["scored_max"]
              for t in totals.values() if t["parts"][p]["scored_max"] > 0]
        ax.hist(fr, bins=bins, color="#0072B2", edgecolor="white")
        name = captions.get(p, p)
        ax.set_title(f"{name} ({lay.part_max(p):g} points)", fontsize=10)
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel("students")
        ax.spines[["top", "right"]].set_visible(False)
        if fr:
            summary.append(f"{name}: median {pct(statistics.median(fr))}, lowest {pct(min(fr))}, "
                           f"highest {pct(max(fr))}")
        else:
            summary.append(f"{name}: no scored points yet")
    for k in range(n, rows_n * cols):
        axes[k // cols][k % cols].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("share of the part's scored points")
    fig.tight_layout()
    alt = (f"Histograms, one per part, of the share of the part's points each of the "
           f"{len(lay.students)} students earned (written answers not yet graded are left "
           "out). " + "; ".join(summary) + ".")
    return _svg(fig, alt, "fig-parts"), alt


def exercise_figure(stats: list[dict]) -> tuple[str, str]:
    """Stacked horizontal bars: per exercise with a score (hardest at the top), how many
    students scored full marks, half or more, less than half or zero, await a grade by
    hand, or did not hand it in. Exercises nobody has a score for yet are left out."""
    plt = _matplotlib()
    pending = [s["exercise"] for s in stats if s["mean"] is None]
    stats = [s for s in stats if s["mean"] is not None] or stats
    height = 1.0 + 0.26 * len(stats)
    fig, ax = plt.subplots(figsize=(7, height))
    names = [f"{s['exercise']} ({pct(s['mean'])})" for s in stats]
    y = list(range(len(stats)))
    left = [0] * len(stats)
    for key in ("full", "half", "some", "zero", "pending", "missing"):
        widths = [s[key] for s in stats]
        ax.barh(y, widths, left=left, color=COLOURS[key], label=LABELS[key], height=0.75)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_yticks(y, names, fontsize=8.5)
    ax.set_ylim(len(stats) - 0.5, -0.5)            # hardest at the top, no empty margin
    ax.set_xlabel("students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=8.5, frameon=False)
    fig.tight_layout()
    scored = [s for s in stats if s["mean"] is not None]
    result = ""
    if scored:
        hard, easy = scored[0], scored[-1]
        result = (f" Hardest: {hard['exercise']} (mean {pct(hard['mean'])} of its points, "
                  f"{hard['zero']} of {hard['scored']} scored zero); easiest: "
                  f"{easy['exercise']} (mean {pct(easy['mean'])}, {easy['full']} of "
                  f"{easy['scored']} full marks).")
    if pending:
        result += (f" Left out: {len(pending)} exercise(s) with no score yet (written "
                   "answers to grade by hand).")
    alt = ("Stacked bars, one per exercise, ordered from hardest (top) to easiest by the mean "
           "share of points among the students who handed it in, showing how many students "
           "scored full marks, half or more, less than half, zero, are not scored yet, or did "
           "not hand it in." + result)
    return _svg(fig, alt, "fig-exercises"), alt


def _link(target: str, text: str, out: Path) -> str:
    esc = html.escape
    if target and Path(target).is_absolute():
        target = os.path.relpath(target, out)
    if target and not (out / target).exists() and (out / "feedback" / Path(target).name).exists():
        target = f"feedback/{Path(target).name}"      # a path relative to another folder
    if target and (out / target).exists():
        return f'<a href="{esc(Path(target).as_posix(), quote=True)}">{esc(text)}</a>'
    return f"{esc(text)} <small>(no page)</small>"


def report_html(entries: list[Entry], out: Path, captions: dict[str, str] | None = None,
                secret: set[str] | None = None, title: str = "Class report") -> str:
    """The whole report page as a string (links are relative to ``out``)."""
    import time

    esc = html.escape
    captions = captions or {}
    scrub = _scrubber(secret)
    lay = layout(entries)
    totals = student_totals(entries)
    stats = exercise_stats(entries)
    reasons = failure_reasons(entries, secret)
    status_counts = Counter(e.status for e in entries)
    review = [e for e in entries if e.status in ("needs_review", "manual", "not_graded")]
    students_review = {e.student for e in entries if e.status in ("needs_review", "not_graded")}
    total_max = sum(lay.part_max(p) for p in lay.parts)
    class_totals = [totals[s]["total"] for s in lay.students]

    parts_svg, _ = part_figure(entries, captions)
    ex_svg, _ = exercise_figure(stats)
    h: list[str] = []
    add = h.append
    add('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>")
    add('<a class="skip" href="#main">Skip to the report</a><main id="main">')
    add(f"<h1>{esc(title)}</h1>")
    add(f'<p class="lead">From <code>grades.csv</code>, {time.strftime("%Y-%m-%d %H:%M")}. '
        f"{len(lay.students)} students, {len(lay.parts)} part(s), "
        f"{len(lay.all_exercises)} exercises, {total_max:g} points in all.</p>")
    add('<nav aria-label="Sections"><ul>'
        '<li><a href="#parts">Scores per part</a></li>'
        '<li><a href="#exercises">Exercises by difficulty</a></li>'
        '<li><a href="#reasons">Most common reasons for lost points</a></li>'
        '<li><a href="#review">Submissions that need a human</a></li>'
        '<li><a href="#students">All students and their feedback pages</a></li></ul></nav>')
    add('<ul class="cards" aria-label="Summary">')
    for label, value in [
            ("students", len(lay.students)),
            ("median total (scored so far)",
             f"{statistics.median(class_totals):g} / {total_max:g}"),
            ("students to review", len(students_review)),
            ("answers to grade by hand", status_counts["manual"]),
            ("exercises not graded", status_counts["not_graded"])]:
        add(f"<li><b>{esc(str(value))}</b>{esc(label)}</li>")
    add("</ul>")

    add('<section aria-labelledby="parts"><h2 id="parts">Scores per part</h2>')
    add('<figure aria-labelledby="cap-parts"><div class="figscroll" tabindex="0" role="group" '
        'aria-label="figure, scrolls sideways on a narrow screen">' + parts_svg + "</div>" +
        '<figcaption id="cap-parts">Each student\'s share of the points of each part, over the '
        "exercises that have a score (written answers still to be graded by hand are left out, "
        "so a share is of the autograded points until they are graded).</figcaption></figure>")
    add('<div class="scroll" tabindex="0"><table><caption>Points per part</caption><thead><tr>'
        '<th scope="col">part</th><th scope="col">assignment</th><th scope="col" class="num">'
        'exercises</th><th scope="col" class="num">points</th><th scope="col" class="num">'
        'median earned</th><th scope="col" class="num">mean earned</th><th scope="col" '
        'class="num">to grade by hand</th></tr></thead><tbody>')
    for p in lay.parts:
        earned = [totals[s]["parts"][p]["score"] for s in lay.students]
        pend = sum(totals[s]["parts"][p]["pending"] for s in lay.students)
        add(f'<tr><th scope="row">{esc(captions.get(p, p))}</th><td><code>{esc(p)}</code></td>'
            f'<td class="num">{len(lay.exercises[p])}</td><td class="num">{lay.part_max(p):g}</td>'
            f'<td class="num">{statistics.median(earned):g}</td>'
            f'<td class="num">{statistics.fmean(earned):.1f}</td><td class="num">{pend}</td></tr>')
    add("</tbody></table></div></section>")

    add('<section aria-labelledby="exercises"><h2 id="exercises">Exercises by difficulty</h2>')
    add('<figure aria-labelledby="cap-ex"><div class="figscroll" tabindex="0" role="group" '
        'aria-label="figure, scrolls sideways on a narrow screen">' + ex_svg + "</div>" +
        '<figcaption id="cap-ex">How the class scored on each exercise, hardest first (in '
        "brackets: the mean share of the exercise's points, over the students who handed it in "
        "and have a score). Exercises that have no score yet (written answers to grade by hand) "
        "are left out; the table lists them last."
        "</figcaption></figure>")
    add('<div class="scroll" tabindex="0"><table><caption>Exercises ranked by the mean '
        'share of points (hardest first)</caption><thead><tr><th scope="col" class="num">rank</th>'
        '<th scope="col">exercise</th><th scope="col">part</th><th scope="col" class="num">'
        'points</th><th scope="col" class="num">mean</th><th scope="col" class="num">median'
        '</th><th scope="col" class="num">full marks</th><th scope="col" class="num">zero</th>'
        '<th scope="col" class="num">by hand</th><th scope="col" class="num">to review'
        '</th><th scope="col" class="num">missing</th></tr></thead><tbody>')
    for i, s in enumerate(stats, start=1):
        add(f'<tr><td class="num">{i}</td><th scope="row" class="id">{esc(s["exercise"])}</th>'
            f'<td>{esc(captions.get(s["part"], s["part"]))}</td><td class="num">{s["max"]:g}</td>'
            f'<td class="num">{pct(s["mean"])}</td><td class="num">{pct(s["median"])}</td>'
            f'<td class="num">{s["full"]}</td><td class="num">{s["zero"]}</td>'
            f'<td class="num">{s["pending"]}</td><td class="num">{s["review"]}</td>'
            f'<td class="num">{s["missing"]}</td></tr>')
    add("</tbody></table></div><p>Mean and median: share of the exercise's points among the "
        "students who handed the notebook in and have a score. <em>by hand</em>: written "
        "answers not graded yet; <em>to review</em>: see below; <em>missing</em>: the notebook "
        "was not handed in.</p></section>")

    add('<section aria-labelledby="reasons"><h2 id="reasons">Most common reasons for lost '
        "points</h2><p>From the reasons in <code>grades.csv</code>, which are what students "
        "read on their feedback pages (never a hidden test). Reasons that differ only in a "
        "number count as one, with the numbers shown as …</p>")
    if reasons:
        add('<div class="scroll" tabindex="0"><table><caption>Top reasons per exercise'
            '</caption><thead><tr>'
            '<th scope="col">exercise</th><th scope="col">reason</th><th scope="col" '
            'class="num">students</th></tr></thead><tbody>')
        for s in stats:
            items = reasons.get(s["exercise"], [])
            for k, (text, count) in enumerate(items):
                head = (f'<th scope="rowgroup" rowspan="{len(items)}" class="id">'
                        f'{esc(s["exercise"])}</th>'
                        if k == 0 else "")
                add(f'<tr>{head}<td class="reason">{esc(text)}</td>'
                    f'<td class="num">{count}</td></tr>')
        add("</tbody></table></div>")
    else:
        add("<p>No points were lost.</p>")
    add("</section>")

    add('<section aria-labelledby="review"><h2 id="review">Submissions that need a human</h2>'
        "<p>Endless loops, dead kernels, tampering flags and notebooks that could not be read "
        "(check that the score is fair), exercises the grader could not grade, and written "
        "answers to grade by hand (nbgrader's formgrader in <code>grading/</code>).</p>")
    check = [e for e in review if e.status != "manual"]
    by_hand: dict[str, list[str]] = defaultdict(list)
    for e in review:
        if e.status == "manual":
            by_hand[e.student].append(e.exercise)
    if check:
        order = {"not_graded": 0, "needs_review": 1}
        check.sort(key=lambda e: (order[e.status], _sort_key(e.student), e.exercise))
        add(f'<div class="scroll" tabindex="0"><table><caption>{len(check)} exercise(s) of '
            f"{len({e.student for e in check})} student(s) to check</caption><thead><tr>"
            '<th scope="col">student</th><th scope="col">exercise</th><th scope="col">status'
            '</th><th scope="col" class="num">score</th><th scope="col">reason</th></tr>'
            "</thead><tbody>")
        for e in check:
            add(f'<tr><th scope="row">{_link(e.feedback, e.student, out)}</th>'
                f"<td class=\"id\">{esc(e.exercise)}</td><td><span class=\"badge {e.status}\">"
                f"{esc(STATUS_LABEL[e.status])}</span></td>"
                f'<td class="num">{fmt(e.score) or "–"} / {e.max_score:g}</td>'
                f'<td class="reason">{esc(scrub(e.reason))}</td></tr>')
        add("</tbody></table></div>")
    else:
        add("<p>No submission needs checking (no endless loop, dead kernel, flag or "
            "unreadable notebook).</p>")
    if by_hand:
        # Students with the same answers to grade share a row: usually the whole class.
        groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for student, exercises in by_hand.items():
            groups[tuple(sorted(exercises))].append(student)
        rows = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        n_answers = sum(len(v) for v in by_hand.values())
        add(f'<div class="scroll" tabindex="0"><table><caption>{n_answers} written answer(s) '
            f"of {len(by_hand)} student(s) to grade by hand</caption><thead><tr>"
            '<th scope="col">written answers</th><th scope="col" class="num">students</th>'
            '<th scope="col">who (feedback pages)</th></tr></thead><tbody>')
        for exercises, students in rows:
            people = sorted(students, key=_sort_key)
            add('<tr><td><ul class="names">'
                + "".join(f'<li class="id">{esc(x)}</li>' for x in exercises)
                + f'</ul></td><td class="num">{len(people)}</td><td><ul class="names">'
                + "".join(f"<li>{_link(totals[s]['feedback'], s, out)}</li>" for s in people)
                + "</ul></td></tr>")
        add("</tbody></table></div>")
    add("</section>")

    add('<section aria-labelledby="students"><h2 id="students">All students and their '
        "feedback pages</h2>")
    add('<div class="scroll" tabindex="0"><table><caption>Points per part (scored so far) and total'
        '</caption><thead><tr><th scope="col">student (feedback page)</th>'
        + "".join(f'<th scope="col" class="num">{esc(captions.get(p, p))}'
                  f"<br><small>of {lay.part_max(p):g}</small></th>" for p in lay.parts)
        + f'<th scope="col" class="num">total<br><small>of {total_max:g}</small></th>'
        '<th scope="col">open items</th></tr></thead><tbody>')
    for s in lay.students:
        t = totals[s]
        items = []
        for key, status in (("not_graded", "not_graded"), ("review", "needs_review"),
                            ("pending", "manual")):
            if t[key]:
                items.append(f'<span class="badge {status}">{t[key]} '
                             f"{esc(STATUS_LABEL[status])}</span>")
        add(f'<tr><th scope="row">{_link(t["feedback"], s, out)}</th>'
            + "".join(f'<td class="num">{fmt(t["parts"][p]["score"])}</td>' for p in lay.parts)
            + f'<td class="num">{fmt(t["total"])}</td><td>{" ".join(items) or "–"}</td></tr>')
    add("</tbody></table></div></section>")
    add("<footer><p>Gradebooks for import: <code>gradebook.csv</code> (all columns), "
        "<code>gradebook_canvas.csv</code>, <code>gradebook_moodle.csv</code> "
        "(see the instructor appendix of the book).</p></footer>")
    add("</main></body></html>\n")
    return "\n".join(h)


# ---------------------------------------------------------------------------
# Everything at once, and the release table
# ---------------------------------------------------------------------------

def write_all(out: Path, root: Path = ROOT, roster: Path | None = None,
              secret: set[str] | None = None) -> dict[str, Path]:
    """Read ``out/grades.csv``; write the report and the three gradebooks next to it."""
    out = Path(out)
    entries = read_grades(out / "grades.csv")
    captions = book_captions(root)
    if secret is None:
        try:
            secret = book_secrets(root)
        except Exception as exc:  # noqa: BLE001 - without the book, the reasons are used as is
            print(f"note: hidden-test lines not available for scrubbing ({exc})", file=sys.stderr)
            secret = set()
    people = read_roster(roster) if roster else None
    paths = {
        "report": out / "report.html",
        "gradebook": _write(out / "gradebook.csv", *wide_rows(entries)),
        "canvas": _write(out / "gradebook_canvas.csv", *canvas_rows(entries, captions, people)),
        "moodle": _write(out / "gradebook_moodle.csv", *moodle_rows(entries, captions, people)),
    }
    (out / "report.html").write_text(report_html(entries, out, captions, secret),
                                     encoding="utf-8")
    if people is not None:
        _, unmatched = match_roster(layout(entries).students, people)
        if unmatched:
            print(f"note: {len(unmatched)} student(s) not found in {roster}: "
                  + ", ".join(unmatched), file=sys.stderr)
    return paths


def after_grading(out: Path, root: Path = ROOT) -> str:
    """:func:`write_all` for ``grading.grade``: the line to print about the report.

    A problem with the report never undoes a grading run: it is reported in
    the returned line (``grades.csv`` and the feedback pages are written by then).
    """
    try:
        paths = write_all(out, root)
    except Exception as exc:  # noqa: BLE001 - reported; `make report` shows the traceback
        return (f"  the class report could not be written ({type(exc).__name__}: {exc}); "
                "fix grades.csv and run `make report`")
    return f"  {paths['report']}  (class report; gradebooks for Canvas and Moodle beside it)"


def release_table(rows: list[dict]) -> str:
    """An aligned text table of what ``make release`` wrote.

    ``rows``: ``{"part", "notebooks", "exercises", "manual", "points", "zip"}`` (the zip's
    name is the assignment's).
    """
    header = ["part", "notebooks", "exercises", "by hand", "points", "zip"]
    body = [[r["part"], str(r["notebooks"]), str(r["exercises"]), str(r["manual"]),
             fmt(r["points"]), str(r["zip"])] for r in rows]
    if len(rows) > 1:
        body.append(["total", str(sum(r["notebooks"] for r in rows)),
                     str(sum(r["exercises"] for r in rows)), str(sum(r["manual"] for r in rows)),
                     fmt(sum(r["points"] for r in rows)), ""])
    right = {1, 2, 3, 4}
    widths = [max(len(x[i]) for x in [header] + body) for i in range(len(header))]

    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    lines = [line(header), rule] + [line(b) for b in body[:len(rows)]]
    if len(body) > len(rows):
        lines += [rule, line(body[-1])]
    return "\n".join(lines)


def release_summary(assignments, out: Path) -> str:
    """``release_table`` for ``grading.Assignment`` objects released into ``out``."""
    rows = []
    for a in assignments:
        zip_path = Path(out) / f"{a.name}.zip"
        try:
            shown = os.path.relpath(zip_path)
        except ValueError:
            shown = str(zip_path)
        rows.append({"part": a.caption, "notebooks": len(a.chapters),
                     "exercises": len(a.exercises), "manual": sum(e.manual for e in a.exercises),
                     "points": sum(e.max_score for e in a.exercises),
                     "zip": shown if not shown.startswith("..") else str(zip_path)})
    return release_table(rows)


GRADE_USAGE = """\
usage: make grade SUBMISSIONS=DIR [TIMEOUT=30] [JOBS=2] [GRADES=grading/results]
                  [ASSIGNMENT=name] [SANDBOX=...] [OVERRIDES=file] [MEMORY=...]
  DIR holds one sub-folder per student with that student's notebooks, or is
  nbgrader's submitted/ folder (see book/instructor.md, "Collecting").

Try it on a made-up student who hands in the untouched release (every exercise
scores 0; paste the two lines):

  make release && mkdir -p submissions-demo/demo_student && cp release/{first}/*.ipynb submissions-demo/demo_student/
  make grade SUBMISSIONS=submissions-demo
"""


def grade_usage(root: Path = ROOT) -> str:
    """What ``make grade`` prints without SUBMISSIONS: a usage line and a pasteable example."""
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from grading import discover

        first = discover(root)[0].name
    except Exception:  # noqa: BLE001 - fall back to the book's first part
        first = "getting-started"
    text = GRADE_USAGE.format(first=first)
    existing = [d for d in ("submissions", "grading/submitted")
                if (root / d).is_dir() and any(p.is_dir() for p in (root / d).iterdir())]
    if existing:
        text += ("\nOr grade the folder that is already here:\n\n"
                 f"  make grade SUBMISSIONS={existing[0]}\n")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=ROOT / "grading" / "results",
                        help="the folder with grades.csv (default grading/results)")
    parser.add_argument("--roster", type=Path, default=None,
                        help="a class list, e.g. the gradebook exported from Canvas or Moodle, "
                             "to fill in the LMS's student ids")
    parser.add_argument("--grade-usage", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.grade_usage:
        print(grade_usage(ROOT), end="")
        return 2
    if not (args.results / "grades.csv").exists():
        parser.error(f"{args.results / 'grades.csv'} does not exist: run make grade first")
    if args.roster is not None and not args.roster.exists():
        parser.error(f"roster {args.roster} does not exist")
    paths = write_all(args.results, ROOT, args.roster)
    for key in ("report", "gradebook", "canvas", "moodle"):
        print(f"  {paths[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
