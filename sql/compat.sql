--
-- compat: the compatibility extension `vector`, pgvector's names served by
-- ruvector (ruvector itself is created by pg_regress --load-extension).
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- err(q): the SQLSTATE and message of the error q raises
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
-- errstate(q): the SQLSTATE only (for ruvector's type errors, whose wording
-- is the type's business and tested there)
CREATE FUNCTION pg_temp.errstate(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END
$$;

-- Settings SET before anything has loaded ruvector_compat are placeholders;
-- the library picks them up when an hnsw / ivfflat index first opens.
SET hnsw.ef_search = 100;
SET ivfflat.probes = 3;

------------------------------------------------------------------------------
-- A framework's flow
------------------------------------------------------------------------------
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS vector;
SELECT extname, extversion FROM pg_extension WHERE extname IN ('ruvector', 'vector') ORDER BY 1;
-- the type a client library looks up by name
SELECT typname, typlen, typalign, typstorage, typsend::text, typreceive::text
  FROM pg_type WHERE typname = 'vector';

CREATE TABLE documents (id bigserial PRIMARY KEY, content text, embedding vector(32));
SELECT setseed(0.25);
INSERT INTO documents (content, embedding)
  SELECT 'doc ' || i, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 32) WHERE i > 0)
  FROM generate_series(1, 3000) i;
-- m and ef_construction are accepted, with a NOTICE saying what happens instead
CREATE INDEX documents_embedding_idx ON documents
  USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);
SELECT indexdef FROM pg_indexes WHERE indexname = 'documents_embedding_idx';
SELECT dimensions, metric, lists, bits FROM ruvector_index_info('documents_embedding_idx');
ANALYZE documents;

-- the placeholder values were picked up; the settings are real ones now
SHOW hnsw.ef_search;
SHOW ivfflat.probes;
SELECT name, setting, vartype, min_val, max_val, boot_val FROM pg_settings
  WHERE name ~ '^(hnsw|ivfflat)\.' ORDER BY name;
SELECT pg_temp.err('SET hnsw.ef_search = 0');
SELECT pg_temp.err('SET hnsw.ef_search = ''many''');
SELECT pg_temp.err('SET ivfflat.iterative_scan = strict_order');
SELECT pg_temp.err('SET hnsw.not_a_setting = 1');

-- (3,000 rows: a sequential scan would win on cost; the index is the point here)
SET enable_seqscan = off;
SET hnsw.ef_search = 40;
EXPLAIN (COSTS OFF) SELECT id FROM documents
  ORDER BY embedding <=> (SELECT embedding FROM documents WHERE id = 7) LIMIT 10;
SELECT embedding AS q FROM documents WHERE id = 7 \gset
SELECT count(*), (array_agg(id))[1] AS nearest
  FROM (SELECT id FROM documents ORDER BY embedding <=> :'q' LIMIT 10) s;

-- at high ef_search the top 10 are the exact top 10
SET hnsw.ef_search = 1000;
SELECT array_agg(id) AS via_index FROM (SELECT id FROM documents ORDER BY embedding <=> :'q' LIMIT 10) s \gset
SET enable_indexscan = off;
RESET enable_seqscan;
SELECT array_agg(id) = :'via_index' AS index_equals_exact, (array_agg(id))[1] AS nearest
  FROM (SELECT id FROM documents ORDER BY embedding <=> :'q' LIMIT 10) s;
RESET enable_indexscan;
SET enable_seqscan = off;

------------------------------------------------------------------------------
-- hnsw.ef_search -> lists read: ceil(ef_search / 5), capped by the lists;
-- more ef_search never reads fewer lists, never finds fewer of the nearest
------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.effort(ef int, OUT lists_read bigint, OUT recall float8)
LANGUAGE plpgsql AS $$
DECLARE
	n int;
