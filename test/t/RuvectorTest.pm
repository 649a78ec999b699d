# Shared by the TAP tests in this folder (each loads it with
# `use lib $FindBin::Bin; use RuvectorTest;`).
#
# $rv_sql creates the extension and rv(i, d): a d-dimensional vector from
# an integer hash of i, so that every run builds the same data (values in
# [-0.5, 0.5); i * i * 31 must stay within a bigint: i < 5e8).
package RuvectorTest;

use strict;
use warnings;

use Exporter 'import';
our @EXPORT = qw($rv_sql);

our $rv_sql = q{
CREATE EXTENSION ruvector;
CREATE FUNCTION rv(i int, d int) RETURNS ruvector LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT array(SELECT ((i::bigint * i * 31 + i::bigint * j * 7919 + j::bigint * j * 104729 + 17)
                       % 1000003)::float8 / 1000003 - 0.5
                 FROM generate_series(1, d) j ORDER BY j)::ruvector
$$;
};

1;
