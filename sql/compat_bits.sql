--
-- compat_bits: pgvector's bit-string distances in the extension vector
-- (hamming_distance, jaccard_distance, <~>, <%>), and its operator classes
-- on bit, which exist but cannot build an index here.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

CREATE EXTENSION vector;

SELECT hamming_distance(B'111', B'111') AS h0, hamming_distance(B'111', B'100') AS h2,
       B'111' <~> B'000' AS h3, B'1111' <%> B'1100' AS j_half,
       B'0000' <%> B'0000' AS j_zeros, jaccard_distance(B'1111', B'1000') AS j;
SELECT B'111' <~> B'00';
SELECT B'1111' <%> B'111';
-- the operators commute
SELECT oprname, oprcom::regoperator FROM pg_operator
 WHERE oprleft = 'bit'::regtype AND oprname IN ('<~>', '<%>') ORDER BY 1;
-- both names reach the same C functions
SELECT count(DISTINCT prosrc) AS c_functions FROM pg_proc
 WHERE proname IN ('hamming_distance', 'ruvector_hamming_distance');

-- binary_quantize, then an exact nearest-neighbour query by Hamming distance
CREATE TABLE items (id int, embedding vector(4));
INSERT INTO items VALUES (1, '[1,1,1,1]'), (2, '[1,-1,1,-1]'), (3, '[-1,-1,-1,-1]'), (4, '[1,1,1,-1]');
SELECT id, binary_quantize(embedding) AS code,
       binary_quantize(embedding)::bit(4) <~> binary_quantize('[1,1,1,1]'::vector)::bit(4) AS h
  FROM items ORDER BY h, id;
SELECT id FROM items
 ORDER BY binary_quantize(embedding)::bit(4) <%> binary_quantize('[1,1,-1,-1]'::vector)::bit(4), id;

-- pgvector's operator classes on bit; Hamming indexes build (sql/ruivf_types.sql
-- tests their scans), Jaccard ones are refused
SELECT opcname, amname FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
 WHERE opcintype = 'bit'::regtype ORDER BY 1, 2;
CREATE TABLE codes (id int, code bit(4));
INSERT INTO codes SELECT id, binary_quantize(embedding) FROM items;
CREATE INDEX ON codes USING hnsw (code bit_hamming_ops);
-- Jaccard distance cannot be indexed: 0A000
CREATE INDEX ON codes USING hnsw (code bit_jaccard_ops);
CREATE INDEX ON codes USING ivfflat (code bit_hamming_ops) WITH (lists = 1);
CREATE UNLOGGED TABLE ucodes (code bit(4));
CREATE INDEX ON ucodes USING hnsw (code bit_hamming_ops);
-- 0A000, for clients that test the SQLSTATE
DO $$
BEGIN
	CREATE INDEX ON codes USING hnsw (code bit_jaccard_ops);
EXCEPTION WHEN feature_not_supported THEN
	RAISE NOTICE 'feature_not_supported (%)', SQLSTATE;
END
$$;
SELECT count(*) AS indexes FROM pg_indexes WHERE tablename IN ('codes', 'ucodes');
-- vector indexes still build
CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (lists = 1);
DROP TABLE items, codes, ucodes;
DROP EXTENSION vector;
-- ruvector's names stay
SELECT ruvector_hamming_distance(B'10', B'01') AS h;
