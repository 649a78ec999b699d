# ruvector_training_progress: a training of a ruivf index reports its
# progress as CREATE INDEX does (src/ivf/ivftrain.c, progress_begin).
#
#  1. ruvector_index_maintain waits for the table's ShareUpdateExclusiveLock
#     while another session holds it: meanwhile the view shows it, with the
#     index, the table and the phase 'waiting for locks'; once the lock is
#     released it trains, returns, and the view is empty again.
#  2. COPY into an index created empty trains it from an insert at 1,000
#     rows: while the COPY is still open, pg_stat_progress_copy still shows
#     it (the training put COPY's report back) and the view is empty.
use strict;
use warnings;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('progress');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ruvector;
CREATE TABLE t (id int, v ruvector(16));
INSERT INTO t SELECT i, array(SELECT sin(i * 0.37 + j) FROM generate_series(1, 16) j)::ruvector
  FROM generate_series(1, 3000) i;
CREATE INDEX t_v ON t USING ruivf (v ruvector_l2_ops) WITH (lists = 10);
});

# 1. a maintain call that waits for the table lock is shown waiting
my $locker = $node->background_psql('postgres');
$locker->query_safe('BEGIN; LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE;');
my ($mout, $merr) = ('', '');
my $maintain = IPC::Run::start(
	[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c',
	  "SELECT trained, generation FROM ruvector_index_maintain('t_v')" ],
	'>', \$mout, '2>', \$merr);
ok( $node->poll_query_until(
		'postgres', 'SELECT count(*) > 0 FROM ruvector_training_progress'),
	'a waiting ruvector_index_maintain is in ruvector_training_progress');
is( $node->safe_psql(
		'postgres',
		"SELECT started_by, phase, index_relid::regclass, relid::regclass, datname, generation
		   FROM ruvector_training_progress"),
	'ruvector_index_maintain|waiting for locks|t_v|t|postgres|0',
	'it is shown waiting for locks, with its index, table and database');
$locker->query_safe('COMMIT;');
$locker->quit;
$maintain->finish;
is($mout . $merr, "t|1\n", 'once the lock is free it trains generation 1');
is($node->safe_psql('postgres', 'SELECT count(*) FROM ruvector_training_progress'),
	'0', 'and the view is empty again');

# 2. a training inside COPY gives COPY its progress report back
$node->safe_psql('postgres', q{
CREATE TABLE c (id int, v ruvector(16));
CREATE INDEX c_v ON c USING ruivf (v ruvector_l2_ops);
});
my ($in, $cout, $cerr) = ('', '', '');
my $copy = IPC::Run::start(
	[ 'psql', '-XAtq', '-d', $node->connstr('postgres'), '-c', 'COPY c FROM STDIN' ],
	'<', \$in, '>', \$cout, '2>', \$cerr);
foreach my $i (1 .. 3000)
{
	$in .= "$i\t["
	  . join(',', map { sprintf('%.5f', sin($i * 0.37 + $_)) } 1 .. 16) . "]\n";
}
# IPC::Run writes the rows to psql only while pumped: pump until $sql says t
sub pump_copy_until
{
	my ($h, $sql) = @_;
	foreach (1 .. 1800)
	{
		$h->pump_nb;
		return 1 if $node->safe_psql('postgres', $sql) eq 't';
		usleep(100_000);
	}
	return 0;
}
ok(pump_copy_until($copy, "SELECT generation >= 1 FROM ruvector_index_info('c_v')"),
	'COPY trained the index it fills (from an insert)');
ok( pump_copy_until(
		$copy,
		"SELECT tuples_processed >= 2900 FROM pg_stat_progress_copy WHERE relid = 'c'::regclass"),
	'pg_stat_progress_copy shows the COPY after the training');
is($node->safe_psql('postgres', 'SELECT count(*) FROM ruvector_training_progress'),
	'0', 'and no training is shown');
$in .= "\\.\n";
$copy->finish;
is($cerr, '', 'the COPY ends without an error');
is($node->safe_psql('postgres', 'SELECT count(*) FROM c'), '3000', 'with every row');
is($node->safe_psql('postgres', "SELECT ruvector_index_check('c_v', true)"),
	'', 'and the index passes its check');

$node->stop;
done_testing();
