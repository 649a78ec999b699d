--
-- halfvec: the ruhalfvec type (half-precision elements): input rounding
-- against an exact SQL computation, output, binary form, casts, distances
-- against ruvector's and a double-precision reference, norms, comparison,
-- text, typmod and array input errors, arithmetic against an exact SQL
-- reference at every SIMD level, l2_normalize, subvector and || against
-- ruvector's, avg and sum (serial and parallel), and CREATE INDEX refused.
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
-- errors as SQLSTATE: message, for the checks below
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- text input edge cases: white space, exponents, literals below float4's
-- range read as 0 (as below the half range), NaN and Infinity refused
SELECT ' [ 1,  2 ,    3  ] '::ruhalfvec AS spaces, E'[\t1,\n2]'::ruhalfvec AS tab_newline,
       '[1.,2.,3.]'::ruhalfvec AS trailing_dot, '[1e2,-2.5E-1,+3]'::ruhalfvec AS exponents,
       '[1.23456]'::ruhalfvec AS rounded, '[65519,-65519]'::ruhalfvec AS largest;
SELECT '[1e-8,-1e-8]'::ruhalfvec AS to_zero, '[1e-46,-1e-46,1]'::ruhalfvec AS below_float4;
SELECT t AS input, pg_temp.err(format('SELECT %L::ruhalfvec', t)) AS error
  FROM unnest(ARRAY['[NaN,1]', '[Infinity,1]', '[-inf]', '[65520]', '[4e38]', '[1e39]', '[]',
                    '[ ]', '[1,]', '[1a]', '[1,,3]', '1,2,3', '[1,2,3]9', '']) AS t;
-- typmods
SELECT t AS type, pg_temp.err(format('SELECT %L::%s', '[1,2,3]', t)) AS error
  FROM unnest(ARRAY['ruhalfvec(3)', 'ruhalfvec(2)', 'ruhalfvec(0)', 'ruhalfvec(16001)',
                    'ruhalfvec(3, 2)', 'ruhalfvec(16000)']) AS t;
-- arrays: NULLs, dimensions, each element type's range
SELECT t AS cast, pg_temp.err('SELECT ' || t) AS error
  FROM unnest(ARRAY[$$'{NULL}'::real[]::ruhalfvec$$, $$'{{1}}'::real[]::ruhalfvec$$,
                    $$'{}'::real[]::ruhalfvec$$, $$'{NaN}'::real[]::ruhalfvec$$,
                    $$'{-Infinity}'::real[]::ruhalfvec$$, $$'{65520}'::real[]::ruhalfvec$$,
                    $$'{4e38}'::double precision[]::ruhalfvec$$, $$'{70000}'::integer[]::ruhalfvec$$,
                    $$'{1e40}'::numeric[]::ruhalfvec$$, $$'{1,2,3}'::real[]::ruhalfvec(2)$$,
                    $$'{true}'::boolean[]::ruhalfvec$$]) AS t;
SELECT '{1e-8,-1e-8}'::real[]::ruhalfvec AS real_to_zero,
       '{1e-46,-1e-46}'::double precision[]::ruhalfvec AS float8_to_zero,
       '{65519.9}'::double precision[]::ruhalfvec AS float8_largest;

-- element-wise arithmetic, at every SIMD level: each result is the exact
-- sum, difference or product rounded to the nearest half (an SQL reference
-- in double precision), and equal to ruvector's result cast to ruhalfvec
CREATE FUNCTION pg_temp.half_round(x float8) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	y float8 := abs(x);
	e int;
	ulp float8;
BEGIN
	IF y = 0 THEN
		RETURN x;
	END IF;
	e := floor(ln(y) / ln(2));
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
CREATE TEMP TABLE arith_pairs AS SELECT n, rep, a, b FROM pairs WHERE n <= 1025;
CREATE TEMP TABLE arith_refs AS
SELECT n, rep,
       ARRAY(SELECT pg_temp.half_round(x::float8 + y) FROM unnest(a::real[], b::real[]) WITH ORDINALITY u(x, y, o) ORDER BY o) AS sum_ref,
       ARRAY(SELECT pg_temp.half_round(x::float8 - y) FROM unnest(a::real[], b::real[]) WITH ORDINALITY u(x, y, o) ORDER BY o) AS diff_ref,
       ARRAY(SELECT pg_temp.half_round(x::float8 * y) FROM unnest(a::real[], b::real[]) WITH ORDINALITY u(x, y, o) ORDER BY o) AS prod_ref
  FROM arith_pairs;
CREATE TEMP TABLE arith_levels (level text, pairs bigint, off_reference bigint, off_ruvector bigint);
DO $$
DECLARE
	lv text;
