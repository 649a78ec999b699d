# ruvector_index_check finds corruption: copies of one ruivf index are
# corrupted on disk, each in one way, while the server is stopped (offsets
# computed from the layout in src/ivf/ivf.h); then the check of each copy
# must fail with SQLSTATE XX002 and a message naming the block (the table
# row, for a row missing from the index), the failures that need the table
# only with heapallindexed, and an untouched copy must pass.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::Bin;
use RuvectorTest;

my $node = PostgreSQL::Test::Cluster->new('check');
$node->init;
$node->append_conf('postgresql.conf',
	"autovacuum = off\nmax_parallel_maintenance_workers = 0\n");
$node->start;

my $BLCKSZ = $node->safe_psql('postgres', 'SHOW block_size');
my $DIM = 63;    # odd: each lane's last pair of codes has a pad code

$node->safe_psql('postgres', $rv_sql);
$node->safe_psql(
	'postgres', qq{
CREATE TABLE t (id int PRIMARY KEY, v ruvector($DIM));
INSERT INTO t SELECT i, rv(i, $DIM) FROM generate_series(1, 800) i;
});

# The cases: index name, rerank, the corruption (a sub that edits the
# file's bytes and returns a pattern of the error, which names the block or
# the row), and who finds it: 0 the plain check, 1 only heapallindexed, 2
# nobody (what an insert cut off between extending the index and linking
# the new block leaves is no corruption).
my @cases = (
	[ 'c_meta', 'heap', \&corrupt_meta, 0 ],
	[ 'c_kind', 'heap', \&corrupt_kind, 0 ],
	[ 'c_nlanes', 'heap', \&corrupt_nlanes, 0 ],
	[ 'c_next', 'heap', \&corrupt_next, 0 ],
	[ 'c_cycle', 'heap', \&corrupt_cycle, 0 ],
	[ 'c_dir', 'heap', \&corrupt_dir, 0 ],
	[ 'c_tid', 'heap', \&corrupt_tid, 0 ],
	[ 'c_pad', 'heap', \&corrupt_pad, 0 ],
	[ 'c_factor', 'heap', \&corrupt_factor, 0 ],
	[ 'c_code', 'index', \&corrupt_code, 0 ],
	[ 'c_code_heap', 'heap', \&corrupt_code_keep_factor, 1 ],
	[ 'c_vector', 'index', \&corrupt_vector, 1 ],
	[ 'c_missing', 'heap', \&corrupt_missing, 1 ],
	[ 'c_dup', 'heap', \&corrupt_dup, 1 ],
	[ 'c_orphans', 'index', \&orphan_pages, 2 ],);

foreach my $idx ('intact_heap', 'intact_index', map { $_->[0] } @cases)
{
	my $rerank = $idx =~ /index$/ ? 'index' : 'heap';
	($rerank) = map { $_->[1] } grep { $_->[0] eq $idx } @cases
	  if $idx =~ /^c_/;
	$node->safe_psql('postgres',
		"CREATE INDEX $idx ON t USING ruivf (v ruvector_l2_ops) WITH (lists = 4, rerank = $rerank)"
	);
}
foreach my $idx ('intact_heap', 'intact_index', map { $_->[0] } @cases)
{
	is(check($idx, 1), '', "$idx passes before the corruption");
}

my %path = map {
	$_->[0] => $node->data_dir . '/'
	  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$_->[0]')")
} @cases;
my %table_blocks = (t => $node->safe_psql('postgres',
	"SELECT pg_relation_size('t') / current_setting('block_size')::int"));

$node->stop;
my %expect;
foreach my $case (@cases)
{
	my ($idx, $rerank, $corrupt) = @$case;
	my $data = slurp($path{$idx});
	my $m = meta($data);
	is($m->{rerank}, $rerank eq 'index' ? 1 : 0, "$idx: metapage read (rerank = $rerank)");
	$expect{$idx} = $corrupt->(\$data, $m, $idx);
	spew($path{$idx}, $data);
}
$node->start;

foreach my $idx ('intact_heap', 'intact_index')
{
	is(check($idx, 0), '', "$idx passes");
	is(check($idx, 1), '', "$idx passes with heapallindexed");
}
foreach my $case (@cases)
{
	my ($idx, $rerank, $corrupt, $heap_only) = @$case;
	my $want = $expect{$idx};
	my $plain = check($idx, 0);
	if ($heap_only == 2)
	{
		is($plain, '', "$idx: passes");
		is(check($idx, 1), '', "$idx: passes with heapallindexed");
		my ($rc, $out, $err) = $node->psql('postgres',
			"SET client_min_messages = debug1; SELECT ruvector_index_check('$idx')");
		like($err, qr/checked: .* 3 pages no chain reaches/,
			"$idx: the 3 pages are there, and no chain reaches them");
	}
	elsif ($heap_only)
	{
		is($plain, '', "$idx: passes without heapallindexed");
		like(check($idx, 1), $want,
			"$idx: heapallindexed fails with XX002 naming the place");
	}
	else
	{
		like($plain, $want, "$idx: fails with XX002 naming the block");
	}
}

