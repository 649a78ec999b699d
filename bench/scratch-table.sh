# bench/scratch-table.sh: sourced by the bench's shell scripts that make a
# scratch table of their own (bench/churn.sh, bench/grow.sh).
#
# rv_own_scratch_table TABLE SCRIPT
#   Stops the script (exit 1) when TABLE exists without the COMMENT the
#   bench gives its own tables ('rvbench ...'): a table of that name that the
#   bench did not make is the user's, and is left alone.  Uses the caller's
#   psql (with -X -q and ON_ERROR_STOP) and the PG* variables.
rv_own_scratch_table() {
	local table="$1" script="$2"
	if [ "$(psql -At -c "SELECT to_regclass('$table') IS NOT NULL AND coalesce(obj_description(to_regclass('$table'), 'pg_class'), '') NOT LIKE 'rvbench %'")" = t ]; then
		echo "$script: table $table exists and was not made by $script; rename or drop it, or run against another database (PGDATABASE)" >&2
		exit 1
	fi
}