BEGIN
	FOR lv IN SELECT level FROM ruvector_simd_info() WHERE supported LOOP
		PERFORM set_config('ruvector.simd', lv, true);
		INSERT INTO arith_levels
		SELECT lv, count(*),
		       count(*) FILTER (WHERE (p.a + p.b)::real[]::float8[] <> r.sum_ref
		                           OR (p.a - p.b)::real[]::float8[] <> r.diff_ref
		                           OR (p.a * p.b)::real[]::float8[] <> r.prod_ref),
		       count(*) FILTER (WHERE p.a + p.b <> (p.a::ruvector + p.b::ruvector)::ruhalfvec
		                           OR p.a - p.b <> (p.a::ruvector - p.b::ruvector)::ruhalfvec
		                           OR p.a * p.b <> (p.a::ruvector * p.b::ruvector)::ruhalfvec
		                           OR ruhalfvec_add(p.a, p.b) <> p.a + p.b
		                           OR ruhalfvec_sub(p.a, p.b) <> p.a - p.b
		                           OR ruhalfvec_mul(p.a, p.b) <> p.a * p.b)
		  FROM arith_pairs p JOIN arith_refs r USING (n, rep);
	END LOOP;
END
$$;
RESET ruvector.simd;
SELECT bool_or(level = 'scalar') AS scalar_checked, min(pairs) AS pairs,
       sum(off_reference) AS off_reference, sum(off_ruvector) AS off_ruvector FROM arith_levels;
SELECT '[1,2,3]'::ruhalfvec + '[4,5,6]' AS plus, '[1,2,3]'::ruhalfvec - '[4,5,6]' AS minus,
       '[1,2,3]'::ruhalfvec * '[4,5,6]' AS times, '[1,-1]'::ruhalfvec - '[1,-1]' AS zeros,
       '[1,2048]'::ruhalfvec + '[0.0001,1]' AS absorbed, '[65504]'::ruhalfvec + '[15]' AS rounds_down,
       '[6e-8]'::ruhalfvec * '[0.75]' AS subnormal, '[0,-2]'::ruhalfvec * '[1e-7,0]' AS zero_factor;
SELECT t AS expr, pg_temp.err('SELECT ' || t) AS error
  FROM unnest(ARRAY[$$'[65519]'::ruhalfvec + '[65519]'$$, $$'[65504]'::ruhalfvec + '[16]'$$,
                    $$'[-65519]'::ruhalfvec - '[65519]'$$, $$'[65519]'::ruhalfvec * '[2]'$$,
                    $$'[1e-7]'::ruhalfvec * '[1e-7]'$$, $$'[6e-8]'::ruhalfvec * '[0.5]'$$,
                    $$'[1,2]'::ruhalfvec + '[3]'$$, $$'[1,2]'::ruhalfvec - '[3]'$$,
                    $$'[1,2]'::ruhalfvec * '[3]'$$]) AS t;
-- a ruvector operand converts to ruhalfvec (implicitly, rounding)
SELECT '[1,2]'::ruhalfvec + '[0.1,0.2]'::ruvector AS mixed;

-- l2_normalize: ruvector's on the same values, rounded to halves
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE ruhalfvec_l2_normalize(a) <> l2_normalize(a::ruvector)::ruhalfvec) AS off_ruvector,
       count(*) FILTER (WHERE abs(ruhalfvec_norm(ruhalfvec_l2_normalize(a)) - 1) > 1e-3) AS not_unit
  FROM pairs;
SELECT ruhalfvec_l2_normalize('[3,4]') AS three_four, ruhalfvec_l2_normalize('[3,0]') AS axis,
       ruhalfvec_l2_normalize('[0,0.1]') AS small, ruhalfvec_l2_normalize('[0,0]') AS zero,
       ruhalfvec_l2_normalize('[65504]') AS largest, ruhalfvec_l2_normalize('[6e-8,-6e-8]') AS subnormal;

-- subvector: ruvector's on the same values wherever that has a result,
-- and an error (22000, as pgvector's halfvec) wherever it has none
CREATE TEMP TABLE sub_cases AS
SELECT s, c, pg_temp.err(format('SELECT ruhalfvec_subvector(%L, %s, %s)', '[1,2,3,4,5]', s, c)) AS herr,
       pg_temp.err(format('SELECT subvector(%L::ruvector, %s, %s)', '[1,2,3,4,5]', s, c)) AS verr
  FROM unnest(ARRAY[-2147483648, -2147483644, -3, -1, 0, 1, 2, 3, 5, 6, 2147483647]) AS s,
       unnest(ARRAY[-2147483648, -1, 0, 1, 2, 3, 5, 9, 2147483647]) AS c;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE herr = 'no error') AS results,
       count(*) FILTER (WHERE (herr = 'no error') <> (verr = 'no error')) AS outcome_differs,
       count(*) FILTER (WHERE herr = 'no error'
                          AND ruhalfvec_subvector('[1,2,3,4,5]', s, c)
                              <> subvector('[1,2,3,4,5]'::ruvector, s, c)::ruhalfvec) AS value_differs,
       string_agg(DISTINCT left(herr, 5), ',') FILTER (WHERE herr <> 'no error') AS sqlstates
  FROM sub_cases;
