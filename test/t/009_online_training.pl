# ruivf online training (src/ivf/ivftrain.c): an index created on an empty
# table trains its lists once it holds 1,000 rows and again each time its
# rows double, writing each training as a new generation of lists that one
# WAL record switches to; ruvector_index_maintain trains it now.
#
#  1. Indexes created empty, on a primary (wal_consistency_checking =
#     'Generic') and its streaming standby, filled in 10 steps of 1,200 rows:
#     after each step the index is trained, passes ruvector_index_check
#     (heapallindexed on the primary), and with every list probed the top 20
#     through the index are the exact top 20 (a sequential scan) on the
#     primary, on the standby and in a standby session kept open throughout.
#  2. pgbench clients insert while this process calls
#     ruvector_index_maintain in a loop: no row is lost or doubled.
#  3. Immediate shutdowns while ruvector_index_maintain trains in a loop on a
#     40,000 x 128 table (and a session inserts): after crash recovery the
#     index passes its check, is exact with every list probed, takes
#     inserts, and trains again.
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
use Time::HiRes qw(usleep);

my $dir = tempdir(DIR => $PostgreSQL::Test::Utils::tmp_check, CLEANUP => 1);

sub write_file
{
	my ($name, $text) = @_;
	my $file = "$dir/$name";
	open my $fh, '>', $file or die "could not write $file: $!";
	print $fh $text;
	close $fh;
	return $file;
}

# ruvector_index_check on $node: 0 and no error output, or a diagnostic
sub check_passes
{
	my ($node, $index, $heapallindexed, $name) = @_;
	my ($rc, $out, $err) =
	  $node->psql('postgres', "SELECT ruvector_index_check('$index', $heapallindexed)");
	is($rc . $err, '0', $name) or diag "returned $rc: $out\n$err";
}

sub index_lists
{
	my ($node, $index) = @_;
	return $node->safe_psql('postgres', "SELECT lists FROM ruvector_index_info('$index')");
}

# k-NN queries with literal query vectors (rv() of constants is folded at
# plan time, so a sequential scan computes it once)
sub knn_sql
{
	my ($t, $op, $dim, $k, @q) = @_;
	return join('',
		map { "SELECT '$t', $_, array(SELECT id FROM $t ORDER BY v $op rv($_, $dim) LIMIT $k);\n" } @q);
}
my $all_probes = "SET ruvector.probes = 32768; SET enable_seqscan = off;\n";
my $seqscan =
  "SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_seqscan = on;\n";

###########################################################################
# 1. Indexes created empty, filled in steps, on a primary and a standby
###########################################################################

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf(
	'postgresql.conf', qq{
wal_consistency_checking = 'Generic'
max_parallel_workers_per_gather = 0
autovacuum = off
});
$primary->start;
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf', "max_parallel_workers_per_gather = 0\n");
$standby->start;

# table => [dimensions, operator class, operator, index options]
my %tables = (
	e24 => [ 24, 'ruvector_l2_ops', '<->', '' ],
	e40cos => [ 40, 'ruvector_cosine_ops', '<=>', 'WITH (rerank = index)' ],
	e64q4 => [ 64, 'ruvector_l2_ops', '<->', 'WITH (bits = 4)' ]);
my @tables = sort keys %tables;

$primary->safe_psql('postgres', $rv_sql);
foreach my $t (@tables)
{
	my ($dim, $opclass, $op, $with) = @{ $tables{$t} };
	$primary->safe_psql(
		'postgres', qq{
CREATE TABLE $t (id int PRIMARY KEY, v ruvector($dim));
CREATE INDEX ${t}_v ON $t USING ruivf (v $opclass) $with;
});
	is(index_lists($primary, "${t}_v"), 0, "$t: the index created on the empty table has no lists yet");
}

my @queries = (100001 .. 100003);

sub step_queries
{
	return join('', map { knn_sql($_, $tables{$_}->[2], $tables{$_}->[0], 20, @queries) } @tables);
}

# a standby session that stays open: its cached index state must follow
# every generation switch the standby replays
my $session = $standby->background_psql('postgres');
$session->query_safe($all_probes);

