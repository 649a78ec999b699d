--
-- casts: integer[], real[], double precision[], numeric[] to and from ruvector
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- err(q): run q, and show the SQLSTATE and message of the error it raises
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- arrays to ruvector
SELECT ARRAY[1,2,3]::ruvector AS from_int, '{1.5,-2.25,1e-3}'::real[]::ruvector AS from_real,
       '{0.1,-1e10,3}'::float8[]::ruvector AS from_float8,
       '{0.1,2.5,-7}'::numeric[]::ruvector AS from_numeric;
-- rounded to float4
SELECT ARRAY[16777217, -2147483648]::ruvector AS int_rounded,
       '{0.30000000000000004, 3.14159265358979}'::float8[]::ruvector AS float8_rounded,
       '{3.14159265358979323846}'::numeric[]::ruvector AS numeric_rounded;
-- the same values as text input gives
SELECT '{0.1,0.2,1e-7,123456789}'::float8[]::ruvector = '[0.1,0.2,1e-7,123456789]' AS float8_same,
       '{0.1,0.2,1e-7,123456789}'::numeric[]::ruvector = '[0.1,0.2,1e-7,123456789]' AS numeric_same,
       '{0.1,0.2,1e-7,123456789}'::real[]::ruvector = '[0.1,0.2,1e-7,123456789]' AS real_same;
-- any lower bound
SELECT '[0:2]={7,8,9}'::int[]::ruvector AS zero_based;
-- one element, and 16000
SELECT ARRAY[5]::ruvector, vector_dims(array_fill(0.5::float8, ARRAY[16000])::ruvector);

-- with a typmod
SELECT ARRAY[1,2,3]::ruvector(3) AS int3, '{1,2}'::real[]::ruvector(2) AS real2,
       '{1,2}'::float8[]::ruvector(2) AS float8_2, '{1}'::numeric[]::ruvector(1) AS numeric1;
SELECT ARRAY[1,2,3]::ruvector(2);
SELECT t AS expr, pg_temp.err('SELECT ' || t) AS error
  FROM (VALUES ('ARRAY[1,2,3]::ruvector(2)'), ($$'{1,2}'::real[]::ruvector(3)$$),
               ($$'{1,2}'::float8[]::ruvector(1)$$), ($$'{1,2}'::numeric[]::ruvector(4)$$)) AS v(t);

-- assignment casts: into a column, from arrays
CREATE TABLE c (id int, v ruvector(3));
INSERT INTO c VALUES (1, ARRAY[1,2,3]), (2, '{1.5,2.5,3.5}'::real[]),
                     (3, '{0.25,0.5,0.75}'::float8[]), (4, '{10,20,30}'::numeric[]);
SELECT * FROM c ORDER BY id;
INSERT INTO c VALUES (5, ARRAY[1,2]);
INSERT INTO c VALUES (5, '{1,2,3,4}'::float8[]);
-- ... and from ruvector into array columns
CREATE TABLE arrs (r real[], d float8[], i int[], n numeric[]);
INSERT INTO arrs SELECT v, v, v, v FROM c WHERE id = 2;
SELECT * FROM arrs;
DROP TABLE arrs, c;
-- but the casts are not implicit
SELECT vector_dims(ARRAY[1,2,3]);
SELECT ARRAY[1,2,3] <-> '[1,2,3]'::ruvector;

-- ruvector to arrays
SELECT '[1.5,2,-3]'::ruvector::real[] AS to_real, '[1.5,2,-3]'::ruvector::float8[] AS to_float8,
       '[1.5,2,-3]'::ruvector::numeric[] AS to_numeric, '[1.5,2,-3]'::ruvector::int[] AS to_int;
-- float4 values exactly, in double precision
SELECT '[0.1, 1e-7]'::ruvector::float8[] AS float8_exact, '[0.1, 1e-7]'::ruvector::real[] AS real;
-- numeric gets the value as real::numeric does (6 significant digits)
SELECT '[0.1,1e-7,123456,3.14159265]'::ruvector::numeric[] AS to_numeric,
       ARRAY[0.1::real::numeric, 1e-7::real::numeric, 123456::real::numeric,
             3.14159265::real::numeric] AS real_to_numeric;