# The AM itself trusts no page either: a scan through each structurally
# corrupted copy (every list probed), an insert and a VACUUM fail with
# XX002 or pass, never crash, loop or read past a page.  The other indexes
# are dropped in a transaction rolled back afterwards, so that the plan
# uses the one under test.
my @all = ('intact_heap', 'intact_index', map { $_->[0] } @cases);
foreach my $case (
	[ 'c_meta', 'scan', qr/XX002: ruivf index "c_meta" has a corrupted metapage \(block 0\)/ ],
	[ 'c_kind', 'scan', qr/XX002: ruivf index "c_kind" block \d+ has page kind 2, expected 4/ ],
	[ 'c_nlanes', 'scan', qr/XX002: ruivf index "c_nlanes" block \d+ has \d+ lanes in use, more than its \d+/ ],
	[ 'c_next', 'scan', qr/XX002: ruivf index "c_next" list \d+: its chain leaves the index at block \d+/ ],
	[ 'c_cycle', 'scan', qr/XX002: ruivf index "c_cycle" list \d+: its chain loops at block \d+/ ],
	[ 'c_next', 'null', qr/XX002: ruivf index "c_next" list \d+: its chain leaves the index at block \d+/ ],
	[ 'c_cycle', 'null', qr/XX002: ruivf index "c_cycle" list \d+: its chain loops at block \d+/ ],
	[ 'c_nlanes', 'insert', qr/XX002: ruivf index "c_nlanes" block \d+ has \d+ lanes in use|^\z/ ],
	[ 'intact_heap', 'scan', qr/^\z/ ],
	[ 'intact_index', 'scan', qr/^\z/ ])
{
	my ($idx, $what, $want) = @$case;
	my $drop = join(', ', grep { $_ ne $idx } @all);
	my $stmt =
	    $what eq 'scan' ? "SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> (SELECT v FROM t WHERE id = 7)) s"
	  : $what eq 'null' ? "SET plan_cache_mode = force_generic_plan;\n"
		. "PREPARE p(ruvector) AS SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> \$1) s;\n"
		. "EXECUTE p(NULL)"
	  :                     "INSERT INTO t SELECT i, rv(i, $DIM) FROM generate_series(100001, 100400) i";
	my ($rc, $out, $err) = $node->psql('postgres', qq{
SET ruvector.probes = 4;
SET enable_seqscan = off;
SET client_min_messages = warning;
\\set VERBOSITY verbose
BEGIN;
DROP INDEX $drop;
$stmt;
ROLLBACK;
});
	$err =~ s/^.*?ERROR:  //s;
	$err =~ s/\n.*//s;
	like($err, $want, "$idx: $what " . ($err eq '' ? 'passes' : 'fails with XX002'));
}

# VACUUM through a corrupted block: the other indexes go for good first
# (VACUUM cannot run in a transaction block)
$node->safe_psql('postgres',
	"DROP INDEX " . join(', ', grep { $_ ne 'c_kind' } @all));
$node->safe_psql('postgres', "DELETE FROM t WHERE id % 7 = 0");
{
	my ($rc, $out, $err) = $node->psql('postgres', "\\set VERBOSITY verbose\nVACUUM t");
	like($err, qr/XX002: ruivf index "c_kind" block \d+ has page kind 2, expected 4/,
		'c_kind: VACUUM fails with XX002');
}
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is still up');

$node->stop;
done_testing();

# ---------------------------------------------------------------------------

# '' if ruvector_index_check passes, else its error (SQLSTATE and message).
sub check
{
	my ($idx, $heapallindexed) = @_;
	my ($stdout, $stderr);
	$node->psql(
		'postgres',
		"\\set VERBOSITY verbose\nSELECT ruvector_index_check('$idx', "
		  . ($heapallindexed ? 'true' : 'false') . ')',
		stdout => \$stdout,
		stderr => \$stderr);
	return $stderr =~ /(ERROR:.*)/ ? $1 : '';
}

sub slurp
{
	my ($file) = @_;
	open my $fh, '<:raw', $file or die "could not read $file: $!";
	local $/;
	my $data = <$fh>;
	close $fh;
	return $data;
}

sub spew
{
	my ($file, $data) = @_;
	open my $fh, '>:raw', $file or die "could not write $file: $!";
	print $fh $data;
	close $fh;
}