my %first_lists;
my ($step_rows, $steps) = (1200, 10);
for my $step (1 .. $steps)
{
	my ($lo, $hi) = (($step - 1) * $step_rows + 1, $step * $step_rows);
	foreach my $t (@tables)
	{
		my $dim = $tables{$t}->[0];
		$primary->safe_psql('postgres',
			"INSERT INTO $t SELECT i, rv(i, $dim) FROM generate_series($lo, $hi) i");
	}
	my $stage = "step $step ($hi rows)";

	foreach my $t (@tables)
	{
		my $lists = index_lists($primary, "${t}_v");
		$first_lists{$t} //= $lists;
		cmp_ok($lists, '>', 0, "$stage: $t: the index has trained its lists ($lists)");
		check_passes($primary, "${t}_v", 'true',
			"$stage: $t: ruvector_index_check (heapallindexed) passes on the primary");
	}

	$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
	my $exact = $primary->safe_psql('postgres', $seqscan . step_queries());
	my $p = $primary->safe_psql('postgres', $all_probes . step_queries());
	my $s = $standby->safe_psql('postgres', $all_probes . step_queries());
	my $ss = $session->query_safe(step_queries());
	my $want = scalar(@tables) * scalar(@queries);
	is(scalar(() = $exact =~ /^\w+\|\d+\|\{\d+(?:,\d+){19}\}$/mg),
		$want, "$stage: $want exact top-20 answers");
	is($p, $exact, "$stage: every list probed, the primary's index scans are exact");
	is($s, $exact, "$stage: so are the standby's");
	is($ss, $exact, "$stage: and those of a long-lived standby session");
	foreach my $t (@tables)
	{
		my ($rc, $out, $err) = $standby->psql('postgres', "SELECT ruvector_index_check('${t}_v')");
		is($rc . $err, '0', "$stage: $t: ruvector_index_check passes on the standby")
		  or diag "returned $rc: $out\n$err";
	}
}
$session->quit;

# the planner picks the index at default settings
$primary->safe_psql('postgres', 'ANALYZE ' . join(', ', @tables));
foreach my $t (@tables)
{
	my ($dim, $opclass, $op) = @{ $tables{$t} };
	like(
		$primary->safe_psql('postgres',
			"EXPLAIN (COSTS OFF) SELECT id FROM $t ORDER BY v $op rv(100001, $dim) LIMIT 20"),
		qr/Index Scan using ${t}_v/,
		"$t: at default settings the query uses the index");
}

# trainings: 1,000 rows, then each doubling (~2,000, ~4,000, ~8,000) from
# inserts; ruvector_index_maintain adds one more
foreach my $t (@tables)
{
	my $lists = index_lists($primary, "${t}_v");
	cmp_ok($lists, '>', $first_lists{$t},
		"$t: the lists grew with the table (from $first_lists{$t} to $lists)");
	my ($trained, $mlists, $rows, $gen) = split /\|/,
	  $primary->safe_psql('postgres', "SELECT * FROM ruvector_index_maintain('${t}_v')");
	is("$trained|$rows", 't|' . ($steps * $step_rows),
		"$t: ruvector_index_maintain trains from every row");
	cmp_ok($gen, '>=', 4, "$t: generation $gen: at least 3 trainings from inserts before it");
	check_passes($primary, "${t}_v", 'true', "$t: ruvector_index_check passes after it");
}
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is( $standby->safe_psql('postgres', $all_probes . step_queries()),
	$primary->safe_psql('postgres', $seqscan . step_queries()),
	'after ruvector_index_maintain the standby is still exact');

my $log = slurp_file($standby->logfile);
unlike($log, qr/inconsistent page found|PANIC|FATAL|TRAP/, 'no replay error in the standby log');
$log = slurp_file($primary->logfile);
unlike($log, qr/WARNING|ERROR|PANIC|TRAP/, 'no warning or error in the primary log');
$standby->stop;
$primary->stop;

###########################################################################
# 2. Concurrent inserts while ruvector_index_maintain trains in a loop
###########################################################################

my $node = PostgreSQL::Test::Cluster->new('concurrent');
$node->init;
$node->append_conf('postgresql.conf', "max_parallel_workers_per_gather = 0\nautovacuum = off\n");
$node->start;
$node->safe_psql('postgres', $rv_sql);
$node->safe_psql(
	'postgres', q{
CREATE TABLE c (id serial PRIMARY KEY, v ruvector(32));
CREATE INDEX c_v ON c USING ruivf (v ruvector_l2_ops);
});

my $ins = write_file('c_ins.sql',
	"INSERT INTO c (v) SELECT rv((random() * 1e8)::int, 32) FROM generate_series(1, 5);\n");
my $seconds = 8;
my ($bench_out, $bench_err) = ('', '');
my $bench = IPC::Run::start(
	[ 'pgbench', '-n', '-c', 2, '-j', 2, '-T', $seconds, '-f', $ins, $node->connstr('postgres') ],
	'>', \$bench_out, '2>', \$bench_err);
