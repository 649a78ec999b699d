# Shards over postgres_fdw: a coordinator whose table is hash-partitioned
# into two foreign tables, each on its own shard server (loopback), every
# shard with its own ruivf index.
#
#  1. Inserts through the coordinator are routed to the shards by the
#     partition key; each shard's index, created on an empty table, trains
#     itself as its rows arrive.
#  2. The k-NN query is shipped: EXPLAIN VERBOSE on the coordinator shows
#     each shard's remote SQL with ruvector's operator in its ORDER BY
#     (the server's `extensions` option names ruvector), merged by a Merge
#     Append under the LIMIT.  Search settings reach the shards through the
#     server's libpq `options` (here every list probed, so each shard's
#     answer is exact).  PostgreSQL 15 ships no LIMIT below a Merge Append:
#     each shard runs the ordered query as a cursor, planned for
#     cursor_tuple_fraction of its rows, and at the default 0.1 a shard
#     sorts all its rows instead of reading its index; the server's options
#     set it to 0.001, and each shard answers through its ruivf index.
#  3. The answers equal those of one server holding all the rows (a local
#     table on the coordinator with its own ruivf index), ids and distances,
#     each shard answering through its index,
#     before and after a DELETE through the coordinator and VACUUM on the
#     shards; both shard indexes pass ruvector_index_check.
#  4. With one shard down the query fails with a connection error: never a
#     partial answer.
use strict;
use warnings;

use FindBin;
use lib $FindBin::Bin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use RuvectorTest;
use Test::More;

my $dim = 24;
my @shards;
foreach my $name ('shard1', 'shard2')
{
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->start;
	$node->safe_psql('postgres', $rv_sql . qq{
CREATE TABLE items (id int PRIMARY KEY, v ruvector($dim));
CREATE INDEX items_v ON items USING ruivf (v ruvector_l2_ops);
});
	push @shards, $node;
}

my $coord = PostgreSQL::Test::Cluster->new('coordinator');
$coord->init;
$coord->start;
my $host = $coord->host;
my $sql = $rv_sql . qq{
CREATE EXTENSION postgres_fdw;
CREATE TABLE items (id int, v ruvector($dim)) PARTITION BY HASH (id);
CREATE TABLE ref (id int PRIMARY KEY, v ruvector($dim));
CREATE INDEX ref_v ON ref USING ruivf (v ruvector_l2_ops);
};
foreach my $i (0 .. 1)
{
	my $port = $shards[$i]->port;
	$sql .= qq{
CREATE SERVER s$i FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '$host', port '$port', dbname 'postgres', extensions 'ruvector',
           async_capable 'true',
           options '-c ruvector.probes=32768 -c cursor_tuple_fraction=0.001');
CREATE USER MAPPING FOR CURRENT_USER SERVER s$i;
CREATE FOREIGN TABLE items_p$i PARTITION OF items FOR VALUES WITH (MODULUS 2, REMAINDER $i)
  SERVER s$i OPTIONS (table_name 'items');
};
}
$coord->safe_psql('postgres', $sql);

# 1. inserts through the coordinator, routed by the partition key
$coord->safe_psql('postgres', qq{
INSERT INTO items SELECT i, rv(i, $dim) FROM generate_series(1, 6000) i;
INSERT INTO ref SELECT i, rv(i, $dim) FROM generate_series(1, 6000) i;
});
my @counts = map { $_->safe_psql('postgres', 'SELECT count(*) FROM items') } @shards;
ok($counts[0] > 2000 && $counts[1] > 2000 && $counts[0] + $counts[1] == 6000,
	"the rows were routed to both shards ($counts[0] + $counts[1])");
foreach my $i (0 .. 1)
{
	my $lists = $shards[$i]->safe_psql('postgres', "SELECT lists FROM ruvector_index_info('items_v')");
	cmp_ok($lists, '>', 1, "shard " . ($i + 1) . "'s index trained itself ($lists lists)");
}

