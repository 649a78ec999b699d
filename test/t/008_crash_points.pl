# ruivf crash recovery at chosen points: an immediate shutdown (a) in the
# middle of CREATE INDEX (serial, parallel, CONCURRENTLY), (b) in the middle
# of a VACUUM of a table with many deleted rows, while a session inserts,
# (c) during concurrent inserts, deletes and VACUUMs into an index with
# rerank = index and bits = 4, (d) in the middle of a split of a list.  The
# server checks every ruivf WAL record it replays (wal_consistency_checking
# = 'Generic').  After each recovery: an
# interrupted CREATE INDEX left no index (CONCURRENTLY: an invalid one) and a
# new build succeeds; the index answers queries; every row a client saw
# committed is in the table; an index scan of every list returns every row
# once; the index passes its own check.
use strict;
use warnings;

use File::Temp qw(tempdir);
use IPC::Run;
use Time::HiRes qw(time usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash_points');
$node->init;
$node->append_conf('postgresql.conf', qq{
max_parallel_workers_per_gather = 0
max_parallel_maintenance_workers = 0
wal_consistency_checking = 'Generic'
jit = off
autovacuum = off
log_statement = none
ruvector.split_lists = on
});
$node->start;

# vecs(d, n, c): n vectors near c centres (cos(c * 1.3 * j + c)), made as
# the sums of n / 100 random centred vectors and 100 small noise vectors
# (cheaper than one random() per coordinate); row k of the result is k.
# wait_for(condition, seconds): polls a condition on the progress views
# every 2 ms; true once it holds, false after the timeout.
$node->safe_psql(
	'postgres', q{
CREATE EXTENSION ruvector;
CREATE FUNCTION vecs(d int, n int, c int) RETURNS TABLE (k int, v ruvector) LANGUAGE sql VOLATILE AS $$
  WITH b AS (SELECT i, array(SELECT cos(i % c * 1.3 * j + i % c) + (random() - 0.5) * 0.6
                               FROM generate_series(1, d) j ORDER BY j)::ruvector AS v
               FROM generate_series(0, (n - 1) / 100) i),
       e AS (SELECT i, array(SELECT (random() - 0.5) * 0.2 + 0 * i
                               FROM generate_series(1, d) j)::ruvector AS v
               FROM generate_series(0, 99) i)
  SELECT b.i * 100 + e.i + 1, b.v + e.v FROM b, e WHERE b.i * 100 + e.i < n
$$;
CREATE FUNCTION wait_for(cond text, secs float8) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  ok bool;
BEGIN
  LOOP
    PERFORM pg_stat_clear_snapshot();
    EXECUTE 'SELECT ' || cond INTO ok;
    IF ok THEN RETURN true; END IF;
    IF clock_timestamp() - t0 > secs * interval '1 s' THEN RETURN false; END IF;
    PERFORM pg_sleep(0.002);
  END LOOP;
END $$;
});

# check_index($node, $index): ruvector_index_check with heapallindexed passes.
sub check_index
{
	my ($node, $index) = @_;
	my ($ret, $out, $err) =
	  $node->psql('postgres', "SELECT ruvector_index_check('$index'::regclass, true)");
	ok($ret == 0 && $err !~ /ERROR/, "ruvector_index_check('$index', true) passes")
	  or diag "returned $ret: $out\n$err";
}

# Background psql sessions: each runs a script and prints what it returns
# (inserters print the id of every row they committed).
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
		[ 'psql', '-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-f', $script ],
		'>', "$dir/$name.out", '2>', "$dir/$name.err");
	push @sessions, { name => $name, h => $h };
}

# Wait for a condition (SQL, on the progress views), then sleep $delay
# seconds and crash the server; ends every session.  The wait ends early
# when session $watch has ended (the work it watched for is over), and
# after 60 s.  Returns whether the condition was seen, and per session
# [ exit status, stdout, stderr ].
sub crash_when
{
	my ($cond, $delay, $watch) = @_;
	my ($w) = grep { $_->{name} eq $watch } @sessions or die "no session $watch";
	my $seen = 0;
	my $t0 = time;
	while (time - $t0 < 60 && $w->{h}->pumpable)
	{
		$seen = $node->safe_psql('postgres', "SELECT wait_for(\$c\$$cond\$c\$, 0.5)") eq 't';
		last if $seen;
	}
	usleep($delay * 1_000_000) if $delay;
	$node->stop('immediate');
	my %result;
	foreach my $s (@sessions)
	{
		my $done = eval { $s->{h}->finish; 1 };
		$s->{h}->kill_kill unless $done;
		$result{ $s->{name} } = [
			$done ? $s->{h}->result : -1,
			slurp_file("$dir/$s->{name}.out"),
			slurp_file("$dir/$s->{name}.err")
		];
	}
	@sessions = ();
	$node->start;
	return ($seen, \%result);
}