BEGIN
	PERFORM set_config('hnsw.ef_search', ef::text, true);
	PERFORM ruvector_stats_reset();
	EXECUTE 'SELECT count(*) FROM (SELECT id FROM documents ORDER BY embedding <=> $1 LIMIT 10) s'
		INTO n USING (SELECT embedding FROM documents WHERE id = 11);
	SELECT s.lists_scanned INTO lists_read FROM ruvector_stats s
		WHERE s.indexrelid = 'documents_embedding_idx'::regclass;
	SELECT avg(ruvector_recall('documents_embedding_idx', d.embedding, 10)) INTO recall
		FROM documents d WHERE d.id % 100 = 1;
END
$$;
SET hnsw.ef_search = 77;
CREATE TEMP TABLE effort AS
  SELECT ef, (pg_temp.effort(ef)).* FROM unnest(ARRAY[1, 5, 6, 10, 40, 41, 100, 1000]) ef;
SELECT ef, lists_read FROM effort ORDER BY ef;
SELECT bool_and(recall >= prev_recall AND lists_read >= prev_lists) AS monotone,
       min(recall) < 1 AS lowest_ef_misses_some,
       max(recall) FILTER (WHERE ef = 1000) = 1 AS highest_ef_exact
  FROM (SELECT ef, recall, lists_read,
               coalesce(lag(recall) OVER w, 0) AS prev_recall,
               coalesce(lag(lists_read) OVER w, 0) AS prev_lists
          FROM effort WINDOW w AS (ORDER BY ef)) s;
-- the setting of the session is untouched (set_config(..., true) was local)
SHOW hnsw.ef_search;

-- iterative scans: off stops after the first lists, relaxed_order fills the LIMIT
SET hnsw.ef_search = 5;
SET ruvector.enable_hook = off;
SET hnsw.iterative_scan = off;
SELECT count(*) < 10 AS short FROM
  (SELECT id FROM documents WHERE id % 50 = 0 ORDER BY embedding <=> :'q' LIMIT 10) s;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) FROM
  (SELECT id FROM documents WHERE id % 50 = 0 ORDER BY embedding <=> :'q' LIMIT 10) s;
SET hnsw.iterative_scan = strict_order;
SELECT count(*), bool_and(d >= prev) AS in_order FROM
  (SELECT d, coalesce(lag(d) OVER (), 0) AS prev FROM
     (SELECT embedding <=> :'q' AS d FROM documents WHERE id % 50 = 0
       ORDER BY embedding <=> :'q' LIMIT 10) s) t;
-- hnsw.max_scan_tuples stops an iterative scan early (the first lists are read whole)
SET hnsw.max_scan_tuples = 1;
SELECT count(*) < 10 AS stopped FROM
  (SELECT id FROM documents WHERE id % 50 = 0 ORDER BY embedding <=> :'q' LIMIT 10) s;
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;
RESET ruvector.enable_hook;

-- the planner hook knows these indexes for ruivf's: a selective filter on a
-- btree column is answered exactly
EXPLAIN (COSTS OFF) SELECT id FROM documents WHERE id < 100 ORDER BY embedding <=> :'q' LIMIT 10;
RESET hnsw.ef_search;

