# ruvector_stats with ruvector in shared_preload_libraries: counters shared
# by every backend of the cluster (scope 'cluster'), kept per database,
# cleared for all backends by ruvector_stats_reset(), including a backend
# that has its index's slot cached; slots given back when an index or a
# database is dropped; resets racing with queries in other backends.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;

my $node = PostgreSQL::Test::Cluster->new('stats');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'ruvector'\n");
$node->start;

my $setup = q{
CREATE EXTENSION ruvector;
CREATE TABLE st (id int PRIMARY KEY, v ruvector(3));
INSERT INTO st SELECT i, array[sin(i), cos(i), sin(i * 0.3)]::ruvector(3)
  FROM generate_series(1, 5000) i;
CREATE INDEX st_idx ON st USING ruivf (v ruvector_l2_ops) WITH (lists = 10);
ANALYZE st;
};
$node->safe_psql('postgres', $setup);
$node->safe_psql('postgres', 'CREATE DATABASE other');
$node->safe_psql('other', $setup);

my $q = "SET enable_seqscan = off; SELECT count(*) FROM "
  . "(SELECT id FROM st ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10) s;";

# four backends, one query each, in 'postgres'; one in 'other'
$node->safe_psql('postgres', $q) for 1 .. 4;
$node->safe_psql('other', $q);

is( $node->safe_psql('postgres',
		"SELECT index, queries, rows_returned, scope FROM ruvector_stats"),
	"st_idx|4|40|cluster",
	'queries of four backends add up, in the shared table');
is($node->safe_psql('other', "SELECT queries, rows_returned FROM ruvector_stats"),
	"1|10", 'each database sees its own indexes');

# one backend: a query (its slot is now cached), a reset, two more queries
is( $node->safe_psql('postgres',
		"$q SELECT ruvector_stats_reset(); $q $q SELECT queries FROM ruvector_stats"),
	"10\n\n10\n10\n2",
	'after a reset, a backend with a cached slot counts into the new table');
is($node->safe_psql('other', "SELECT count(*) FROM ruvector_stats"),
	"0", 'the reset cleared every database');

# the percentiles come from the shared histogram
$node->safe_psql('postgres', $q) for 1 .. 3;
is( $node->safe_psql('postgres',
		"SELECT queries, p50_ms > 0 AND p50_ms <= p95_ms AND p95_ms <= p99_ms FROM ruvector_stats"),
	"5|t", 'latency percentiles over all backends');

# settings through PGOPTIONS (as pgbench runs pass them), with the library
# preloaded: a scan under strict_order with one probe, counted as one query
{
	local $ENV{PGOPTIONS} = '-c ruvector.probes=1 -c ruvector.iterative_scan=strict_order';
	is( $node->safe_psql('postgres',
			"SELECT current_setting('ruvector.probes'), current_setting('ruvector.iterative_scan')"),
		"1|strict_order", 'settings arrive through PGOPTIONS');
	$node->safe_psql('postgres', 'SELECT ruvector_stats_reset()');
	$node->safe_psql('postgres', $q);
	is($node->safe_psql('postgres', "SELECT queries, lists_scanned FROM ruvector_stats"),
		"1|1", "a scan under PGOPTIONS settings reads one list and is counted");
}

# Slots are given back when the DROP of their index commits: 520 create /
# query / drop cycles, each its own transaction, more than the 512 slots of
# the shared table, and a new index is still counted.
my $cycles = q{
CREATE TABLE cyc (id int, v ruvector(3));
INSERT INTO cyc SELECT i, array[i, i % 5, 1]::ruvector(3) FROM generate_series(1, 50) i;
SET enable_seqscan = off;
DO $$
BEGIN
	FOR i IN 1..520 LOOP
		CREATE INDEX cyc_idx ON cyc USING ruivf (v ruvector_l2_ops) WITH (lists = 1);
		PERFORM count(*) FROM (SELECT id FROM cyc ORDER BY v <-> '[1,2,3]' LIMIT 2) s;
		DROP INDEX cyc_idx;
		COMMIT;
	END LOOP;
END
$$;
CREATE INDEX cyc_idx ON cyc USING ruivf (v ruvector_l2_ops) WITH (lists = 1);
SELECT count(*) FROM (SELECT id FROM cyc ORDER BY v <-> '[1,2,3]' LIMIT 2) s;
};
$node->safe_psql('postgres', 'SELECT ruvector_stats_reset()');
$node->safe_psql('postgres', $cycles);
my $rows = "SELECT count(*), string_agg(format('%s %s', index, queries), ', ' ORDER BY index::text) "
  . "FILTER (WHERE \"table\" IS NOT NULL), max(dropped) FROM ruvector_stats";
is($node->safe_psql('postgres', $rows),
	'1|cyc_idx 1|0',
	'after 520 create / query / drop cycles a new index is counted, and no dropped index has a row');

