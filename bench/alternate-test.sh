#!/usr/bin/env bash
# Test of bench/alternate on the server the PG* variables point at (seconds):
# two small tables, one with a ruivf index, one scanned exactly; one round of
# 1 s each.  Asserts that the report has a row per round, the means and the
# ratios, with positive figures, and that a contender whose table does not
# exist makes it fail.  Exits non-zero with a message naming what failed.
#
# Usage (from the repository root, with a server running):  bash bench/alternate-test.sh
set -uo pipefail
cd "$(dirname "$0")/.."

fail() {
	echo "bench/alternate test: FAILED: $*" >&2
	exit 1
}

db=rvalternate_test
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null ||
	fail "cannot create database $db"
trap 'psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1' EXIT
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL' || fail "cannot set up the tables"
CREATE EXTENSION ruvector;
CREATE TABLE a (id int PRIMARY KEY, v ruvector(16));
INSERT INTO a SELECT i, (SELECT array_agg(sin(i * 0.7 * d + d))::real[] FROM generate_series(1, 16) d)
  FROM generate_series(1, 2000) i;
CREATE TABLE b AS SELECT * FROM a;
CREATE TABLE q AS SELECT * FROM a WHERE id <= 50;
CREATE INDEX ON a USING ruivf (v ruvector_l2_ops) WITH (lists = 10);
ANALYZE;
SQL

out=$(PGDATABASE=$db bench/alternate --rounds 2 --duration 1 --queries 50 \
	ivf=a:q:ruvector.probes=2 exact=b:q:enable_indexscan=off 2>&1) ||
	fail "bench/alternate exited with an error: $out"
echo "$out"
for row in "| 1 |" "| 2 |" "| mean |" "| ratio to exact |"; do
	echo "$out" | grep -qF "$row" || fail "no '$row' row in the report"
done
echo "$out" | awk -F'|' '/^\| (1|2|mean) \|/ { if (!($3 > 0 && $4 > 0)) bad = 1 } END { exit bad }' ||
	fail "a figure is not positive"
echo "$out" | grep -qE '^\| ratio to exact \| [0-9.]+x \| 1\.00x \|$' || fail "the ratio row is malformed"

if PGDATABASE=$db bench/alternate --rounds 1 --duration 1 --queries 50 \
	ivf=a:q nosuch=missing:q >/dev/null 2>&1; then
	fail "a contender on a missing table did not make it fail"
fi
echo "bench/alternate test: ok"
