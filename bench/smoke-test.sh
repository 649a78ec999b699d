#!/usr/bin/env bash
# Smoke test of the benchmark runner (seconds): a tiny synthetic set
# (2,000 x 16, 50 queries, 2 s per pgbench run) through bench/run on its own
# throwaway cluster, the exact scan and a ruivf index.  Asserts that
#   - the exact scan's recall@10 and recall@100 are 1.000,
#   - the index's point has its recall and the server's time per query,
#   - the recall evaluation can fail: a wrong answer list scores below 1,
#   - every report file was written and is non-empty: results.json,
#     results.csv, results.md, recall-qps.png, the pgbench script and its
#     commands, machine.json, run.log.
# Exits non-zero with a message naming what failed.
#
# Usage (from the repository root, after make install):  bash bench/smoke-test.sh
# RVBENCH_SMOKE_KEEP=1 keeps the run's directory (else removed on success).
set -uo pipefail
cd "$(dirname "$0")/.."

fail() {
	echo "bench smoke test: FAILED: $*" >&2
	[ -n "${out:-}" ] && echo "bench smoke test: the run's files are in $out" >&2
	exit 1
}

tmp=$(mktemp -d /tmp/rvbench-smoke.XXXXXX) || fail "mktemp"
out=$tmp/run
chmod 755 "$tmp"

# Its own throwaway cluster, whatever PG* the caller has set.
# It is kept running for the last check (a user's table), stopped on exit.
keep_log=$tmp/main.log
stop_cluster() {
	local cmd
	cmd=$(sed -n 's/^ *stop it with: //p' "$keep_log" 2>/dev/null | head -1)
	[ -n "$cmd" ] && bash -c "$cmd" >/dev/null 2>&1
	return 0
}
trap stop_cluster EXIT
env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u PGOPTIONS \
	bench/run --server throwaway --dataset synthetic --n 2000 --dim 16 --queries 50 \
	--duration 2 --shared-buffers 128MB --index none,ruivf --sweep probes=1,4 --out "$out" --keep-logs \
	--keep-cluster 2>&1 | tee "$keep_log"
[ "${PIPESTATUS[0]}" = 0 ] || fail "bench/run exited with an error (see above)"

# Every report file, non-empty.
for f in results.json results.csv results.md recall-qps.png recall-qps.gp machine.json run.log \
	pgbench/knn-ruvector-l2.sql pgbench/commands.sh; do
	[ -s "$out/$f" ] || fail "report file $f is missing or empty"
done
head -c 8 "$out/recall-qps.png" | od -An -c | grep -q "P   N   G" || fail "recall-qps.png is not a PNG"

# The figures: exact recall, QPS and latencies present, the machine described.
python3 - "$out" <<'EOF' || fail "results.json does not hold the expected figures (above)"
import json, sys
out = sys.argv[1]
r = json.load(open(f"{out}/results.json"))
errors = []
pts = [p for p in r["points"] if p["workload"] == "knn" and p["index"] == "none"]
if len(pts) != 1:
    errors.append(f"expected one exact-scan point, found {len(pts)}")
for p in pts:
    if p.get("error"):
        errors.append(f"exact scan failed: {p['error']}")
        continue
    for k in ("recall_at_10", "recall_at_100"):
        if p.get(k) != 1.0:
            errors.append(f"exact scan {k} = {p.get(k)}, expected 1.0")
    chk = ((p.get("recall_detail") or {}).get("10") or {}).get("check_limit_10") or {}
    if chk.get("recall") != 1.0:
        errors.append(f"exact scan, LIMIT 10 query checked alone: recall@10 = {chk.get('recall')}, expected 1.0")
    for c in map(str, r["config"]["client_counts"]):
        run = p["runs"].get(c) or {}
        for k in ("qps", "lat_p50_ms", "lat_p95_ms", "lat_p99_ms"):
            if not (isinstance(run.get(k), (int, float)) and run[k] > 0):
                errors.append(f"{c} client(s): {k} = {run.get(k)}")
ix = [p for p in r["points"] if p["workload"] == "knn" and p["index"] == "ruivf"]
if not ix:
    errors.append("no ruivf point")
for p in ix:
    if p.get("error"):
        errors.append(f"ruivf failed: {p['error']}")
    elif not (0 < (p.get("recall_at_10") or 0) <= 1):
        errors.append(f"ruivf recall@10 = {p.get('recall_at_10')}")
    elif not (isinstance(p.get("server_us"), (int, float)) and p["server_us"] > 0):
        errors.append(f"ruivf server time per query = {p.get('server_us')}")