------------------------------------------------------------------------------
-- ivfflat: lists, ivfflat.probes (3, the placeholder), max_probes
------------------------------------------------------------------------------
CREATE INDEX documents_l2_idx ON documents USING ivfflat (embedding vector_l2_ops) WITH (lists = 20);
SELECT dimensions, metric, lists FROM ruvector_index_info('documents_l2_idx');
SELECT ruvector_stats_reset();
SELECT count(*) FROM (SELECT id FROM documents ORDER BY embedding <-> :'q' LIMIT 10) s;
SELECT lists_scanned FROM ruvector_stats WHERE indexrelid = 'documents_l2_idx'::regclass;
-- ruvector.probes does not apply to ivfflat / hnsw indexes
SET ruvector.probes = 7;
SELECT ruvector_stats_reset();
SELECT count(*) FROM (SELECT id FROM documents ORDER BY embedding <-> :'q' LIMIT 10) s;
SELECT lists_scanned FROM ruvector_stats WHERE indexrelid = 'documents_l2_idx'::regclass;
RESET ruvector.probes;
SET ivfflat.probes = 20;
SELECT ruvector_recall('documents_l2_idx', :'q'::vector, 10);
-- iterative ivfflat scans stop at ivfflat.max_probes lists
SET ivfflat.probes = 1;
SET ivfflat.iterative_scan = relaxed_order;
SET ivfflat.max_probes = 2;
SET ruvector.enable_hook = off;
SELECT ruvector_stats_reset();
SELECT count(*) FROM (SELECT id FROM documents WHERE id % 97 = 0 ORDER BY embedding <-> :'q' LIMIT 30) s;
SELECT lists_scanned FROM ruvector_stats WHERE indexrelid = 'documents_l2_idx'::regclass;
RESET ruvector.enable_hook;
RESET ivfflat.max_probes;
RESET ivfflat.iterative_scan;
RESET ivfflat.probes;
-- the default opclass of ivfflat is vector_l2_ops, as in pgvector; hnsw has none
CREATE INDEX documents_default_idx ON documents USING ivfflat (embedding);
SELECT pg_temp.err('CREATE INDEX ON documents USING hnsw (embedding)');
DROP INDEX documents_default_idx, documents_l2_idx;

-- options and their errors
SELECT pg_temp.err('CREATE INDEX ON documents USING hnsw (embedding vector_l2_ops) WITH (m = 1)');
SELECT pg_temp.err('CREATE INDEX ON documents USING hnsw (embedding vector_l2_ops) WITH (ef_construction = 2000)');
SELECT pg_temp.err('CREATE INDEX ON documents USING ivfflat (embedding vector_l2_ops) WITH (m = 16)');
SELECT pg_temp.err('CREATE INDEX ON documents USING hnsw (embedding vector_l2_ops) WITH (foo = 1)');
SELECT pg_temp.err('CREATE INDEX ON documents USING hnsw (embedding vector_l2_ops) WITH (bits = 3)');
ALTER INDEX documents_embedding_idx SET (ef_construction = 100);
-- L1: an operator class for hnsw only, as in pgvector (sql/compat_index.sql
-- tests its scans)
CREATE INDEX documents_l1_idx ON documents USING hnsw (embedding vector_l1_ops);
SELECT dimensions, metric FROM ruvector_index_info('documents_l1_idx');
DROP INDEX documents_l1_idx;
SELECT pg_temp.err('CREATE INDEX ON documents USING ivfflat (embedding vector_l1_ops)');
-- ruivf's own options under both names
CREATE INDEX documents_ip_idx ON documents USING hnsw (embedding vector_ip_ops)
  WITH (lists = 8, bits = 4, rerank = index);
SELECT dimensions, metric, lists, bits, rerank FROM ruvector_index_info('documents_ip_idx');
SET hnsw.ef_search = 1000;
SELECT ruvector_recall('documents_ip_idx', :'q'::vector, 10);
RESET hnsw.ef_search;
DROP INDEX documents_ip_idx;

-- writes, VACUUM and REINDEX go through ruivf as usual
DELETE FROM documents WHERE id % 3 = 0;
INSERT INTO documents (content, embedding) SELECT 'new ' || i, :'q'::vector FROM generate_series(1, 3) i;
VACUUM documents;
REINDEX INDEX documents_embedding_idx;
SET hnsw.ef_search = 1000;
SELECT count(*) FILTER (WHERE content LIKE 'new %') AS new_rows_first,
       bool_and(id % 3 <> 0 OR content LIKE 'new %') AS no_deleted_rows
  FROM (SELECT id, content FROM documents ORDER BY embedding <=> :'q' LIMIT 4) s;
RESET hnsw.ef_search;