# 2. the k-NN query is shipped to each shard
my $q = "rv(900001, $dim)";
my $knn = "SELECT id, v <-> $q AS d FROM %s ORDER BY v <-> $q LIMIT 10";
my $plan = $coord->safe_psql('postgres', 'EXPLAIN (VERBOSE, COSTS OFF) ' . sprintf($knn, 'items'));
like($plan, qr/Merge Append/, 'the shards\' rows are merged in order (Merge Append)');
my @remote = ($plan =~ /Remote SQL: ([^\n]*)/g);
is(scalar @remote, 2, 'one remote query per shard');
foreach my $r (@remote)
{
	like($r, qr/ORDER BY \(v OPERATOR\(public\.<->\) '\[[^']*\]'\) ASC/,
		"ORDER BY with ruvector's operator and the query vector is shipped")
	  or diag $r;
}

# the search settings the shard sessions run with: the server's options
foreach my $node (@shards)
{
	$node->safe_psql('postgres',
		"CREATE VIEW probes AS SELECT current_setting('ruvector.probes') AS probes");
}
foreach my $i (0 .. 1)
{
	$coord->safe_psql('postgres',
		"CREATE FOREIGN TABLE probes_$i (probes text) SERVER s$i OPTIONS (table_name 'probes')");
	is($coord->safe_psql('postgres', "SELECT probes FROM probes_$i"),
		'32768', 'shard ' . ($i + 1) . "'s sessions got ruvector.probes from the server's options");
}

# 3. the answers of one server holding all rows, every list probed there too
sub answers
{
	my ($table) = @_;
	my $all = $table eq 'ref' ? 'SET ruvector.probes = 32768; ' : '';
	my $out = '';
	foreach my $qi (1 .. 8)
	{
		my $qq = "rv(" . (900000 + $qi) . ", $dim)";
		$out .= $coord->safe_psql('postgres',
			$all . "SELECT string_agg(id || ':' || round((v <-> $qq)::numeric, 6), ' ' ORDER BY v <-> $qq, id)
			          FROM (SELECT id, v FROM $table ORDER BY v <-> $qq LIMIT 10) s") . "\n";
	}
	return $out;
}
my $want = answers('ref');
is(answers('items'), $want, 'the sharded answers equal one server\'s (ids and distances)');
foreach my $i (0 .. 1)
{
	ok( $shards[$i]->poll_query_until('postgres',
			"SELECT idx_scan > 0 FROM pg_stat_user_indexes WHERE indexrelname = 'items_v'"),
		'shard ' . ($i + 1) . ' answered through its ruivf index');
}

$coord->safe_psql('postgres', q{
DELETE FROM items WHERE id % 5 = 0;
DELETE FROM ref WHERE id % 5 = 0;
});
$_->safe_psql('postgres', 'VACUUM items') foreach @shards;
is( $coord->safe_psql('postgres', 'SELECT count(*) FROM items'),
	'4800', 'the delete through the coordinator reached the shards');
$want = answers('ref');
unlike($want, qr/\b\d*[05]:/, 'the reference answers hold no deleted id');
is(answers('items'), $want, 'after DELETE and VACUUM on the shards the answers still agree');
foreach my $i (0 .. 1)
{
	is($shards[$i]->safe_psql('postgres', "SELECT ruvector_index_check('items_v', true)"),
		'', 'shard ' . ($i + 1) . "'s index passes the checker");
}

# 4. a shard down: an error, not a partial answer
$shards[1]->stop;
my ($rc, $out, $err) = $coord->psql('postgres', sprintf($knn, 'items'));
isnt($rc, 0, 'with a shard down the query fails');
is($out, '', 'and returns no rows');
like($err, qr/could not connect|connection to server/, 'with a connection error') or diag $err;

$shards[1]->start;
is(answers('items'), $want, 'the shard back, the answers are whole again');

$coord->stop;
$_->stop foreach @shards;
done_testing();