# an inserter's committed ids, after checking that it saw no error but the crash
sub committed_ids
{
	my ($name, $r) = @_;
	my @errors = grep { /ERROR:/ } split /\n/, $r->[2];
	is(scalar @errors, 0, "session $name: no error before the crash")
	  or diag join("\n", @errors[ 0 .. ($#errors < 4 ? $#errors : 4) ]);
	my @ids = grep { /^\d+$/ } split /\n/, $r->[1];
	note "session $name: " . scalar(@ids) . " rows committed before the crash";
	return @ids;
}

# The checks after a recovery: the index is used; every id in @$ids is in
# the table; with every list probed an index scan returns every row once;
# a sample of rows is found at distance 0; the index's own check.
sub check_table
{
	my ($stage, $t, $lists, $ids) = @_;
	my $all = "SET enable_seqscan = off; SET ruvector.probes = $lists;";
	my $scan = "SELECT id FROM $t ORDER BY v <-> (SELECT v FROM $t ORDER BY id LIMIT 1) LIMIT 100000000";

	like($node->safe_psql('postgres', "$all EXPLAIN (COSTS OFF) $scan"),
		qr/Index Scan using ${t}_idx/, "$stage: $t: queries use the index");
	if ($ids)
	{
		my %present = map { $_ => 1 } split /\n/, $node->safe_psql('postgres', "SELECT id FROM $t");
		my @missing = grep { !$present{$_} } @$ids;
		is(scalar @missing, 0, "$stage: $t: all " . scalar(@$ids) . " committed rows are in the table")
		  or diag "missing: @missing[0 .. ($#missing < 9 ? $#missing : 9)]";
	}
	my $rows = $node->safe_psql('postgres', "SELECT count(*), count(*), sum(id) FROM $t");
	is($node->safe_psql('postgres', "$all SELECT count(*), count(DISTINCT id), sum(id) FROM ($scan) s"),
		$rows, "$stage: $t: an index scan of every list returns every row once ($rows)");
	my $step = int(($rows =~ s/\|.*//r) / 30) + 1;
	my ($n, $found) = split /\|/,
	  $node->safe_psql(
		'postgres', qq{$all
SELECT count(*), count(*) FILTER (WHERE (SELECT x.v <-> s.v FROM $t x ORDER BY x.v <-> s.v LIMIT 1) = 0)
  FROM (SELECT v, row_number() OVER (ORDER BY id) AS r FROM $t) s WHERE r % $step = 0});
	ok($n > 0 && $found == $n, "$stage: $t: each of $n sampled rows is found at distance 0 ($found)");
	check_index($node, "${t}_idx");
}

# (a) CREATE INDEX cut off in its assignment phase, at 30 %, 50 % and 90 %
# of the rows: serial, with 2 parallel workers, and CONCURRENTLY.  An index
# with rerank = index writes the most pages.  The third leaves an invalid
# index, which REINDEX must build.
$node->safe_psql(
	'postgres', q{
CREATE TABLE big (id int PRIMARY KEY, v ruvector(64)) WITH (parallel_workers = 2);
INSERT INTO big SELECT k, v FROM vecs(64, 60000, 50);
});
my $big_rows = $node->safe_psql('postgres', 'SELECT count(*), sum(id) FROM big');
my $build = 'big_idx ON big USING ruivf (v ruvector_l2_ops) WITH (lists = 100, rerank = index)';
foreach my $case ([ 'serial', 0, '', 0.3 ], [ 'parallel', 2, '', 0.5 ], [ 'concurrent', 0, 'CONCURRENTLY', 0.9 ])
{
	my ($name, $workers, $concurrently, $fraction) = @$case;
	my $stage = "CREATE INDEX ($name) cut off";

	# a case before may have committed its build before the crash came (a
	# race on a fast machine: see below); its index would stop this one
	$node->safe_psql('postgres', 'DROP INDEX IF EXISTS big_idx');
	start_session("build_$name",
		"SET max_parallel_maintenance_workers = $workers;\nCREATE INDEX $concurrently $build;\n");
	my ($seen, $r) = crash_when(
		"EXISTS (SELECT FROM pg_stat_progress_create_index WHERE relid = 'big'::regclass "
		  . "AND phase LIKE 'building index: assigning%' AND tuples_done >= tuples_total * $fraction "
		  . "AND tuples_total > 0)", 0, "build_$name");
	my ($rc, undef, $err) = @{ $r->{"build_$name"} };
	my $state = $node->safe_psql('postgres',
		"SELECT coalesce((SELECT indisvalid::text FROM pg_index WHERE indexrelid = to_regclass('big_idx')), 'none')");
	note "$stage: progress seen: " . ($seen ? 'yes' : 'no') . ", psql exit $rc, index after recovery: $state";
	# the build may also have ended before the progress view showed the
	# fraction (then it committed, checked below)
	ok($seen || $rc == 0, "$stage: the build was seen at $fraction of its rows, or it ended first");
	unlike($err, qr/ERROR:/, "$stage: no error before the crash") or diag $err;
	is($node->safe_psql('postgres', 'SELECT count(*), sum(id) FROM big'), $big_rows,
		"$stage: the table is whole ($big_rows)");
	if ($rc == 0)
	{
		# the build committed before the crash
		is($state, 'true', "$stage: the build finished before the crash: the index is valid");
	}
	elsif ($concurrently)
	{
		like($state, qr/^(none|false)$/, "$stage: no index, or an invalid one ($state)");
		if ($state eq 'false')
		{
			unlike(
				$node->safe_psql('postgres', 'SET enable_seqscan = off; EXPLAIN (COSTS OFF) '
					  . 'SELECT id FROM big ORDER BY v <-> (SELECT v FROM big WHERE id = 1) LIMIT 5'),
				qr/big_idx/, "$stage: queries do not use the invalid index");
			$node->safe_psql('postgres', 'REINDEX INDEX big_idx');
			is($node->safe_psql('postgres', "SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_idx'::regclass"),
				't', "$stage: REINDEX makes it valid");
		}
	}
	else
	{
		is($state, 'none', "$stage: the index does not exist");
	}
	next unless $concurrently;
	$node->safe_psql('postgres', "CREATE INDEX $build") if $state eq 'none';
	check_table($stage, 'big', 100);
}

# (b) VACUUM cut off after many deletes, while a session inserts: one table
# whose blocks VACUUM compacts (rerank = heap), one whose dead lanes it
# marks (rerank = index, bits = 4); twice each, crashing as soon as the index
# phase is seen, then a random 0-150 ms after it.  The cost delay slows VACUUM down enough
# (about 0.1 s of index phase) for the crash to come in its middle.
my %vac = (vh => 'rerank = heap', vi => 'rerank = index, bits = 4');
foreach my $t (sort keys %vac)
{
	$node->safe_psql(
		'postgres', qq{
CREATE TABLE $t (id int PRIMARY KEY, v ruvector(32));
INSERT INTO $t SELECT k, v FROM vecs(32, 30000, 40);
CREATE INDEX ${t}_idx ON $t USING ruivf (v ruvector_l2_ops) WITH (lists = 40, $vac{$t});
});
}
my %last_ids;
foreach my $round (1 .. 4)
{
	my $t = $round % 2 ? 'vh' : 'vi';
	my $stage = "VACUUM $t ($vac{$t}) cut off, round $round";
	my $base = $round * 100000;
	# 10,000 new rows, then delete two thirds of the table, in a pattern
	# that changes by round
	$node->safe_psql('postgres', qq{
INSERT INTO $t SELECT $base + k, v FROM vecs(32, 10000, 40);
DELETE FROM $t WHERE (id + $round) % 3 <> 0;
});
	my $before = $node->safe_psql('postgres', "SELECT count(*), sum(id) FROM $t");
	my $delay = $round <= 2 ? 0 : rand(0.15);
	start_session("vac_$round",
		"SET vacuum_cost_delay = '2ms';\nSET vacuum_cost_limit = 10;\nVACUUM $t;\n");
	# inserts that copy surviving rows' vectors under new ids
	start_session("ins_$round",
		join('',
			map { "INSERT INTO $t SELECT $_, v FROM $t WHERE id = (SELECT min(id) FROM $t WHERE id > $base + $_ % 9000) RETURNING id;\n" }
			  ($base + 50001 .. $base + 60000)));
	my ($seen, $r) = crash_when(
		"EXISTS (SELECT FROM pg_stat_progress_vacuum WHERE relid = '$t'::regclass AND phase = 'vacuuming indexes')",
		$delay, "vac_$round");
	my ($rc, undef, $err) = @{ $r->{"vac_$round"} };
	note sprintf("%s: index phase seen: %s, crash %.0f ms later, VACUUM %s", $stage,
		$seen ? 'yes' : 'no', $delay * 1000, $rc == 0 ? 'had finished' : 'was cut off');
	unlike($err, qr/ERROR:/, "$stage: VACUUM saw no error before the crash") or diag $err;
	is($node->safe_psql('postgres', "SELECT count(*), sum(id) FROM $t WHERE id <= $base + 50000"),
		$before, "$stage: the rows committed before the VACUUM are in the table ($before)");
	my @ids = committed_ids("ins_$round", $r->{"ins_$round"});
	cmp_ok(scalar @ids, '>', 0, "$stage: rows were inserted during the VACUUM");
	check_table($stage, $t, 40, \@ids);
	$last_ids{$t} = [ grep { $_ % 7 != 0 } @ids ];
}

# (c) concurrent inserts into an index with rerank = index and bits = 4
# (each insert logs the vector, then the code page), a fourth session
# deleting and vacuuming
$node->safe_psql(
	'postgres', q{
CREATE TABLE ci (id int PRIMARY KEY, v ruvector(48));
INSERT INTO ci SELECT k, v FROM vecs(48, 2000, 10);
CREATE INDEX ci_idx ON ci USING ruivf (v ruvector_l2_ops) WITH (lists = 10, rerank = index, bits = 4);
});
foreach my $c (1, 2)
{
	my $from = $c * 100000;
	start_session("ci$c",
		join('', map { "INSERT INTO ci SELECT $_, v + v FROM ci WHERE id = " . (1 + $_ % 2000) . " RETURNING id;\n" }
			  ($from + 1 .. $from + 20000)));
}
start_session('ci_vac', join('', map { "DELETE FROM ci WHERE id = $_; VACUUM ci;\n" } (1 .. 1000)));
my ($seen, $r) = crash_when("(SELECT count(*) >= 1000 FROM ci WHERE id > 100000)", 0, 'ci1');
ok($seen, 'inserts into ci got going before the crash');
my @ci_ids = map { committed_ids($_, $r->{$_}) } qw(ci1 ci2);
unlike($r->{ci_vac}->[2], qr/ERROR:/, 'session ci_vac: no error before the crash');
cmp_ok(scalar @ci_ids, '>=', 900, 'rows were committed into ci before the crash');
check_table('concurrent inserts cut off', 'ci', 10, \@ci_ids);

# (d) a split cut off: a fifth of the rows deleted and 3,500 inserted into
# one small region (within the range the codes were trained for; all into
# one list; under a quarter of the rows, or VACUUM would train the index whole),
# so that VACUUM splits that list (ivftrain.c, SPLITS) while a
# session inserts; crashing 150 ms after the split is seen copying lists (it
# has written pages by then), then a random 0-300 ms after it (the cost
# delay, which the split observes, makes it last about a second); twice,
# the second time in another region and nothing deleted (the session
# inserts copies of the first rows).  80 lists for 40 clusters: a list
# that took several clusters would take a drift of this size for growth.
# Recovery leaves the generation before or the split one,
# whole; a VACUUM afterwards leaves the split done, and
# the pages the interrupted split wrote are freed, not kept as the new
# generation's (round 2 checks the index after the reclaim of round 1's).
$node->safe_psql(
	'postgres', q{
CREATE TABLE sp (id int PRIMARY KEY, v ruvector(32));
INSERT INTO sp SELECT k, v FROM vecs(32, 20000, 40);
CREATE INDEX sp_idx ON sp USING ruivf (v ruvector_l2_ops) WITH (lists = 80);
});
my @sp_ids;
my $sp_lists = 80;
my $sp_gen = 0;
my %centre = (1 => 0.5, 2 => -0.5);
my %drifted = (1 => 3500, 2 => 3500);
$node->safe_psql('postgres', 'DELETE FROM sp WHERE id % 5 = 1');
foreach my $round (1 .. 2)
{
	my $stage = "split cut off, round $round";
	my $base = $round * 1000000;
	$node->safe_psql('postgres',
		"INSERT INTO sp SELECT $base + i, array(SELECT $centre{$round} + (random() - 0.5) * 0.1 + 0 * i "
		  . "FROM generate_series(1, 32))::ruvector FROM generate_series(1, $drifted{$round}) i");
	my $delay = $round == 1 ? 0.15 : rand(0.3);
	start_session("sv_$round",
		"SET vacuum_cost_delay = '2ms';\nSET vacuum_cost_limit = 20;\nVACUUM sp;\n");
	start_session("si_$round",
		join('',
			map { "INSERT INTO sp SELECT $_, v FROM sp WHERE id = 1 + $_ % 19000 RETURNING id;\n" }
			  ($base + 50001 .. $base + 60000)));
	my ($seen, $r) = crash_when(
		"EXISTS (SELECT FROM ruvector_training_progress WHERE relid = 'sp'::regclass AND started_by = 'vacuum' "
		  . "AND phase = 'assigning vectors to lists')",
		$delay, "sv_$round");
	note sprintf("%s: split seen: %s, crash %.0f ms later, VACUUM %s", $stage,
		$seen ? 'yes' : 'no', $delay * 1000, $r->{"sv_$round"}->[0] == 0 ? 'had finished' : 'was cut off');
	unlike($r->{"sv_$round"}->[2], qr/ERROR:/, "$stage: VACUUM saw no error before the crash");
	my @ids = committed_ids("si_$round", $r->{"si_$round"});
	push @sp_ids, @ids;
	check_table($stage, 'sp', 2000, \@sp_ids);
	$node->safe_psql('postgres', 'VACUUM sp');
	my ($lists, $gen) = split /\|/,
	  $node->safe_psql('postgres', "SELECT lists, generation FROM ruvector_index_info('sp_idx')");
	# a split (a training would give the lists option's 80), before the
	# crash or by the VACUUM after it
	ok($gen > $sp_gen && $lists != 80,
		"$stage: the long list was split ($sp_lists -> $lists lists, generation $sp_gen -> $gen)");
	$sp_lists = $lists;
	$sp_gen = $gen;
	check_table("$stage, then split", 'sp', 2000, \@sp_ids);
}

# every index still takes inserts, deletes and VACUUM after recovery
$node->safe_psql(
	'postgres', q{
INSERT INTO big SELECT 100000 + k, v FROM vecs(64, 500, 50);
INSERT INTO vh SELECT 900000 + k, v FROM vecs(32, 500, 40);
INSERT INTO vi SELECT 900000 + k, v FROM vecs(32, 500, 40);
INSERT INTO ci SELECT 900000 + k, v FROM vecs(48, 500, 10);
DELETE FROM big WHERE id % 7 = 0;
DELETE FROM vh WHERE id % 7 = 0;
DELETE FROM vi WHERE id % 7 = 0;
DELETE FROM ci WHERE id % 7 = 0;
});
$node->safe_psql('postgres', 'VACUUM big, vh, vi, ci');
check_table('after more inserts, deletes and VACUUM', @$_)
  for ([ 'big', 100 ], [ 'vh', 40, $last_ids{vh} ], [ 'vi', 40, $last_ids{vi} ], [ 'ci', 10 ]);

my @log_errors = grep { /\b(PANIC|TRAP):|inconsistent page/ } split /\n/, slurp_file($node->logfile);
is(scalar @log_errors, 0, 'no PANIC or inconsistent page in the server log')
  or diag join("\n", @log_errors[ 0 .. ($#log_errors < 9 ? $#log_errors : 9) ]);

$node->stop;
done_testing();
