"""The class report and the gradebook exports (tools/grade_report.py).

Unit tests run on a synthetic ``grades.csv``; every expected number is computed
here from the rows written to that CSV, never by the module under test. The
end-to-end test (marker ``grading``) grades a small class with the real grader
and checks the report and the exports against the ``grades.csv`` it wrote. The
browser tests (marker ``browser``) audit the report page in Chromium with the
network blocked.
"""

from __future__ import annotations

import contextlib
import csv
import shutil
import html
import re
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import grade_report as gr  # noqa: E402

BOM = b"\xef\xbb\xbf"
HEADER = ["student", "assignment", "exercise", "score", "max_score", "reason"]

# (student, assignment, exercise, score, max, reason, intended status)
ROWS = [
    ("Zoë Ångström", "part-one", "a-ex1", "3", "3", "all tests passed", "graded"),
    ("Zoë Ångström", "part-one", "a-ex2", "", "2",
     "written answer: to be graded by hand (nbgrader formgrader in grading/)", "manual"),
    ("Zoë Ångström", "part-two", "b-ex1", "4", "4", "all tests passed", "graded"),
    ("Zoë Ångström", "part-two", "b-ex3", "1", "2",
     "hidden tests failed (AssertionError)", "graded"),
    ("李雷", "part-one", "a-ex1", "0", "3",
     "visible tests: the cell did not finish within 30 s (an endless loop?); the kernel "
     "was restarted", "needs_review"),
    ("李雷", "part-one", "a-ex2", "", "2",
     "written answer: to be graded by hand (nbgrader formgrader in grading/)", "manual"),
    ("李雷", "part-two", "b-ex1", "2", "4",
     "visible tests failed: AssertionError: expected 0.25, got 0.5", "graded"),
    ("李雷", "part-two", "b-ex3", "2", "2", "all tests passed", "graded"),
    ("Lovelace, Ada", "part-one", "a-ex1", "1", "3",
     "hidden tests failed (AssertionError)", "graded"),
    ("Lovelace, Ada", "part-one", "a-ex2", "0", "2", "all tests passed", "needs_review"),
    ("Lovelace, Ada", "part-two", "b-ex1", "0", "4",
     "visible tests failed: AssertionError: expected 0.25, got 0.75", "graded"),
    ("Lovelace, Ada", "part-two", "b-ex3", "0", "2",
     "hidden tests: the kernel died while running this cell (os._exit, a crash or out of "
     "memory); it was restarted", "needs_review"),
    ("bob", "part-one", "a-ex1", "0", "3", "a-ex1.ipynb was not submitted", "graded"),
    ("bob", "part-one", "a-ex2", "0", "2", "a-ex1.ipynb was not submitted", "graded"),
    ("bob", "part-two", "b-ex1", "0", "4",
     "nbgrader could not grade the notebook (KeyError)", "not_graded"),
    ("bob", "part-two", "b-ex3", "0", "2",
     "nbgrader could not grade the notebook (KeyError)", "not_graded"),
]
SECRET = "assert abs(edge(1e-6) - 27.6310) < 1e-3  # planted"


def _write_grades(folder: Path, rows=ROWS, extra_reason: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "grades.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for r in rows:
            reason = r[5] + (extra_reason or {}).get((r[0], r[2]), "")
            w.writerow([r[0], r[1], r[2], r[3], r[4], reason])
    return folder / "grades.csv"


def _feedback_pages(folder: Path) -> None:
    """One page per student, named as the grader names them."""
    sys.path.insert(0, str(ROOT / "tools"))
    from grading import student_id

    taken: set[str] = set()
    for name in sorted({r[0] for r in ROWS}):
        page = folder / "feedback" / f"{student_id(name, taken)}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<!DOCTYPE html><html lang='en'><title>{html.escape(name)}</title>"
                        "<body><p>feedback</p></body></html>", encoding="utf-8")


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))


def _long(rows=ROWS):
    """Independent sums from the long rows: per student, per (student, part), per exercise."""
    total, part, pending = defaultdict(float), defaultdict(float), defaultdict(int)
    for s, a, x, score, mx, reason, status in rows:
        total[s] += float(score or 0)
        part[(s, a)] += float(score or 0)
        pending[s] += score == ""
    return total, part, pending


@pytest.fixture()
def results(tmp_path):
    out = tmp_path / "results"
    _write_grades(out, extra_reason={("Lovelace, Ada", "a-ex1"): f"; {SECRET}"})
    _feedback_pages(out)
    paths = gr.write_all(out, ROOT, secret={SECRET})
    return out, paths


# ---------------------------------------------------------------------------
# Reading and deriving
# ---------------------------------------------------------------------------

