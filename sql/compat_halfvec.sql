--
-- compat_halfvec: pgvector's halfvec in the extension vector: the type,
-- its casts (with pgvector's levels), functions, operators, arithmetic and
-- aggregates under pgvector's names, pgvector's aggregate support functions
-- on its array state (for vector too), and its operator classes, which
-- exist but cannot build an index here.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

CREATE EXTENSION vector;

CREATE TABLE items (id int, embedding halfvec(3));
INSERT INTO items VALUES (1, '[1,1,1]'), (2, '[2,2,2]'), (3, '[1,1,2]'), (4, '[0.1,0.2,0.3]');
INSERT INTO items VALUES (5, ARRAY[1, 2, 3]), (6, '[1,2,3]'::vector);
INSERT INTO items VALUES (7, '[1,2]');
SELECT id, embedding FROM items ORDER BY embedding <-> '[3,1,2]', id;
SELECT id, embedding <-> '[3,1,2]' AS l2, embedding <#> '[3,1,2]' AS neg_ip,
       embedding <=> '[3,1,2]' AS cosine, embedding <+> '[3,1,2]' AS l1
  FROM items ORDER BY id;
-- pgvector's function names; each equals the operator / ruvector's on float4
SELECT count(*) FILTER (WHERE l2_distance(embedding, '[3,1,2]') = embedding <-> '[3,1,2]'
                          AND inner_product(embedding, '[3,1,2]') = -(embedding <#> '[3,1,2]')
                          AND cosine_distance(embedding, '[3,1,2]') = embedding <=> '[3,1,2]'
                          AND l1_distance(embedding, '[3,1,2]') = embedding <+> '[3,1,2]'
                          AND l2_distance(embedding, '[3,1,2]') = l2_distance(embedding::vector, '[3,1,2]'::vector)
                          AND halfvec_l2_squared_distance(embedding, '[3,1,2]') =
                              vector_l2_squared_distance(embedding::vector, '[3,1,2]'::vector)) AS agree,
       count(*) AS rows
  FROM items;
SELECT vector_dims(embedding) AS dims, l2_norm(embedding) AS norm, binary_quantize(embedding) AS bits
  FROM items WHERE id = 5;
-- casts: vector -> halfvec implicitly, halfvec -> vector on assignment, real[] both ways
SELECT '[0.1,0.2]'::vector::halfvec AS to_half, '[0.1,0.2]'::halfvec::vector AS to_vector,
       '[1.5,2]'::halfvec::real[] AS to_real, ARRAY[0.5, 1]::real[]::halfvec AS from_real;
CREATE TABLE vitems (v vector(3));
INSERT INTO vitems SELECT embedding FROM items WHERE id = 4;
SELECT v FROM vitems;
SELECT '[1e5]'::vector::halfvec;
SELECT '[1,2]'::halfvec(3);
-- pgvector's casts on halfvec: functions and levels (i implicit, a assignment)
SELECT castsource::regtype AS source, casttarget::regtype AS target, castfunc::regproc AS function,
       castcontext AS level
  FROM pg_cast WHERE 'halfvec'::regtype IN (castsource, casttarget)
   AND 'ruhalfvec'::regtype NOT IN (castsource, casttarget)
 ORDER BY 1::text, 2::text;

-- errors as SQLSTATE: message
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- text input: white space, underflow to 0, what is refused
SELECT ' [ 1,  2 ,    3  ] '::halfvec AS spaces, '[1e-8,-1e-8,1e-46]'::halfvec AS underflow,
       '[65519]'::halfvec AS largest;
SELECT t AS input, pg_temp.err(format('SELECT %L::halfvec', t)) AS error
  FROM unnest(ARRAY['[NaN]', '[-Infinity]', '[65520]', '[4e38]', '[]', '[1,]', '(1,2)']) AS t;
SELECT pg_temp.err($$SELECT '[1,2,3]'::halfvec(0)$$) AS typmod_0,
       pg_temp.err($$SELECT '[1,2,3]'::halfvec(16001)$$) AS typmod_16001;

-- l2_normalize, subvector, + - * ||: ruvector's (on vector, from the same
-- halves) rounded to halves
SELECT l2_normalize('[3,4]'::halfvec) AS normalized, l2_normalize('[0,0]'::halfvec) AS zero,
       subvector('[1,2,3,4,5]'::halfvec, 2, 3) AS sub, subvector('[1,2,3,4,5]'::halfvec, -1, 3) AS clipped;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE l2_normalize(embedding) = l2_normalize(embedding::vector)::halfvec
                          AND subvector(embedding, 2, 2) = subvector(embedding::vector, 2, 2)::halfvec
                          AND embedding + '[0.1,0.2,0.3]' = (embedding::vector + '[0.1,0.2,0.3]'::halfvec::vector)::halfvec
                          AND embedding - '[0.1,0.2,0.3]' = (embedding::vector - '[0.1,0.2,0.3]'::halfvec::vector)::halfvec
                          AND embedding * '[0.1,0.2,0.3]' = (embedding::vector * '[0.1,0.2,0.3]'::halfvec::vector)::halfvec
                          AND embedding || embedding = (embedding::vector || embedding::vector)::halfvec
                          AND halfvec_add(embedding, embedding) = embedding + embedding
                          AND halfvec_sub(embedding, embedding) = embedding - embedding
                          AND halfvec_mul(embedding, embedding) = embedding * embedding
                          AND halfvec_concat(embedding, embedding) = embedding || embedding) AS agree
  FROM items;
