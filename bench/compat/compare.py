#!/usr/bin/env python3
"""Compare two runs of pgvector's regression SQL statement by statement.

Reads the SQL files of a pgvector source tree (test/sql), and for each of two
sides ("a", the reference, and "b") the result files of two pg_regress passes
over them: the first as pgvector ships them, the second with one line,
``\\set VERBOSITY sqlstate``, put in front of each file, which makes psql print
the SQLSTATE of every error and notice in place of its text.

A statement is the input lines up to one that ends with ``;``, or one psql
backslash command; blank and comment lines are not statements.  psql (run by
pg_regress with ``-a``) echoes every input line but blank ones, so each result
file is cut at the echoed lines of each statement, and a statement's output is
everything psql printed after it, less the comment lines echoed before the next
statement.  Each statement falls in one class:

  agree      the output is the same text on both sides;
  notice     the same once NOTICE messages are left out;
  wording    both sides fail with the same SQLSTATE(s), in other words;
  missing    side b fails because a type, function, operator or operator
             class does not exist (42704, 42883), or a table an earlier such
             statement did not create (42P01);
  other      anything else.

and has a type: ``halfvec`` if it names halfvec, else ``sparsevec`` if it
names sparsevec, else the type of its section (a comment line ``-- vector``,
``-- halfvec``, ``-- sparsevec`` or ``-- bit`` opens one), else of its file.

Writes a markdown report (--out) and, with --json, every statement as JSON.
With --expect-all-agree (the self-check: pgvector against itself) exits 1
unless every statement agrees.  Python 3 standard library only.
"""

import argparse
import json
import os
import re
import sys
from collections import Counter

TYPES = ("vector", "halfvec", "sparsevec", "bit")
CLASSES = ("agree", "notice", "wording", "missing", "other")
CLASS_TITLE = {
    "notice": "Only a NOTICE differs",
    "wording": "Same SQLSTATE, other wording",
    "missing": "Fails: type, function, operator or operator class missing",
    "other": "Other differences",
}
SQLSTATE_PREFIX = "\\set VERBOSITY sqlstate"
MISSING_CODES = {"42704", "42883", "42P01"}
SEVERITIES = ("ERROR", "WARNING", "NOTICE", "INFO", "FATAL", "PANIC")
MSG_START = re.compile(r"^(%s):  " % "|".join(SEVERITIES))
CODE_LINE = re.compile(r"^(%s):  ([0-9A-Z]{5})$" % "|".join(SEVERITIES))
# Lines psql prints inside an error or notice block, after its first line.
MSG_CONT = re.compile(r"^(DETAIL|HINT|CONTEXT|QUERY|LINE \d+):  ?|^\s*\^\s*$")


def parse_sql(path):
    """The statements of a SQL file: (first line number, lines, lines before it)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    stmts, cur, pending, start = [], [], [], None
    for no, line in enumerate(lines, 1):
        s = line.strip()
        if not cur:
            if s == "" or s.startswith("--"):
                pending.append(line)
                continue
            if s.startswith("\\"):
                stmts.append((no, [line], pending))
                pending = []
                continue
            start = no
        cur.append(line)
        if s.endswith(";"):
            stmts.append((start, cur, pending))
            cur, pending = [], []
    if cur:
        stmts.append((start, cur, pending))
    return stmts, pending


def section_types(path):
    """For each line number, the type of the section it is in (None outside one)."""
    out, cur = {}, None
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            m = re.match(r"^--\s*(\w+)\s*$", line.strip())
            if m and m.group(1) in TYPES:
                cur = m.group(1)
            out[no] = cur
    return out


def file_type(name):
    """The type a test file is about, from its name."""
    for t in ("halfvec", "sparsevec", "bit"):
        if t in name:
            return t
    return "vector"


def stmt_type(text, fname, section):
    """A statement's type (see the module's docstring)."""
    low = text.lower()
    if "halfvec" in low:
        return "halfvec"
    if "sparsevec" in low:
        return "sparsevec"
    return section or file_type(fname)


def cut_results(path, stmts, trailing):
    """Each statement's output lines in a result file (None where its echo is not found)."""
    if not os.path.exists(path):
        return [None] * len(stmts)
    with open(path, encoding="utf-8", errors="replace") as f:
        res = f.read().split("\n")
    if res and res[-1] == "":
        res.pop()
    # Where each statement's echo starts and ends.
    spans, r = [], 0
    for _, lines, _ in stmts:
        echo = [l for l in lines if l.strip() != ""]
        pos = None
        for i in range(r, len(res) - len(echo) + 1):
            if res[i:i + len(echo)] == echo:
                pos = i
                break
        if pos is None:
            spans.append(None)
            continue
        spans.append((pos, pos + len(echo)))
        r = pos + len(echo)
    outs = []
    for k, span in enumerate(spans):
        if span is None:
            outs.append(None)
            continue
        nxt = next((s for s in spans[k + 1:] if s is not None), None)
        end = nxt[0] if nxt else len(res)
        gap = res[span[1]:end]
        # Drop the comment lines echoed in front of the next statement.
        before = stmts[k + 1][2] if k + 1 < len(stmts) else trailing
        echoed = [l for l in before if l.strip() != ""]
        if echoed and gap[-len(echoed):] == echoed:
            gap = gap[:-len(echoed)]
        while gap and gap[-1] == "":
            gap.pop()
        outs.append(gap)
    return outs


