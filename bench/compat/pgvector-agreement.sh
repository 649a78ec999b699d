#!/usr/bin/env bash
# How much of pgvector's own regression SQL gives the same output against
# ruvector's compatibility extension `vector` as against pgvector, statement by
# statement.  Runs pgvector's test/sql/*.sql with pg_regress on a throwaway
# cluster of each installation (twice each: as shipped, then with
# `\set VERBOSITY sqlstate` in front to read SQLSTATEs), then
# bench/compat/compare.py cuts the result files into statements, compares and
# writes a markdown report.  It builds nothing: pgvector and ruvector must
# already be installed in the two prefixes (see bench/compat/README.md).
#
# Usage:
#   bench/compat/pgvector-agreement.sh [options] PGVECTOR_SRC PGVECTOR_BIN RUVECTOR_BIN
#   bench/compat/pgvector-agreement.sh --self-check [options] PGVECTOR_SRC PGVECTOR_BIN
#   (options may come before or after the directories)
#
#   PGVECTOR_SRC  a pgvector source tree; only its test/ directory is read
#   PGVECTOR_BIN  bin directory of a PostgreSQL installation with pgvector installed
#   RUVECTOR_BIN  bin directory of a PostgreSQL installation with ruvector installed
#
# Options:
#   --out FILE     the report (default: pgvector-agreement.md in the work directory)
#   --work DIR     keep the result files there (default: a temporary directory,
#                  removed at the end)
#   --self-check   run pgvector against itself; exits 1 unless all statements agree
#   --label TEXT   what the ruvector side is (a commit, a branch), written in the report
#
# Exit status: 0 when the report was written (and, with --self-check, every
# statement agreed), 1 on any failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

usage() {
	sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 1
}

die() {
	echo "pgvector-agreement: $*" >&2
	exit 1
}

out="" work="" self=0 label="" args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out | --work | --label) [ $# -ge 2 ] || die "$1 needs a value" ;;&
	--out) out=$2; shift 2 ;;
	--label) label=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--self-check) self=1; shift ;;
	-h | --help) usage ;;
	-*) die "unknown option $1" ;;
	*) args+=("$1"); shift ;;
	esac
