# Upgrades: ruvector 0.1.0, installed from its kept script, with a table, a
# ruivf index and data, then ALTER EXTENSION ruvector UPDATE.
#
#  1. The update path exists and reaches the default version (0.4.0);
#     ruvector_index_info answers with 0.1.0's columns before the update
#     and with 0.4.0's (row_norm, trained_residual) after it.
#  2. Everything made under 0.1.0 works after it: the index built under
#     0.1.0's SQL answers exactly as a sequential scan (every list probed),
#     takes inserts, passes the checker, and ruvector_index_info shows its
#     on-disk format version.  (The library is the current one, so the
#     index has the current on-disk version from the start; the SQL
#     objects are what this test upgrades.)
#  3. What 0.2.0 adds is there: a table created with a 784-dimension column
#     gets toast_tuple_target = 8160 (the table defaults), where 0.1.0 gave
#     a table none; and 0.3.0's ruvector_index_depth shows what the index
#     learned.
#  4. The extension's objects after the update are those of a fresh 0.4.0
#     install (0.3.0's script and the update from it) (functions, types, operators, operator classes, casts,
#     event triggers: their identities compared).
#  5. An index whose on-disk version this library does not know fails on
#     first use with the versions named and a REINDEX hint; REINDEX mends it.
#  6. An index of on-disk version 5 (before the learned depth) is read as
#     it is: exact answers, the checker passes, nothing learned.
#  7. An inner-product index over unit vectors of on-disk version 6 (before
#     the rows' norm that orders its lists) is read as it is: exact answers,
#     the checker passes.
#  8. An index of on-disk version 7 (before the residual VACUUM measures
#     drift against) is read as it is: exact answers, the checker passes,
#     and VACUUM after deletes and inserts works on it.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->start;

# The 20 nearest rows of $table to a fixed query by $op, as ids in order:
# through the index with every list probed, or ($exact) by a sequential scan.
sub knn_sql
{
	my ($table, $op, $exact) = @_;
	my $q = "'[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8]'";
	return ($exact
		? "SET enable_indexscan = off; SET enable_bitmapscan = off;\n"
		: "SET ruvector.probes = 32768;\n")
	  . "SELECT string_agg(id::text, ',' ORDER BY d, id) FROM (\n"
	  . "  SELECT id, v $op $q AS d FROM $table\n"
	  . "   ORDER BY v $op $q LIMIT 20) s;\n";
}
my $knn_all = knn_sql('t', '<->', 0);
my $knn_exact = knn_sql('t', '<->', 1);

# Set the on-disk version in the metapage of $index by hand, the server
# stopped meanwhile: the version field follows the magic at the start of
# the page's contents.  Returns the magic read there.
sub set_index_version
{
	my ($index, $version) = @_;
	my $relpath = $node->safe_psql('postgres', "SELECT pg_relation_filepath('$index')");
	my $file = $node->data_dir . '/' . $relpath;
	$node->stop;
	open(my $fh, '+<:raw', $file) or die "open $file: $!";
	seek($fh, 24, 0);
	read($fh, my $magic, 4);
	seek($fh, 28, 0);
	print $fh pack('V', $version);
	close($fh);
	$node->start;
	return unpack('V', $magic);
}

# 0.1.0, with data and an index
$node->safe_psql('postgres', q{
CREATE EXTENSION ruvector VERSION '0.1.0';
CREATE TABLE t (id int PRIMARY KEY, v ruvector(8));
INSERT INTO t SELECT i, array(SELECT sin(i * 0.37 + j * 1.1) FROM generate_series(1, 8) j)::ruvector
  FROM generate_series(1, 3000) i;
CREATE INDEX t_v ON t USING ruivf (v ruvector_l2_ops) WITH (lists = 10);
CREATE TABLE wide01 (id int, v ruvector(784));
});
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'ruvector'"),
	'0.1.0', 'ruvector 0.1.0 installed from its kept script');
is($node->safe_psql('postgres', "SELECT reloptions FROM pg_class WHERE relname = 'wide01'"),
	'', '0.1.0 gives a new table no toast_tuple_target');
my $exact = $node->safe_psql('postgres', $knn_exact);
is($node->safe_psql('postgres', $knn_all), $exact, 'under 0.1.0 the index answers exactly');

# 1. the update
is($node->safe_psql('postgres', "SELECT count(*) FROM ruvector_index_info('t_v') i"),
	'1', "under 0.1.0 ruvector_index_info answers with 0.1.0's columns");
like($node->safe_psql('postgres',
		"SELECT path FROM pg_extension_update_paths('ruvector') WHERE source = '0.1.0' AND target = '0.4.0'"),
	qr/^0\.1\.0--0\.2\.0--0\.3\.0--0\.4\.0$/, 'an update path 0.1.0 -> 0.2.0 -> 0.3.0 -> 0.4.0 exists');
$node->safe_psql('postgres', 'ALTER EXTENSION ruvector UPDATE');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'ruvector'"),
	'0.4.0', 'ALTER EXTENSION ruvector UPDATE reaches 0.4.0');
is($node->safe_psql('postgres',
		"SELECT row_norm IS NULL, trained_residual IS NOT NULL FROM ruvector_index_info('t_v')"),
	't|t', "after it ruvector_index_info has 0.4.0's columns (an L2 index: no row norm, a residual)");

# 2. what 0.1.0 made still works
is($node->safe_psql('postgres', $knn_all), $exact, 'after the update the index answers exactly');
my $version = $node->safe_psql('postgres', "SELECT version FROM ruvector_index_info('t_v')");
like($version, qr/^\d+$/, "ruvector_index_info shows the index's on-disk version ($version)");
$node->safe_psql('postgres', q{
INSERT INTO t SELECT i, array(SELECT sin(i * 0.37 + j * 1.1) FROM generate_series(1, 8) j)::ruvector
  FROM generate_series(3001, 3500) i;
});
is($node->safe_psql('postgres', $knn_all), $node->safe_psql('postgres', $knn_exact),
	'and after inserts');