def messages(out):
    """The blocks of an output that are errors or notices: (severity, lines)."""
    blocks, cur = [], None
    for line in out:
        m = MSG_START.match(line)
        if m:
            cur = (m.group(1), [line])
            blocks.append(cur)
        elif cur is not None and MSG_CONT.match(line):
            cur[1].append(line)
        else:
            cur = None
    return blocks


def without_notices(out):
    """An output with its NOTICE blocks left out."""
    keep, skip = [], False
    for line in out:
        m = MSG_START.match(line)
        if m:
            skip = m.group(1) == "NOTICE"
        elif not (skip and MSG_CONT.match(line)):
            skip = False
        if not skip:
            keep.append(line)
    return keep


def codes(out):
    """The (severity, SQLSTATE) pairs of a second-pass output."""
    if out is None:
        return None
    return [m.groups() for m in map(CODE_LINE.match, out) if m]


def classify(a, b, ca, cb):
    """The class of a statement from both outputs and both SQLSTATE lists."""
    if a is None or b is None:
        return "other"
    if a == b:
        return "agree"
    if without_notices(a) == without_notices(b):
        return "notice"
    ea = [c for s, c in (ca or []) if s == "ERROR"]
    eb = [c for s, c in (cb or []) if s == "ERROR"]
    if ea and ea == eb:
        return "wording"
    if eb and eb[-1] in MISSING_CODES and eb != ea:
        return "missing"
    return "other"


def short(out, width=120):
    """An output on one line: lines stripped, table rules left out, joined by ' / '.

    A row that prints as blanks only (NULL or empty values) shows as '(blank row)'.
    """
    if out is None:
        return "(statement not found in the result file)"
    parts = []
    for line in out:
        s = re.sub(r"\s+", " ", line.strip())
        if s == "" and line != "":
            s = "(blank row)"
        if s == "" or re.fullmatch(r"[-+]+", s):
            continue
        parts.append(s)
    text = " / ".join(parts) if parts else "(nothing)"
    return text if len(text) <= width else text[:width - 1] + "…"


def code_text(cs):
    """SQLSTATEs for the report: '-' when there is no error, notice or warning."""
    if cs is None:
        return "?"
    return ", ".join(c for _, c in cs) or "-"


def first_message(out):
    """The first line of the last error, else of the first message, without the severity."""
    blocks = messages(out or [])
    errs = [b for b in blocks if b[0] == "ERROR"]
    blk = errs[-1] if errs else (blocks[0] if blocks else None)
    if blk is None:
        return None
    return MSG_START.sub("", blk[1][0]).strip()


def missing_object(msg):
    """What a 'does not exist' message says is missing, in a form to group by."""
    pats = [
        (r'^type "([^"]+)" does not exist', "type {0}"),
        (r"^function (.+) does not exist", "function {0}"),
        (r"^operator does not exist: (.+)$", "operator {0}"),
        (r'^operator class "([^"]+)" does not exist for access method "([^"]+)"',
         "operator class {0} for {1}"),
        (r'^(?:relation|table) "([^"]+)" does not exist',
         "table {0}, not created by an earlier statement"),
    ]
    for pat, fmt in pats:
        m = re.match(pat, msg or "")
        if m:
            return fmt.format(*m.groups())
    return msg or "?"