-- a 1536-dimension column, as embedding models give
CREATE TABLE chunks (id int PRIMARY KEY, embedding vector(1536));
INSERT INTO chunks SELECT i, (SELECT array_agg(sin(i * 0.7 + j * 0.013 * (1 + i % 7))) FROM generate_series(1, 1536) j)
  FROM generate_series(1, 200) i;
CREATE INDEX ON chunks USING hnsw (embedding vector_l2_ops);
SELECT embedding AS q1536 FROM chunks WHERE id = 5 \gset
SET hnsw.ef_search = 1000;
SELECT ruvector_recall('chunks_embedding_idx', :'q1536'::vector, 10);
SELECT id FROM chunks ORDER BY embedding <-> :'q1536' LIMIT 3;
RESET hnsw.ef_search;
SELECT pg_temp.errstate('INSERT INTO chunks VALUES (0, ''[1,2,3]'')');

-- what pg_dump writes for a pgvector table and its index restores as is
-- (schema-qualified names, options as strings, COPY in text form)
CREATE TABLE public.restored (
    id bigint NOT NULL,
    embedding public.vector(3)
);
COPY public.restored (id, embedding) FROM stdin;
1	[1,2,3]
2	[-1,0.5,2.25]
3	\N
4	[0,0,1e-3]
\.
CREATE INDEX restored_embedding_idx ON public.restored USING hnsw (embedding public.vector_cosine_ops) WITH (m='16', ef_construction='64');
CREATE INDEX restored_embedding_idx1 ON public.restored USING ivfflat (embedding public.vector_l2_ops) WITH (lists='2');
SELECT id, embedding FROM restored ORDER BY embedding <=> '[1,2,3.5]' LIMIT 2;
-- ivfflat.probes = 1, pgvector's default, reads one of the two lists: as in
-- pgvector, the scan returns that list's rows only; all lists: every row
-- but the NULL one
SELECT count(*) AS one_list FROM (SELECT id FROM restored ORDER BY embedding <-> '[1,2,3.5]') s;
SET ivfflat.probes = 2;
SELECT count(*) AS all_lists FROM (SELECT id FROM restored ORDER BY embedding <-> '[1,2,3.5]') s;
RESET ivfflat.probes;
DROP TABLE restored;

-- in-place migration: a ruvector column becomes a vector column and back
-- (no USING: the casts apply on assignment)
CREATE TABLE migrated (id int, e ruvector(2));
INSERT INTO migrated VALUES (1, '[1,2]'), (2, '[3,4]');
ALTER TABLE migrated ALTER COLUMN e TYPE vector(2);
CREATE INDEX ON migrated USING hnsw (e vector_l2_ops);
SELECT id, e, pg_typeof(e) FROM migrated ORDER BY e <-> '[3,3]' LIMIT 1;
DROP INDEX migrated_e_idx;
ALTER TABLE migrated ALTER COLUMN e TYPE ruvector(2);
SELECT id, e, pg_typeof(e) FROM migrated ORDER BY id;
DROP TABLE migrated;

------------------------------------------------------------------------------
-- Casts
------------------------------------------------------------------------------
SELECT '[1,2,3]'::vector(3), '[1,2,3]'::vector::text;
SELECT ARRAY[1,2,3]::vector, ARRAY[1.5,2.5]::real[]::vector, ARRAY[0.25,1]::float8[]::vector,
       ARRAY[1.5,2]::numeric[]::vector(2);
