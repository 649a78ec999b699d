--
-- compat_sparsevec: pgvector's sparsevec in the extension vector: the type,
-- its casts (at pgvector's levels), functions and operators under
-- pgvector's names, and its operator classes, which exist but cannot build
-- an index here.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

CREATE EXTENSION vector;

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

-- text form: what pgvector accepts, prints and refuses
SELECT t AS input, pg_temp.try(quote_literal(t) || '::sparsevec') AS result
  FROM unnest(ARRAY[
	'{1:1.5,3:3.5}/5', '{1:-2,3:-4}/5', '{1:2.,3:4.}/5', ' { 1 : 1.5 ,  3  :  3.5  } / 5 ',
	'{1:1.23456}/1', '{1:1.5e38,2:-1.5e38}/2', '{1:1.5e-38,2:-1.5e-38}/2',
	'{}/1', '{ }/1', '{1:0,2:1,3:0}/3', '{2:1,1:1}/2', '{}/1000000000',
	'{1:hello,2:1}/2', '{1:NaN,2:1}/2', '{1:Infinity,2:1}/2', '{1:-Infinity,2:1}/2',
	'{1:4e38,2:1}/2', '{1:1e-46,2:1}/2', '', '{', '{}', '{}/', '{}/1a', '{:}/1', '{1:}/1',
	'{1:1,1:1}/2', '{1:1,2:1,1:1}/2', '{}/-1', '{}/1000000001', '{}/9223372036854775808',
	'{2147483647:1}/1', '{-2147483649:1}/1', '{0:1}/1', '{2:1}/1']) AS t;
SELECT e AS expr, pg_temp.try(e) AS result
  FROM unnest(ARRAY[
	$$'{}/3'::sparsevec(3)$$, $$'{}/3'::sparsevec(2)$$, $$'{}/3'::sparsevec(3, 2)$$,
	$$'{}/3'::sparsevec(0)$$, $$'{}/3'::sparsevec(1000000001)$$]) AS e;
SELECT '{}/3'::sparsevec('a');

-- casts at pgvector's levels (i: implicit, a: assignment)
SELECT format_type(castsource, NULL) AS source, format_type(casttarget, NULL) AS target,
       castcontext AS level, castmethod AS method
  FROM pg_cast
 WHERE 'sparsevec'::regtype IN (castsource, casttarget)
 ORDER BY 1, 2;
SELECT ARRAY[1,0,2,0,3,0]::sparsevec AS from_int, ARRAY[1.0,0.0,2.0]::sparsevec AS from_numeric,
       '{1,0,2}'::real[]::sparsevec(3) AS from_real, '{1e-46,-1e-46}'::double precision[]::sparsevec AS underflow,
       '[0,1.5,0,3.5,0]'::vector::sparsevec AS from_vector, '[0,1.5,0,3.5,0]'::halfvec::sparsevec AS from_half,
       '{2:1.5,4:3.5}/5'::sparsevec::vector(5) AS to_vector, '{2:1.5,4:3.5}/5'::sparsevec::halfvec AS to_half;
SELECT e AS expr, pg_temp.try(e) AS result
  FROM unnest(ARRAY[
	$$'{1,0,2,0,3,0}'::real[]::sparsevec(5)$$, $$'{NULL}'::real[]::sparsevec$$, $$'{NaN}'::real[]::sparsevec$$,
	$$'{Infinity}'::real[]::sparsevec$$, $$'{}'::real[]::sparsevec$$, $$'{{1}}'::real[]::sparsevec$$,
	$$'{4e38,-4e38}'::double precision[]::sparsevec$$, $$'[0,1.5,0]'::vector::sparsevec(2)$$,
	$$'{2:1.5}/3'::sparsevec::vector(2)$$, $$'{}/16001'::sparsevec::vector$$, $$'{}/16001'::sparsevec::halfvec$$,
	$$'{1:65520}/1'::sparsevec::halfvec$$, $$'{1:1e-8}/1'::sparsevec::halfvec$$,
	$$(SELECT array_agg(n) FROM generate_series(1, 16001) n)::sparsevec$$]) AS e;
-- sparsevec and rusparsevec are the same bytes
SELECT '{1:1,3:2}/4'::sparsevec::rusparsevec AS ru, '{1:1,3:2}/4'::rusparsevec::sparsevec AS pg,
       sparsevec_send('{1:1,3:2}/4') = rusparsevec_send('{1:1,3:2}/4') AS same_wire;

-- distances and norms under pgvector's names (pgvector's expected values;
-- with float4 extremes ruvector sums in double precision and stays finite
-- where pgvector's float4 sums give Infinity or NaN)
SELECT l2_distance('{}/2'::sparsevec, '{1:3,2:4}/2') AS l2_5, l2_distance('{1:3}/2'::sparsevec, '{2:4}/2') AS l2_5_disjoint,
       '{}/2'::sparsevec <-> '{2:1}/2' AS op_l2_1, sparsevec_l2_squared_distance('{1:3}/2', '{2:4}/2') AS l2sq_25,
       inner_product('{1:1,2:2}/2'::sparsevec, '{1:2,2:4}/2') AS ip_10,
       inner_product('{1:1,3:3,5:5}/5'::sparsevec, '{2:4,3:6,4:8}/5') AS ip_18,
       inner_product('{1:1,3:3}/4'::sparsevec, '{2:2,4:4}/4') AS ip_0,
       '{1:1,2:2}/2'::sparsevec <#> '{1:3,2:4}/2' AS op_neg_ip, sparsevec_negative_inner_product('{1:1}/1', '{1:2}/1') AS neg_ip;
SELECT cosine_distance('{1:1,2:2}/2'::sparsevec, '{1:2,2:4}/2') AS cos_0, cosine_distance('{1:1,2:2}/2'::sparsevec, '{}/2') AS cos_nan,
       cosine_distance('{1:1}/2'::sparsevec, '{2:2}/2') AS cos_1, cosine_distance('{1:1,2:1}/2'::sparsevec, '{1:-1,2:-1}/2') AS cos_2,
       cosine_distance('{1:1,2:1}/2'::sparsevec, '{1:1.1,2:1.1}/2') AS cos_0b,
       cosine_distance('{1:1,2:1}/2'::sparsevec, '{1:-1.1,2:-1.1}/2') AS cos_2b,
       '{1:1,2:2}/2'::sparsevec <=> '{1:2,2:4}/2' AS op_cos;
SELECT l1_distance('{}/2'::sparsevec, '{1:3,2:4}/2') AS l1_7, l1_distance('{1:1,3:3,5:5,7:7}/8'::sparsevec, '{2:2,4:4,6:6,8:8}/8') AS l1_36,
       '{}/2'::sparsevec <+> '{1:3,2:4}/2' AS op_l1;
SELECT inner_product('{1:3e38}/1'::sparsevec, '{1:3e38}/1') AS ip_large, cosine_distance('{1:3e38}/1'::sparsevec, '{1:3e38}/1') AS cos_large,
       l1_distance('{1:3e38}/1'::sparsevec, '{1:-3e38}/1') AS l1_large;
SELECT pg_temp.try($$inner_product('{1:1,2:2}/2'::sparsevec, '{1:3}/1')$$) AS different_dims;
SELECT round(l2_norm('{1:1,2:1}/2'::sparsevec)::numeric, 5) AS sqrt2, l2_norm('{1:3,2:4}/2'::sparsevec) AS norm_5,
       l2_norm('{1:3e37,2:4e37}/2'::sparsevec)::real AS norm_5e37, l2_norm('{}/2'::sparsevec) AS norm_0;
SELECT l2_normalize('{1:3,2:4}/2'::sparsevec) AS unit, l2_normalize('{2:0.1}/2'::sparsevec) AS unit_small,
       l2_normalize('{}/2'::sparsevec) AS zero, l2_normalize('{1:3e38,2:1e-37}/2'::sparsevec) AS underflow,
       l2_normalize('{2:3e37,4:3e-37,6:4e37,8:4e-37}/9'::sparsevec) AS mixed;
-- each equals ruvector's function, and the distance of the dense vectors
CREATE TABLE items (id int, embedding sparsevec(5));
INSERT INTO items VALUES (1, '{1:1,3:2}/5'), (2, '{}/5'), (3, '[0,0,0,0,-4]'::vector), (4, ARRAY[1,2,3,4,5]),
	(5, '[0.5,0,0,0,0.25]'::halfvec), (6, '{1:1,2:1,3:1}/5'), (7, NULL);
INSERT INTO items VALUES (8, '{1:1}/4');
SELECT count(*) AS rows,
       count(*) FILTER (WHERE l2_distance(embedding, q) = rusparsevec_l2_distance(embedding, q)
                          AND l2_distance(embedding, q) = l2_distance(embedding::vector, q::vector)
                          AND inner_product(embedding, q) = -(embedding <#> q)
                          AND inner_product(embedding, q) = inner_product(embedding::vector, q::vector)
                          AND cosine_distance(embedding, q) = embedding <=> q
                          AND cosine_distance(embedding, q) IS NOT DISTINCT FROM cosine_distance(embedding::vector, q::vector)
                          AND l1_distance(embedding, q) = embedding <+> q
                          AND l1_distance(embedding, q) = l1_distance(embedding::vector, q::vector)
                          AND sparsevec_l2_squared_distance(embedding, q) = vector_l2_squared_distance(embedding::vector, q::vector)
                          AND l2_norm(embedding) = vector_norm(embedding::vector)) AS agree
  FROM items, (VALUES ('{1:2,2:-1,5:3}/5'::sparsevec)) AS v(q) WHERE embedding IS NOT NULL;

-- btree: comparisons, sparsevec_cmp, ORDER BY and an index, as pgvector
SELECT '{1:1,2:2,3:3}/3'::sparsevec < '{1:1,2:2}/2' AS lt, '{1:1,2:2,3:3}/3'::sparsevec <= '{1:1,2:2,3:3}/3' AS le,
       '{1:1,2:2,3:3}/3'::sparsevec = '{1:1,2:2}/2' AS eq, '{1:1,2:2,3:3}/3'::sparsevec <> '{1:1,2:2}/2' AS ne,
       '{1:1,2:2,3:3}/3'::sparsevec >= '{1:1,2:2}/2' AS ge, '{1:1,2:2,3:3}/3'::sparsevec > '{1:1,2:2,3:3}/3' AS gt,
       sparsevec_cmp('{1:1,2:2}/2', '{1:2,2:3,3:4}/3') AS cmp_lt, sparsevec_cmp('{1:2,2:3}/2', '{1:1,2:2,3:3}/3') AS cmp_gt,
       sparsevec_cmp('{}/3', '{1:1,2:2,3:3}/3') AS cmp_empty;
CREATE INDEX ON items (embedding);
SET enable_seqscan = off;
SELECT id, embedding FROM items WHERE embedding = '{1:1,3:2}/5';
SELECT id, embedding FROM items ORDER BY embedding, id;
RESET enable_seqscan;

-- COPY in binary: the wire format both names share
SELECT '/tmp/ruvector_regress_' || current_setting('port') || '_' || pg_backend_pid() || '_compat_sparse.copy' AS f \gset
CREATE TABLE ru_items (id int, embedding rusparsevec);
COPY (SELECT id, embedding FROM items) TO :'f' (FORMAT binary);
COPY ru_items FROM :'f' (FORMAT binary);
\set cleanup 'rm -f ' :f
COPY (SELECT 1 WHERE false) TO PROGRAM :'cleanup';
SELECT count(*) AS rows, count(*) FILTER (WHERE items.embedding IS NOT DISTINCT FROM ru_items.embedding::sparsevec) AS same
  FROM items JOIN ru_items USING (id);

-- pgvector's operator classes on sparsevec: hnsw indexes build; ivfflat
-- has none, as in pgvector
SELECT opcname, amname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
 WHERE opcintype = 'sparsevec'::regtype ORDER BY 2, 1;
CREATE INDEX ON items USING hnsw (embedding sparsevec_l2_ops);
CREATE INDEX ON items USING hnsw (embedding sparsevec_cosine_ops) WITH (m = 16);
CREATE INDEX ON items USING hnsw (embedding sparsevec_ip_ops);
CREATE INDEX ON items USING hnsw (embedding sparsevec_l1_ops);
CREATE INDEX ON items USING ivfflat (embedding) WITH (lists = 1);
SELECT count(*) AS vector_indexes FROM pg_indexes WHERE tablename = 'items' AND indexdef NOT LIKE '%btree%';
DROP TABLE items, ru_items;
DROP EXTENSION vector;
-- ruvector's rusparsevec stays
SELECT '{1:1}/2'::rusparsevec <-> '{2:1}/2' AS l2;
