--
-- compat_halfvec: pgvector's halfvec in the extension vector: the type,
-- its casts, functions and operators under pgvector's names, and its
-- operator classes, which exist but cannot build an index here.
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
-- halfvec and ruhalfvec are the same bytes
SELECT '[1,2]'::halfvec::ruhalfvec AS ru, '[1,2]'::ruhalfvec::halfvec AS pg,
       halfvec_send('[1,2]') = ruhalfvec_send('[1,2]') AS same_wire;
-- btree: ORDER BY, DISTINCT, =
SELECT DISTINCT embedding FROM items WHERE id IN (5, 6, 1) ORDER BY embedding;

-- pgvector's operator classes on halfvec: indexes build (L1 is refused);
-- sql/ruivf_types.sql tests their scans
SELECT opcname, amname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
 WHERE opcintype = 'halfvec'::regtype ORDER BY 2, 1;
CREATE INDEX ON items USING hnsw (embedding halfvec_l2_ops);
CREATE INDEX ON items USING hnsw (embedding halfvec_cosine_ops) WITH (m = 16);
CREATE INDEX ON items USING ivfflat (embedding halfvec_ip_ops) WITH (lists = 1);
CREATE INDEX ON items USING ivfflat (embedding) WITH (lists = 1);
DO $$
BEGIN
	CREATE INDEX ON items USING hnsw (embedding halfvec_l1_ops);
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'feature_not_supported (%)', SQLSTATE;
END
$$;
SELECT count(*) AS indexes FROM pg_indexes WHERE tablename = 'items';
DROP TABLE items, vitems;
DROP EXTENSION vector;
-- ruvector's ruhalfvec stays
SELECT '[1,2]'::ruhalfvec <-> '[2,2]' AS l2;