def test_status_is_derived_from_the_reason_when_the_column_is_absent(tmp_path):
    _write_grades(tmp_path)
    entries = gr.read_grades(tmp_path / "grades.csv")
    assert [(e.student, e.exercise, e.status) for e in entries] == \
        [(r[0], r[2], r[6]) for r in ROWS]


def test_status_and_feedback_columns_are_used_when_present(tmp_path):
    with (tmp_path / "grades.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER + ["status", "feedback"])
        w.writerow(["ann", "p", "x-ex1", "0", "2", "tests were altered", "needs_review",
                    "feedback/ann-42.html"])
        w.writerow(["ann", "p", "x-ex2", "2", "2", "all tests passed", "", ""])
        w.writerow(["ann", "p", "x-ex3", "1.5", "2", "to be graded by hand", "manual", ""])
    a, b, c = gr.read_grades(tmp_path / "grades.csv")
    assert (a.status, a.feedback) == ("needs_review", "feedback/ann-42.html")
    assert (b.status, b.feedback) == ("graded", "feedback/ann.html")
    assert (c.status, c.score) == ("graded", 1.5)     # a hand grade filled in later


@pytest.mark.parametrize("change, message", [
    (lambda r: r[:3] + ["many", r[4], r[5]], "is not a number"),
    (lambda r: r[:3] + ["9", "3", r[5]], "exceeds max_score"),
    (lambda r: r[:3] + ["nan", "3", r[5]], "not a finite number"),
    (lambda r: r[:3] + ["-1", "3", r[5]], "not a finite number"),
    (lambda r: r[:4] + [""] + r[5:], "max_score is empty"),
])
def test_bad_rows_are_refused_with_the_line_number(tmp_path, change, message):
    rows = [list(r[:6]) for r in ROWS]
    rows[2] = change(rows[2])
    with (tmp_path / "grades.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([HEADER] + rows)
    with pytest.raises(ValueError, match=rf"line 4: .*{message}"):
        gr.read_grades(tmp_path / "grades.csv")


def test_missing_column_and_duplicate_row_are_refused(tmp_path):
    (tmp_path / "grades.csv").write_text("student,exercise,score\nann,x,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="assignment, max_score, reason"):
        gr.read_grades(tmp_path / "grades.csv")
    _write_grades(tmp_path, ROWS + [ROWS[0]])
    with pytest.raises(ValueError, match="a second row for 'Zoë Ångström', 'a-ex1'"):
        gr.read_grades(tmp_path / "grades.csv")


# ---------------------------------------------------------------------------
# Gradebooks
# ---------------------------------------------------------------------------

def test_wide_gradebook_totals_equal_the_long_sums(results):
    out, paths = results
    rows = _read(paths["gradebook"])
    header, body = rows[0], rows[1:]
    total, part, pending = _long()
    assert sorted(r[0] for r in body) == sorted(total)
    exercises = {r[2]: r[1] for r in ROWS}
    for line in body:
        rec = dict(zip(header, line))
        s = rec["student"]
        assert float(rec["total"]) == pytest.approx(total[s])
        for a in {"part-one", "part-two"}:
            assert float(rec[f"{a} total"]) == pytest.approx(part[(s, a)])
        for x in exercises:
            long_score = next(r[3] for r in ROWS if r[0] == s and r[2] == x)
            assert rec[x] == long_score              # "" stays "" (not scored yet)
        assert float(rec["max_total"]) == sum(float(r[4]) for r in ROWS if r[0] == s)
        assert int(rec["to_grade_by_hand"]) == pending[s]
        assert int(rec["needs_review"]) == sum(r[6] == "needs_review" for r in ROWS if r[0] == s)
        assert rec["feedback"].startswith("feedback/") and (out / rec["feedback"]).exists()


def test_non_ascii_names_round_trip_with_a_byte_order_mark(results):
    _, paths = results
    names = {r[0] for r in ROWS}
    for key in ("gradebook", "canvas", "moodle"):
        raw = paths[key].read_bytes()
        assert raw.startswith(BOM), key
        assert not raw[3:].startswith(BOM), key
        text = raw[3:].decode("utf-8")
        for name in ("Zoë Ångström", "李雷"):
            assert name in text, (key, name)
        first = [r[0] for r in _read(paths[key])[1:] if "Points Possible" not in r[0]]
        assert set(first) == names, key
    # the name with a comma is quoted, not split
    assert '"Lovelace, Ada"' in paths["gradebook"].read_text(encoding="utf-8-sig")


def test_canvas_layout(results):
    _, paths = results
    rows = _read(paths["canvas"])
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5:] == ["part-one", "part-two"]          # captions when the book knows them
    assert rows[1][0].strip() == "Points Possible"
    assert [float(v) for v in rows[1][5:]] == [3 + 2, 4 + 2]
    _, part, _ = _long()
    for line in rows[2:]:
        assert [float(v) for v in line[5:]] == [part[(line[0], "part-one")],
                                                 part[(line[0], "part-two")]]
        assert line[3] == line[0]           # no roster: the folder name as SIS Login ID


def test_moodle_layout(results):
    _, paths = results
    rows = _read(paths["moodle"])
    assert rows[0] == ["Full name", "Username", "Email address", "ID number", "part-one",
                       "part-two"]
    _, part, _ = _long()
    for line in rows[1:]:
        assert line[1] == line[0]
        assert [float(v) for v in line[4:]] == [part[(line[0], "part-one")],
                                                 part[(line[0], "part-two")]]


def test_a_broken_grades_csv_does_not_undo_a_grading_run(tmp_path):
    _write_grades(tmp_path, ROWS + [ROWS[0]])
    line = gr.after_grading(tmp_path, ROOT)
    assert "could not be written" in line and "a second row" in line
    assert not (tmp_path / "report.html").exists()
    _write_grades(tmp_path)
    assert str(tmp_path / "report.html") in gr.after_grading(tmp_path, ROOT)
    assert (tmp_path / "report.html").exists()


def test_a_roster_exported_from_canvas_fills_in_the_ids(tmp_path):
    out = tmp_path / "results"
    _write_grades(out)
    roster = tmp_path / "canvas_export.csv"
    roster.write_bytes(BOM + (
        "Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (77)\r\n"
        "    Points Possible,,,,,10\r\n"
        '"Ångström, Zoë",1001,S-1,zangstrom,Sec A,7\r\n'
        "李雷,1002,S-2,lilei,Sec B,8\r\n"
        '"Lovelace, Ada",1003,S-3,ada,Sec A,9\r\n').encode("utf-8"))
    gr.write_all(out, ROOT, roster=roster, secret=set())
    rows = {r[0]: r for r in _read(out / "gradebook_canvas.csv")[2:]}
    assert rows["Ångström, Zoë"][1:5] == ["1001", "S-1", "zangstrom", "Sec A"]  # First Last
    assert rows["李雷"][1:5] == ["1002", "S-2", "lilei", "Sec B"]
    assert rows["Lovelace, Ada"][1:5] == ["1003", "S-3", "ada", "Sec A"]
    assert rows["bob"][1:5] == ["", "", "bob", ""]                      # not in the roster


def test_a_moodle_roster_matches_by_username_or_email(tmp_path):
    roster = [{"First name": "Ada", "Last name": "Lovelace", "Email address": "ada@uni.example",
               "ID number": "77"},
              {"First name": "Bob", "Last name": "B", "Email address": "bob@uni.example",
               "ID number": "78"},
              {"First name": "Bob", "Last name": "C", "Email address": "bob@other.example",
               "ID number": "79"}]
    matches, unmatched = gr.match_roster(["Ada_Lovelace", "ada", "bob", "zed"], roster)
    assert matches["Ada_Lovelace"]["ID number"] == "77" and matches["ada"]["ID number"] == "77"
    assert set(unmatched) == {"bob", "zed"}          # "bob" is ambiguous: never guessed


# ---------------------------------------------------------------------------
# The report's numbers, read back from its HTML
# ---------------------------------------------------------------------------

ITEM = "\u2063"            # marks a list item inside a table cell (not whitespace)


def items(cell: str) -> list[str]:
    return [t.strip() for t in cell.split(ITEM) if t.strip()]


class Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts (rowspan cells repeated)."""

    def __init__(self):
        super().__init__()
        self.tables, self.links, self.svgs, self._cell, self._row = [], [], [], None, None
        self._span: dict[int, tuple[str, int]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._cell = ["caption"]
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [int(a.get("rowspan", 1))]
        elif tag == "a":
            self.links.append(a.get("href"))
        elif tag == "li" and self._cell is not None:
            self._cell.append(ITEM)
        elif tag == "svg":
            self.svgs.append(a)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag == "caption" and self._cell:
            self.tables[-1]["caption"] = "".join(self._cell[1:]).strip()
            self._cell = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            col = len(self._row)
            while col in self._span:
                text, left = self._span.pop(col)
                self._row.append(text)
                if left > 1:
                    self._span[col] = (text, left - 1)
                col += 1
            text = " ".join("".join(self._cell[1:]).split())
            if self._cell[0] > 1:
                self._span[col] = (text, self._cell[0] - 1)
            self._row.append(text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            col = len(self._row)
            while col in self._span:
                text, left = self._span.pop(col)
                self._row.append(text)
                if left > 1:
                    self._span[col] = (text, left - 1)
                col += 1
            self.tables[-1]["rows"].append(self._row)
            self._row = None


def parse_report(path: Path) -> Tables:
    p = Tables()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def table(parsed: Tables, caption_start: str) -> list[list[str]]:
    found = [t["rows"] for t in parsed.tables if t["caption"].startswith(caption_start)]
    assert len(found) == 1, [t["caption"] for t in parsed.tables]
    return found[0]


def check_report_against_long(report: Path, rows: list[dict]) -> None:
    """The report's numbers recomputed from the long rows (dicts as read from grades.csv)."""
    parsed = parse_report(report)
    by_student = defaultdict(float)
    for r in rows:
        by_student[r["student"]] += float(r["score"] or 0)
    students = table(parsed, "Points per part (scored so far)")
    body = students[1:]
    assert {r[0].replace(" (no page)", "") for r in body} == set(by_student)
    for line in body:
        assert float(line[-2]) == pytest.approx(by_student[line[0]])
    # ranking: mean share of the points over the scored rows of those who handed the
    # notebook in, ascending
    shares = defaultdict(list)
    for r in rows:
        if r["score"] != "" and "was not submitted" not in r["reason"]:
            shares[r["exercise"]].append(float(r["score"]) / float(r["max_score"]))
    ranked = table(parsed, "Exercises ranked")[1:]
    means = {x: sum(v) / len(v) for x, v in shares.items()}
    shown = [(line[1], line[4]) for line in ranked]
    assert {x for x, _ in shown} == {r["exercise"] for r in rows}
    for x, text in shown:
        assert text == ("–" if x not in means else f"{100 * means[x]:.0f}%"), x
    scored = [x for x, _ in shown if x in means]
    assert [means[x] for x in scored] == sorted(means[x] for x in scored)
    # every row that needs a human is listed once
    check = [r for r in rows if r["_status"] in ("needs_review", "not_graded")]
    listed = table(parsed, f"{len(check)} exercise(s) of")[1:]
    assert sorted((line[0], line[1]) for line in listed) == \
        sorted((r["student"], r["exercise"]) for r in check)
    by_hand = [r for r in rows if r["_status"] == "manual"]
    if by_hand:
        groups = table(parsed, f"{len(by_hand)} written answer(s) of")[1:]
        pairs = [(s, x) for line in groups for x in items(line[0]) for s in items(line[2])]
        assert sorted(pairs) == sorted((r["student"], r["exercise"]) for r in by_hand)
        for line in groups:
            assert int(line[1]) == len(items(line[2]))


def _rows_with_status(rows=ROWS) -> list[dict]:
    return [dict(zip(HEADER + ["_status"], (*r[:6], r[6]))) for r in rows]


def test_report_numbers_match_the_long_rows(results):
    out, paths = results
    rows = _rows_with_status()
    rows[8]["reason"] += f"; {SECRET}"
    check_report_against_long(paths["report"], rows)


def test_report_links_every_feedback_page_and_nothing_external(results):
    out, paths = results
    parsed = parse_report(paths["report"])
    pages = {p.relative_to(out).as_posix() for p in (out / "feedback").glob("*.html")}
    assert pages <= set(parsed.links)
    for link in parsed.links:
        assert link.startswith("#") or (out / link).exists(), link
    raw = paths["report"].read_text(encoding="utf-8")
    assert not re.search(r"(src|href)=\"(https?:)?//", raw)
    assert "@import" not in raw and "<script" not in raw


def test_report_scrubs_secret_lines_from_reasons(results):
    _, paths = results
    raw = html.unescape(paths["report"].read_text(encoding="utf-8"))
    assert "edge(1e-6)" not in raw
    assert "[hidden]" in raw or "withheld" in raw       # grading.scrub's replacement


def test_most_common_reasons_are_counted(results):
    _, paths = results
    parsed = parse_report(paths["report"])
    reasons = table(parsed, "Top reasons per exercise")[1:]
    b1 = [(r[1], r[2]) for r in reasons if r[0] == "b-ex1"]
    # Two students lost points on b-ex1 with messages that differ only in a number,
    # a third because the notebook could not be graded.
    assert [n for _, n in b1] == ["2", "1"]
    assert b1[0][0] == "visible tests failed: AssertionError: expected …, got …"
    assert b1[1][0] == "nbgrader could not grade the notebook (KeyError)"
    assert not any("all tests passed" in r[1] or "by hand" in r[1] for r in reasons)


def test_figures_are_inline_svg_with_alt_text_stating_the_result(results):
    _, paths = results
    parsed = parse_report(paths["report"])
    assert len(parsed.svgs) == 2
    for svg in parsed.svgs:
        assert svg.get("role") == "img" and len(svg.get("aria-label", "")) > 60
    means = defaultdict(list)
    for r in ROWS:
        if r[3] != "" and "was not submitted" not in r[5]:
            means[r[2]].append(float(r[3]) / float(r[4]))
    hardest = min(means, key=lambda x: sum(means[x]) / len(means[x]))
    label = html.unescape(parsed.svgs[1]["aria-label"])
    assert f"Hardest: {hardest}" in label
    # the parts figure states each part's median share (over the scored exercises)
    import statistics

    label = html.unescape(parsed.svgs[0]["aria-label"])
    for part in ("part-one", "part-two"):
        shares = []
        for student in {r[0] for r in ROWS}:
            mine = [r for r in ROWS if r[0] == student and r[1] == part and r[3] != ""]
            shares.append(sum(float(r[3]) for r in mine) / sum(float(r[4]) for r in mine))
        assert f"{part}: median {100 * statistics.median(shares):.0f}%" in label, label
    raw = paths["report"].read_text(encoding="utf-8")
    assert 'lang="en"' in raw and "<h1>" in raw and 'scope="col"' in raw


# ---------------------------------------------------------------------------
# make release and make grade: what they print
# ---------------------------------------------------------------------------

def test_release_table_is_aligned_and_sums_the_parts():
    rows = [{"part": "Getting started", "notebooks": 1,
             "exercises": 1, "manual": 0, "points": 3, "zip": "release/getting-started.zip"},
            {"part": "Activation functions", "notebooks": 6, "exercises": 24, "manual": 12,
             "points": 60.5,
             "zip": "release/activation-functions.zip"}]
    text = gr.release_table(rows)
    lines = text.splitlines()
    assert lines[0].split() == ["part", "notebooks", "exercises", "by", "hand", "points", "zip"]
    assert lines[-1].split() == ["total", "7", "25", "12", "63.5"]
    for r in rows:
        line = next(ln for ln in lines if ln.startswith(r["part"]))
        assert line.endswith(r["zip"])
    # numbers are right-aligned under their header
    end = lines[0].index("points") + len("points")
    for line in lines[2:4] + lines[-1:]:
        assert line[end - 1].isdigit() and line[end:end + 1] in (" ", "")


def test_grade_usage_example_names_a_real_release_folder():
    sys.path.insert(0, str(ROOT / "tools"))
    from grading import discover

    text = gr.grade_usage(ROOT)
    first = discover(ROOT)[0].name
    assert f"cp release/{first}/*.ipynb" in text
    assert "make grade SUBMISSIONS=submissions-demo" in text
    assert "<" not in text.split("paste")[1]      # nothing to fill in by hand


# ---------------------------------------------------------------------------
# The page in a browser
# ---------------------------------------------------------------------------

def audit_report(browser, folder: Path, shots: Path | None = None) -> list[str]:
    """The book's page audit (offline, MathJax, console, alt text) at 1280 px, then
    the report's own checks at 1280 and 390 px in an offline page of that width."""
    from _book import OfflinePage, audit_page, serve

    problems = []
    with serve(folder) as url:
        problems += audit_page(browser, f"{url}/report.html",
                               screenshot=shots / "report-1280.png" if shots else None)
        for width in (1280, 390):
            with OfflinePage(browser, viewport={"width": width, "height": 900}) as offline:
                page = offline.page
                page.goto(f"{url}/report.html", wait_until="load")
                unlabelled = page.evaluate(
                    "() => Array.from(document.querySelectorAll('svg, img, figure svg'))"
                    ".filter(e => !((e.getAttribute('aria-label') || e.getAttribute('alt') || '')"
                    ".trim())).length")
                if unlabelled:
                    problems.append(f"{unlabelled} figure(s) without alt text/aria-label")
                overflow = page.evaluate(
                    "() => document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 1:
                    problems.append(f"the page scrolls sideways by {overflow}px at {width}px")
                if page.locator("h1").count() != 1:
                    problems.append("not exactly one h1")
                links = page.evaluate("() => Array.from(document.querySelectorAll('a[href]'))"
                                      ".map(a => a.getAttribute('href'))"
                                      ".filter(h => !h.startsWith('#'))")
                for href in links[:3]:
                    status = page.request.get(f"{url}/{href}").status
                    if status != 200:
                        problems.append(f"link {href} answers {status}")
                if offline.external:
                    problems.append("requests outside 127.0.0.1 were attempted: "
                                    f"{sorted(set(offline.external))}")
                if shots is not None and width == 390:
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / "report-390.png"), full_page=True)
    return sorted(set(problems))


@pytest.mark.browser
def test_report_passes_the_browser_audit(browser, results):
    out, _ = results
    assert audit_report(browser, out, ROOT / "_build" / "screenshots") == []


@pytest.mark.browser
def test_audit_catches_an_external_font(browser, results):
    """Self-test: the audit must report a stylesheet loaded from the network."""
    out, paths = results
    raw = paths["report"].read_text(encoding="utf-8")
    paths["report"].write_text(raw.replace(
        "</head>", '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Inter">'
        "</head>", 1), encoding="utf-8")
    problems = audit_report(browser, out)
    assert any("fonts.googleapis.com" in p for p in problems), problems


# ---------------------------------------------------------------------------
# End to end: a small class graded by the real grader
# ---------------------------------------------------------------------------

E2E_TIMEOUT = 5                # seconds per cell: the endless loop costs a few of these
MANUAL_NB, CODE_NB = "backprop", "how_to_use"   # a chapter with a written answer, and one without
CLASS = {
    # folder name: {grade_id of a solution cell: replacement source, or "keep" the release stub}
    "Zoë Ångström": {},                             # everything right, answer written
    "李雷": {"how_to_use-ex3-solution": "def saturation_edge(threshold):\n    while True:\n"
                                         "        pass\n"},     # endless loop -> timeout
    "crash_kid": {"backprop-ex3-solution": None},                # kernel dies (see _e2e_source)
    "flagged": {"backprop-ex3-solution": "def tied_backward(X, W, dY):\n    import inspect\n"
                                         "    return dY @ W @ W.T, X.T @ dY @ W + dY.T @ X @ W\n"},
    "unanswered": {"backprop-ex2-answer": "keep"},                # written answer left empty
}
ANSWER = "Each weight's gradient is the upstream gradient times the local derivative."


def _e2e_source(gid: str, student: str, reference: dict[str, str], release_cell) -> str:
    plan = CLASS[student]
    if gid in plan:
        if plan[gid] == "keep":
            return release_cell.source
        if plan[gid] is None:              # crash: kill the kernel on every call
            signature = reference[gid].split("\n", 1)[0]
            return signature + "\n    import os\n    os._exit(1)\n"
        return plan[gid]
    if release_cell.cell_type == "markdown":
        return ANSWER
    return reference[gid]


RUBRIC_MARK = "rubric-criterion-for-the-e2e-test"


def _give_rubrics(book: Path, stem: str) -> dict[str, list[dict]]:
    """Give every written answer of the chapter ``stem`` (in a copy of the book) a rubric
    whose criteria carry :data:`RUBRIC_MARK`; return them by grade id."""
    import nbformat

    path = next(book.rglob(f"{stem}.ipynb"))
    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        m = cell.metadata.get("nbgrader") or {}
        if m.get("grade") and m.get("solution"):
            points = float(m["points"])
            rubric = [{"points": points - 1, "criterion": f"{RUBRIC_MARK} one: the first "
                                                           f"element of {m['grade_id']}"},
                      {"points": 1, "criterion": f"{RUBRIC_MARK} two: the second element"}]
            cell.metadata.setdefault("lecture_kit", {})["rubric"] = rubric
            out[m["grade_id"]] = rubric
    nbformat.write(nb, path)
    assert out, f"{stem} has no written answer"
    return out


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    import nbformat
    from test_grading import _copy_repo, _make, _meta, _reference_body

    repo = _copy_repo(tmp_path_factory.mktemp("report-course") / "repo")
    _give_rubrics(repo / "book", MANUAL_NB)
    released = _make(repo, "release", timeout=900)
    assert released.returncode == 0, released.stdout + released.stderr
    usage = _make(repo, "grade", timeout=300)
    folder = tmp_path_factory.mktemp("report-submissions")
    for student in CLASS:
        for stem in (MANUAL_NB, CODE_NB):
            source_path = next((ROOT / "book").rglob(f"{stem}.ipynb"))
            source = nbformat.read(source_path, as_version=4)
            reference = {_meta(c)["grade_id"]: _reference_body(c) for c in source.cells
                         if _meta(c).get("solution") and c.cell_type == "code"}
            release_path = next((repo / "release").rglob(f"{stem}.ipynb"))
            nb = nbformat.read(release_path, as_version=4)
            for cell in nb.cells:
                gid = _meta(cell).get("grade_id", "")
                if _meta(cell).get("solution"):
                    cell.source = _e2e_source(gid, student, reference, cell)
            (folder / student).mkdir(exist_ok=True)
            nbformat.write(nb, folder / student / f"{stem}.ipynb")
    result = _make(repo, "grade", f"SUBMISSIONS={folder}", f"TIMEOUT={E2E_TIMEOUT}", timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    out = repo / "grading" / "results"
    with (out / "grades.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # the class's nbgrader course as graded: a later test grades the demo submissions
    # in the same copy of the repository, which replaces grading/
    course = tmp_path_factory.mktemp("report-course-graded") / "grading"
    shutil.copytree(repo / "grading", course)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8").replace(
        repr(str(repo / "grading")), repr(str(course))), encoding="utf-8")
    return {"repo": repo, "out": out, "rows": rows, "release": released.stdout,
            "usage": usage, "log": result.stdout + result.stderr, "course": course}


def _expected_review(rows: list[dict]) -> set[tuple[str, str]]:
    """The rows that need a human, from the class plan (not from the module)."""
    want = {("李雷", "how_to_use-ex3"), ("crash_kid", "backprop-ex3"),
            ("flagged", "backprop-ex3")}
    want |= {(r["student"], r["exercise"]) for r in rows if r["score"] == ""}   # by hand
    # a score below the maximum although "all tests passed" (an unanswered written answer)
    want |= {(r["student"], r["exercise"]) for r in rows if r["reason"] == "all tests passed"
             and r["score"] != "" and float(r["score"]) < float(r["max_score"])}
    return want


@pytest.mark.grading
def test_e2e_grades_csv_has_the_planned_outcomes(graded_class):
    rows = {(r["student"], r["exercise"]): r for r in graded_class["rows"]}
    assert set(s for s, _ in rows) == set(CLASS)
    assert "did not finish" in rows[("李雷", "how_to_use-ex3")]["reason"]
    assert "kernel died" in rows[("crash_kid", "backprop-ex3")]["reason"]
    assert rows[("flagged", "backprop-ex3")]["reason"].startswith("needs review:")
    assert "inspect" in rows[("flagged", "backprop-ex3")]["reason"]
    for key in [("李雷", "how_to_use-ex3"), ("crash_kid", "backprop-ex3"),
                ("flagged", "backprop-ex3")]:
        assert rows[key]["status"] == "needs_review", rows[key]
    # a written answer is left for a human when the student wrote one
    assert rows[("Zoë Ångström", "backprop-ex2")]["score"] == ""
    for s in CLASS:                        # chapters of the part not handed in score 0
        assert any(r["student"] == s and "was not submitted" in r["reason"]
                   for r in graded_class["rows"])


@pytest.mark.grading
def test_e2e_report_numbers_match_grades_csv(graded_class):
    out, rows = graded_class["out"], graded_class["rows"]
    want = _expected_review(rows)
    for r in rows:
        status = r.get("status") or ""
        if not status:
            status = ("manual" if r["score"] == "" else
                      "needs_review" if (r["student"], r["exercise"]) in want else "graded")
        r["_status"] = status
    assert {(r["student"], r["exercise"]) for r in rows
            if r["_status"] in ("needs_review", "manual", "not_graded")} >= want
    check_report_against_long(out / "report.html", rows)
    assert "grading/results/report.html" in graded_class["log"]     # make grade names it


@pytest.mark.grading
def test_e2e_unanswered_written_answer_is_listed_for_review(graded_class):
    row = next(r for r in graded_class["rows"]
               if r["student"] == "unanswered" and r["exercise"] == "backprop-ex2")
    parsed = parse_report(graded_class["out"] / "report.html")
    review = next(t["rows"] for t in parsed.tables if t["caption"].endswith("to check"))
    listed = {(line[0], line[1]) for line in review[1:]}
    # nbgrader scores an untouched answer 0 on its own; with the reason "all tests passed"
    # that would go unnoticed, so the report must list it for a human.
    assert ("unanswered", "backprop-ex2") in listed or row["reason"] != "all tests passed", row


@pytest.mark.grading
def test_e2e_unanswered_written_answer_has_an_honest_reason(graded_class):
    row = next(r for r in graded_class["rows"]
               if r["student"] == "unanswered" and r["exercise"] == "backprop-ex2")
    assert row["score"] == "0" and "not answered" in row["reason"], row


@pytest.mark.grading
def test_e2e_wide_and_lms_totals_equal_the_long_sums(graded_class):
    out, rows = graded_class["out"], graded_class["rows"]
    total, part = defaultdict(float), defaultdict(float)
    for r in rows:
        total[r["student"]] += float(r["score"] or 0)
        part[(r["student"], r["assignment"])] += float(r["score"] or 0)
    wide = _read(out / "gradebook.csv")
    for line in wide[1:]:
        rec = dict(zip(wide[0], line))
        assert float(rec["total"]) == pytest.approx(total[rec["student"]])
        for (s, a), v in part.items():
            if s == rec["student"]:
                assert float(rec[f"{a} total"]) == pytest.approx(v)
    assert sorted(r[0] for r in wide[1:]) == sorted(CLASS)
    canvas = _read(out / "gradebook_canvas.csv")
    parts = list(dict.fromkeys(r["assignment"] for r in rows))
    for line in canvas[2:]:
        assert sum(float(v) for v in line[5:]) == pytest.approx(total[line[0]])
        assert len(line[5:]) == len(parts)
    assert {line[0] for line in canvas[2:]} == set(CLASS)


@pytest.mark.grading
def test_e2e_make_release_prints_a_table_with_every_zip(graded_class):
    text = graded_class["release"]
    zips = sorted((graded_class["repo"] / "release").glob("*.zip"))
    assert zips
    header = next(ln for ln in text.splitlines() if ln.startswith("part "))
    assert header.split()[:3] == ["part", "notebooks", "exercises"]
    for z in zips:
        assert any(ln.rstrip().endswith(z.name) for ln in text.splitlines()), z.name


@pytest.mark.grading
def test_e2e_make_grade_without_submissions_prints_a_working_example(graded_class):
    usage = graded_class["usage"]
    assert usage.returncode == 2
    lines = [ln.strip() for ln in usage.stdout.splitlines()
             if ln.strip().startswith(("make release &&", "make grade SUBMISSIONS"))]
    assert len(lines) == 2, usage.stdout
    # Paste the example into a shell in the course copy (make pointed at the test's Python).
    import subprocess

    script = (f'make() {{ command make -o .venv/.installed PY="{sys.executable}" "$@"; }}\n'
              + "\n".join(lines).replace("make grade SUBMISSIONS=submissions-demo",
                                         "make grade SUBMISSIONS=submissions-demo "
                                         f"GRADES=demo-results TIMEOUT={E2E_TIMEOUT}") + "\n")
    result = subprocess.run(["bash", "-e", "-c", script], cwd=graded_class["repo"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    demo = _read(graded_class["repo"] / "demo-results" / "gradebook.csv")
    assert [r[0] for r in demo[1:]] == ["demo_student"]


@pytest.mark.grading
@pytest.mark.browser
def test_e2e_report_passes_the_browser_audit(browser, graded_class):
    shots = ROOT / "_build" / "screenshots" / "e2e"
    assert audit_report(browser, graded_class["out"], shots) == []


@contextlib.contextmanager
def formgrader(course: Path):
    """nbgrader's formgrader (a Jupyter server extension) serving ``course``:
    yields ``get(path) -> (status, html)``."""
    import json
    import os
    import secrets
    import socket
    import subprocess
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(course / ".jupyter-config"),
               JUPYTER_RUNTIME_DIR=str(course / ".jupyter-runtime"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    config = course / ".jupyter-config"
    config.mkdir(exist_ok=True)
    (config / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": True}}}))
    cmd = [str(Path(sys.executable).with_name("jupyter-server")), "--no-browser",
           f"--port={port}", "--ip=127.0.0.1", f"--ServerApp.root_dir={course}",
           f"--IdentityProvider.token={token}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (course / "formgrader.log").open("w")
    proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)

    def get(path: str):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                         headers={"Authorization": f"token {token}"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if get("/api/status")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, \
                (course / "formgrader.log").read_text()
            time.sleep(0.5)
        yield get
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.mark.grading
def test_e2e_formgrader_shows_the_rubric_below_each_written_answer(graded_class):
    """The instructor grading a written answer in nbgrader's formgrader sees its rubric
    right below the student's answer (a read-only cell of the autograded notebook)."""
    from nbgrader.api import Gradebook

    import grading

    course = graded_class["course"]
    rubrics = grading.rubrics_of(__import__("nbformat").read(
        next((graded_class["repo"] / "book").rglob(f"{MANUAL_NB}.ipynb")), as_version=4))
    assert rubrics and all(RUBRIC_MARK in r[0]["criterion"] for r in rubrics.values())
    assignment = next(r["assignment"] for r in graded_class["rows"]
                      if r["exercise"].startswith(MANUAL_NB + "-"))
    student = "Zoë Ångström"                       # wrote every answer (ANSWER)
    sid = grading.student_id(student, set())
    gb = Gradebook(f"sqlite:///{course / 'gradebook.db'}")
    try:
        submission = gb.find_submission_notebook(MANUAL_NB, assignment, sid).id
    finally:
        gb.close()
    with formgrader(course) as get:
        status, page = get(f"/formgrader/submissions/{submission}/")
    assert status == 200, page[:2000]
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    text = " ".join(text.split())
    for gid, rubric in rubrics.items():
        heading = f"Rubric for {gid}"
        assert heading in text, (gid, text[:3000])
        after = text.index(heading)
        assert ANSWER in text[:after], f"{gid}: the rubric is not below the student's answer"
        for item in rubric:
            assert " ".join(item["criterion"].split()) in text[after:], item


@pytest.mark.grading
def test_e2e_rubric_reaches_neither_release_nor_feedback_nor_csv(graded_class):
    repo, out = graded_class["repo"], graded_class["out"]
    places = [p for p in (repo / "release").rglob("*") if p.is_file()
              and p.suffix in (".ipynb", ".md", ".txt", ".html")]
    places += list((out / "feedback").glob("*.html")) + [out / "grades.csv"]
    places += [p for p in out.glob("*") if p.is_file() and p.suffix in (".html", ".csv")]
    assert len(places) > 5
    for p in places:
        assert RUBRIC_MARK not in p.read_text(encoding="utf-8", errors="replace"), p
    for z in (repo / "release").glob("*.zip"):
        import zipfile

        with zipfile.ZipFile(z) as zf:
            for member in zf.namelist():
                assert RUBRIC_MARK.encode() not in zf.read(member), (z.name, member)