SELECT '[1,2,3]'::halfvec + '[4,5,6]' AS plus, '[1,2,3]'::halfvec - '[4,5,6]' AS minus,
       '[1,2,3]'::halfvec * '[4,5,6]' AS times, '[1,2,3]'::halfvec || '[4,5]' AS cat;
SELECT t AS expr, pg_temp.err('SELECT ' || t) AS error
  FROM unnest(ARRAY[$$'[65519]'::halfvec + '[65519]'$$, $$'[-65519]'::halfvec - '[65519]'$$,
                    $$'[65519]'::halfvec * '[65519]'$$, $$'[1e-7]'::halfvec * '[1e-7]'$$,
                    $$'[1,2]'::halfvec + '[3]'$$, $$'[1,2]'::halfvec * '[3]'$$,
                    $$array_fill(0, ARRAY[16000])::halfvec || '[1]'$$,
                    $$subvector('[1,2,3,4,5]'::halfvec, 1, 0)$$, $$subvector('[1,2,3,4,5]'::halfvec, 6, 2)$$,
                    $$subvector('[1,2,3,4,5]'::halfvec, 2147483647, 10)$$]) AS t;

-- avg and sum: ruvector's on vector, rounded to halves
SELECT avg(embedding) AS avg, sum(embedding) AS sum,
       avg(embedding) = avg(embedding::vector)::halfvec AS avg_agrees,
       sum(embedding) = sum(embedding::vector)::halfvec AS sum_agrees
  FROM items;
SELECT avg(v) AS avg, sum(v) AS sum FROM unnest(ARRAY['[1,2,3]'::halfvec, '[3,5,7]', NULL]) v;
SELECT avg(v) IS NULL AS empty_avg, sum(v) IS NULL AS empty_sum FROM unnest(ARRAY[]::halfvec[]) v;
SELECT avg(v) AS avg_largest,
       pg_temp.err($$SELECT sum(v) FROM unnest(ARRAY['[65504]'::halfvec, '[65504]']) v$$) AS sum_overflow,
       pg_temp.err($$SELECT avg(v) FROM unnest(ARRAY['[1,2]'::halfvec, '[3]']) v$$) AS dims
  FROM unnest(ARRAY['[65504]'::halfvec, '[65504]']) v;

-- pgvector's aggregate support functions on its state {n, sum_1, ..., sum_d}
SELECT halfvec_accum('{0}', '[1,2,3]') AS first_row, halfvec_accum('{1,1,2,3}', '[0.5,0,-3]') AS second_row,
       halfvec_accum('{0,0,0,0}', '[1,2,3]') AS zero_sums,
       halfvec_avg('{2,3,5,7}') AS avg, halfvec_avg('{0}') IS NULL AS avg_of_none,
       halfvec_avg('{3,1,1,2}') AS thirds,
       halfvec_combine('{1,1,2}', '{2,3,4}') AS combined, halfvec_combine('{0}', '{2,3,4}') AS left_empty,
       halfvec_combine('{2,3,4}', '{0}') AS right_empty, halfvec_combine('{0}', '{0}') AS both_empty;
