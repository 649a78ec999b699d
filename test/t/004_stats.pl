# ruvector_stats with ruvector in shared_preload_libraries: counters shared
# by every backend of the cluster (scope 'cluster'), kept per database,
# cleared for all backends by ruvector_stats_reset(), including a backend
# that has its index's slot cached.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

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
