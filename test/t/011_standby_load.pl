# A hot standby answers k-NN queries while it replays a write load.
#
# The primary fills a table whose ruivf index was created empty, so the
# load replays everything ruivf logs: inserts, deletes, VACUUM (compaction,
# free-block hints, reclaimed pages) and the trainings that switch
# generations as the rows double.  Meanwhile the test queries the standby
# again and again, each time in one REPEATABLE READ transaction: the top 20
# through the index with every list probed must be the top 20 of a
# sequential scan in the same snapshot (the same distances), and a query
# may fail only with 40001 (a generation it was reading retired under it),
# never with a wrong answer or another error.  The standby runs with
# hot_standby_feedback, as the README advises.  After the load, the
# standby's answers equal the primary's and both indexes pass their check.
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
use Time::HiRes qw(time);

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', "max_parallel_workers_per_gather = 0\n");
$primary->start;
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf',
	"hot_standby_feedback = on\nmax_parallel_workers_per_gather = 0\n");
$standby->start;

$primary->safe_psql('postgres', $rv_sql);
$primary->safe_psql('postgres', q{
CREATE SEQUENCE ids;
CREATE TABLE t (id int PRIMARY KEY DEFAULT nextval('ids'), v ruvector(48));
ALTER TABLE t SET (autovacuum_enabled = off);
CREATE INDEX t_v ON t USING ruivf (v ruvector_l2_ops);
INSERT INTO t (v) SELECT rv(nextval('ids')::int, 48) FROM generate_series(1, 500);
-- the top 20 distances through the index (every list) and by a
-- sequential scan, in the caller's snapshot: 'same' or both arrays
CREATE FUNCTION knn_check(q int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  a float8[];
  b float8[];
BEGIN
  PERFORM set_config('ruvector.probes', '32768', true);
  PERFORM set_config('enable_seqscan', 'off', true);
  SELECT array_agg(d ORDER BY d) INTO a
    FROM (SELECT v <-> rv(q, 48) AS d FROM t ORDER BY v <-> rv(q, 48) LIMIT 20) s;
  PERFORM set_config('enable_seqscan', 'on', true);
  PERFORM set_config('enable_indexscan', 'off', true);
  SELECT array_agg(d ORDER BY d) INTO b
    FROM (SELECT v <-> rv(q, 48) AS d FROM t ORDER BY v <-> rv(q, 48) LIMIT 20) s;
  PERFORM set_config('enable_indexscan', 'on', true);
  RETURN CASE WHEN a = b THEN 'same' ELSE a::text || ' <> ' || b::text END;
END $$;
});
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));

# the load: two pgbench clients, inserts with some deletes and VACUUMs
my $dir = tempdir(DIR => $PostgreSQL::Test::Utils::tmp_check, CLEANUP => 1);
my %scripts = (
	'ins.sql' => "INSERT INTO t (v) SELECT rv(nextval('ids')::int, 48) FROM generate_series(1, 20);\n",
	'del.sql' => "\\set r random(1, 30000)\nDELETE FROM t WHERE id BETWEEN :r AND :r + 30;\n",
	'vac.sql' => "VACUUM t;\n");
foreach my $f (keys %scripts)
{
	open my $fh, '>', "$dir/$f" or die "could not write $dir/$f: $!";
	print $fh $scripts{$f};
	close $fh;
}
my $seconds = 12;
my ($bout, $berr) = ('', '');
my $bench = IPC::Run::start(
	[
		'pgbench', '-n', '-M', 'simple', '-c', '2', '-j', '2', '-T', $seconds,
		'-f', "$dir/ins.sql\@85", '-f', "$dir/del.sql\@12", '-f', "$dir/vac.sql\@3",
		$primary->connstr('postgres')
	],
	'>', \$bout, '2>', \$berr);

# meanwhile, the standby, one snapshot a check
my ($checks, $serialization, @wrong, @errors) = (0, 0);
my $end = time() + $seconds - 1;
my $q = 1000001;
while (time() < $end)
{
	my ($rc, $out, $err) = $standby->psql('postgres',
		"BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT knn_check($q); COMMIT;",
		on_error_stop => 1);
	$q++;
	if ($rc != 0)
	{
		if ($err =~ /was trained again while this scan read it/)
		{
			$serialization++;
		}
		else
		{
			push @errors, $err;
		}
		next;
	}
	$checks++;
	push @wrong, "query $q: $out" if $out ne 'same';
}
ok($bench->finish, 'the write load ran') or diag $berr;
note $bout;
my ($generation, $rows) = split /\|/,
  $primary->safe_psql('postgres', "SELECT generation, rows FROM ruvector_index_info('t_v')");
cmp_ok($generation, '>=', 3, "the load trained the index again and again (generation $generation, $rows rows)");
cmp_ok($checks, '>=', 20, "the standby answered $checks checks during the load ($serialization ended in 40001)");
is(scalar @wrong, 0, 'every answer was the exact top 20 of its snapshot')
  or diag join("\n", @wrong[ 0 .. ($#wrong < 4 ? $#wrong : 4) ]);
is(scalar @errors, 0, 'no query failed with anything but 40001')
  or diag join("\n", @errors[ 0 .. ($#errors < 4 ? $#errors : 4) ]);

# after the load: the standby's answers are the primary's, both indexes check
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
my $sql = "SELECT q, knn_check(q) FROM generate_series(1, 8) q";
my $p = $primary->safe_psql('postgres', $sql);
is($standby->safe_psql('postgres', $sql), $p, 'after the load, the standby answers as the primary');
unlike($p, qr/<>/, 'and both are exact');
my $ids = 'SELECT array(SELECT id FROM t ORDER BY v <-> rv(3, 48) LIMIT 20)';
is($standby->safe_psql('postgres', "SET ruvector.probes = 32768; $ids"),
	$primary->safe_psql('postgres', "SET ruvector.probes = 32768; $ids"),
	'the same rows, by id');
my ($rc, $out, $err) = $primary->psql('postgres', "SELECT ruvector_index_check('t_v', true)");
is($rc . $err, '0', 'the primary index passes its check');
($rc, $out, $err) = $standby->psql('postgres', "SELECT ruvector_index_check('t_v')");
is($rc . $err, '0', 'the standby index passes its check');

$standby->stop;
$primary->stop;
done_testing();
