# ruivf crash recovery: concurrent inserters (and a concurrent VACUUM) are
# cut off by an immediate shutdown; after crash recovery the index is usable
# and finds every committed row, and ruvector_index_check passes.
use strict;
use warnings;

use File::Temp qw(tempdir);
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use RuvectorTest;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', "max_parallel_workers_per_gather = 0\n");
$node->start;

# a: 32 dimensions, one-page blocks, two inserters and a deleter/vacuum;
# b: 5000 dimensions, blocks of 5 code pages and 20 vector pages (rerank =
# auto keeps full-precision vectors in the index at this size: an insert
# logs the vector first, then the code pages).
my %tables = (a => [ 32, 10 ], b => [ 5000, 2 ]);
my %initial = (a => 2000, b => 40);

$node->safe_psql('postgres', $rv_sql);
foreach my $t (sort keys %tables)
{
	my ($dim, $lists) = @{ $tables{$t} };
	$node->safe_psql(
		'postgres', qq{
CREATE TABLE $t (id int PRIMARY KEY, v ruvector($dim));
INSERT INTO $t SELECT i, rv(i, $dim) FROM generate_series(1, $initial{$t}) i;
CREATE INDEX ${t}_idx ON $t USING ruivf (v ruvector_l2_ops) WITH (lists = $lists);
});
}

# Background psql sessions, each running a script of single-row inserts
# (each its own transaction) that prints the id of every committed row.
my $dir = tempdir(DIR => $PostgreSQL::Test::Utils::tmp_check, CLEANUP => 1);
my @sessions;

sub start_session
{
	my ($name, $sql) = @_;
	my $script = "$dir/$name.sql";
	open my $fh, '>', $script or die "could not write $script: $!";
	print $fh $sql;
	close $fh;
	my $h = IPC::Run::start(
		[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-f', $script ],
		'>', "$dir/$name.out", '2>', "$dir/$name.err");
	push @sessions, { name => $name, h => $h };
}

sub inserts
{
	my ($t, $from, $n) = @_;
	my $dim = $tables{$t}->[0];
	return join('',
		map { "INSERT INTO $t VALUES ($_, rv($_, $dim)) RETURNING id;\n" }
		  ($from .. $from + $n - 1));
}

start_session('a1', inserts('a', 100001, 50000));
start_session('a2', inserts('a', 200001, 50000));
start_session('b1', inserts('b', 300001, 5000));
# deletes of the initial rows, one at a time, each followed by a VACUUM
# that compacts blocks: the crash comes in the middle of this too
start_session('vac',
	join('', map { "DELETE FROM a WHERE id = $_; VACUUM a;\n" } (1 .. $initial{a})));

# let them run a while, then crash the server
$node->poll_query_until('postgres',
	"SELECT (SELECT count(*) FROM a WHERE id > 100000) >= 3000 AND (SELECT count(*) FROM b WHERE id > 300000) >= 30"
) or die 'the inserters did not get going';
$node->stop('immediate');

my %committed;
foreach my $s (@sessions)
{
	# every session fails once its connection is gone
	eval { $s->{h}->finish; };
	$s->{h}->kill_kill if $@;
	my @errors = grep { /ERROR:/ } split /\n/, slurp_file("$dir/$s->{name}.err");
	is(scalar @errors, 0, "session $s->{name}: no error before the crash")
	  or diag join("\n", @errors[ 0 .. ($#errors < 4 ? $#errors : 4) ]);
	next if $s->{name} eq 'vac';
	my $t = substr($s->{name}, 0, 1);
	my @ids = grep { /^\d+$/ } split /\n/, slurp_file("$dir/$s->{name}.out");
	push @{ $committed{$t} }, @ids;
	note "session $s->{name}: " . scalar(@ids) . " rows committed before the crash";
}
cmp_ok(scalar @{ $committed{a} }, '>=', 2500, 'rows were committed into a before the crash');
cmp_ok(scalar @{ $committed{b} }, '>=', 25, 'rows were committed into b before the crash');

# crash recovery
$node->start;
note 'initial rows of a left by the deleting session: '
  . $node->safe_psql('postgres', "SELECT count(*) FROM a WHERE id <= $initial{a}");

sub check_index
{
	my ($stage) = @_;
	foreach my $t (sort keys %tables)
	{
		my ($dim, $lists) = @{ $tables{$t} };
		my $settings = "SET enable_seqscan = off; SET ruvector.probes = $lists;";

		# the structure, and every row in the index once (pages an insert
		# cut off by the crash left unlinked are allowed)
		foreach my $heapallindexed ('false', 'true')
		{
			my ($rc, $out, $err) = $node->psql('postgres',
				"SET client_min_messages = debug1; SELECT ruvector_index_check('${t}_idx', $heapallindexed)");
			my ($summary) = $err =~ /DEBUG:\s+(ruivf index .* checked: .*)/;
			is($rc, 0, "$stage: $t: ruvector_index_check (heapallindexed $heapallindexed) passes")
			  or diag $err;
			note $summary // $err;
		}

		like(
			$node->safe_psql('postgres',
				"$settings EXPLAIN (COSTS OFF) SELECT id FROM $t ORDER BY v <-> rv(1, $dim) LIMIT 1"),
			qr/Index Scan using ${t}_idx/,
			"$stage: $t: queries use the index");

		# every row, once, through the index
		my $rows = $node->safe_psql('postgres', "SELECT count(*), count(*), sum(id) FROM $t");
		is( $node->safe_psql(
				'postgres', qq{$settings
SELECT count(*), count(DISTINCT id), sum(id)
  FROM (SELECT id FROM $t ORDER BY v <-> rv(1, $dim) LIMIT 10000000) s}),
			$rows,
			"$stage: $t: an index scan returns every row once ($rows)");

		# rows are found as their own nearest neighbour: a sample of a, all of b
		my $sample = $t eq 'a' ? 'id % 37 = 0' : 'true';
		my ($n, $found) = split /\|/,
		  $node->safe_psql(
			'postgres', qq{$settings
SELECT count(*), count(*) FILTER (WHERE (SELECT x.id FROM $t x ORDER BY x.v <-> $t.v LIMIT 1) = $t.id)
  FROM $t WHERE $sample});
		cmp_ok($n, '>', 0, "$stage: $t: a sample of $n rows");
		is($found, $n, "$stage: $t: each of the $n rows is its own nearest neighbour");
	}
}

# every row whose commit a client saw is in the table
foreach my $t (sort keys %committed)
{
	my %present = map { $_ => 1 } split /\n/,
	  $node->safe_psql('postgres', "SELECT id FROM $t WHERE id > 100000");
	my @missing = grep { !$present{$_} } @{ $committed{$t} };
	is(scalar @missing, 0,
		"after crash recovery: $t: all " . scalar(@{ $committed{$t} }) . " committed rows are in the table");
}
check_index('after crash recovery');

# the index still takes inserts, deletes and VACUUM
$node->safe_psql(
	'postgres', q{
INSERT INTO a SELECT i, rv(i, 32) FROM generate_series(400001, 401000) i;
INSERT INTO b SELECT i, rv(i, 5000) FROM generate_series(400001, 400020) i;
DELETE FROM a WHERE id % 7 = 0;
DELETE FROM b WHERE id % 7 = 0;
});
$node->safe_psql('postgres', 'VACUUM a, b');
check_index('after more inserts, deletes and VACUUM');

$node->stop;
done_testing();