my $start = time;
my ($maintains, $trained_during) = (0, 0);
my (@maintain_errors, %generations);
while ($bench->pumpable && time - $start < $seconds + 120)
{
	$bench->pump_nb;
	my ($rc, $out, $err) =
	  $node->psql('postgres', "SELECT trained, generation FROM ruvector_index_maintain('c_v')");
	$maintains++;
	if ($rc != 0 || $err ne '')
	{
		push @maintain_errors, "$rc $err";
		next;
	}
	my ($trained, $gen) = split /\|/, $out;
	$trained_during++ if $trained eq 't';
	$generations{$gen} = 1;
	usleep(20_000);
}
my $timed_out = $bench->pumpable;
$bench->kill_kill if $timed_out;
$bench->finish unless $timed_out;
my $bench_rc = $timed_out ? -1 : $?;
ok(!$timed_out, 'pgbench ended in time');
is($bench_rc, 0, 'pgbench exited with 0') or diag $bench_err;
like($bench_out, qr/^number of failed transactions: 0 /m, 'pgbench: no failed transactions')
  or diag $bench_out;
unlike($bench_err, qr/abort|error/i, 'no pgbench client aborted or saw an error')
  or diag $bench_err;
is(scalar @maintain_errors, 0, "none of the $maintains ruvector_index_maintain calls failed")
  or diag join("\n", @maintain_errors[ 0 .. ($#maintain_errors < 4 ? $#maintain_errors : 4) ]);
cmp_ok($trained_during, '>=', 3, "$trained_during of them trained during the inserts");

my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM c');
note "pgbench inserted $rows rows, $maintains ruvector_index_maintain calls";
cmp_ok($rows, '>=', 2000, "the clients inserted $rows rows");
check_passes($node, 'c_v', 'true', 'ruvector_index_check (heapallindexed) passes: no row lost or doubled');
my $table = $node->safe_psql('postgres', 'SELECT count(*), count(*), sum(id) FROM c');
is( $node->safe_psql(
		'postgres', $all_probes . q{
SELECT count(*), count(DISTINCT id), sum(id)
  FROM (SELECT id FROM c ORDER BY v <-> rv(1, 32) LIMIT 1000000) s}),
	$table,
	"every list probed, an index scan returns every row once ($table)");
# rv(i) depends on i mod 1000003 only: random rows repeat vectors, so
# compare the distances of the top 20, not their ids
my $dists = join('',
	map { "SELECT $_, array(SELECT round((v <-> rv($_, 32))::numeric, 5) FROM c ORDER BY v <-> rv($_, 32) LIMIT 20);\n" }
	  (7, 8, 9));
my $exact = $node->safe_psql('postgres', $seqscan . $dists);
like($exact, qr/^9\|\{[-0-9.]+(?:,[-0-9.]+){19}\}$/m, 'exact top-20 distances');
is($node->safe_psql('postgres', $all_probes . $dists),
	$exact, 'every list probed, the index scans are exact');
my ($trained, $lists, $trows, $gen) =
  split /\|/, $node->safe_psql('postgres', "SELECT * FROM ruvector_index_maintain('c_v')");
is("$trained|$trows", "t|$rows", 'a last ruvector_index_maintain trains from every row');
cmp_ok($gen, '>=', 3, "generation $gen: several trainings happened");
cmp_ok(scalar(keys %generations), '>=', 3,
	scalar(keys %generations) . ' different generations seen during the inserts');
$log = slurp_file($node->logfile);
unlike($log, qr/WARNING|ERROR|PANIC|TRAP/, 'no warning or error in the server log');
$node->stop;

###########################################################################
# 3. Immediate shutdowns while a training runs
###########################################################################

# ruvector_index_maintain runs in a loop (a training of this index takes
# about 0.15 s here) and a session inserts single rows, so an immediate
# shutdown 0.3-0.5 s later most likely cuts a training off, in its build
# or while it copies the rows inserted meanwhile (inserts wait, the
# metapage says closing).  The test cannot force the timing: whether the
# crash hit a training or not, everything below must hold.
$node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
wal_consistency_checking = 'Generic'
max_parallel_workers_per_gather = 0
autovacuum = off
});
$node->start;
$node->safe_psql('postgres', $rv_sql);
my $initial = 40000;
$node->safe_psql(
	'postgres', qq{
CREATE TABLE d (id int PRIMARY KEY, v ruvector(128));
INSERT INTO d SELECT i, rv(i, 128) FROM generate_series(1, $initial) i;
CREATE INDEX d_v ON d USING ruivf (v ruvector_l2_ops);
});

my $next_id = 100001;
my @committed;
for my $round (1 .. 3)
{
	my $delay = 0.2 + 0.1 * $round;
	my $stage = "crash $round";
	my $mfile = write_file("maintain$round.sql",
		"SELECT generation FROM ruvector_index_maintain('d_v');\n" x 200);
	my $ifile = write_file("insert$round.sql",
		join('', map { "INSERT INTO d VALUES ($_, rv($_, 128)) RETURNING id;\n" }
			  ($next_id .. $next_id + 9999)));
	$next_id += 10000;
	my %h;
	foreach my $s ([ 'maintain', $mfile ], [ 'insert', $ifile ])
	{
		my ($name, $file) = @$s;
		$h{$name} = IPC::Run::start(
			[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-f', $file ],
			'>', "$dir/$name$round.out", '2>', "$dir/$name$round.err");
	}
	$node->poll_query_until('postgres',
		"SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%ruvector_index_maintain(''d_v'')%' AND pid <> pg_backend_pid()"
	) or die 'the training session did not start';
	usleep(int($delay * 1e6));
	my $training = $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT generation FROM ruvector_index_maintain%'"
	);
	$node->stop('immediate');
	foreach my $name (sort keys %h)
	{
		eval { $h{$name}->finish; };
		$h{$name}->kill_kill if $@;
		my @errors = grep { /ERROR:/ } split /\n/, slurp_file("$dir/$name$round.err");
		is(scalar @errors, 0, "$stage: the $name session saw no error before the crash")
		  or diag join("\n", @errors[ 0 .. ($#errors < 4 ? $#errors : 4) ]);
	}
	my @gens = grep { /^\d+$/ } split /\n/, slurp_file("$dir/maintain$round.out");
	my @ids = grep { /^\d+$/ } split /\n/, slurp_file("$dir/insert$round.out");
	push @committed, @ids;
	my $last_gen = @gens ? $gens[-1] : 0;
	note sprintf("$stage after %.1f s: %d trainings done (last generation %d), %d rows inserted, "
		  . "a training %s when the server stopped",
		$delay, scalar @gens, $last_gen, scalar @ids, $training ? 'was running' : 'was not running');

	$node->start;

	# every row a client saw committed is there
	my %present = map { $_ => 1 } split /\n/,
	  $node->safe_psql('postgres', 'SELECT id FROM d WHERE id > 100000');
	is(scalar(grep { !$present{$_} } @committed),
		0, "$stage: all " . scalar(@committed) . ' committed rows are in the table');

	check_passes($node, 'd_v', 'false', "$stage: ruvector_index_check passes after recovery");
	check_passes($node, 'd_v', 'true',
		"$stage: ruvector_index_check (heapallindexed) passes after recovery");
	my $exact = $node->safe_psql('postgres', $seqscan . knn_sql('d', '<->', 128, 20, 500001, 500002));
	like($exact, qr/^d\|500002\|\{\d+(?:,\d+){19}\}$/m, "$stage: exact top-20 answers");
	is($node->safe_psql('postgres', $all_probes . knn_sql('d', '<->', 128, 20, 500001, 500002)),
		$exact, "$stage: every list probed, the index scans are exact");

	# more inserts, then a training, after recovery
	my ($lo, $hi) = ($next_id, $next_id + 1999);
	$next_id += 2000;
	my ($rc, $out, $err) = $node->psql('postgres',
		"INSERT INTO d SELECT i, rv(i, 128) FROM generate_series($lo, $hi) i");
	is($rc . $err, '0', "$stage: 2,000 more rows can be inserted") or diag $err;
	push @committed, ($lo .. $hi) if $rc == 0;
	my $count = $node->safe_psql('postgres', 'SELECT count(*) FROM d');
	my ($trained, $lists, $trows, $gen) =
	  split /\|/, $node->safe_psql('postgres', "SELECT * FROM ruvector_index_maintain('d_v')");
	# from every row the index holds: those of the table, and the few that
	# inserts cut off by the crashes left behind (until pruned)
	is($trained, 't', "$stage: ruvector_index_maintain trains again");
	ok($trows >= $count && $trows <= $count + $round,
		"$stage: from every row the index holds ($trows; the table has $count)");
	cmp_ok($gen, '>', $last_gen, "$stage: into a new generation ($gen)");
	check_passes($node, 'd_v', 'true', "$stage: ruvector_index_check (heapallindexed) passes after it");
	my $table = $node->safe_psql('postgres', 'SELECT count(*), count(*), sum(id) FROM d');
	is( $node->safe_psql(
			'postgres', $all_probes . q{
SELECT count(*), count(DISTINCT id), sum(id)
  FROM (SELECT id FROM d ORDER BY v <-> rv(1, 128) LIMIT 1000000) s}),
		$table,
		"$stage: every list probed, an index scan returns every row once ($table)");
	is($node->safe_psql('postgres', $all_probes . knn_sql('d', '<->', 128, 20, 500003)),
		$node->safe_psql('postgres', $seqscan . knn_sql('d', '<->', 128, 20, 500003)),
		"$stage: and is exact");
}
$log = slurp_file($node->logfile);
unlike($log, qr/PANIC|TRAP|inconsistent page found/, 'no PANIC or inconsistent page in the crashed server\'s log');
$node->stop;

done_testing();
