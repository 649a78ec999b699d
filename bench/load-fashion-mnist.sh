#!/usr/bin/env bash
# Load fashion-mnist (Debian package dataset-fashion-mnist) into the server
# that the usual PG* variables name:
#   train(id integer primary key, v ruvector(784))   60,000 train images
#   test (id integer primary key, v ruvector(784))   10,000 test images
# through binary COPY.  Usage: bench/load-fashion-mnist.sh [--text]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=/usr/share/datasets/fashion-mnist
fmt=--binary
copyfmt="(FORMAT binary)"
if [ "${1:-}" = "--text" ]; then fmt=; copyfmt="(FORMAT text)"; fi

[ -r "$src/train-images-idx3-ubyte.gz" ] || {
	echo "fashion-mnist not found in $src: apt-get install dataset-fashion-mnist" >&2
	exit 1
}
mkdir -p "$here/bin"
[ "$here/bin/idx2copy" -nt "$here/tools/idx2copy.c" ] ||
	cc -O2 -Wall -Wextra -o "$here/bin/idx2copy" "$here/tools/idx2copy.c"

psql -X -q -v ON_ERROR_STOP=1 <<SQL
CREATE EXTENSION IF NOT EXISTS ruvector;
DROP TABLE IF EXISTS train, test;
CREATE TABLE train (id integer PRIMARY KEY, v ruvector(784));
CREATE TABLE test (id integer PRIMARY KEY, v ruvector(784));
SQL
for t in train test; do
	f=$src/$t-images-idx3-ubyte.gz
	[ $t = test ] && f=$src/t10k-images-idx3-ubyte.gz
	echo "loading $t from $f"
	gzip -dc "$f" | "$here/bin/idx2copy" $fmt | psql -X -q -v ON_ERROR_STOP=1 -c "COPY $t FROM STDIN $copyfmt"
done
psql -X -q -v ON_ERROR_STOP=1 -c "VACUUM ANALYZE train, test"