def normalized(msg):
    """A message with its quoted strings and numbers replaced, to group by."""
    if msg is None:
        return None
    msg = re.sub(r'"[^"]*"', '"…"', msg)
    return re.sub(r"(?<![\w.])-?\d+(\.\d+)?(e[+-]?\d+)?", "N", msg)


def row_count(out):
    """psql's row count line of an output ('(3 rows)'), or 'no rows line'."""
    for line in reversed(out or []):
        if re.fullmatch(r"\(\d+ rows?\)", line):
            return line
    return "no rows line"


def cause(st):
    """The group a differing statement is listed under in the summary of causes."""
    if st["class"] == "missing":
        return "missing: " + missing_object(first_message(st["b"]))
    ma, mb = first_message(st["a"]), first_message(st["b"])
    sa, sb = code_text(st["a_codes"]), code_text(st["b_codes"])
    if st["class"] == "notice":
        return "NOTICE only: %s" % (normalized(mb) if mb else "(none on side b; side a: %s)"
                                    % normalized(ma))
    if st["class"] == "wording":
        return "wording (%s): %s" % (sa, normalized(ma))
    if ma is None and mb is None:
        return "other result, no error on either side: a %s / b %s" % (row_count(st["a"]),
                                                                        row_count(st["b"]))
    return "other: a %s %s / b %s %s" % (sa, normalized(ma) or "(no error)", sb,
                                         normalized(mb) or "(no error)")


