#!/usr/bin/env bash
# Real pgvector clients against ruvector's compatibility extension `vector`,
# on a running cluster (PGHOST, PGPORT, PGUSER as scripts/common.sh's
# rv_cluster_start exports them; RV_PGBIN names the PostgreSQL binaries):
#   1. node-postgres with the pgvector npm package (node_test.js): vector,
#      sparsevec, halfvec and bit, hnsw indexes on vector and halfvec, a
#      binary_quantize expression index re-ranked in SQL,
#   2. postgres.js (the `postgres` npm package) with the pgvector npm
#      package (postgresjs_test.js): vector, halfvec, sparsevec and bit as
#      untyped toSql strings, as custom types registered by OID, through
#      COPY and in arrays; <->, <=>, <#> and <~> through hnsw and ivfflat
#      indexes; the binary_quantize re-rank.  Both Node clients use the exact
#      versions in package.json / package-lock.json, installed with one
#      `npm ci` from the npm registry into a temporary directory,
#   3. psycopg 3 from Debian (python3-psycopg) with a binary dumper and
#      loader after TypeInfo.fetch (psycopg_test.py),
#   4. migration by dump and restore: pg_dump of a database that uses
#      `vector` (as pgvector's users have), restored with psql into a new
#      database where ruvector exists, answers the same queries alike,
#   5. the install guard: `make install` refuses to overwrite another
#      extension's vector.control (a temporary DESTDIR holding a foreign one).
# Each client gets a new database in which ruvector is created first, as an
# administrator would (CREATE EXTENSION vector requires it); the clients
# then run the framework's own CREATE EXTENSION IF NOT EXISTS vector.
# Prints one verdict line per check and ends with "clients: N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pgbin=${RV_PGBIN:-/usr/lib/postgresql/15/bin}
passed=0
failed=0

record() {
	if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "-- $1: ok"
	else failed=$((failed + 1)); echo "-- $1: FAILED"; fi
}

# A new database with ruvector created in it; prints its name.
new_db() {
	local db="rv_clients_$1_$$"
	"$pgbin/createdb" "$db" && "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" \
		-c "CREATE EXTENSION ruvector" >/dev/null && echo "$db"
}

# node-postgres and postgres.js share one `npm ci` (package-lock.json)
echo "-- npm ci: pg, pgvector, postgres (package-lock.json)"
work=$(mktemp -d /tmp/ruvector-clients.XXXXXX)
npm_ok=0
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "node or npm is missing"
elif ! cp "$here/package.json" "$here/package-lock.json" "$here/node_test.js" "$here/postgresjs_test.js" "$work/" ||
	! (cd "$work" && npm ci --no-audit --no-fund --loglevel=error); then
	echo "npm ci failed"
else
	npm_ok=1
fi

# run_node NAME SCRIPT: one Node client test in a new database
run_node() {
	local rc=1 db
	if [ $npm_ok -eq 1 ] && db=$(new_db "$1"); then
		PGDATABASE=$db node "$work/$2"
		rc=$?
		"$pgbin/dropdb" "$db"
	fi
	return $rc
}

echo "-- node-postgres + pgvector (npm)"
run_node node node_test.js
record "node-postgres + pgvector" $?

echo "-- postgres.js + pgvector (npm)"
run_node postgresjs postgresjs_test.js
record "postgres.js + pgvector" $?
rm -rf "$work"

echo "-- psycopg 3 (python3-psycopg), binary format"
rc=1
if ! /usr/bin/python3 -c 'import psycopg' 2>/dev/null; then
	echo "python3-psycopg is missing"
elif db=$(new_db psycopg); then
	PGDATABASE=$db /usr/bin/python3 "$here/psycopg_test.py"
	rc=$?
	"$pgbin/dropdb" "$db"
fi
record "psycopg" $rc

