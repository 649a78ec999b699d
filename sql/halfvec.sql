--
-- halfvec: the ruhalfvec type (half-precision elements): input rounding
-- against an exact SQL computation, output, binary form, casts, distances
-- against ruvector's and a double-precision reference, norms, comparison,
-- and CREATE INDEX refused.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- text in and out: each element rounds to the nearest half (ties to even)
SELECT '[1,2,3]'::ruhalfvec AS small, '[0.1,-0.2,1e-7,65504,-65504]'::ruhalfvec AS rounded,
       '[6e-8,3e-8,2.9e-8]'::ruhalfvec AS subnormal, '[-0,0]'::ruhalfvec AS zeros;
SELECT '[65519.99]'::ruhalfvec AS largest;
SELECT '[65520]'::ruhalfvec;
SELECT '[-1e6]'::ruhalfvec;
SELECT '[NaN]'::ruhalfvec;
SELECT '[1,2'::ruhalfvec;
SELECT '[1,2]'::ruhalfvec(3);
SELECT '[1,2,3]'::ruhalfvec(3) AS typmod_ok;
SELECT array_fill(1, ARRAY[16000])::ruhalfvec <-> array_fill(0, ARRAY[16000])::ruhalfvec AS dims_16000;
SELECT array_fill(1, ARRAY[16001])::ruhalfvec;

-- Rounding of every kind of float, at every SIMD level (F16C or C), against
-- SQL: ulp = 2^(max(floor(log2 |x|), -14) - 10), expected = round(x / ulp)
-- * ulp, PostgreSQL's round(double precision) rounding ties to even.
SELECT setseed(0.5);
CREATE TEMP TABLE floats AS
SELECT i, x FROM (
	SELECT i, (CASE i % 5
		WHEN 0 THEN (random() - 0.5) * 130000             -- the whole range
		WHEN 1 THEN (random() - 0.5) * 2                  -- around 1
		WHEN 2 THEN (random() - 0.5) * 1e-4               -- subnormal halves
		WHEN 3 THEN (floor(random() * 2048) + 0.5) * 2 ^ (floor(random() * 20) - 24)  -- ties
		ELSE (floor(random() * 2048) - 1024) * 2 ^ (floor(random() * 26) - 24)       -- exact halves
	END)::real AS x
	FROM generate_series(1, 3000) i) s
 WHERE abs(x) < 65504;
CREATE FUNCTION pg_temp.expected(x real) RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
	y float8 := abs(x);
	e int;
	ulp float8;
BEGIN
	IF y = 0 THEN
		RETURN x;
	END IF;
	e := floor(ln(y) / ln(2));	-- then made exact: 2^e <= y < 2^(e+1)
	IF 2::float8 ^ e > y THEN
		e := e - 1;
	END IF;
	IF 2::float8 ^ (e + 1) <= y THEN
		e := e + 1;
	END IF;
	ulp := 2::float8 ^ (greatest(e, -14) - 10);
	RETURN round(x / ulp) * ulp;
END
$$;
SELECT round(2.5::float8) AS ties_to_even, round(3.5::float8) AS ties_to_even;
CREATE TEMP TABLE expected AS SELECT i, x, pg_temp.expected(x) AS e FROM floats;
CREATE FUNCTION pg_temp.rounding_mismatches() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM expected
	 WHERE (('[' || x::text || ']')::ruhalfvec::real[])[1] <> e
	    OR (ARRAY[x]::ruhalfvec::real[])[1] <> e
$$;
CREATE TEMP TABLE level_results (level text, rows bigint, mismatches bigint);
DO $$
DECLARE
	lv text;
BEGIN
	FOR lv IN SELECT level FROM ruvector_simd_info() WHERE supported LOOP
		PERFORM set_config('ruvector.simd', lv, true);
		INSERT INTO level_results SELECT lv, count(*), pg_temp.rounding_mismatches() FROM expected;
	END LOOP;