SELECT ruhalfvec_subvector('[1,2,3,4,5]', 1, 3) AS first3, ruhalfvec_subvector('[1,2,3,4,5]', -1, 3) AS clipped,
       ruhalfvec_subvector('[1,2,3,4,5]', 3, 2147483647) AS to_end,
       ruhalfvec_subvector('[1,2,3,4,5]', -2147483644, 2147483647) AS huge;
-- the messages' detail and hint
SELECT ruhalfvec_subvector('[1,2,3,4,5]', 6, 1);
SELECT ruhalfvec_subvector('[1,2,3,4,5]', 1, 0);

-- concatenation: the halves as they are; 16,000 dimensions at most (54000)
SELECT '[1,2,3]'::ruhalfvec || '[4,5]' AS cat, '[0.1]'::ruhalfvec || '[-0]' AS kept,
       count(*) FILTER (WHERE a || b <> (a::ruvector || b::ruvector)::ruhalfvec) AS off_ruvector
  FROM pairs WHERE n < 3000;
SELECT ruhalfvec_dims(array_fill(0, ARRAY[15999])::ruhalfvec || '[1]') AS dims,
       ruhalfvec_concat('[1]', '[2]') AS by_name;
SELECT pg_temp.err($$SELECT array_fill(0, ARRAY[16000])::ruhalfvec || '[1]'$$) AS too_long;

-- avg and sum: ruvector's aggregates on the same values, rounded to halves
CREATE TEMP TABLE agg_rows AS
SELECT i % 4 AS g, ARRAY[(random() - 0.5) * 100, random() * 1e-3, (i % 7) * 0.1]::ruhalfvec AS h
  FROM generate_series(1, 2000) i;
INSERT INTO agg_rows VALUES (0, NULL);
SELECT count(*) AS groups,
       count(*) FILTER (WHERE a = ar::ruhalfvec AND s = sr::ruhalfvec) AS same_as_ruvector
  FROM (SELECT g, avg(h) AS a, avg(h::ruvector) AS ar, sum(h) AS s, sum(h::ruvector) AS sr
          FROM agg_rows GROUP BY g) t;
SELECT avg(v), sum(v) FROM unnest(ARRAY['[1,2,3]'::ruhalfvec, '[3,5,7]', NULL]) v;
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM unnest(ARRAY[]::ruhalfvec[]) v;
SELECT avg(v) AS thirds, sum(v) AS sum_thirds
  FROM unnest(ARRAY['[1,0.1]'::ruhalfvec, '[2,0.1]', '[2,0.1]']) v;
SELECT avg(v) AS avg_largest, pg_temp.err($$SELECT sum(v) FROM unnest(ARRAY['[65504]'::ruhalfvec, '[65504]']) v$$) AS sum_overflow
  FROM unnest(ARRAY['[65504]'::ruhalfvec, '[65504]']) v;
-- the sums are double precision: back in range by the end is a result
SELECT sum(v) AS back_in_range FROM unnest(ARRAY['[65504]'::ruhalfvec, '[65504]', '[-65504]']) v;
SELECT sum(v) AS not_absorbed FROM (SELECT '[1]'::ruhalfvec FROM generate_series(1, 3000)) t(v);
SELECT pg_temp.err($$SELECT avg(v) FROM unnest(ARRAY['[1,2]'::ruhalfvec, '[3]']) v$$) AS avg_dims,
       pg_temp.err($$SELECT sum(v) FROM unnest(ARRAY['[1,2]'::ruhalfvec, '[3]']) v$$) AS sum_dims;
-- parallel: the same results as serial
CREATE TABLE hbig AS SELECT * FROM agg_rows;
ANALYZE hbig;
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE hserial AS SELECT g, avg(h) AS a, sum(h) AS s FROM hbig GROUP BY g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT g, avg(h), sum(h) FROM hbig GROUP BY g;
SELECT count(*) AS groups, count(*) FILTER (WHERE p.a = s.a AND p.s = s.s) AS same_as_serial
  FROM (SELECT g, avg(h) AS a, sum(h) AS s FROM hbig GROUP BY g) p JOIN hserial s USING (g);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE hbig, hserial, agg_rows, sub_cases, arith_pairs, arith_refs, arith_levels;

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
