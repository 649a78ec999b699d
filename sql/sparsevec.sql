--
-- sparsevec: the rusparsevec type (sparse float4 vectors): text form and
-- every input error with its SQLSTATE, typmods, binary form, casts,
-- distances against ruvector's and a double-precision reference, norms,
-- btree order against ruvector's, and which ruivf indexes build.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- the value of an expression as text, or its error as SQLSTATE: message
CREATE FUNCTION pg_temp.try(expr text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	EXECUTE 'SELECT (' || expr || ')::text' INTO result;
	RETURN result;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- text in and out: 1-based indices, sorted, zeros left out, white space anywhere
SELECT '{1:1.5,3:3.5}/5'::rusparsevec AS plain, ' { 3 : -2 ,  1  :  0.1  } / 5 '::rusparsevec AS spaced,
       '{1:0,2:1,3:-0}/3'::rusparsevec AS zeros_dropped, '{}/7'::rusparsevec AS empty,
       '{1:2.,2:1e-45,3:3.4e38}/3'::rusparsevec AS extremes;
SELECT '{1:1}/1000000000'::rusparsevec AS max_dims, '{1000000000:-1}/1000000000'::rusparsevec AS last_index;
-- the output reads back to the same value
SELECT s::text::rusparsevec = s AS round_trip, s::text = s::text::rusparsevec::text AS same_text
  FROM (VALUES ('{1:0.1,7:-3.3333333,9:1e-30}/9'::rusparsevec), ('{}/1'), ('{5:123456.79}/5')) t(s);

-- every input error, with its SQLSTATE
SELECT t AS input, pg_temp.try(quote_literal(t) || '::rusparsevec') AS result
  FROM unnest(ARRAY[
	'', '{', '{ ', '{}', '{}/', '{}/1a', '{:}/1', '{,}/1', '{1,}/1', '{:1}/1', '{1:}/1',
	'{1a:1}/1', '{1:1a}/1', '{1:1,}/1', '{1:hello}/2', '[1,2]', '{1:1}/2 x',
	'{1:NaN}/2', '{1:Infinity}/2', '{1:-inf}/2', '{1:4e38}/2', '{1:-1e-46}/2',
	'{1:1,1:2}/2', '{2:1,1:1,2:3}/2', '{1:0,1:1}/2', '{0:1}/1', '{2:1}/1', '{-1:1}/3',
	'{2147483648:1}/1', '{-9223372036854775809:1}/1',
	'{}/0', '{}/-1', '{}/1000000001', '{}/2147483648', '{}/99999999999999999999']) AS t;
SELECT pg_temp.try($$'{1:1}/3'::rusparsevec(2)$$) AS typmod_mismatch,
       pg_temp.try($$'{1:1}/3'::rusparsevec(3, 2)$$) AS two_mods,
       pg_temp.try($$'{1:1}/3'::rusparsevec(0)$$) AS zero_mod,
       pg_temp.try($$'{1:1}/3'::rusparsevec(1000000001)$$) AS big_mod;
SELECT '{1:1}/1000000000'::rusparsevec(1000000000) AS typmod_ok;
CREATE TEMP TABLE typed (s rusparsevec(1000000));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'typed'::regclass AND attname = 's';
-- at most 16,000 non-zero elements, however many zeros
SELECT rusparsevec_dims(s) AS dims, rusparsevec_norm(s) AS norm
  FROM (SELECT ('{' || string_agg(i || ':1', ',') || '}/16000')::rusparsevec AS s
          FROM generate_series(1, 16000) i) t;
SELECT pg_temp.try($$(SELECT ('{' || string_agg(i || ':1', ',') || '}/16001') FROM generate_series(1, 16001) i)::rusparsevec$$) AS too_many;
SELECT rusparsevec_dims(s) AS dims, rusparsevec_norm(s) ^ 2 AS nonzeros
  FROM (SELECT ('{' || string_agg(i || ':' || (i % 2), ',') || '}/20000')::rusparsevec AS s
          FROM generate_series(1, 20000) i) t;

-- binary form: int32 dim, int32 nnz, int32 zero, 0-based int32 indices, float4 values
SELECT rusparsevec_send('{1:1.5,3:-2}/5') AS send, rusparsevec_send('{}/1') AS send_empty;
SELECT '/tmp/ruvector_regress_' || current_setting('port') || '_' || pg_backend_pid() || '_sparse.copy' AS f \gset
CREATE TEMP TABLE sv (id int, s rusparsevec);
INSERT INTO sv VALUES (1, '{1:1,2:2,3:3}/3'), (2, '{}/3'), (3, '{1:1,2:1,3:1}/3'), (4, NULL),
	(5, '{2:-0.5}/3'), (6, '{1:1e-45,1000000000:3.4e38}/1000000000');
CREATE TEMP TABLE svcopy (id int, s rusparsevec);
COPY (SELECT id, s FROM sv) TO :'f' (FORMAT binary);
COPY svcopy FROM :'f' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE sv.s::text IS NOT DISTINCT FROM svcopy.s::text) AS same
  FROM sv JOIN svcopy USING (id);