END
$$;
RESET ruvector.simd;
SELECT bool_or(level = 'scalar') AS scalar_checked, min(rows) > 2900 AS enough_rows,
       sum(mismatches) AS mismatches FROM level_results;
SELECT * FROM level_results WHERE mismatches <> 0;
-- the ties were there to test: some rounded up, some down
SELECT count(*) FILTER (WHERE e > x) > 0 AS some_up, count(*) FILTER (WHERE e < x) > 0 AS some_down
  FROM expected WHERE i % 5 = 3;

-- casts: ruvector <-> ruhalfvec, arrays
SELECT '[0.1,2.5]'::ruvector::ruhalfvec AS to_half, '[0.1,2.5]'::ruhalfvec::ruvector AS to_vector,
       ARRAY[1, 2]::ruhalfvec AS from_int, ARRAY[0.5, 1.5]::double precision[]::ruhalfvec AS from_float8,
       ARRAY[1.25]::numeric[]::ruhalfvec AS from_numeric, '[1.5,2]'::ruhalfvec::real[] AS to_real;
SELECT '[1e5]'::ruvector::ruhalfvec;
SELECT '[1,2]'::ruhalfvec::ruvector(3);
CREATE TEMP TABLE hv (id int, h ruhalfvec(3));
INSERT INTO hv VALUES (1, ARRAY[1, 2, 3]), (2, '[1,2,3]'::ruvector), (3, '[3,2,1]'), (4, '[-1,0.5,0]');
INSERT INTO hv VALUES (5, '[1,2]');
SELECT id, h FROM hv ORDER BY h, id;
SELECT DISTINCT h FROM hv ORDER BY h;
SELECT count(*) FILTER (WHERE h = '[1,2,3]') AS eq, count(*) FILTER (WHERE h < '[1,2,3]') AS lt,
       count(*) FILTER (WHERE h > '[1,2,3]') AS gt FROM hv;

