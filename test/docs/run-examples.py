#!/usr/bin/env python3
"""Run every SQL example of the README and docs/*.md.

Each fenced ```sql block (at any indentation) of a file runs, in the order
of the file, in a database of its own for that file, through psql with
ON_ERROR_STOP: an example that errors fails.  Before a file's blocks the
database gets the extension and the tables the examples name (items,
docs, images: PRELUDE below), unless one of its blocks creates the
extension itself (the README's quick start does, and then runs as a new
user would), or the file says `<!-- examples: extension only -->` (its
examples make their own tables: the extension alone).  A block whose first line is `-- fragment: <why>` is not run
(a shape to adapt, not a statement: it needs shard servers or a bound
parameter) and is counted as such.

Connection: the PG* environment (the test command's throwaway cluster).
Ends with "docs examples: N passed, N failed, N not run"; exit 1 on a
failure or when no example ran.
"""
import os
import re
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRELUDE = """
CREATE EXTENSION ruvector;
CREATE TABLE items (id bigserial PRIMARY KEY, embedding ruvector(3));
INSERT INTO items (embedding)
  SELECT ARRAY[sin(i), cos(i), sin(i * 0.3)]::real[]::ruvector FROM generate_series(1, 2000) i;
CREATE INDEX items_embedding_idx ON items USING ruivf (embedding ruvector_l2_ops);
CREATE TABLE docs (id bigserial PRIMARY KEY, embedding ruvector(3));
INSERT INTO docs (embedding) SELECT embedding FROM items;
CREATE TABLE images (id int PRIMARY KEY, pixels ruvector(784));
INSERT INTO images
  SELECT i, array(SELECT ((i * 31 + d * 7) % 256)::real FROM generate_series(1, 784) d)::ruvector
    FROM generate_series(1, 1100) i;
"""


def blocks(path):
    """The ```sql blocks of a file: (line number, text), dedented."""
    out = []
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)```sql\s*$", lines[i])
        if not m:
            i += 1
            continue
        start, indent, body = i + 1, m.group(1), []
        i += 1
        while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        out.append((start, textwrap.dedent("\n".join(body)).strip() + "\n"))
        i += 1
    return out


def psql(db, sql):
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db],
                       input=sql, text=True, capture_output=True)
    return p.returncode, (p.stderr or "").strip()


def main():
    files = [os.path.join(ROOT, "README.md")] + sorted(
        os.path.join(ROOT, "docs", f) for f in os.listdir(os.path.join(ROOT, "docs"))
        if f.endswith(".md"))
    passed = failed = skipped = 0
    for n, path in enumerate(files):
        found = blocks(path)
        if not found:
            continue
        rel = os.path.relpath(path, ROOT)
        db = "rv_docs_%d" % n
        psql("postgres", "DROP DATABASE IF EXISTS %s; CREATE DATABASE %s;" % (db, db))
        text = open(path, encoding="utf-8").read()
        prelude = None
        if "<!-- examples: extension only" in text:
            prelude = "CREATE EXTENSION ruvector;"
        elif not any("CREATE EXTENSION ruvector" in b for _, b in found):
            prelude = PRELUDE
        if prelude:
            rc, err = psql(db, prelude)
            if rc != 0:
                print("FAIL %s: the prelude: %s" % (rel, err))
                failed += 1
                continue
        for line, body in found:
            if body.startswith("-- fragment:"):
                skipped += 1
                print("not run  %s:%d (%s)" % (rel, line, body.split("\n")[0][len("-- fragment:"):].strip()))
                continue
            rc, err = psql(db, body)
            if rc == 0:
                passed += 1
                print("ok       %s:%d" % (rel, line))
            else:
                failed += 1
                print("FAIL     %s:%d\n%s\n    %s" % (rel, line, textwrap.indent(body, "    | "), err))
        psql("postgres", "DROP DATABASE IF EXISTS %s;" % db)
    print("docs examples: %d passed, %d failed, %d not run" % (passed, failed, skipped))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