CREATE FUNCTION pg_temp.recv(hex text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	f text := current_setting('ruvector_regress.sparse_file');
	result text;
BEGIN
	CREATE TEMP TABLE bytes (b bytea);
	CREATE TEMP TABLE vec (v rusparsevec);
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
SELECT set_config('ruvector_regress.sparse_file', :'f', false) IS NOT NULL AS configured;
SELECT t AS payload, pg_temp.recv(hex) AS result
  FROM (VALUES ('good {1:1.5,3:-2}/5', '00000005' || '00000002' || '00000000' || '00000000' || '00000002' || '3fc00000' || 'c0000000'),
               ('empty /4',       '00000004' || '00000000' || '00000000'),
               ('header only',    '00000004' || '00000000'),
               ('truncated',      '00000005' || '00000001' || '00000000' || '00000000'),
               ('oversized',      '00000005' || '00000001' || '00000000' || '00000000' || '3f800000' || '00'),
               ('dim 0',          '00000000' || '00000000' || '00000000'),
               ('dim 1000000001', '3b9aca01' || '00000000' || '00000000'),
               ('nnz -1',         '00000005' || 'ffffffff' || '00000000'),
               ('nnz 16001',      '00030000' || '00003e81' || '00000000'),
               ('nnz > dim',      '00000001' || '00000002' || '00000000' || '00000000' || '00000001' || '3f800000' || '3f800000'),
               ('unused 1',       '00000005' || '00000001' || '00000001' || '00000000' || '3f800000'),
               ('index 5 of 5',   '00000005' || '00000001' || '00000000' || '00000005' || '3f800000'),
               ('index -1',       '00000005' || '00000001' || '00000000' || 'ffffffff' || '3f800000'),
               ('descending',     '00000005' || '00000002' || '00000000' || '00000002' || '00000001' || '3f800000' || '3f800000'),
               ('duplicate',      '00000005' || '00000002' || '00000000' || '00000001' || '00000001' || '3f800000' || '3f800000'),
               ('zero value',     '00000005' || '00000001' || '00000000' || '00000001' || '00000000'),
               ('minus zero',     '00000005' || '00000001' || '00000000' || '00000001' || '80000000'),
               ('NaN',            '00000005' || '00000001' || '00000000' || '00000001' || '7fc00000'),
               ('infinity',       '00000005' || '00000001' || '00000000' || '00000001' || 'ff800000')) AS p(t, hex);
\set cleanup 'rm -f ' :f
COPY (SELECT 1 WHERE false) TO PROGRAM :'cleanup';

-- casts: ruvector and ruhalfvec implicitly to rusparsevec, back on assignment; arrays on assignment
SELECT '[0,1.5,0,3.5,0]'::ruvector::rusparsevec AS from_vector, '{2:1.5,4:3.5}/5'::rusparsevec::ruvector AS to_vector,
       '[0,0.1,0]'::ruhalfvec::rusparsevec AS from_half, '{2:0.1}/3'::rusparsevec::ruhalfvec AS to_half;
SELECT ARRAY[1,0,2,0,3,0]::rusparsevec AS from_int, ARRAY[1.5,0,0]::real[]::rusparsevec AS from_real,
       ARRAY[0,2.5]::double precision[]::rusparsevec AS from_float8, ARRAY[0.0,1.25]::numeric[]::rusparsevec AS from_numeric,
       ARRAY[1e-46, 0, 1]::double precision[]::rusparsevec AS underflow_dropped;
SELECT e AS expr, pg_temp.try(e) AS result
  FROM unnest(ARRAY[
	$$'[0,1.5,0]'::ruvector::rusparsevec(2)$$, $$'{2:1.5}/3'::rusparsevec::ruvector(2)$$,
	$$'{2:1.5}/3'::rusparsevec::ruhalfvec(2)$$, $$'[1,2]'::ruhalfvec::rusparsevec(3)$$,
	$$'{}/16001'::rusparsevec::ruvector$$, $$'{}/16001'::rusparsevec::ruhalfvec$$,
	$$'{1:65520}/1'::rusparsevec::ruhalfvec$$, $$'{1:1e-8}/1'::rusparsevec::ruhalfvec$$,
	$$ARRAY[1,0,2]::rusparsevec(2)$$, $$'{NULL,1}'::real[]::rusparsevec$$,
	$$'{NaN}'::real[]::rusparsevec$$, $$'{-Infinity}'::real[]::rusparsevec$$,
	$$'{4e38}'::double precision[]::rusparsevec$$, $$'{}'::real[]::rusparsevec$$,
	$$'{{1}}'::real[]::rusparsevec$$, $$'{1e39}'::numeric[]::rusparsevec$$,
	$$(SELECT array_agg(n) FROM generate_series(1, 16001) n)::rusparsevec$$]) AS e;
SELECT count(*) AS vectors_16000_dims FROM (SELECT array_agg(n % 3)::rusparsevec AS s FROM generate_series(1, 16000) n) t
 WHERE s::ruvector::rusparsevec = s;
CREATE TEMP TABLE assign (s rusparsevec(3));
INSERT INTO assign VALUES ('[1,0,2]'::ruvector), ('[0,0,0.5]'::ruhalfvec), (ARRAY[0,0,7]);
INSERT INTO assign VALUES ('[1,0]'::ruvector);
SELECT s FROM assign ORDER BY s;

-- distances: the same as ruvector's on the dense values (exactly, with small
-- integers; within float4 rounding otherwise) and close to a double reference
SELECT setseed(0.25);
CREATE TEMP TABLE pairs AS
SELECT n, rep, ints, a, b FROM (
	SELECT n, rep, ints,
	       ARRAY(SELECT CASE WHEN random() < density THEN
	                      CASE WHEN ints THEN floor(random() * 9 - 4) ELSE (random() - 0.5) * 20 END
	                    ELSE 0 END::real FROM generate_series(1, n)) AS a,
	       ARRAY(SELECT CASE WHEN random() < density THEN
	                      CASE WHEN ints THEN floor(random() * 9 - 4) ELSE (random() - 0.5) * 20 END
	                    ELSE 0 END::real FROM generate_series(1, n)) AS b
	  FROM unnest(ARRAY[1, 2, 3, 7, 17, 64, 100, 1001, 3000]) AS n,
	       unnest(ARRAY[0.05, 0.3, 0.9]) AS density,
	       unnest(ARRAY[false, true]) AS ints,
	       generate_series(1, 2) AS rep) s;