m = r["machine"]
for k in ("cpu_model", "cores", "simd_in_use", "postgresql"):
    if not m.get(k):
        errors.append(f"machine description lacks {k}")
if not r["settings"].get("shared_buffers"):
    errors.append("settings lack shared_buffers")
md = open(f"{out}/results.md").read()
if "| ruvector exact (no index) |" not in md or "1.000 | 1.000" not in md:
    errors.append("results.md lacks the exact scan's row")
if "SELECT id FROM synth_base ORDER BY v <-> (SELECT v FROM synth_query WHERE id = :id) LIMIT 10;" \
        not in open(f"{out}/pgbench/knn-ruvector-l2.sql").read():
    errors.append("the pgbench script lacks the query")
for e in errors:
    print("  " + e, file=sys.stderr)
sys.exit(1 if errors else 0)
EOF

# The recall evaluation must be able to say "wrong": shift every answer by
# five places and expect recall@10 below 1.
recall_file=$(ls "$out"/recall/ruvector-none-knn100.txt 2>/dev/null) || fail "the returned ids were not kept"
cache=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["dataset"]["files"]; print(d["base"], d["query"])' \
	"$out/results.json") || fail "results.json lacks the data files"
read -r base query <<<"$cache"
gt=$(ls "$(dirname "$base")"/gt-l2-nq50-k100.ivecs 2>/dev/null) || fail "ground truth file missing"
awk '{ printf "%s", $1; for (i = 7; i <= NF; i++) printf " %s", $i; printf " 1 2 3 4 5\n" }' \
	"$recall_file" >"$tmp/wrong.txt"
wrong=$(bench/bin/rvgt eval --base "$base" --query "$query" --metric l2 --gt "${gt%.ivecs}" --k 10 \
	"$tmp/wrong.txt") || fail "rvgt eval failed"
python3 -c 'import json,sys; r=json.loads(sys.argv[1])["recall"]; sys.exit(0 if r < 0.9 else 1)' "$wrong" ||
	fail "a deliberately wrong answer list scored recall@10 >= 0.9: $wrong"

# A table the bench did not make is never replaced: on a server of the
# user's (--server existing), a table named like the bench's (here its query
# table) stops the run with an error, and the table and a view on it stay;
# a table of an earlier run (its COMMENT starts with "rvbench ") is replaced.
kept=$(grep -o 'PGHOST=[^ ]* PGPORT=[0-9]* PGUSER=[^ ]*' "$keep_log" | head -1)
[ -n "$kept" ] || fail "the kept cluster's address was not printed"
kpsql() { env -u PGOPTIONS $kept PGDATABASE=postgres psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
kpsql -c "ALTER TABLE synth_query RENAME TO synth_query_bench" \
	-c "CREATE TABLE synth_query (id integer PRIMARY KEY, note text)" \
	-c "INSERT INTO synth_query VALUES (1, 'a user row')" \
	-c "CREATE VIEW synth_query_notes AS SELECT note FROM synth_query" \
	-c "COMMENT ON TABLE synth_base IS 'rvbench {\"data\": \"an earlier layout\"}'" ||
	fail "could not set up the user's table on the kept cluster"
if env -u PGOPTIONS $kept PGDATABASE=postgres bench/run --server existing --load-only --dataset synthetic \
	--n 2000 --dim 16 --queries 50 --out "$tmp/existing" >"$tmp/existing.log" 2>&1; then
	cat "$tmp/existing.log"
	fail "bench/run replaced a table it did not make (synth_query) without an error"
fi
grep -q "table synth_query exists and was not made by bench/run" "$tmp/existing.log" ||
	{ cat "$tmp/existing.log"; fail "bench/run's error does not name the user's table"; }
[ "$(kpsql -c "SELECT note FROM synth_query_notes")" = "a user row" ] ||
	fail "the user's table or the view on it was changed"
kpsql -c "SELECT obj_description('synth_base'::regclass, 'pg_class')" | grep -q '"layout"' ||
	fail "the bench's own table of an earlier layout was not reloaded"
stop_cluster
trap - EXIT

echo "bench smoke test: ok (exact recall@10 = recall@100 = 1.000; ruivf recall and server time; all report files written; a user's table kept)"
if [ "${RVBENCH_SMOKE_KEEP:-0}" = 1 ]; then
	echo "bench smoke test: files kept in $out"
else
	rm -rf "$tmp"
fi
exit 0