done
set -- "${args[@]}"
if [ "$self" -eq 1 ]; then
	[ $# -eq 2 ] || usage
	src=$1 abin=$2 bbin=$2
else
	[ $# -eq 3 ] || usage
	src=$1 abin=$2 bbin=$3
fi
src=$(cd "$src" && pwd) || die "no directory $1"
if ! [ -d "$src/test/sql" ] || ! [ -d "$src/test/expected" ]; then
	die "$src has no test/sql and test/expected"
fi
for b in "$abin" "$bbin"; do
	if ! [ -x "$b/pg_config" ] || ! [ -x "$b/psql" ]; then die "$b has no pg_config and psql"; fi
done
abin=$(cd "$abin" && pwd) bbin=$(cd "$bbin" && pwd)
command -v python3 >/dev/null || die "python3 is needed"
python3 "$here/compare.py" --self-test >/dev/null || {
	python3 "$here/compare.py" --self-test >&2
	die "compare.py failed its own test"
}

keep=1
if [ -z "$work" ]; then
	work=$(mktemp -d /tmp/pgvector-agreement.XXXXXX) || die "mktemp"
	keep=0
fi
mkdir -p "$work" || die "cannot make $work"
work=$(cd "$work" && pwd)
[ -n "$out" ] || out=$work/pgvector-agreement.md
[ "$keep" -eq 1 ] || [ "$(dirname "$out")" != "$work" ] || keep=1

# The extension each side loads (in this order) and the file the .so must exist as.
a_exts="vector"
if [ "$self" -eq 1 ]; then b_exts="vector"; else b_exts="ruvector vector"; fi
check_installed() {
	local bin=$1 ext
	shift
	for ext in "$@"; do
		[ -f "$("$bin/pg_config" --sharedir)/extension/$ext.control" ] ||
			die "extension $ext is not installed under $("$bin/pg_config" --sharedir)"
	done
}
# shellcheck disable=SC2086
check_installed "$abin" $a_exts
# shellcheck disable=SC2086
check_installed "$bbin" $b_exts
# pgvector's vector.control has no `requires`; ruvector's requires ruvector.
is_ruvector() {
	grep -q "^requires = 'ruvector'" "$("$1/pg_config" --sharedir)/extension/vector.control"
}
if is_ruvector "$abin"; then die "$abin's vector is ruvector's; PGVECTOR_BIN comes first"; fi
if [ "$self" -eq 0 ] && ! is_ruvector "$bbin"; then
	die "$bbin's vector is not ruvector's (its vector.control does not require ruvector)"
fi

# The test directory as pg_regress reads it: pass 1 as shipped; pass 2 with
# the SQLSTATE line in front of each file.
mkdir -p "$work/input/sql" "$work/input-sqlstate/sql" "$work/input-sqlstate/expected"
cp "$src"/test/sql/*.sql "$work/input/sql/" || die "cannot copy $src/test/sql"
cp -r "$src/test/expected" "$work/input/" || die "cannot copy $src/test/expected"
tests=()
for f in "$work"/input/sql/*.sql; do
	t=$(basename "$f" .sql)
	tests+=("$t")
	{ printf '%s\n' '\set VERBOSITY sqlstate'; cat "$f"; } >"$work/input-sqlstate/sql/$t.sql"
	: >"$work/input-sqlstate/expected/$t.out"
done
[ ${#tests[@]} -gt 0 ] || die "no tests in $src/test/sql"

# rv_cluster_start and rv_cluster_stop; they use the binaries in RV_PGBIN.
# shellcheck source=scripts/common.sh
. "$root/scripts/common.sh"

cluster_up=0
# Stop the cluster still running, if any; remove the temporary work directory.
# shellcheck disable=SC2317
cleanup() {
	if [ "$cluster_up" -eq 1 ]; then rv_cluster_stop; fi
	if [ "$keep" -eq 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Run both passes on one side: $1 the side's name, $2 its bin, $3... extensions.
run_side() {
	local side=$1 bin=$2 pass dir input rc ext
	shift 2
	local loads=()
	for ext in "$@"; do loads+=("--load-extension=$ext"); done
	local pgxs regress
	pgxs=$("$bin/pg_config" --pgxs) || die "$bin/pg_config --pgxs failed"
	regress=$(dirname "$pgxs")/../test/regress/pg_regress
	[ -x "$regress" ] || die "no pg_regress at $regress"

	export RV_PGBIN=$bin
	# shellcheck disable=SC2119
	rv_cluster_start >"$work/$side-cluster.log" 2>&1 || {
		cat "$work/$side-cluster.log" >&2
		die "$side: the throwaway cluster did not start"
	}
	cluster_up=1
	"$bin/psql" -X -q -A -t -c "SELECT version()" >"$work/$side-version.txt" 2>&1
	for pass in 1 2; do
		if [ $pass -eq 1 ]; then input=$work/input; else input=$work/input-sqlstate; fi
		dir=$work/$side-pass$pass
		rm -rf "$dir" && mkdir -p "$dir"
		# psql's \copy in copy.sql writes results/*.bin relative to pg_regress's directory.
		(cd "$dir" && "$regress" --inputdir="$input" --outputdir="$dir" --bindir="$bin" \
			--host="$PGHOST" --port="$PGPORT" --user="$PGUSER" --dbname=contrib_regression \
			"${loads[@]}" "${tests[@]}") >"$dir/pg_regress.log" 2>&1
		rc=$?
		[ $pass -eq 1 ] && echo "$rc" >"$work/$side-pass1.rc"
		ls "$dir"/results/*.out >/dev/null 2>&1 || {
			tail -20 "$dir/pg_regress.log" >&2
			die "$side pass $pass: pg_regress wrote no result files"
		}
	done
	"$bin/psql" -X -q -A -t -d contrib_regression \
		-c "SELECT string_agg(extname || ' ' || extversion, ', ' ORDER BY extname) FROM pg_extension WHERE extname <> 'plpgsql'" \
		>"$work/$side-extensions.txt" 2>&1
	rv_cluster_stop
	cluster_up=0
}

start=$(date +%s)
if [ "$self" -eq 1 ]; then aname="pgvector" bname="pgvector (again)"; else aname="pgvector" bname="ruvector"; fi
echo "== $aname: $abin"
# shellcheck disable=SC2086
run_side a "$abin" $a_exts
echo "== $bname: $bbin"
# shellcheck disable=SC2086
run_side b "$bbin" $b_exts

# pgvector must pass its own expected output, or the reference is wrong.
if [ "$(cat "$work/a-pass1.rc")" != 0 ]; then
	echo "pgvector-agreement: WARNING: pgvector failed its own regression tests" \
		"(see $work/a-pass1/regression.diffs); the report still compares the two" >&2
	a_pass="no: see regression.diffs"
else
	a_pass="yes, all ${#tests[@]} files"
fi

srcdesc=$src
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	srcdesc="$src (git $(git -C "$src" describe --tags --always 2>/dev/null))"
fi
sqlsum=$(cat "$src"/test/sql/*.sql | sha256sum | cut -c1-16)
rvhead=$(git -C "$root" log -1 --format='%h %cs' 2>/dev/null || echo "?")
elapsed=$(($(date +%s) - start))

flags=()
[ "$self" -eq 1 ] && flags+=(--expect-all-agree)
python3 "$here/compare.py" --sql-dir "$src/test/sql" \
	--a-results "$work/a-pass1/results" --a-sqlstate "$work/a-pass2/results" \
	--b-results "$work/b-pass1/results" --b-sqlstate "$work/b-pass2/results" \
	--a-name "$aname" --b-name "$bname" \
	--meta "run=$(date -u '+%Y-%m-%d %H:%M UTC'), ${elapsed} s for the four pg_regress passes" \
	--meta "pgvector tests=$srcdesc, ${#tests[@]} files test/sql/*.sql (sha256 of their text: $sqlsum)" \
	--meta "$aname=$abin; extensions $(cat "$work/a-extensions.txt"); passes its own expected output: $a_pass" \
	--meta "$bname=$bbin; extensions $(cat "$work/b-extensions.txt")${label:+; $label}" \
	--meta "this tool's repository=$rvhead (ruvector is what is installed under $bbin, not necessarily this commit)" \
	--meta "server=$(cat "$work/a-version.txt")" \
	--out "$out" --json "$work/statements.json" "${flags[@]}"
rc=$?
echo "== report: $out ($(($(date +%s) - start)) s)"
[ "$keep" -eq 1 ] && echo "== result files: $work"
exit $rc
