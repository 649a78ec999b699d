# Parallel ruivf builds: with parallel workers, CREATE INDEX, CREATE INDEX
# CONCURRENTLY and REINDEX give an index of the same size that returns the
# same rows as a serial build, for L2 and cosine, also with dead rows in the
# table.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('parallel');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_parallel_maintenance_workers = 2
max_parallel_workers_per_gather = 0
min_parallel_table_scan_size = 0
});
$node->start;

$node->safe_psql(
	'postgres', q{
CREATE EXTENSION ruvector;
SELECT setseed(0.5);
CREATE TABLE centers AS
  SELECT c, array(SELECT random() * 2 - 1 + 0 * c FROM generate_series(1, 24))::ruvector(24) AS v
    FROM generate_series(0, 15) c;
CREATE TABLE items (id int PRIMARY KEY, v ruvector(24)) WITH (parallel_workers = 2);
INSERT INTO items
  SELECT i, c.v + array(SELECT (random() - 0.5) * 0.6 + 0 * i FROM generate_series(1, 24))::ruvector
    FROM generate_series(1, 30000) i JOIN centers c ON c.c = i % 16;
DELETE FROM items WHERE id % 10 = 3;	-- dead rows the build must skip
CREATE TABLE queries AS SELECT id, v FROM items WHERE id % 600 = 1;
-- top 10 of every query, through whichever index exists
CREATE FUNCTION answers(op text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  SET LOCAL enable_seqscan = off;
  -- at least 6 probes; more if the session asks
  PERFORM set_config('ruvector.probes', greatest(6, coalesce(current_setting('ruvector.probes', true)::int, 6))::text, true);
  EXECUTE format('SELECT string_agg(ids::text, %L ORDER BY qid) FROM '
                 '(SELECT q.id AS qid, array(SELECT id FROM items ORDER BY items.v %s q.v LIMIT 10) AS ids '
                 'FROM queries q) s', ';', op) INTO r;
  RETURN r;
END $$;
});

# build an index; returns (answers, size, the build's DEBUG messages)
sub build
{
	my ($sql, $op, $workers) = @_;
	my ($out, $err) = ('', '');
	$node->psql('postgres',
		"SET client_min_messages = debug1; SET max_parallel_maintenance_workers = $workers; $sql",
		stdout => \$out, stderr => \$err, on_error_die => 1);
	my $ans = $node->safe_psql('postgres', "SELECT answers('$op')");
	my $size = $node->safe_psql('postgres', "SELECT pg_relation_size('items_idx')");
	return ($ans, $size, $err);
}

for my $m (['ruvector_l2_ops', '<->'], ['ruvector_cosine_ops', '<=>'])
{
	my ($opclass, $op) = @$m;
	my $create = "CREATE INDEX items_idx ON items USING ruivf (v $opclass) WITH (lists = 40)";

	my ($serial, $ssize, $serr) = build($create, $op, 0);
	unlike($serr, qr/parallel workers launched/, "$opclass: serial build uses no worker");
	$node->safe_psql('postgres', 'DROP INDEX items_idx');

	my ($par, $psize, $perr) = build($create, $op, 2);
	like($perr, qr/ruivf build: [12] parallel workers launched/, "$opclass: parallel build launched workers");
	is($psize, $ssize, "$opclass: parallel build, same index size");
	is($par, $serial, "$opclass: parallel build, same answers");

	my ($re, $rsize, $rerr) = build('REINDEX INDEX items_idx', $op, 2);
	like($rerr, qr/parallel workers launched/, "$opclass: REINDEX in parallel");
	is($re, $serial, "$opclass: REINDEX, same answers");
	$node->safe_psql('postgres', 'DROP INDEX items_idx');

	(my $conc = $create) =~ s/CREATE INDEX/CREATE INDEX CONCURRENTLY/;
	my ($cc, $csize, $cerr) = build($conc, $op, 2);
	like($cerr, qr/parallel workers launched/, "$opclass: CREATE INDEX CONCURRENTLY in parallel");
	is($cc, $serial, "$opclass: CREATE INDEX CONCURRENTLY, same answers");

	my ($rc) = build('REINDEX INDEX CONCURRENTLY items_idx', $op, 2);
	is($rc, $serial, "$opclass: REINDEX CONCURRENTLY, same answers");
	$node->safe_psql('postgres', 'DROP INDEX items_idx');
}

# little maintenance_work_mem (rerank = index makes blocks of 4 pages, more
# than half of 1MB for 40 lists): the coded vectors go through a sort and
# the lists are written with one block in memory, serially and in parallel;
# reading every list, the answers are the exact ones
my $exact = $node->safe_psql('postgres',
	"SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT answers('<->')");
for my $workers (0, 2)
{
	my ($ans, $size, $err) = build(
		"SET maintenance_work_mem = '1MB'; SET ruvector.probes = 40; "
		  . "CREATE INDEX items_idx ON items USING ruivf (v ruvector_l2_ops) WITH (lists = 40, rerank = index)",
		'<->', $workers);
	if ($workers == 0)
	{
		like($err, qr/lists written through a sort/, 'sorted serial build when blocks exceed the memory');
	}
	else
	{
		like($err, qr/parallel workers launched/, 'parallel build with rerank = index');
	}
	is( $node->safe_psql('postgres',
			"SET ruvector.probes = 40; SELECT answers('<->')"),
		$exact, "rerank = index, $workers workers: every list read gives the exact answers");
	$node->safe_psql('postgres', 'DROP INDEX items_idx');
}

# 4-bit residual codes: the workers code around the same centroids with the
# same parameters, so a parallel build equals a serial one; reading every
# list, the answers are the exact ones
{
	my $create = "CREATE INDEX items_idx ON items USING ruivf (v ruvector_l2_ops) WITH (lists = 40, bits = 4)";
	my ($serial, $ssize) = build($create, '<->', 0);
	$node->safe_psql('postgres', 'DROP INDEX items_idx');
	my ($par, $psize, $perr) = build($create, '<->', 2);
	like($perr, qr/parallel workers launched/, 'bits = 4: parallel build launched workers');
	is($psize, $ssize, 'bits = 4: parallel build, same index size');
	is($par, $serial, 'bits = 4: parallel build, same answers');
	is( $node->safe_psql('postgres', "SET ruvector.probes = 40; SELECT answers('<->')"),
		$exact, 'bits = 4: every list read gives the exact answers');
	$node->safe_psql('postgres', 'DROP INDEX items_idx');
}

# the index holds every live row once: a full scan through it returns them all
$node->safe_psql('postgres',
	"SET max_parallel_maintenance_workers = 2; CREATE INDEX items_idx ON items USING ruivf (v ruvector_l2_ops) WITH (lists = 40)");
is( $node->safe_psql('postgres',
		"SET enable_seqscan = off; SET ruvector.probes = 40; "
	  . "SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries LIMIT 1) LIMIT 100000) s"),
	'27000|27000', 'every live row is in the parallel-built index once');

$node->stop;
done_testing();
