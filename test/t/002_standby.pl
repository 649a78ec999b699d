# ruivf under streaming replication: after every cycle of inserts, deletes
# and VACUUM on the primary (and REINDEX in some, and at the end a drift
# that VACUUM answers with splits), the standby's index scans return
# exactly what the primary's return.  The primary runs with
# wal_consistency_checking for ruivf's GenericXLog records, so the standby
# also compares every page it replays with the primary's image.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use RuvectorTest;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf(
	'postgresql.conf', qq{
wal_consistency_checking = 'Generic'
max_parallel_workers_per_gather = 0
ruvector.split_lists = on
});
$primary->start;
is($primary->safe_psql('postgres', 'SHOW wal_consistency_checking'),
	'Generic', 'the primary logs page images for consistency checks');
$primary->backup('backup');

my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf', "max_parallel_workers_per_gather = 0\n");
$standby->start;

# Five tables, for five block layouts: 16 dimensions (one-page blocks of
# 256 lanes), 1200 (24 lanes over 4 pages: VACUUM compacts), 5000 (8 lanes
# over 5 pages: VACUUM marks dead lanes; rerank = auto keeps full-precision
# vectors in the index, 20 vector pages per block), 40 with rerank =
# index (vectors across page boundaries) and 300 with 4-bit codes (two
# dimensions per byte; VACUUM compacts).  Vectors come from an integer
# hash, so every run builds the same data.
my %tables = (
	s16 => [ 16, 8 ],
	s1200 => [ 1200, 4 ],
	s5000 => [ 5000, 2 ],
	s40x => [ 40, 4 ],
	s300q4 => [ 300, 4 ]);
my %options = (s40x => ', rerank = index', s300q4 => ', bits = 4');
my @tables = sort keys %tables;

$primary->safe_psql('postgres', $rv_sql);
my %next_id;
my %rows_per_cycle = (s16 => 1500, s1200 => 120, s5000 => 40, s40x => 1000, s300q4 => 300);
foreach my $t (@tables)
{
	my ($dim, $lists) = @{ $tables{$t} };
	my $n = $rows_per_cycle{$t};
	my $opt = $options{$t} // '';
	$primary->safe_psql(
		'postgres', qq{
CREATE TABLE $t (id int PRIMARY KEY, v ruvector($dim));
INSERT INTO $t SELECT i, rv(i, $dim) FROM generate_series(1, $n) i;
CREATE INDEX ${t}_idx ON $t USING ruivf (v ruvector_l2_ops) WITH (lists = $lists$opt);
});
	$next_id{$t} = $n + 1;
}

# The same queries on both servers: a few k-NN queries with one probe
# (approximate: they depend on the index's exact contents), with the
# lists ruvector.target_recall takes from the depth the index learned
# (shown too), and with every list, plus a count of every row an index
# scan returns.
sub queries
{
	my ($t) = @_;
	my ($dim, $lists) = @{ $tables{$t} };
	return qq{
SET enable_seqscan = off;
SET ruvector.probes = 1;
SELECT '$t', q, array(SELECT id FROM $t ORDER BY v <-> rv(q, $dim) LIMIT 10)
  FROM generate_series(100001, 100005) q;
RESET ruvector.probes;
SELECT '$t', recall, probes, queries FROM ruvector_index_depth('${t}_idx');
SELECT '$t', q, array(SELECT id FROM $t ORDER BY v <-> rv(q, $dim) LIMIT 10)
  FROM generate_series(100001, 100005) q;
SET ruvector.probes = $lists;
SELECT '$t', q, array(SELECT id FROM $t ORDER BY v <-> rv(q, $dim) LIMIT 10)
  FROM generate_series(100001, 100005) q;
SELECT '$t', count(*), count(DISTINCT id), sum(id)
  FROM (SELECT id FROM $t ORDER BY v <-> rv(7, $dim) LIMIT 1000000) s;
};
}

sub run_queries
{
	my ($node) = @_;
	return join("\n", map { $node->safe_psql('postgres', queries($_)) } @tables);
}

