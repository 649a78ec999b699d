# Shared shell helpers for ruvector's scripts: sourced, never run.
#
#   rv_install_deps [extra packages]   apt-get what is missing (root or sudo)
#   rv_build_install                    make, make install
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

# Build and install the extension.
rv_build_install() {
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