CREATE TEMP TABLE refs AS
SELECT n, ints, a::rusparsevec AS sa, b::rusparsevec AS sb, a::ruvector AS va, b::ruvector AS vb,
       (SELECT sum((x - y) ^ 2) FROM unnest(a::float8[], b::float8[]) AS u(x, y)) AS l2sq,
       (SELECT sum(x * y) FROM unnest(a::float8[], b::float8[]) AS u(x, y)) AS dot,
       (SELECT sum(abs(x * y)) FROM unnest(a::float8[], b::float8[]) AS u(x, y)) AS dot_abs,
       (SELECT sum(abs(x - y)) FROM unnest(a::float8[], b::float8[]) AS u(x, y)) AS l1,
       (SELECT sqrt(sum(x * x)) FROM unnest(a::float8[]) AS u(x)) AS na,
       (SELECT sqrt(sum(y * y)) FROM unnest(b::float8[]) AS u(y)) AS nb
  FROM pairs;
SELECT count(*) AS pairs, count(*) FILTER (WHERE ints) AS integer_pairs,
       count(*) FILTER (WHERE ints AND (sa <-> sb <> va <-> vb OR sa <#> sb <> va <#> vb
                                        OR sa <=> sb IS DISTINCT FROM va <=> vb OR sa <+> sb <> va <+> vb
                                        OR rusparsevec_l2_squared_distance(sa, sb) <> ruvector_l2_squared_distance(va, vb)
                                        OR rusparsevec_inner_product(sa, sb) <> inner_product(va, vb)))
         AS integers_differ_from_ruvector,
       count(*) FILTER (WHERE abs((sa <-> sb) - (va <-> vb)) > 1e-5 * ((va <-> vb) + 1)
                           OR abs((sa <#> sb) - (va <#> vb)) > 1e-5 * (dot_abs + 1)
                           OR ((sa <=> sb) = 'NaN') <> ((va <=> vb) = 'NaN')
                           OR ((va <=> vb) <> 'NaN' AND abs((sa <=> sb) - (va <=> vb)) > 1e-5)
                           OR abs((sa <+> sb) - (va <+> vb)) > 1e-5 * (l1 + 1))
         AS far_from_ruvector,
       count(*) FILTER (WHERE abs(rusparsevec_l2_distance(sa, sb) - sqrt(l2sq)) > 1e-12 * (sqrt(l2sq) + 1)
                           OR abs(rusparsevec_l2_squared_distance(sa, sb) - l2sq) > 1e-12 * (l2sq + 1)
                           OR abs(rusparsevec_inner_product(sa, sb) - dot) > 1e-12 * (dot_abs + 1)
                           OR rusparsevec_negative_inner_product(sa, sb) <> -rusparsevec_inner_product(sa, sb)
                           OR abs(rusparsevec_l1_distance(sa, sb) - l1) > 1e-12 * (l1 + 1)
                           OR abs(rusparsevec_norm(sa) - na) > 1e-12 * (na + 1))
         AS far_from_reference,
       count(*) FILTER (WHERE na * nb > 0 AND abs(rusparsevec_cosine_distance(sa, sb) - (1 - dot / (na * nb))) > 1e-6)
         AS cosine_far_from_reference,
       count(*) FILTER (WHERE na * nb = 0 AND NOT rusparsevec_cosine_distance(sa, sb) = 'NaN')
         AS zero_cosine_not_nan,
       count(*) FILTER (WHERE rusparsevec_dims(sa) <> n) AS dims_differ
  FROM refs;
-- the pairs cover what they should: empty, disjoint and overlapping vectors
SELECT count(*) FILTER (WHERE sa = ('{}/' || n)::rusparsevec) > 0 AS some_empty,
       count(*) FILTER (WHERE dot_abs = 0 AND na > 0 AND nb > 0) > 0 AS some_disjoint,
       count(*) FILTER (WHERE dot_abs > 0) > 0 AS some_overlapping
  FROM refs;
-- pgvector's cases: 3-4-5 triangles, disjoint lists, a zero vector
SELECT '{}/2'::rusparsevec <-> '{1:3,2:4}/2' AS l2_5, '{1:3}/2'::rusparsevec <-> '{2:4}/2' AS l2_5_disjoint,
       '{1:1,3:3,5:5}/5'::rusparsevec <#> '{2:4,3:6,4:8}/5' AS neg_ip_18,
       '{1:1,2:1}/2'::rusparsevec <=> '{1:-1,2:-1}/2' AS cosine_2, '{1:1}/2'::rusparsevec <=> '{}/2' AS cosine_nan,
       '{1:1,3:3,5:5,7:7,9:9}/9'::rusparsevec <+> '{2:2,4:4,6:6,8:8}/9' AS l1_45;
-- float4 extremes stay finite: the sums are double precision
SELECT rusparsevec_inner_product('{1:3e38}/1', '{1:3e38}/1') AS ip, '{1:3e38}/1'::rusparsevec <=> '{1:3e38}/1' AS cosine,
       '{1:3e38}/1'::rusparsevec <+> '{1:-3e38}/1' AS l1, '{1:1e-45}/2'::rusparsevec <-> '{2:1e-45}/2' > 0 AS tiny_l2;
SELECT pg_temp.try($$'{1:1}/2'::rusparsevec <-> '{1:1}/3'$$) AS different_dims,
       pg_temp.try($$rusparsevec_cosine_distance('{1:1}/2', '{1:1}/1')$$) AS different_dims_cosine;
-- a billion dimensions
SELECT '{1:1,999999999:2}/1000000000'::rusparsevec <-> '{1000000000:2}/1000000000' AS l2_3,
       '{1:1,999999999:2}/1000000000'::rusparsevec <#> '{999999999:2}/1000000000' AS neg_ip_4;

-- norms
SELECT rusparsevec_norm('{1:3,2:4}/2') AS norm_5, rusparsevec_norm('{}/2') AS norm_0,
       rusparsevec_norm('{1:3e37,2:4e37}/2')::real AS norm_5e37,
       rusparsevec_l2_normalize('{1:3,2:4}/2') AS unit, rusparsevec_l2_normalize('{}/2') AS zero_stays,
       rusparsevec_l2_normalize('{1:3e38,2:1e-37}/2') AS underflow_dropped,
       rusparsevec_l2_normalize('{2:3e37,4:3e-37,6:4e37,8:4e-37}/9') AS large_and_tiny;
SELECT count(*) FILTER (WHERE abs(rusparsevec_norm(rusparsevec_l2_normalize(sa)) - 1) > 1e-6) AS not_unit,
       count(*) FILTER (WHERE rusparsevec_l2_normalize(sa)::ruvector <> l2_normalize(va)) AS differ_from_ruvector
  FROM refs WHERE na > 0;

-- btree: the order of the dense vectors (element by element, then fewer dimensions first)
SELECT rusparsevec_cmp(x::rusparsevec, y::rusparsevec) AS cmp, x, y
  FROM (VALUES ('{1:1,2:2,3:3}/3', '{1:1,2:2,3:3}/3'), ('{1:1,2:2,3:3}/3', '{}/3'), ('{}/3', '{1:1,2:2,3:3}/3'),
               ('{1:1,2:2}/2', '{1:1,2:2,3:3}/3'), ('{1:1,2:2,3:3}/3', '{1:1,2:2}/2'),
               ('{1:1,2:2}/2', '{1:2,2:3,3:4}/3'), ('{1:2,2:3}/2', '{1:1,2:2,3:3}/3'),
               ('{1:-1}/3', '{}/3'), ('{2:1}/3', '{1:1}/3'), ('{3:-5}/3', '{}/2'), ('{}/3', '{3:-5}/3')) AS v(x, y);
SELECT count(*) AS vectors,
       count(*) FILTER (WHERE by_sparse <> by_dense) AS order_differs
  FROM (SELECT row_number() OVER (ORDER BY sa, n, rep_id) AS by_sparse,
               row_number() OVER (ORDER BY va, n, rep_id) AS by_dense
          FROM (SELECT sa, va, n, row_number() OVER () AS rep_id FROM refs) r) o;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE rusparsevec_cmp(x.sa, y.sa) <> ruvector_cmp(x.va, y.va)
                           OR (x.sa < y.sa) <> (x.va < y.va) OR (x.sa <= y.sa) <> (x.va <= y.va)
                           OR (x.sa = y.sa) <> (x.va = y.va) OR (x.sa <> y.sa) <> (x.va <> y.va)
                           OR (x.sa >= y.sa) <> (x.va >= y.va) OR (x.sa > y.sa) <> (x.va > y.va)) AS differ
  FROM (SELECT * FROM refs WHERE n <= 17) x, (SELECT * FROM refs WHERE n <= 17) y;
CREATE INDEX ON sv (s);
SET enable_seqscan = off;
SELECT id, s FROM sv WHERE s = '{1:1,2:2,3:3}/3';
SELECT id, s FROM sv ORDER BY s, id;
RESET enable_seqscan;
SELECT DISTINCT s FROM (VALUES ('{1:1}/2'::rusparsevec), ('[1,0]'::ruvector), ('{2:1}/2')) t(s) ORDER BY s;

-- ruivf indexes rusparsevec (sql/ruivf_types.sql tests the scans); the
-- re-rank reads the table, so rerank = index is refused (0A000), and so is
-- a column of more than 16,000 dimensions (54000), coded in dense form
CREATE TEMP TABLE items (s rusparsevec(5));
CREATE INDEX ON items USING ruivf (s);
CREATE INDEX ON items USING ruivf (s rusparsevec_ip_ops);
DO $$
BEGIN
	CREATE INDEX ON items USING ruivf (s rusparsevec_cosine_ops) WITH (rerank = index);
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'rerank = index: %', SQLSTATE;
END
$$;
CREATE INDEX ON items USING ruivf (s rusparsevec_cosine_ops) WITH (rerank = heap);
SELECT count(*) AS indexes FROM pg_indexes WHERE tablename = 'items';
CREATE TEMP TABLE wide (s rusparsevec(16001));
CREATE INDEX ON wide USING ruivf (s);
DROP TABLE typed, sv, svcopy, assign, pairs, refs, items, wide;