# A session on the standby that stays open across the cycles, so that its
# cached index state (centroids) must follow REINDEX on the primary.
my $session = $standby->background_psql('postgres');

sub compare
{
	my ($stage) = @_;

	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	my $p = run_queries($primary);
	my $s = run_queries($standby);
	is($s, $p, "$stage: the standby's index scans return the primary's rows");
	my $ss = join("\n", map { $session->query_safe(queries($_)) } @tables);
	is($ss, $p, "$stage: so do those of a long-lived standby session");

	# the indexes learned their depth (the standby's is compared above)
	foreach my $t (@tables)
	{
		like($p, qr/^\Q$t\E\|0\.95\|\d+\|\d+$/m, "$stage: $t: the index learned its depth");
	}

	# and the primary's are complete
	foreach my $t (@tables)
	{
		my $live = $primary->safe_psql('postgres', "SELECT count(*), count(*), sum(id) FROM $t");
		like($p, qr/^\Q$t|$live\E$/m, "$stage: $t: an index scan returns every row ($live)");
	}
	# every index passes its check: on the primary with every table row
	# (heapallindexed), on the standby the pages alone (its ShareLock on the
	# table cannot be taken in recovery)
	foreach my $t (@tables)
	{
		my ($rc, $out, $err) = $primary->psql('postgres',
			"SELECT ruvector_index_check('${t}_idx', true)");
		is($rc . $err, '0', "$stage: $t: ruvector_index_check passes on the primary");
		($rc, $out, $err) = $standby->psql('postgres',
			"SELECT ruvector_index_check('${t}_idx')");
		is($rc . $err, '0', "$stage: $t: ruvector_index_check passes on the standby");
	}
	# the queries did use the index
	like(
		$standby->safe_psql(
			'postgres', q{SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM s1200 ORDER BY v <-> rv(1, 1200) LIMIT 10}),
		qr/Index Scan using s1200_idx/,
		"$stage: the standby scans the index");
}

compare('after the build');

for my $cycle (1 .. 4)
{
	foreach my $t (@tables)
	{
		my ($dim, $lists) = @{ $tables{$t} };
		my $lo = $next_id{$t};
		my $hi = $lo + $rows_per_cycle{$t} - 1;
		$next_id{$t} = $hi + 1;
		$primary->safe_psql(
			'postgres', qq{
INSERT INTO $t SELECT i, rv(i, $dim) FROM generate_series($lo, $hi) i;
DELETE FROM $t WHERE id % 5 = $cycle;
});
		$primary->safe_psql('postgres', "VACUUM $t");
	}
	$primary->safe_psql('postgres', 'REINDEX TABLE s16') if $cycle == 2;
	$primary->safe_psql('postgres', 'REINDEX TABLE CONCURRENTLY s1200') if $cycle == 3;
	compare("cycle $cycle");
}

# The data drifts: three cycles' worth of rows into one small region
# (within the range the codes were trained for; all into the lists nearest
# to it) and a fifth of the old ones deleted: most rows moved, and VACUUM
# trains those indexes whole.  A table where a fifth of the rows drift
# (sd: 40 lists, 15,000 rows, 3,000 into one small region) has its long list split
# (src/ivf/ivftrain.c, SPLITS) instead.  The standby follows both.
foreach my $t (@tables)
{
	my ($dim) = @{ $tables{$t} };
	my $lo = $next_id{$t};
	my $hi = $lo + 3 * $rows_per_cycle{$t} - 1;
	$next_id{$t} = $hi + 1;
	$primary->safe_psql(
		'postgres', qq{
INSERT INTO $t SELECT i, array(SELECT 0.3 + ((i::bigint * 7919 + j * 104729) % 1009)::float8 / 10090
                               FROM generate_series(1, $dim) j ORDER BY j)::ruvector
  FROM generate_series($lo, $hi) i;
DELETE FROM $t WHERE id % 5 = 0 AND id < $lo;
});
	$primary->safe_psql('postgres', "VACUUM $t");
}
$tables{sd} = [ 16, 40 ];
push @tables, 'sd';
$primary->safe_psql(
	'postgres', q{
CREATE TABLE sd (id int PRIMARY KEY, v ruvector(16));
INSERT INTO sd SELECT i, rv(i, 16) FROM generate_series(1, 15000) i;
CREATE INDEX sd_idx ON sd USING ruivf (v ruvector_l2_ops) WITH (lists = 40);
DELETE FROM sd WHERE id % 5 = 0;
INSERT INTO sd SELECT i, array(SELECT 0.3 + ((i::bigint * 7919 + j * 104729) % 1009)::float8 / 100900
                               FROM generate_series(1, 16) j ORDER BY j)::ruvector
  FROM generate_series(20001, 23000) i;
VACUUM sd;
});
my ($sd_lists, $sd_gen) = split /\|/,
  $primary->safe_psql('postgres', "SELECT lists, generation FROM ruvector_index_info('sd_idx')");
