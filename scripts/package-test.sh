#!/usr/bin/env bash
# The Debian package's test: build postgresql-15-ruvector (scripts/package.sh),
# check its metadata and files, install it into a private copy of the
# PostgreSQL installation (as scripts/sanitize.sh does, so that the system's
# own files are left alone: every ruvector and vector file is removed from the
# copy first, so only the package's can serve), start a fresh cluster there
# and run the README's quick start.
#
# Ends with "package test: ok" or "package test: FAILED".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

T=$(mktemp -d /tmp/ruvector-pkgtest.XXXXXX)
chmod 755 "$T"
fail() {
	echo "package-test.sh: $*"
	echo "package test: FAILED"
	exit 1
}
cleanup() {
	rv_cluster_stop 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

deb=$(bash scripts/package.sh "$T/dist" | tail -1) || fail "the package did not build"
[ -f "$deb" ] || fail "no .deb ($deb)"
echo "== built $(basename "$deb")"

# metadata and files
[ "$(dpkg-deb -f "$deb" Package)" = postgresql-15-ruvector ] || fail "wrong package name"
dpkg-deb -f "$deb" Depends | grep -q 'postgresql-15' || fail "does not depend on postgresql-15"
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/lib/postgresql/15/lib/ruvector.so ./usr/lib/postgresql/15/lib/ruvector_compat.so \
	./usr/share/postgresql/15/extension/ruvector.control \
	./usr/share/postgresql/15/extension/ruvector--0.3.0.sql \
	./usr/share/postgresql/15/extension/ruvector--0.2.0.sql \
	./usr/share/postgresql/15/extension/ruvector--0.1.0.sql \
	./usr/share/postgresql/15/extension/ruvector--0.1.0--0.2.0.sql \
	./usr/share/postgresql/15/extension/ruvector--0.2.0--0.3.0.sql \
	./usr/share/postgresql/15/extension/ruvector--0.3.0--0.4.0.sql \
	./usr/share/postgresql/15/extension/vector.control; do
	grep -qx -- "$f" <<<"$files" || fail "the package lacks $f"
done
echo "== metadata and files: ok"

# a private PostgreSQL with only the package's ruvector
rv_copy_pg_install "$T/prefix" lib/postgresql/15 share/postgresql/15 ||
	fail "cannot copy the PostgreSQL installation (above)"
rm -f "$T"/prefix/lib/postgresql/15/lib/ruvector*.so "$T"/prefix/lib/postgresql/15/lib/vector.so \
	"$T"/prefix/share/postgresql/15/extension/ruvector* "$T"/prefix/share/postgresql/15/extension/vector*
dpkg-deb -x "$deb" "$T/root" || fail "cannot unpack the package"
cp -a "$T"/root/usr/lib/postgresql/15/lib/. "$T/prefix/lib/postgresql/15/lib/"
cp -a "$T"/root/usr/share/postgresql/15/extension/. "$T/prefix/share/postgresql/15/extension/"
export RV_PGBIN=$T/prefix/lib/postgresql/15/bin
rv_cluster_start || fail "cannot start a cluster from the private prefix"

# the README's quick start
out=$(psql -X -q -v ON_ERROR_STOP=1 -At -d postgres <<'SQL' 2>&1
CREATE EXTENSION ruvector;
SELECT extversion FROM pg_extension WHERE extname = 'ruvector';
CREATE TABLE items (id bigserial PRIMARY KEY, embedding ruvector(3));
INSERT INTO items (embedding) VALUES ('[1,2,3]'), ('[4,5,6]'), ('[1,1,1]');
CREATE INDEX ON items USING ruivf (embedding ruvector_l2_ops);
SET enable_seqscan = off;
SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <-> '[3,1,2]' LIMIT 5) s;
CREATE EXTENSION vector;
SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector;
SQL
) || fail "the quick start failed: $out"
echo "$out"
[ "$(sed -n 1p <<<"$out")" = 0.4.0 ] || fail "extversion is not 0.4.0"
[ "$(sed -n 2p <<<"$out")" = "3,1,2" ] || fail "the k-NN query returned $(sed -n 2p <<<"$out"), not 3,1,2"
[ "$(sed -n 3p <<<"$out")" = 1 ] || fail "the vector distance is $(sed -n 3p <<<"$out"), not 1"
echo "package test: ok"
