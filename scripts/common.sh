# Shared shell helpers for ruvector's scripts: sourced, never run.
#
#   rv_install_deps [extra packages]   apt-get what is missing (root or sudo)
#   rv_build_install                    make, make install (into a private copy of
#                                       the PostgreSQL installation where another
#                                       extension named vector is installed)
#   rv_private_prefix_remove            remove that copy, if one was made
#   rv_copy_pg_install DEST [DIR ...]   copy RV_PGBIN's installation (lib, share,
#                                       include, or the DIRs) into DEST, less pgvector
#   rv_cluster_start                    a throwaway cluster; exports PGHOST, PGPORT, PGUSER
#                                       (RV_SERVER_ENV: "VAR=value ..." set for the server)
#   rv_cluster_stop                     stop it and remove its directory
#
# PostgreSQL refuses to run as root: as root the cluster runs as the
# `postgres` system user that Debian's packages create; otherwise as the
# calling user.

RV_PGBIN=${RV_PGBIN:-/usr/lib/postgresql/15/bin}
RV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Run a command as root: directly when we are root, else through sudo.
rv_as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the Debian packages that are missing (apt-get update first).
rv_install_deps() {
	local want=(build-essential postgresql-15 postgresql-server-dev-15 "$@")
	local missing=()
	for p in "${want[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "== installing: ${missing[*]}"
		rv_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		rv_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

# Copy the PostgreSQL installation RV_PGBIN belongs to (<prefix>/lib/
# postgresql/15/bin) into dest: its lib, share and include trees, or the
# trees named after dest (relative to the prefix).  A copy runs from where
# it lies: PostgreSQL finds its files relative to its binaries.  Another
# extension named vector (pgvector) is left out of the copy, so that
# ruvector's compatibility extension can be installed into it.
rv_copy_pg_install() {
	local dest=$1 src_pgbin src_prefix d f
	shift
	src_pgbin=$(cd "$RV_PGBIN" && pwd -P) || return 1
	src_prefix=${src_pgbin%/lib/postgresql/15/bin}
	if [ "$src_prefix" = "$src_pgbin" ]; then
		echo "RV_PGBIN=$RV_PGBIN is not <prefix>/lib/postgresql/15/bin" >&2
		return 1
	fi
	[ $# -gt 0 ] || set -- lib/postgresql/15 share/postgresql/15 include/postgresql/15
	for d in "$@"; do
		mkdir -p "$dest/$(dirname "$d")"
		cp -a "$src_prefix/$d" "$dest/$d" || {
			echo "cannot copy $src_prefix/$d" >&2
			return 1
		}
	done
	f=$dest/share/postgresql/15/extension/vector.control
	if [ -f "$f" ] && ! grep -q "^requires = 'ruvector'" "$f"; then
		rm -rf "$f" "$dest"/share/postgresql/15/extension/vector--*.sql \
			"$dest"/lib/postgresql/15/lib/vector.so \
			"$dest"/lib/postgresql/15/lib/bitcode/vector \
			"$dest"/lib/postgresql/15/lib/bitcode/vector.index.bc
	fi
}

# Where another extension named vector (pgvector) is installed into the
# PostgreSQL of RV_PGBIN, ruvector's compatibility extension of that name
# cannot go beside it (the Makefile refuses to overwrite it).  Then work in
# a private copy of that installation, the other extension's files left
# out, and point RV_PGBIN (exported, for the scripts run after) at it; the
# system's installation is not touched.
rv_private_prefix_if_needed() {
	local f
	f="$("$RV_PGBIN/pg_config" --sharedir)/extension/vector.control"
	if [ ! -f "$f" ] || grep -q "^requires = 'ruvector'" "$f"; then
		return 0
	fi
	RV_PRIVATE_PREFIX=$(mktemp -d /tmp/ruvector-prefix.XXXXXX)
	chmod 755 "$RV_PRIVATE_PREFIX"
	echo "== $f belongs to another extension: building in a private copy of the installation at $RV_PRIVATE_PREFIX"
	rv_copy_pg_install "$RV_PRIVATE_PREFIX" || return 1
	export RV_PGBIN=$RV_PRIVATE_PREFIX/lib/postgresql/15/bin
	export RV_PRIVATE_PREFIX
}

# Remove the private copy of rv_private_prefix_if_needed, if one was made.
rv_private_prefix_remove() {
	[ -n "${RV_PRIVATE_PREFIX:-}" ] || return 0
	rm -rf "$RV_PRIVATE_PREFIX"
	RV_PRIVATE_PREFIX=
}

# Build and install the extension.
rv_build_install() {
	rv_private_prefix_if_needed || return 1
	echo "== building ruvector"
	make -C "$RV_ROOT" -s -j"$(nproc)" PG_CONFIG="$RV_PGBIN/pg_config"
	rv_as_root make -C "$RV_ROOT" -s install PG_CONFIG="$RV_PGBIN/pg_config" >/dev/null
}

# The user the server runs as.
rv_server_user() {
	if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

# Run a command as the server user.
rv_as_server_user() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Start a throwaway cluster in a new temporary directory.  Extra settings
# may be given as arguments ("shared_buffers=1GB" ...).
rv_cluster_start() {
	local port=${RV_PORT:-$((54000 + RANDOM % 1000))}
	RV_PGDATA_DIR=$(mktemp -d /tmp/ruvector-pg.XXXXXX)
	chmod 755 "$RV_PGDATA_DIR"
	if [ "$(id -u)" -eq 0 ]; then chown postgres: "$RV_PGDATA_DIR"; fi
	rv_as_server_user "$RV_PGBIN/initdb" -D "$RV_PGDATA_DIR/data" -U "$(rv_server_user)" \
		-A trust --no-sync -E UTF8 --locale=C >"$RV_PGDATA_DIR/initdb.log" 2>&1 || {
		cat "$RV_PGDATA_DIR/initdb.log"
		return 1
	}
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$RV_PGDATA_DIR'"
		echo "port = $port"
		echo "fsync = off"
		echo "jit = off"
		for s in "$@"; do echo "$s"; done
	} >>"$RV_PGDATA_DIR/data/postgresql.conf"
	# shellcheck disable=SC2086
	rv_as_server_user env ${RV_SERVER_ENV:-} "$RV_PGBIN/pg_ctl" -D "$RV_PGDATA_DIR/data" \
		-l "$RV_PGDATA_DIR/server.log" -w -t 60 start >/dev/null || {
		cat "$RV_PGDATA_DIR/server.log"
		return 1
	}
	export PGHOST=$RV_PGDATA_DIR PGPORT=$port PGUSER=$(rv_server_user) PGDATABASE=postgres
	echo "== throwaway cluster at $RV_PGDATA_DIR (port $port, user $PGUSER)"
}

# Stop the throwaway cluster and remove it.
rv_cluster_stop() {
	[ -n "${RV_PGDATA_DIR:-}" ] || return 0
	rv_as_server_user "$RV_PGBIN/pg_ctl" -D "$RV_PGDATA_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$RV_PGDATA_DIR"
	RV_PGDATA_DIR=
}