cmp_ok($sd_lists, '>', 40, "after a drift: sd: VACUUM split its long list (40 -> $sd_lists lists, generation $sd_gen)");
compare('after a drift');

# Two trainings by hand, each followed by a VACUUM once a later transaction
# has moved the horizon: the second VACUUM truncates the blocks the first
# training wrote (at the end of the file) and the standby's file follows.
my @sizes;
foreach my $round (1 .. 2)
{
	$primary->safe_psql('postgres', "SELECT ruvector_index_maintain('sd_idx')");
	push @sizes, $primary->safe_psql('postgres', "SELECT pg_relation_size('sd_idx')");
	$primary->safe_psql('postgres', 'SELECT txid_current()');
	$primary->safe_psql('postgres', 'VACUUM sd');
}
my $shrunk = $primary->safe_psql('postgres', "SELECT pg_relation_size('sd_idx')");
cmp_ok($shrunk, '<', 0.75 * $sizes[1], "the index file shrank after the second training ($sizes[1] -> $shrunk bytes)");
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql('postgres', "SELECT pg_relation_size('sd_idx')"), $shrunk,
	"the standby's index file shrank with it");
compare('after the truncation');

# An expiry: the oldest two fifths of every table's rows deleted (by id,
# the order they came in), which leaves whole blocks empty.  VACUUM unlinks
# them from their chains and frees their pages (src/ivf/ivfvacuum.c, EMPTY
# BLOCKS: with the index to itself, whose replay the standby's queries
# wait for), and VACUUM VERBOSE counts them; new rows then take them.
my $newly = 0;
$next_id{sd} = 23001;
$rows_per_cycle{sd} = 300;
foreach my $t (@tables)
{
	my ($dim) = @{ $tables{$t} };
	$primary->safe_psql('postgres',
		"DELETE FROM $t WHERE id < (SELECT percentile_disc(0.4) WITHIN GROUP (ORDER BY id) FROM $t)");
	my ($rc, $out, $err) = $primary->psql('postgres', "VACUUM (VERBOSE) $t");
	is($rc, 0, "after an expiry: VACUUM $t");
	$newly += $1 while $err =~ /index "\Q$t\E_idx": pages: \d+ in total, (\d+) newly deleted/g;
	my $lo = $next_id{$t};
	my $hi = $lo + $rows_per_cycle{$t} - 1;
	$next_id{$t} = $hi + 1;
	$primary->safe_psql('postgres',
		"INSERT INTO $t SELECT i, rv(i, $dim) FROM generate_series($lo, $hi) i");
}
cmp_ok($newly, '>', 0, "after an expiry: VACUUM unlinked the empty blocks ($newly pages freed)");
compare('after an expiry');

$session->quit;

# the standby applied every record without a consistency failure
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
my $log = slurp_file($standby->logfile);
unlike($log, qr/inconsistent page found|PANIC|FATAL/, 'no replay error in the standby log');

$standby->stop;
$primary->stop;
done_testing();