-- binary form: int16 dim, int16 zero, halves, big-endian
SELECT ruhalfvec_send('[1,-2,0.5,65504,6e-8]') AS send;
SELECT '/tmp/ruvector_regress_' || current_setting('port') || '_' || pg_backend_pid() || '_half.copy' AS f \gset
CREATE TEMP TABLE hcopy (id int, h ruhalfvec);
COPY (SELECT id, h FROM hv) TO :'f' (FORMAT binary);
COPY hcopy FROM :'f' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE hv.h = hcopy.h) AS same FROM hv JOIN hcopy USING (id);
CREATE FUNCTION pg_temp.recv(hex text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	f text := current_setting('ruvector_regress.half_file');
	result text;
BEGIN
	CREATE TEMP TABLE bytes (b bytea);
	CREATE TEMP TABLE vec (v ruhalfvec);
	INSERT INTO bytes VALUES (decode(hex, 'hex'));
	EXECUTE format('COPY bytes TO %L (FORMAT binary)', f);
	BEGIN
		EXECUTE format('COPY vec FROM %L (FORMAT binary)', f);
		SELECT v::text INTO result FROM vec;
	EXCEPTION WHEN OTHERS THEN
		result := SQLSTATE || ': ' || SQLERRM;
	END;
	DROP TABLE bytes, vec;
	RETURN result;
END
$$;
SELECT set_config('ruvector_regress.half_file', :'f', false) IS NOT NULL AS configured;
SELECT t AS payload, pg_temp.recv(hex) AS result
  FROM (VALUES ('good [1,-2]',   '00020000' || '3c00' || 'c000'),
               ('subnormal',     '00010000' || '0001'),
               ('truncated',     '00020000' || '3c00'),
               ('oversized',     '00010000' || '3c00' || '3c00'),
               ('header only',   '0001'),
               ('dim 0',         '00000000'),
               ('dim 16001',     '3e810000' || '3c00'),
               ('unused 1',      '00010001' || '3c00'),
               ('infinity',      '00010000' || '7c00'),
               ('NaN',           '00010000' || '7e00')) AS p(t, hex);
\set cleanup 'rm -f ' :f
COPY (SELECT 1 WHERE false) TO PROGRAM :'cleanup';

-- distances: equal to ruvector's on the same (exactly converted) values,
-- and close to a double-precision reference
SELECT setseed(0.75);
CREATE TEMP TABLE pairs AS
SELECT n, rep, a, b FROM (
	SELECT n, rep,
	       ARRAY(SELECT ((random() - 0.5) * 20)::real FROM generate_series(1, n))::ruhalfvec AS a,
	       ARRAY(SELECT ((random() - 0.5) * 20)::real FROM generate_series(1, n))::ruhalfvec AS b
	  FROM unnest(ARRAY[1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1023, 1024, 1025, 3000]) AS n,
	       generate_series(1, 3) AS rep) s;
CREATE TEMP TABLE refs AS
SELECT n, rep, a, b,
       (SELECT sum((x - y) ^ 2) FROM unnest(a::real[]::float8[], b::real[]::float8[]) AS u(x, y)) AS l2sq,
       (SELECT sum(x * y) FROM unnest(a::real[]::float8[], b::real[]::float8[]) AS u(x, y)) AS dot,
       (SELECT sum(abs(x - y)) FROM unnest(a::real[]::float8[], b::real[]::float8[]) AS u(x, y)) AS l1,
       (SELECT sqrt(sum(x * x)) FROM unnest(a::real[]::float8[]) AS u(x)) AS na,
       (SELECT sqrt(sum(y * y)) FROM unnest(b::real[]::float8[]) AS u(y)) AS nb
  FROM pairs;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE a <-> b <> a::ruvector <-> b::ruvector
                           OR a <#> b <> a::ruvector <#> b::ruvector
                           OR a <=> b <> a::ruvector <=> b::ruvector
                           OR a <+> b <> a::ruvector <+> b::ruvector
                           OR ruhalfvec_inner_product(a, b) <> inner_product(a::ruvector, b::ruvector)
                           OR ruhalfvec_l2_squared_distance(a, b) <> ruvector_l2_squared_distance(a::ruvector, b::ruvector))
         AS differ_from_ruvector,
       count(*) FILTER (WHERE abs(ruhalfvec_l2_distance(a, b) - sqrt(l2sq)) > 1e-5 * (sqrt(l2sq) + 1)
                           OR abs(ruhalfvec_inner_product(a, b) - dot) > 1e-5 * (na * nb + 1)
                           OR abs(ruhalfvec_cosine_distance(a, b) - (1 - dot / (na * nb))) > 1e-5
                           OR abs(ruhalfvec_l1_distance(a, b) - l1) > 1e-5 * (l1 + 1))
         AS far_from_reference,
       count(*) FILTER (WHERE ruhalfvec_norm(a) <> na) AS norm_differs,
       count(*) FILTER (WHERE ruhalfvec_dims(a) <> n) AS dims_differ
  FROM refs;
SELECT '[1,2]'::ruhalfvec <-> '[1,2,3]';
SELECT '[0,0]'::ruhalfvec <=> '[1,2]' AS cosine_of_zero;
SELECT ruhalfvec_binary_quantize('[1,-1,0,-0,0.001,2]') AS bits;
-- a long value, stored compressed, read whole
CREATE TEMP TABLE big (h ruhalfvec);
INSERT INTO big SELECT array_fill(0.5, ARRAY[16000])::ruhalfvec;
SELECT pg_column_size(h) < 32008 AS compressed, ruhalfvec_dims(h), ruhalfvec_norm(h) AS norm,
       h <-> array_fill(0, ARRAY[16000])::ruhalfvec AS l2 FROM big;

-- ruivf indexes ruhalfvec (sql/ruivf_types.sql tests the scans)
CREATE INDEX ON hv USING ruivf (h);
CREATE INDEX ON hv USING ruivf (h ruhalfvec_cosine_ops);
SELECT count(*) AS indexes FROM pg_indexes WHERE tablename = 'hv';
DROP TABLE floats, expected, level_results, hv, hcopy, pairs, refs, big;