def md(text):
    """Text for a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def code_span(text, width=90):
    """A statement for a markdown table cell, in a code span."""
    s = re.sub(r"\s+", " ", text.strip())
    if len(s) > width:
        s = s[:width - 1] + "…"
    tick = "``" if "`" in s else "`"
    return tick + md(s) + tick


def pct(n, d):
    """n of d as a percentage."""
    return "%.1f %%" % (100.0 * n / d) if d else "-"


def compare(args):
    """Every statement of every file, with both outputs and its class."""
    sqldir = args.sql_dir
    files = sorted(f[:-4] for f in os.listdir(sqldir) if f.endswith(".sql"))
    if not files:
        sys.exit("compare.py: no .sql files in %s" % sqldir)
    rows = []
    for name in files:
        path = os.path.join(sqldir, name + ".sql")
        stmts, trailing = parse_sql(path)
        sections = section_types(path)
        p2 = [(0, [SQLSTATE_PREFIX], [])] + stmts
        outs = {}
        for side in ("a", "b"):
            res = cut_results(os.path.join(args.__dict__[side + "_results"], name + ".out"),
                              stmts, trailing)
            cds = cut_results(os.path.join(args.__dict__[side + "_sqlstate"], name + ".out"),
                              p2, trailing)[1:]
            outs[side] = (res, cds)
        for k, (no, lines, _) in enumerate(stmts):
            text = "\n".join(lines)
            a, b = outs["a"][0][k], outs["b"][0][k]
            ca, cb = codes(outs["a"][1][k]), codes(outs["b"][1][k])
            st = {
                "file": name, "line": no, "statement": text,
                "type": stmt_type(text, name, sections.get(no)),
                "a": a, "b": b, "a_codes": ca, "b_codes": cb,
            }
            st["class"] = classify(a, b, ca, cb)
            rows.append(st)
    return files, rows


def count(rows):
    """Statements per class."""
    c = Counter(r["class"] for r in rows)
    c["all"] = len(rows)
    return c


def report(args, files, rows):
    """The markdown report."""
    A, B = args.a_name, args.b_name
    w = []
    w.append("# pgvector's regression SQL: %s against %s\n" % (B, A))
    w.append("Statement by statement, does pgvector's own regression input give the same output "
             "against %s as against %s (the reference)?  Written by `bench/compat/compare.py`; "
             "see `bench/compat/README.md` for the method.\n" % (B, A))
    for m in args.meta or []:
        k, _, v = m.partition("=")
        w.append("- **%s**: %s" % (k, v))
    w.append("")
    w.append("Classes: **agree** (the same text); **wording / NOTICE only** (the same SQLSTATE in "
             "other words, or only a NOTICE differs); **missing** (%s fails because a type, "
             "function, operator or operator class does not exist, 42704 or 42883, or a table an "
             "earlier such statement did not create, 42P01); **other** (every other "
             "difference).\n" % B)

    w.append("## Headline\n")
    w.append("| type | statements | agreeing | % | wording / NOTICE only | fail: type, function "
             "or operator missing | other differences | agreeing, or wording / NOTICE only |")
    w.append("|---|---|---|---|---|---|---|---|")
    for t in TYPES + ("all",):
        sel = [r for r in rows if t == "all" or r["type"] == t]
        c = count(sel)
        soft = c["agree"] + c["notice"] + c["wording"]
        w.append("| %s | %d | %d | %s | %d | %d | %d | %d (%s) |" % (
            t, c["all"], c["agree"], pct(c["agree"], c["all"]), c["notice"] + c["wording"],
            c["missing"], c["other"], soft, pct(soft, c["all"])))
    w.append("")

    w.append("## Per test file and type\n")
    w.append("| test file | type | statements | agreeing | % | wording / NOTICE only | "
             "fail: missing | other |")
    w.append("|---|---|---|---|---|---|---|---|")
    for f in files:
        for t in TYPES:
            sel = [r for r in rows if r["file"] == f and r["type"] == t]
            if not sel:
                continue
            c = count(sel)
            w.append("| %s | %s | %d | %d | %s | %d | %d | %d |" % (
                f, t, c["all"], c["agree"], pct(c["agree"], c["all"]),
                c["notice"] + c["wording"], c["missing"], c["other"]))
    w.append("")

    w.append("## Causes, grouped\n")
    w.append("Differing statements per type, grouped: for a missing object, the object %s "
             "reports missing; else the class and the SQLSTATEs and first message line of each "
             "side (`a` %s, `b` %s), quoted names and numbers replaced.\n" % (B, A, B))
    for t in TYPES:
        diff = [r for r in rows if r["type"] == t and r["class"] != "agree"]
        if not diff:
            continue
        w.append("### %s (%d)\n" % (t, len(diff)))
        w.append("| statements | cause |")
        w.append("|---|---|")
        for k, n in Counter(cause(r) for r in diff).most_common():
            w.append("| %d | %s |" % (n, md(k)))
        w.append("")

    w.append("## Every differing statement\n")
    w.append("By type, then class, in file order.  Outputs are on one line (` / ` between lines, "
             "table rules left out), cut at 120 characters; SQLSTATEs from the second pass, `-` "
             "where there is no error or notice.\n")
    for t in TYPES:
        for cl in CLASSES[1:]:
            sel = [r for r in rows if r["type"] == t and r["class"] == cl]
            if not sel:
                continue
            w.append("### %s: %s (%d)\n" % (t, CLASS_TITLE[cl], len(sel)))
            w.append("| file:line | statement | %s (SQLSTATE) | %s (SQLSTATE) |" % (A, B))
            w.append("|---|---|---|---|")
            for r in sel:
                w.append("| %s:%d | %s | %s (%s) | %s (%s) |" % (
                    r["file"], r["line"], code_span(r["statement"]),
                    md(short(r["a"])), code_text(r["a_codes"]),
                    md(short(r["b"])), code_text(r["b_codes"])))
            w.append("")
    return "\n".join(w)


SELF_TEST_SQL = """-- vector
SELECT 1;
SELECT
  2;