# The metapage (RuIvfMetaData at PageGetContents, offset 24 of block 0).
sub meta
{
	my ($data) = @_;
	my %m;
	@m{
		qw(magic version dim lists metric lanes dpp ppb centroid_start sq_start
		  listdir_start listdir_npages)
	} = unpack('L2 l6 L3 l', substr($data, 24, 48));
	@m{qw(rerank vpb bits residual)} = unpack('l4', substr($data, 24 + 56, 16));
	$m{nblocks} = length($data) / $BLCKSZ;
	return \%m;
}

# A page's special space: next, nlanes, kind, unused, page_id at the page's end.
sub special_off { return ($_[0] + 1) * $BLCKSZ - 16; }

sub special
{
	my ($data, $blk) = @_;
	my %s;
	@s{qw(next nlanes kind unused page_id)} = unpack('L S4', substr($data, special_off($blk), 12));
	return \%s;
}

sub set_next   { substr(${ $_[0] }, special_off($_[1]),     4) = pack('L', $_[2]); }
sub set_nlanes { substr(${ $_[0] }, special_off($_[1]) + 4, 2) = pack('S', $_[2]); }
sub set_kind   { substr(${ $_[0] }, special_off($_[1]) + 6, 2) = pack('S', $_[2]); }

# The list heads of the (first) directory page.
sub heads
{
	my ($data, $m) = @_;
	return unpack("L$m->{lists}",
		substr($data, $m->{listdir_start} * $BLCKSZ + 64, 4 * $m->{lists}));
}

# The blocks of list's chain.
sub chain
{
	my ($data, $m, $list) = @_;
	my @blocks;
	for (my $b = (heads($data, $m))[$list]; $b != 0xFFFFFFFF; $b = special($data, $b)->{next})
	{
		push @blocks, $b;
	}
	return @blocks;
}

# The first block of the first list, and a list of two blocks or more.
sub head0 { return (grep { $_ != 0xFFFFFFFF } heads(@_))[0]; }

sub long_list
{
	my ($data, $m) = @_;
	foreach my $l (0 .. $m->{lists} - 1)
	{
		return $l if scalar(chain($data, $m, $l)) >= 2;
	}
	die 'no list has two blocks';
}

# Byte offsets within a data block's first page (ivf.h): codes, TIDs, factors.
sub code_off
{
	my ($m, $blk, $lane, $d) = @_;
	return $blk * $BLCKSZ + 64 + ((($d >> 1) * $m->{lanes} + $lane) * 2 + ($d & 1));
}

sub tid_off
{
	my ($m, $blk, $lane) = @_;
	return $blk * $BLCKSZ + 64 + $m->{dpp} * $m->{lanes} * $m->{bits} / 8 + 6 * $lane;
}

sub factor_off
{
	my ($m, $blk, $lane) = @_;
	return tid_off($m, $blk, $m->{lanes}) + 8 * $lane;
}

sub get_tid
{
	my ($data, $m, $blk, $lane) = @_;
	my ($hi, $lo, $off) = unpack('S3', substr($data, tid_off($m, $blk, $lane), 6));
	return (($hi << 16) | $lo, $off);
}

sub set_tid
{
	my ($data, $m, $blk, $lane, $tblk, $off) = @_;
	substr($$data, tid_off($m, $blk, $lane), 6) =
	  pack('S3', ($tblk >> 16) & 0xFFFF, $tblk & 0xFFFF, $off);
}

# The corruptions: each edits the bytes and returns the pattern its error must match.

sub corrupt_meta
{
	my ($data, $m, $idx) = @_;
	substr($$data, 24 + 20, 4) = pack('l', $m->{lanes} + 8);
	return qr/ERROR:  XX002: index "$idx" block 0: metapage lanes is \d+, it must be $m->{lanes}/;
}

sub corrupt_kind
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	set_kind($data, $b, 2);
	return qr/ERROR:  XX002: index "$idx" block $b: page kind 2 \(float page\) where a data page/;
}

sub corrupt_nlanes
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	set_nlanes($data, $b, $m->{lanes} + 1);
	my $n = $m->{lanes} + 1;
	return qr/ERROR:  XX002: index "$idx" block $b: $n lanes in use, a block has $m->{lanes}/;
}

sub corrupt_next
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	my $to = $m->{nblocks} + 1000;
	set_next($data, $b, $to);
	return qr/ERROR:  XX002: index "$idx" block $b: next link $to \(list \d+\) is out of range/;
}

