# ruivf recall on a clustered synthetic set: recall@10 of an index scan
# against the exact answer (a sequential scan), after the build, after 20 %
# more rows are inserted, and after 20 % are deleted and vacuumed.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $lists = 50;
my $probes = 5;		# recall@10 is ~0.97 with 3 probes, 1.0 with 5 on this set
my $min_recall = 0.95;

my $node = PostgreSQL::Test::Cluster->new('recall');
$node->init;
$node->append_conf('postgresql.conf', "max_parallel_workers_per_gather = 0\n");
$node->start;

# 20,000 x 32 dimensions around 20 centers, and 100 queries drawn the same
# way (setseed makes random() repeatable).  Each row draws its own noise:
# the subquery refers to the outer row so that it is evaluated per row.
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION ruvector;
SELECT setseed(0.25);
CREATE TABLE centers AS
  SELECT c, array(SELECT random() * 2 - 1 + 0 * c FROM generate_series(1, 32))::ruvector(32) AS v
    FROM generate_series(0, 19) c;
CREATE TABLE items (id int PRIMARY KEY, v ruvector(32));
CREATE FUNCTION add_items(lo int, hi int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO items
  SELECT i, c.v + array(SELECT (random() - 0.5) * 0.8 + 0 * i FROM generate_series(1, 32))::ruvector
    FROM generate_series(lo, hi) i JOIN centers c ON c.c = i % 20
$$;
SELECT add_items(1, 20000);
CREATE TABLE queries (qid int PRIMARY KEY, v ruvector(32));
INSERT INTO queries
  SELECT i, c.v + array(SELECT (random() - 0.5) * 0.8 + 0 * i FROM generate_series(1, 32))::ruvector
    FROM generate_series(1, 100) i JOIN centers c ON c.c = (i * 7) % 20;
CREATE TABLE exact (qid int PRIMARY KEY, ids int[]);
-- the exact top 10 of every query, by a sequential scan
CREATE FUNCTION refresh_exact() RETURNS void LANGUAGE sql
  SET enable_indexscan = off SET enable_bitmapscan = off AS $$
  DELETE FROM exact;
  INSERT INTO exact
    SELECT q.qid, array(SELECT id FROM items ORDER BY items.v <-> q.v LIMIT 10) FROM queries q;
$$;
-- the mean fraction of the exact top 10 that an index scan returns
CREATE FUNCTION recall() RETURNS numeric LANGUAGE sql SET enable_seqscan = off AS $$
  SELECT round(avg((SELECT count(*)
                      FROM unnest(array(SELECT id FROM items ORDER BY items.v <-> q.v LIMIT 10)) x
                     WHERE x = ANY (e.ids))) / 10, 4)
    FROM queries q JOIN exact e USING (qid)
$$;
});

my $t0 = time;
$node->safe_psql('postgres',
	"CREATE INDEX items_idx ON items USING ruivf (v ruvector_l2_ops) WITH (lists = $lists); ANALYZE items;");
note "index built in " . (time - $t0) . " s";

# The scans below go through the index.
like(
	$node->safe_psql(
		'postgres', qq{SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE qid = 1) LIMIT 10}),
	qr/Index Scan using items_idx on items/,
	'the k-NN query is an index scan');

# recall@10 with `probes` lists, and with every list
sub check_recall
{
	my ($stage) = @_;

	$node->safe_psql('postgres', 'SELECT refresh_exact()');
	is($node->safe_psql('postgres', 'SELECT count(*) FROM exact WHERE cardinality(ids) = 10'),
		'100', "$stage: 100 exact answers");
	my $r1 = $node->safe_psql('postgres', "SET ruvector.probes = 1; SELECT recall()");
	my $r3 = $node->safe_psql('postgres', "SET ruvector.probes = 3; SELECT recall()");
	my $r = $node->safe_psql('postgres', "SET ruvector.probes = $probes; SELECT recall()");
	my $rall = $node->safe_psql('postgres', "SET ruvector.probes = $lists; SELECT recall()");
	note "$stage: recall\@10 = $r1 with 1 probe, $r3 with 3, $r with $probes, $rall with $lists";
	cmp_ok($r, '>=', $min_recall, "$stage: recall\@10 = $r with probes = $probes");
	cmp_ok($rall, '>=', 0.99, "$stage: recall\@10 = $rall with every list probed");
	cmp_ok($rall, '>=', $r, "$stage: more probes do not lower recall");
}

# every live row is in the index, once
sub index_count
{
	my ($probes) = @_;
	return $node->safe_psql(
		'postgres', qq{SET enable_seqscan = off; SET ruvector.probes = $probes;
SELECT count(*), count(DISTINCT id) FROM
  (SELECT id FROM items ORDER BY v <-> (SELECT v FROM queries WHERE qid = 1) LIMIT 1000000) s});
}

sub check_complete
{
	my ($stage) = @_;
	my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM items');

	is(index_count($lists), "$rows|$rows",
		"$stage: an index scan of every list returns all $rows rows once");
	# a scan with one probe must go on through every list (max_probes = -1)
	is(index_count(1), "$rows|$rows",
		"$stage: a scan with probes = 1 still reaches all $rows rows");
	is( $node->safe_psql(
			'postgres', q{SET enable_seqscan = off; SET ruvector.probes = 1;
SELECT count(*) FROM (SELECT id FROM items WHERE id % 997 = 0
  ORDER BY v <-> (SELECT v FROM queries WHERE qid = 1) LIMIT 1000) s}),
		$node->safe_psql('postgres', 'SELECT count(*) FROM items WHERE id % 997 = 0'),
		"$stage: a WHERE filter with probes = 1 gets every matching row");
}

check_recall('after the build');
check_complete('after the build');

# 20 % more rows, from the same distribution
$node->safe_psql('postgres', 'SELECT setseed(0.5); SELECT add_items(20001, 24000)');
check_recall('after 20% inserts');
check_complete('after 20% inserts');

# delete 20 % (a fifth of every cluster: id % 20 is the cluster) and vacuum
$node->safe_psql('postgres', 'DELETE FROM items WHERE (id / 20) % 5 = 0');
$node->safe_psql('postgres', 'VACUUM items');
check_recall('after 20% deletes and VACUUM');
check_complete('after 20% deletes and VACUUM');
is( $node->safe_psql(
		'postgres', qq{SET enable_seqscan = off; SET ruvector.probes = $lists;
SELECT count(*) FROM queries q,
  LATERAL (SELECT id FROM items ORDER BY items.v <-> q.v LIMIT 50) n WHERE (n.id / 20) % 5 = 0}),
	'0',
	'after 20% deletes and VACUUM: no deleted row is returned');
foreach my $heapallindexed ('false', 'true')
{
	my ($rc, $out, $err) = $node->psql('postgres',
		"SELECT ruvector_index_check('items_idx', $heapallindexed)");
	is($rc . $err, '0',
		"after inserts, deletes and VACUUM: ruvector_index_check (heapallindexed $heapallindexed) passes");
}

$node->stop;
done_testing();