-- integer: rounded to nearest, ties to even, like real::integer
SELECT '[2.5,3.5,-2.5,-0.5,0.49,1.5,-1.7,1e9]'::ruvector::int[] AS rounded,
       ARRAY[2.5::real::int, 3.5::real::int, -2.5::real::int, -0.5::real::int] AS real_to_int;
-- out of integer range: SQLSTATE 22003
SELECT '[1,3e9]'::ruvector::int[];
SELECT t AS expr, pg_temp.err('SELECT ' || t) AS error
  FROM (VALUES ($$'[3e9]'::ruvector::int[]$$), ($$'[-3e9]'::ruvector::int[]$$),
               ($$'[2147483648]'::ruvector::int[]$$)) AS v(t);
SELECT '[-2147483648]'::ruvector::int[] AS int_min;
-- round trips
SELECT v::real[]::ruvector = v AS via_real, v::float8[]::ruvector = v AS via_float8,
       v::int[]::ruvector = v AS via_int
  FROM (VALUES ('[1,-2,3,1e6,16777216]'::ruvector)) AS t(v);
SELECT v::real[]::ruvector = v AS via_real, v::float8[]::ruvector = v AS via_float8
  FROM (VALUES ('[0.1,-3.4028235e38,1.17549435e-38,1e-45,3.14159265]'::ruvector)) AS t(v);
SELECT array_length('[1,2,3,4,5]'::ruvector::real[], 1) AS len,
       array_lower('[1,2,3,4,5]'::ruvector::real[], 1) AS lower;

-- bad arrays
SELECT ARRAY[1,NULL,3]::ruvector;
SELECT ARRAY[[1,2],[3,4]]::ruvector;
SELECT '{}'::int[]::ruvector;
SELECT '{NaN}'::real[]::ruvector;
SELECT '{1e39}'::float8[]::ruvector;
-- a float8 below float4's smallest magnitude becomes 0, keeping its sign
SELECT '{1e-50,-1e-50}'::float8[]::ruvector;
SELECT t AS expr, pg_temp.err('SELECT ' || t) AS error
  FROM (VALUES ('ARRAY[1,NULL,3]::ruvector'), ($$'{NULL}'::real[]::ruvector$$),
               ($$'{1,NULL}'::float8[]::ruvector$$), ($$'{NULL,1}'::numeric[]::ruvector$$),
               ('ARRAY[[1,2],[3,4]]::ruvector'), ($$'{{1.5}}'::real[]::ruvector$$),
               ($$'{{{1}}}'::float8[]::ruvector$$), ($$'{{1},{2}}'::numeric[]::ruvector$$),
               ($$'{}'::int[]::ruvector$$), ($$'{}'::real[]::ruvector$$),
               ($$'{}'::float8[]::ruvector$$), ($$'{}'::numeric[]::ruvector$$),
               ('array_fill(1, ARRAY[16001])::ruvector'),
               ('array_fill(1::float8, ARRAY[16001])::ruvector')) AS v(t);
-- NaN and infinities: SQLSTATE 22000
SELECT t AS expr, pg_temp.err('SELECT ' || t) AS error
  FROM (VALUES ($$'{1,NaN}'::real[]::ruvector$$), ($$'{Infinity}'::real[]::ruvector$$),
               ($$'{-Infinity}'::real[]::ruvector$$), ($$'{NaN}'::float8[]::ruvector$$),
               ($$'{Infinity,1}'::float8[]::ruvector$$), ($$'{NaN}'::numeric[]::ruvector$$),
               ($$'{Infinity}'::numeric[]::ruvector$$), ($$'{-Infinity}'::numeric[]::ruvector$$)) AS v(t);
-- out of float4 range: SQLSTATE 22003
SELECT t AS expr, pg_temp.err('SELECT ' || t) AS error
  FROM (VALUES ($$'{1e39}'::float8[]::ruvector$$), ($$'{-1e39}'::float8[]::ruvector$$),
               ($$'{1e39}'::numeric[]::ruvector$$), ($$'{1e-50}'::numeric[]::ruvector$$)) AS v(t);
-- denormal float8 values that round to a nonzero float4 are kept
SELECT '{1e-40}'::float8[]::ruvector = '[1e-40]' AS denormal;
-- an array of another element type has no cast
SELECT ARRAY['1','2']::ruvector;
SELECT ARRAY[1::bigint]::ruvector;
