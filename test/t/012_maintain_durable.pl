# A training that ruvector_index_maintain reported done survives a crash.
#
# ruvector_index_maintain writes a new generation and switches the
# metapage to it without a transaction ID of its own, so its transaction
# commits without a commit record, and PostgreSQL would leave its WAL to
# the WAL writer (as for an asynchronous commit).  With the WAL writer
# made slow (wal_writer_delay 10 s), a crash right after the call returned
# would then lose the switch: the index would come back in the generation
# before, although the caller was told otherwise.  The switch flushes its
# WAL, so the generation the call returned is the one after recovery.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('durable');
$node->init;
$node->append_conf('postgresql.conf', "wal_writer_delay = 10s\nwal_writer_flush_after = 0\n");
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION ruvector;
CREATE TABLE t (id int, v ruvector(16));
INSERT INTO t SELECT i, array(SELECT sin(i * 0.37 + j) FROM generate_series(1, 16) j)::ruvector
  FROM generate_series(1, 3000) i;
CREATE INDEX t_v ON t USING ruivf (v ruvector_l2_ops) WITH (lists = 10);
CHECKPOINT;
});

foreach my $round (1 .. 3)
{
	my $gen = $node->safe_psql('postgres',
		"SELECT generation FROM ruvector_index_maintain('t_v')");
	$node->stop('immediate');
	$node->start;
	is($node->safe_psql('postgres', "SELECT generation FROM ruvector_index_info('t_v')"),
		$gen, "round $round: after a crash the index is in generation $gen, as the call returned");
	is($node->safe_psql('postgres', "SELECT ruvector_index_check('t_v', true)"),
		'', "round $round: and passes the checker");
}

$node->stop;
done_testing();
