#!/usr/bin/env bash
# Load fashion-mnist (Debian package dataset-fashion-mnist) into the server
# that the usual PG* variables (or libpq's defaults) name; scripts/demo.sh
# calls it so:
#   train(id integer primary key, cat integer, v ruvector(784))  60,000 train images
#   test (id integer primary key, v ruvector(784))               10,000 test images
# (cat = id % 1000, a stored generated column for the filtered benchmark).
# Through the benchmark's own loader: binary COPY with a progress line; the
# tables are not reloaded when they already hold the data (table COMMENT).
# Usage: bench/load-fashion-mnist.sh [--reload]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/run" --dataset fashion-mnist --server existing --load-only "$@"