sub corrupt_cycle
{
	my ($data, $m, $idx) = @_;
	my @chain = chain($$data, $m, long_list($$data, $m));
	set_next($data, $chain[1], $chain[0]);
	return qr/ERROR:  XX002: index "$idx" block $chain[1]: the link to block $chain[0] closes a cycle/;
}

sub corrupt_dir
{
	my ($data, $m, $idx) = @_;
	my $list = long_list($$data, $m);
	my @chain = sort { $a <=> $b } chain($$data, $m, $list);
	substr($$data, $m->{listdir_start} * $BLCKSZ + 64 + 4 * $list, 4) = pack('L', 0xFFFFFFFF);
	return qr/ERROR:  XX002: index "$idx" block $chain[0]: a data page with \d+ lanes in use that no list's chain reaches/;
}

sub corrupt_tid
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	my (undef, $off) = get_tid($$data, $m, $b, 3);
	set_tid($data, $m, $b, 3, 100000, $off);
	return qr/ERROR:  XX002: index "$idx" block $b lane 3: TID \(100000,$off\) points past the end of table "t" \($table_blocks{t} blocks\)/;
}

sub corrupt_pad
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	substr($$data, code_off($m, $b, 5, $DIM), 1) = pack('C', 7);
	return qr/ERROR:  XX002: index "$idx" block $b lane 5: code slot $DIM of the page, past its $DIM dimensions, is 7, not 0/;
}

# Code 0 of lane 0 moved by 100 steps (the factor then disagrees with the codes).
sub move_code
{
	my ($data, $m, $b) = @_;
	my $off = code_off($m, $b, 0, 0);
	my $c = unpack('C', substr($$data, $off, 1));
	my $c2 = $c >= 128 ? $c - 100 : $c + 100;
	substr($$data, $off, 1) = pack('C', $c2);
	return ($c, $c2);
}

sub corrupt_factor
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	move_code($data, $m, $b);
	return qr/ERROR:  XX002: index "$idx" block $b lane 0: factor \S+, the lane's codes give/;
}

sub corrupt_code
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	move_code($data, $m, $b);
	return qr/ERROR:  XX002: index "$idx" block $b lane 0: the code is \S+ from the vector \(the index's vector pages\), beyond the lane's coding error bound/;
}

# The code moved and the factor made to agree: only the table's vector shows it.
sub corrupt_code_keep_factor
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	my ($c, $c2) = move_code($data, $m, $b);
	my $s0 = unpack('f', substr($$data, $m->{sq_start} * $BLCKSZ + 64 + 4 * $m->{dim}, 4));
	my $foff = factor_off($m, $b, 0);
	my $f = unpack('f', substr($$data, $foff, 4));
	substr($$data, $foff, 4) = pack('f', $f - ($s0 * $c)**2 + ($s0 * $c2)**2);
	return qr/ERROR:  XX002: index "$idx" block $b lane 0: the code is \S+ from the vector \(the table row\), beyond the lane's coding error bound/;
}

# The last bit of lane 0's first element in the vector pages flipped: within
# the coding error, but not the table row's vector.
sub corrupt_vector
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	my $off = ($b + $m->{ppb}) * $BLCKSZ + 64;
	substr($$data, $off, 1) = pack('C', unpack('C', substr($$data, $off, 1)) ^ 1);
	return qr/ERROR:  XX002: index "$idx" block $b lane 0: element 0 of the index's copy of the vector is \S+, row \(\d+,\d+\) of the table has/;
}

sub corrupt_missing
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	my ($tblk, $off) = get_tid($$data, $m, $b, 2);
	set_tid($data, $m, $b, 2, 0xFFFFFFFF, 0);
	return qr/ERROR:  XX002: index "$idx": row \($tblk,$off\) of table "t" is not in the index/;
}

sub corrupt_dup
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	my ($tblk, $off) = get_tid($$data, $m, $b, 0);
	set_tid($data, $m, $b, 1, $tblk, $off);
	return qr/ERROR:  XX002: index "$idx" block $b lane 1: TID \($tblk,$off\) is also in block $b lane 0/;
}

# Pages an insert leaves when it fails between extending the index and
# linking the new block (ivfinsert.c): an all-zero page, a later code page or
# vector page, a first page with no lane in use.  Appended at the end.
sub orphan_pages
{
	my ($data, $m, $idx) = @_;
	my $b = head0($$data, $m);
	my $first = substr($$data, $b * $BLCKSZ, $BLCKSZ);
	my $vec = substr($$data, ($b + $m->{ppb}) * $BLCKSZ, $BLCKSZ);
	my $n = $m->{nblocks};
	$$data .= "\0" x $BLCKSZ . $vec . $first;
	set_nlanes($data, $n + 2, 0);
	set_next($data, $n + 2, $b);
	return undef;
}