SELECT '[1,2,3]'::vector::real[], pg_typeof('[1,2,3]'::vector::real[]);
-- vector -> real[] is implicit (a vector goes where a real[] is wanted)
CREATE FUNCTION pg_temp.total(real[]) RETURNS real LANGUAGE sql AS 'SELECT sum(x) FROM unnest($1) x';
SELECT pg_temp.total('[1,2,3.5]'::vector);
-- arrays become vectors on assignment, not implicitly
CREATE TEMP TABLE cast_target (v vector(3));
INSERT INTO cast_target VALUES (ARRAY[1,2,3]), (ARRAY[1.5,2,3]::real[]), ('{4,5,6}'::float8[]);
SELECT v FROM cast_target ORDER BY v;
SELECT pg_temp.err('SELECT l2_distance(ARRAY[1,2], ''[1,2]''::vector)');
-- typmod and dimension errors
SELECT pg_temp.errstate('SELECT ''[1,2,3]''::vector(2)');
SELECT pg_temp.errstate('SELECT ARRAY[1,2,3]::vector(2)');
SELECT pg_temp.errstate('SELECT ARRAY[1,NULL]::vector');
SELECT pg_temp.errstate('SELECT ''[1,2'' ::vector');
SELECT pg_temp.errstate('CREATE TEMP TABLE bad (v vector(0))');
SELECT pg_temp.errstate('CREATE TEMP TABLE bad (v vector(16001))');

-- vector <-> ruvector: both ways, the same bytes
SELECT '[1,2,3]'::vector::ruvector, pg_typeof('[1,2,3]'::vector::ruvector),
       '[1,2,3]'::ruvector::vector, pg_typeof('[1,2,3]'::ruvector::vector);
SELECT '[1,2,3]'::ruvector::vector(3), pg_temp.errstate('SELECT ''[1,2,3]''::ruvector::vector(2)');
SELECT vector_send('[1,-2.5,3]') = ruvector_send('[1,-2.5,3]') AS same_wire_format;
SELECT castsource::regtype, casttarget::regtype, castcontext, castmethod FROM pg_cast
  WHERE castsource::regtype::text IN ('vector', 'ruvector') AND casttarget::regtype::text IN ('vector', 'ruvector')
    AND castsource <> casttarget ORDER BY 1;
-- assignment works both ways
CREATE TEMP TABLE mixed (v vector(2), r ruvector(2));
INSERT INTO mixed VALUES ('[1,2]'::ruvector, '[3,4]'::vector);
INSERT INTO mixed SELECT r, v FROM mixed;
SELECT v, r FROM mixed ORDER BY v;
-- a call with one vector and one ruvector is never ambiguous: ruvector's
-- operators and functions take it (vector -> ruvector is the implicit cast)
SELECT pg_typeof(v <-> r) AS l2, pg_typeof(r <#> v) AS ip, pg_typeof(v <=> r) AS cos,
       pg_typeof(v <+> r) AS l1, pg_typeof(v + r) AS add, pg_typeof(r - v) AS sub,
       pg_typeof(v * r) AS mul, pg_typeof(v || r) AS cat, pg_typeof(v = r) AS eq,
       pg_typeof(l2_distance(v, r)) AS fn
  FROM mixed LIMIT 1;
SELECT v <-> r, v + r, v || r, v < r, l1_distance(r, v) FROM mixed ORDER BY v;
-- ruvector's functions take vector arguments
SELECT vector_dims(v), pg_typeof(avg(r)) FROM mixed GROUP BY 1;
-- and a literal still resolves to the other operand's type
SELECT pg_typeof('[1,2]'::vector + '[1,1]'), pg_typeof('[1,2]'::ruvector + '[1,1]');

------------------------------------------------------------------------------
-- Operators and functions under pgvector's names
------------------------------------------------------------------------------
SELECT '[1,2,3]'::vector <-> '[3,2,1]' AS l2, '[1,2,3]'::vector <#> '[3,2,1]' AS neg_ip,
       round(('[1,2,3]'::vector <=> '[3,2,1]')::numeric, 6) AS cos,
       '[1,2,3]'::vector <+> '[3,2,1]' AS l1;
SELECT l2_distance('[1,2,3]'::vector, '[3,2,1]'), inner_product('[1,2,3]'::vector, '[3,2,1]'),
       round(cosine_distance('[1,2,3]'::vector, '[3,2,1]')::numeric, 6), l1_distance('[1,2,3]'::vector, '[3,2,1]'),
       vector_l2_squared_distance('[1,2,3]', '[3,2,1]'), vector_negative_inner_product('[1,2,3]', '[3,2,1]');
-- a bare literal resolves as with the incumbent
SELECT vector_norm('[3,4]');
-- hnsw's option rule: ef_construction >= 2 * m (22023)
CREATE TABLE efc (v vector(3));
CREATE INDEX ON efc USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 31);
DROP TABLE efc;
SELECT vector_dims('[1,2,3]'::vector), vector_norm('[3,4]'::vector), l2_normalize('[3,4]'::vector),
       subvector('[1,2,3,4,5]'::vector, 2, 3), binary_quantize('[1,-2,0,3.5,-0.1,7,8,9,-1]'::vector);
SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]', '[1,2,3]'::vector * '[4,5,6]',
       '[1,2]'::vector || '[3]', pg_typeof('[1,2]'::vector || '[3]');
SELECT '[1,2]'::vector < '[1,3]', '[1,2]'::vector <= '[1,2]', '[1,2]'::vector = '[1,2]',
       '[1,2]'::vector <> '[1,2]', '[1,2]'::vector >= '[1,3]', '[1,2]'::vector > '[1]',
       vector_cmp('[1,2]', '[1,3]');
SELECT avg(v), sum(v), pg_typeof(avg(v)), pg_typeof(sum(v))
  FROM (VALUES ('[1,2,3]'::vector), ('[3,4,5]'), (NULL)) t(v);
SELECT sum(v) IS NULL AS empty_sum_is_null FROM (SELECT '[1]'::vector AS v WHERE false) t;
-- btree: ORDER BY, DISTINCT, a unique index
CREATE TEMP TABLE bt (v vector);
INSERT INTO bt VALUES ('[2,1]'), ('[1,2]'), ('[1,2]'), ('[1]'), ('[1,2,0]');
SELECT DISTINCT v FROM bt ORDER BY v;
SELECT pg_temp.err('CREATE UNIQUE INDEX ON bt (v)');
-- errors and their SQLSTATEs
SELECT pg_temp.errstate('SELECT ''[1,2]''::vector <-> ''[1,2,3]''');
SELECT pg_temp.errstate('SELECT subvector(''[1,2,3]''::vector, 2, 0)');
SELECT pg_temp.errstate('SELECT subvector(''[1,2,3]''::vector, 4, 1)');
SELECT pg_temp.errstate('SELECT avg(v) FROM (VALUES (''[1,2]''::vector), (''[1]'')) t(v)');
SELECT pg_temp.errstate('SELECT ''[1,NaN]''::vector');
SELECT pg_temp.errstate('SELECT ARRAY[1e39]::float8[]::vector');

------------------------------------------------------------------------------
-- Dropping the compatibility extension leaves ruvector working
------------------------------------------------------------------------------
SELECT pg_temp.err('DROP EXTENSION ruvector');
SELECT pg_temp.err('DROP EXTENSION vector');
-- while both are installed, a bare literal matches both types' functions
SELECT pg_temp.err('SELECT vector_dims(''[1,2,3]'')');
DROP TABLE documents, chunks, cast_target, mixed, bt;
DROP EXTENSION vector;
SELECT extname FROM pg_extension WHERE extname IN ('ruvector', 'vector') ORDER BY 1;
SELECT count(*) FROM pg_am WHERE amname IN ('hnsw', 'ivfflat');
SELECT vector_dims('[1,2,3]'), '[1,2]'::ruvector <-> '[2,2]';
CREATE TEMP TABLE after_drop (id int, v ruvector(2));
INSERT INTO after_drop SELECT i, ARRAY[i, i % 7] FROM generate_series(1, 500) i;
CREATE INDEX ON after_drop USING ruivf (v ruvector_l2_ops) WITH (lists = 5);
SET enable_seqscan = off;
SELECT id FROM after_drop ORDER BY v <-> '[100.2,3.1]' LIMIT 3;
RESET enable_seqscan;
SELECT pg_temp.errstate('SELECT ''[1]''::vector');
