#!/usr/bin/env bash
# Build the Debian package postgresql-15-ruvector (debian/) with
# dpkg-buildpackage, in a copy of the source tree (the work tree's own build
# is left alone), and put the .deb in OUTDIR (default: dist/).
#
#   scripts/package.sh [OUTDIR]
#
# Installs what it needs first (debhelper, dpkg-dev, postgresql-server-dev-15).
# Prints the path of the .deb last.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
rv_install_deps debhelper dpkg-dev fakeroot

out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
T=$(mktemp -d /tmp/ruvector-pkg.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir "$T/ruvector"
# the tracked files, as a clean checkout has them (no objects, no results)
git ls-files -z | xargs -0 cp --parents -t "$T/ruvector"
(cd "$T/ruvector" && dpkg-buildpackage -us -uc -b >"$T/build.log" 2>&1) || {
	tail -40 "$T/build.log"
	echo "package.sh: dpkg-buildpackage failed" >&2
	exit 1
}
deb=$(ls "$T"/postgresql-15-ruvector_*.deb)
cp "$deb" "$out/"
echo "$out/$(basename "$deb")"
