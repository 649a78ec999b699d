#!/usr/bin/env bash
# Run every fuzz target of test/fuzz for a bounded time.
#
#   test/fuzz/run.sh [TARGET ...]        (default: all five)
#
#   RV_FUZZ_SECONDS   total fuzzing time, shared by the targets (default 24)
#   RV_FUZZ_SEED      libFuzzer's seed (default: a new one each run, printed)
#   RV_FUZZ_OUT       work corpora, logs and crash inputs (default test/fuzz/out)
#   PG_CONFIG         the PostgreSQL whose headers and libpgcommon to use
#
# Each target first runs its seed corpus (test/fuzz/corpus/<name>, plus the
# largest inputs, written here: 16000 and 16001 dimensions), then mutates
# for its share of the time.  A crash, a sanitizer report or a broken
# invariant (the targets' "INVARIANT BROKEN") fails the run; the input is
# left under RV_FUZZ_OUT and shown with the command that replays it.
# Ends with "fuzz: ok" or "fuzz: FAILED".
set -uo pipefail
cd "$(dirname "$0")"
source ../../scripts/common.sh
rv_install_deps clang-14 libclang-rt-14-dev

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_text fuzz_binary fuzz_typmod fuzz_array fuzz_sparse)
total=${RV_FUZZ_SECONDS:-24}
each=$((total / ${#targets[@]}))
[ "$each" -lt 1 ] && each=1
seed=${RV_FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
out=${RV_FUZZ_OUT:-$PWD/out}
pg_config=${PG_CONFIG:-$RV_PGBIN/pg_config}

echo "== building the fuzz targets (clang-14, libFuzzer, ASan + UBSan)"
make -s PG_CONFIG="$pg_config" "${targets[@]}" || { echo "fuzz: FAILED (build)"; exit 1; }

# The largest inputs, which the small seed files cannot reach by mutation.
big_seeds() {
	local dir=$1 name=$2
	case $name in
	fuzz_text)
		{ printf '['; for _ in $(seq 15999); do printf '0.5,'; done; printf '1]'; } >"$dir/dim16000"
		{ printf '['; for _ in $(seq 16000); do printf '0,'; done; printf '1]'; } >"$dir/dim16001"
		;;
	fuzz_binary)
		{ printf '\x3e\x80\x00\x00'; head -c 64000 /dev/zero; } >"$dir/dim16000"
		{ printf '\x3e\x81\x00\x00'; head -c 64004 /dev/zero; } >"$dir/dim16001"
		;;
	fuzz_sparse)
		# 16,000 and 16,001 elements, text and binary (the first byte picks)
		perl -e 'print "0{", join(",", map { "$_:1" } 1 .. 16000), "}/16000"' >"$dir/nnz16000"
		perl -e 'print "0{", join(",", map { "$_:1" } 1 .. 16001), "}/20000"' >"$dir/nnz16001"
		perl -e 'print "1", pack("N3", 16000, 16000, 0), pack("N*", 0 .. 15999), pack("f>*", (1) x 16000)' \
			>"$dir/nnz16000_binary"
		;;
	esac
}

failed=0
echo "== seed $seed, ${each} s per target (RV_FUZZ_SEED=$seed replays the same mutations)"
for t in "${targets[@]}"; do
	name=${t#fuzz_}
	work=$out/corpus/$name
	log=$out/$t.log
	mkdir -p "$work"
	rm -f "$out/$t-"*
	big_seeds "$work" "$t"
	dict=()
	[ -f "$name.dict" ] && dict=(-dict="$name.dict")
	start=$(date +%s)
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"./$t" -seed="$seed" -max_total_time="$each" -timeout=10 -rss_limit_mb=2048 \
		-max_len=70000 -print_final_stats=1 -artifact_prefix="$out/$t-" "${dict[@]}" \
		"$work" "corpus/$name" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -o "cov: [0-9]*" "$log" | tail -1)
	if [ $rc -ne 0 ] || grep -q -E "AddressSanitizer|runtime error:|INVARIANT BROKEN|deadly signal" "$log"; then
		failed=$((failed + 1))
		echo "== $t: FAILED (exit $rc) after $(($(date +%s) - start)) s"
		grep -E -A30 "AddressSanitizer|runtime error:|INVARIANT BROKEN|deadly signal" "$log" | head -60
		for a in "$out/$t-"*; do
			[ -f "$a" ] || continue
			echo "== input $a ($(stat -c %s "$a") bytes):"
			head -c 256 "$a" | od -A d -t x1 | head -12
			echo "== replay: test/fuzz/$t $a"
		done
	else
		echo "== $t: ok, ${runs:-?} inputs in $(($(date +%s) - start)) s, $cov"
	fi
done
if [ $failed -ne 0 ]; then
	echo "fuzz: FAILED ($failed of ${#targets[@]} targets; logs in $out)"
	exit 1
fi
echo "fuzz: ok"