-- a comment
SELECT 'halfvec';
\\copy x FROM 'f'
SELECT 3;
SELECT 4;
-- bit
SELECT 5;
"""
# Per statement: (output on side a, on side b, SQLSTATEs a, b, class, type).
SELF_TEST_CASES = [
    ([" ?column? ", "----------", "        1", "(1 row)", ""], None, [], [], "agree", "vector"),
    (["ERROR:  two is wrong"], ["ERROR:  2 is wrong", "HINT:  Say it."],
     ["ERROR:  22000"], ["ERROR:  22000"], "wording", "vector"),
    ([], ["NOTICE:  a notice", "DETAIL:  More."], [], ["NOTICE:  00000"], "notice", "halfvec"),
    ([], ['ERROR:  relation "x" does not exist'], [], ["ERROR:  42P01"], "missing", "vector"),
    ([" n ", "---", " 3", "(1 row)", ""], [" n ", "---", " 3", " 3", "(2 rows)", ""], [], [],
     "other", "vector"),
    (["ERROR:  four"], ["ERROR:  four!"], ["ERROR:  22000"], ["ERROR:  22003"], "other",
     "vector"),
    ([], [], [], [], "agree", "bit"),
]


def self_test():
    """Check the cutting and the classes on a made-up file; 0 when all is right."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {}
        for d in ("sql", "a1", "a2", "b1", "b2"):
            dirs[d] = os.path.join(tmp, d)
            os.mkdir(dirs[d])
        with open(os.path.join(dirs["sql"], "t.sql"), "w") as f:
            f.write(SELF_TEST_SQL)
        stmts, trailing = parse_sql(os.path.join(dirs["sql"], "t.sql"))
        for side, col, pre in (("a1", 0, None), ("b1", 1, None),
                               ("a2", 2, SQLSTATE_PREFIX), ("b2", 3, SQLSTATE_PREFIX)):
            lines = [pre] if pre else []
            for (_, sl, before), case in zip(stmts, SELF_TEST_CASES):
                lines += [l for l in before if l.strip()] + [l for l in sl if l.strip()]
                out = case[col] if case[col] is not None else case[0]
                lines += out
            with open(os.path.join(dirs[side], "t.out"), "w") as f:
                f.write("\n".join(lines) + "\n")
        args = argparse.Namespace(sql_dir=dirs["sql"], a_results=dirs["a1"],
                                  a_sqlstate=dirs["a2"], b_results=dirs["b1"],
                                  b_sqlstate=dirs["b2"])
        _, rows = compare(args)
    bad = 0
    if len(rows) != len(SELF_TEST_CASES):
        print("self-test: %d statements found, %d expected" % (len(rows), len(SELF_TEST_CASES)))
        return 1
    for r, case in zip(rows, SELF_TEST_CASES):
        if (r["class"], r["type"]) != (case[4], case[5]):
            print("self-test: line %d %r: %s %s, expected %s %s"
                  % (r["line"], r["statement"], r["class"], r["type"], case[4], case[5]))
            bad += 1
        want = [l for l in case[0] if l != ""]
        while want and want[-1] == "":
            want.pop()
        if [l for l in r["a"] if l != ""] != want:
            print("self-test: line %d: cut %r, expected %r" % (r["line"], r["a"], case[0]))
            bad += 1
    print("self-test: %s (%d statements)" % ("FAILED" if bad else "ok", len(rows)))
    return 1 if bad else 0


def main():
    """Command line."""
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sql-dir", required=True, help="pgvector's test/sql")
    for side in ("a", "b"):
        ap.add_argument("--%s-results" % side, required=True,
                        help="results/ of side %s's first pass" % side)
        ap.add_argument("--%s-sqlstate" % side, required=True,
                        help="results/ of side %s's second pass (VERBOSITY sqlstate)" % side)
    ap.add_argument("--a-name", default="pgvector")
    ap.add_argument("--b-name", default="ruvector")
    ap.add_argument("--meta", action="append", help="key=value, listed under the title")
    ap.add_argument("--out", required=True, help="the markdown report")
    ap.add_argument("--json", help="every statement, as JSON")
    ap.add_argument("--expect-all-agree", action="store_true",
                    help="exit 1 unless every statement agrees (the self-check)")
    args = ap.parse_args()

    files, rows = compare(args)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(report(args, files, rows) + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    c = count(rows)
    lost = sum(1 for r in rows if r["a"] is None or r["b"] is None)
    print("%d statements in %d files: %d agree, %d NOTICE only, %d wording, %d missing, "
          "%d other" % (c["all"], len(files), c["agree"], c["notice"], c["wording"],
                        c["missing"], c["other"]))
    for t in TYPES:
        ct = count([r for r in rows if r["type"] == t])
        print("  %-9s %4d statements, %4d agree (%s)" % (t, ct["all"], ct["agree"],
                                                          pct(ct["agree"], ct["all"])))
    if lost:
        print("compare.py: %d statements not found in a result file" % lost, file=sys.stderr)
    if args.expect_all_agree and c["agree"] != c["all"]:
        print("compare.py: self-check FAILED: %d of %d statements differ (see %s)"
              % (c["all"] - c["agree"], c["all"], args.out), file=sys.stderr)
        return 1
    if args.expect_all_agree:
        print("self-check: all %d statements agree" % c["all"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