# A dropped database gives back the slots of its indexes: 'filled' counts
# one index on each of 520 tables: 511 take the slots left (cyc_idx has
# one), 9 go to `dropped`.  A query on a new index of 'postgres' is then not
# counted either; once 'filled' is dropped, it is.
$node->safe_psql('postgres', 'CREATE DATABASE filled');
$node->safe_psql('filled', q{
CREATE EXTENSION ruvector;
SET enable_seqscan = off;
DO $$
BEGIN
	FOR i IN 1..520 LOOP
		EXECUTE format('CREATE TABLE t%s (v ruvector(2))', i);
		EXECUTE format('INSERT INTO t%s VALUES (''[1,2]''), (''[3,4]'')', i);
		EXECUTE format('CREATE INDEX ON t%s USING ruivf (v ruvector_l2_ops) WITH (lists = 1)', i);
		EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM t%s ORDER BY v <-> ''[0,0]'' LIMIT 1) s', i);
		COMMIT;
	END LOOP;
END
$$;
});
is($node->safe_psql('filled', 'SELECT count(*), max(dropped) FROM ruvector_stats'),
	'511|9', "the table is full: 511 of 'filled's indexes counted, 9 not");
my $q_new = q{
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM cyc2 ORDER BY v <-> '[1,2,3]' LIMIT 2) s;
};
$node->safe_psql('postgres',
	"CREATE TABLE cyc2 AS SELECT * FROM cyc; CREATE INDEX cyc2_idx ON cyc2 USING ruivf (v ruvector_l2_ops) WITH (lists = 1); $q_new");
is($node->safe_psql('postgres', $rows),
	'1|cyc_idx 1|10', 'with the table full, a query on a new index is not counted');
$node->safe_psql('postgres', 'DROP DATABASE filled');
$node->safe_psql('postgres', $q_new);
is($node->safe_psql('postgres', $rows),
	'2|cyc2_idx 1, cyc_idx 1|10',
	'after DROP DATABASE its slots are free: the new index is counted');

# Resets racing with queries: two backends each query their own index (5
# and 3 rows a query) and after each query read its row, while a third
# resets the table as fast as it can.  Between two reads a backend ran one
# query, so its row shows 0 queries (reset since), 1 (reset before its
# query), or one more than before; and rows_returned is 5 (or 3) times
# queries.  A query's counters are never half cleared, never land in a
# freed slot or another index's, and a reset never half clears a row.
$node->safe_psql('postgres', q{
CREATE TABLE ra AS SELECT id, v FROM cyc;
CREATE TABLE rb AS SELECT id, v FROM cyc;
CREATE INDEX ra_idx ON ra USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
CREATE INDEX rb_idx ON rb USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
ANALYZE ra, rb;
CREATE FUNCTION race_worker(idx regclass, k int, n int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	prev bigint := 0;
	q bigint;
	r bigint;
	bad int := 0;
	first text;
BEGIN
	SET LOCAL enable_seqscan = off;
	SET LOCAL enable_bitmapscan = off;
	FOR i IN 1..n LOOP
		EXECUTE format('SELECT count(*) FROM (SELECT id FROM %s ORDER BY v <-> ''[1,2,3]'' LIMIT %s) s',
					   (SELECT indrelid::regclass FROM pg_index WHERE indexrelid = idx), k);
		SELECT coalesce(max(s.queries), 0), coalesce(max(s.rows_returned), 0) INTO q, r
		  FROM ruvector_stats() s WHERE s.indexrelid = idx;
		IF r <> k * q OR q NOT IN (0, 1, prev + 1) THEN
			bad := bad + 1;
			first := coalesce(first, format('query %s: queries %s (before it %s), rows %s', i, q, prev, r));
		END IF;
		prev := q;
	END LOOP;
	RETURN format('%s of %s reads wrong; first: %s', bad, n, coalesce(first, 'none'));
END
$$;
CREATE PROCEDURE race_resetter(n int) LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1..n LOOP
		PERFORM ruvector_stats_reset();
	END LOOP;
END
$$;
});
my $n_race = 20000;
my @race;
for my $w (["SELECT race_worker('ra_idx', 5, $n_race)"],
	["SELECT race_worker('rb_idx', 3, $n_race)"],
	["CALL race_resetter($n_race)"])
{
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c', $w->[0] ],
		'>', \$out, '2>', \$err);
	push @race, [ $h, \$out, \$err ];
}
$_->[0]->finish for @race;
is(${ $race[0][1] }, "0 of $n_race reads wrong; first: none\n",
	'index read after each query while another backend resets (5 rows a query)');
is(${ $race[1][1] }, "0 of $n_race reads wrong; first: none\n",
	'the same for a second index (3 rows a query)');
is(${ $race[2][2] }, '', 'the resets ran without error');

# backend-local form: a backend of a cluster without the preload
$node->stop;
$node->append_conf('postgresql.conf', "shared_preload_libraries = ''\n");
$node->start;
is( $node->safe_psql('postgres', "$q $q SELECT queries, scope FROM ruvector_stats"),
	"10\n10\n2|backend", 'without the preload, each backend counts its own queries');
is($node->safe_psql('postgres', "SELECT count(*) FROM ruvector_stats"),
	"0", 'a new backend starts from zero');

$node->stop;
done_testing();