is($node->safe_psql('postgres', "SELECT ruvector_index_check('t_v', true)"), '',
	'and passes the checker');
$node->safe_psql('postgres', 'REINDEX INDEX t_v');
is($node->safe_psql('postgres', "SELECT version FROM ruvector_index_info('t_v')"),
	'8', 'REINDEX gives it the current on-disk version, 8');
is($node->safe_psql('postgres', $knn_all), $node->safe_psql('postgres', $knn_exact),
	'and it still answers exactly');

# 3. what 0.2.0 adds
$node->safe_psql('postgres', 'CREATE TABLE wide02 (id int, v ruvector(784))');
is($node->safe_psql('postgres', "SELECT reloptions FROM pg_class WHERE relname = 'wide02'"),
	'{toast_tuple_target=8160}', 'a table created after the update gets the table defaults');
is($node->safe_psql('postgres', "SELECT count(*), min(queries) > 0 FROM ruvector_index_depth('t_v')"),
	'12|t', 'ruvector_index_depth shows the depth the rebuilt index learned');

# 5. an on-disk version this library does not know is refused, never read:
#    the metapage's version field set to 99 by hand
is(set_index_version('t_v', 99), 0x52564946, 'the metapage starts with the ruivf magic');
my ($rc, $out, $err) = $node->psql('postgres', $knn_all);
isnt($rc, 0, 'a query through an index of on-disk version 99 fails');
like($err, qr/has on-disk version 99, this ruvector reads versions 3 to 8/,
	'saying which version it has and which it reads');
like($err, qr/HINT:\s+REINDEX INDEX t_v/, 'with a REINDEX hint');
$node->safe_psql('postgres', 'REINDEX INDEX t_v');
is($node->safe_psql('postgres', $knn_all), $node->safe_psql('postgres', $knn_exact),
	'after REINDEX it answers exactly again');

# 6. version 5, as an index built before 0.3.0 says (the learned fields
#    after it on the page are left as they are: a version 5 reader, which
#    this one must be for such an index, does not look at them)
set_index_version('t_v', 5);
is($node->safe_psql('postgres', "SELECT version FROM ruvector_index_info('t_v')"), '5',
	'an index of on-disk version 5');
is($node->safe_psql('postgres', "SELECT count(*) FROM ruvector_index_depth('t_v')"), '0',
	'has learned nothing');
is($node->safe_psql('postgres', $knn_all), $node->safe_psql('postgres', $knn_exact),
	'answers exactly');
is($node->safe_psql('postgres', "SELECT ruvector_index_check('t_v', true)"), '',
	'and passes the checker');
$node->safe_psql('postgres', 'REINDEX INDEX t_v');

# 7. version 6, an inner-product index over unit vectors (whose version 7
#    metapage records the rows' one norm after the learned depth; a version
#    6 reader does not look there)
$node->safe_psql('postgres', q{
CREATE TABLE u (id int PRIMARY KEY, v ruvector(8));
INSERT INTO u SELECT i, l2_normalize(array(SELECT sin(i * 0.37 + j * 1.1) FROM generate_series(1, 8) j)::ruvector)
  FROM generate_series(1, 3000) i;
CREATE INDEX u_v ON u USING ruivf (v ruvector_ip_ops) WITH (lists = 10);
});
set_index_version('u_v', 6);
is($node->safe_psql('postgres', "SELECT version FROM ruvector_index_info('u_v')"), '6',
	'an inner-product index of on-disk version 6');
is($node->safe_psql('postgres', knn_sql('u', '<#>', 0)),
	$node->safe_psql('postgres', knn_sql('u', '<#>', 1)), 'answers exactly');
is($node->safe_psql('postgres', "SELECT ruvector_index_check('u_v', true)"), '',
	'and passes the checker');
$node->safe_psql('postgres', 'DROP TABLE u');

# 8. version 7 (whose version 8 metapage records the training's residual
#    after the rows' norm; a version 7 reader does not look there)
set_index_version('t_v', 7);
is($node->safe_psql('postgres', "SELECT version FROM ruvector_index_info('t_v')"), '7',
	'an index of on-disk version 7');
is($node->safe_psql('postgres', $knn_all), $node->safe_psql('postgres', $knn_exact),
	'answers exactly');
$node->safe_psql('postgres', q{
DELETE FROM t WHERE id % 4 = 0;
INSERT INTO t SELECT i, array(SELECT 3 * sin(i * 0.37 + j * 1.1) FROM generate_series(1, 8) j)::ruvector
  FROM generate_series(4001, 4500) i;
VACUUM t;
});
is($node->safe_psql('postgres', $knn_all), $node->safe_psql('postgres', $knn_exact),
	'answers exactly after deletes, inserts and VACUUM');
is($node->safe_psql('postgres', "SELECT ruvector_index_check('t_v', true)"), '',
	'and passes the checker');
$node->safe_psql('postgres', 'REINDEX INDEX t_v');

# 4. the same objects as a fresh install
my $objects = q{
SELECT string_agg(d, E'\n' ORDER BY d) FROM (SELECT pg_describe_object(classid, objid, 0) AS d
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'ruvector')) o;
};
my $updated = $node->safe_psql('postgres', $objects);
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION ruvector');
my $fresh = $node->safe_psql('fresh', $objects);
cmp_ok(length($fresh), '>', 1000, 'a fresh install lists its objects');
is($updated, $fresh, 'the updated extension has exactly the objects of a fresh 0.4.0 install');

$node->stop;
done_testing();