echo "-- pg_dump | psql: a database using vector restores into one where ruvector exists"
rc=1
if src=$(new_db dumpsrc) && dst=$(new_db dumpdst); then
	"$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<-'EOF'
		SET client_min_messages = warning;
		CREATE EXTENSION IF NOT EXISTS vector;
		CREATE TABLE items (id int PRIMARY KEY, embedding vector(4));
		INSERT INTO items SELECT i, ARRAY[i % 5, i % 7, i % 11, i * 0.001] FROM generate_series(1, 300) i;
		CREATE INDEX items_hnsw ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 16);
		CREATE INDEX items_ivfflat ON items USING ivfflat (embedding vector_l2_ops) WITH (lists = 4);
		CREATE TABLE sitems (id int PRIMARY KEY, s sparsevec(1000));
		INSERT INTO sitems SELECT i, ('{' || i || ':1.5,' || (i + 500) || ':-' || i * 0.25 || '}/1000')::sparsevec
		  FROM generate_series(1, 300) i;
		CREATE INDEX ON sitems (s);
	EOF
	q="SET enable_seqscan = off; SET hnsw.ef_search = 1000; SET ivfflat.probes = 4;
	   SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <=> '[1,2,3,0.1]' LIMIT 5) a
	   UNION ALL SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <-> '[1,2,3,0.1]' LIMIT 5) b
	   UNION ALL SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'items'
	   UNION ALL SELECT string_agg(id::text, ',') FROM (SELECT id FROM sitems ORDER BY s <-> '{7:1.5,507:-2}/1000', id LIMIT 5) c
	   UNION ALL SELECT md5(string_agg(s::text, ';' ORDER BY s)) FROM sitems
	   UNION ALL SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'sitems'::regclass AND attname = 's'"
	want=$("$pgbin/psql" -X -q -A -t -d "$src" -c "$q")
	# without ruvector's own lines, the dump is what a pgvector database gives
	"$pgbin/pg_dump" "$src" | grep -v '^\(CREATE\|COMMENT ON\) EXTENSION .*ruvector' |
		"$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -d "$dst" >/dev/null 2>&1
	rc_restore=${PIPESTATUS[2]}
	got=$("$pgbin/psql" -X -q -A -t -d "$dst" -c "$q")
	echo "$got" | head -2 | sed 's/^/top 5: /'
	if [ $rc_restore -eq 0 ] && [ -n "$want" ] && [ "$got" = "$want" ]; then
		echo "restored: same rows, same answers through both indexes, same index definitions"
		rc=0
	else
		echo "restore rc $rc_restore; before: $want; after: $got"
	fi
fi
[ -n "${src:-}" ] && "$pgbin/dropdb" "$src"
[ -n "${dst:-}" ] && "$pgbin/dropdb" "$dst"
record "pg_dump / restore" $rc

echo "-- install guard: make install keeps another extension's vector.control"
dest=$(mktemp -d /tmp/ruvector-destdir.XXXXXX)
ext="$dest$("$pgbin/pg_config" --sharedir)/extension"
mkdir -p "$ext"
printf "comment = 'another vector extension'\ndefault_version = '9.9.9'\nmodule_pathname = '\$libdir/vector'\n" \
	>"$ext/vector.control"
out=$(make -s -C "$root" install PG_CONFIG="$pgbin/pg_config" DESTDIR="$dest" 2>&1)
rc_foreign=$?
kept=$(grep -c "another vector extension" "$ext/vector.control")
rm -f "$ext/vector.control"
make -s -C "$root" install PG_CONFIG="$pgbin/pg_config" DESTDIR="$dest" >/dev/null 2>&1
rc_ours=$?
ours=$(grep -c "^requires = 'ruvector'" "$ext/vector.control" 2>/dev/null)
make -s -C "$root" install PG_CONFIG="$pgbin/pg_config" DESTDIR="$dest" >/dev/null 2>&1
rc_again=$?
rm -rf "$dest"
echo "$out" | grep -m1 "belongs to another extension" || true
if [ $rc_foreign -ne 0 ] && [ "$kept" = 1 ] && [ $rc_ours -eq 0 ] && [ "$ours" = 1 ] && [ $rc_again -eq 0 ]; then
	echo "refused over a foreign vector.control (kept), installed into an empty one, reinstalled over its own"
	rc=0
else
	echo "foreign: make rc $rc_foreign, kept $kept; empty: rc $rc_ours, ours $ours; again: rc $rc_again"
	rc=1
fi
record "install guard" $rc

echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