SELECT vector_accum('{0}', '[1,2,3]') AS first_row, vector_accum('{2,2,4,6}', '[1,1,1]') AS third_row,
       vector_avg('{4,2,4,6}') AS avg, vector_avg('{0}') IS NULL AS avg_of_none,
       vector_combine('{1,2}', '{3,4}') AS combined, vector_combine('{0}', '{0}') AS both_empty;
SELECT t AS call, pg_temp.err('SELECT ' || t) AS error
  FROM unnest(ARRAY[$$halfvec_accum('{0,0}', '[1,2,3]')$$, $$halfvec_accum('{}', '[1,2,3]')$$,
                    $$halfvec_accum('{{0}}', '[1]')$$, $$halfvec_accum('{NULL}', '[1]')$$,
                    $$halfvec_avg('{1}')$$, $$halfvec_avg('{1,70000}')$$, $$halfvec_avg('{1,NaN}')$$,
                    $$halfvec_avg('{}')$$, $$halfvec_avg(array_agg(n)) FROM generate_series(1, 16002) n$$,
                    $$halfvec_combine('{1,2}', '{3,4,5}')$$, $$halfvec_combine('{1,NULL}', '{3,4}')$$,
                    $$vector_accum('{0,0}', '[1,2,3]')$$, $$vector_accum('{}', '[1]')$$,
                    $$vector_avg('{1}')$$, $$vector_avg('{{1,2}}')$$, $$vector_avg('{1,1e300}')$$,
                    $$vector_combine('{1,2}', '{3,4,5}')$$, $$vector_combine('{0}', '{}')$$,
                    $$vector_combine('{1,1e308}', '{1,1e308}')$$,
                    $$vector_combine('{0}', (SELECT array_agg(n) FROM generate_series(1, 16002) n))$$]) AS t;
-- the three compose as pgvector's avg(halfvec) does: the same results
CREATE AGGREGATE pg_temp.state_avg(halfvec) (
	SFUNC = halfvec_accum, STYPE = double precision[], FINALFUNC = halfvec_avg,
	COMBINEFUNC = halfvec_combine, INITCOND = '{0}'
);
CREATE AGGREGATE pg_temp.state_avg(vector) (
	SFUNC = vector_accum, STYPE = double precision[], FINALFUNC = vector_avg,
	COMBINEFUNC = vector_combine, INITCOND = '{0}'
);
SELECT pg_temp.state_avg(embedding) AS state_avg, pg_temp.state_avg(embedding) = avg(embedding) AS same,
       pg_temp.state_avg(embedding::vector) = avg(embedding::vector) AS same_vector
  FROM items WHERE id <> 7;
DROP AGGREGATE pg_temp.state_avg(halfvec), pg_temp.state_avg(vector);
-- halfvec and ruhalfvec are the same bytes
SELECT '[1,2]'::halfvec::ruhalfvec AS ru, '[1,2]'::ruhalfvec::halfvec AS pg,
       halfvec_send('[1,2]') = ruhalfvec_send('[1,2]') AS same_wire;
-- btree: ORDER BY, DISTINCT, =
SELECT DISTINCT embedding FROM items WHERE id IN (5, 6, 1) ORDER BY embedding;

-- pgvector's operator classes on halfvec: indexes build; sql/ruivf_types.sql
-- tests their scans
SELECT opcname, amname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
 WHERE opcintype = 'halfvec'::regtype ORDER BY 2, 1;
CREATE INDEX ON items USING hnsw (embedding halfvec_l2_ops);
CREATE INDEX ON items USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16);
CREATE INDEX ON items USING ivfflat (embedding halfvec_ip_ops) WITH (lists = 1);
CREATE INDEX ON items USING ivfflat (embedding) WITH (lists = 1);
CREATE INDEX ON items USING hnsw (embedding halfvec_l1_ops);
SELECT count(*) AS indexes FROM pg_indexes WHERE tablename = 'items';
DROP TABLE items, vitems;
DROP EXTENSION vector;
-- ruvector's ruhalfvec stays
SELECT '[1,2]'::ruhalfvec <-> '[2,2]' AS l2;
