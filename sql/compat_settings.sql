--
-- pgvector's settings where nothing reads them, and CREATE EXTENSION vector
-- without CASCADE (src/compat/compat_utility.c).
--
\set SHOW_CONTEXT never
-- before ruvector.so is loaded in the session, a SET cannot be seen ...
SET hnsw.ef_search = 100;
SELECT '[1,2]'::ruvector;
-- ... after, without the compatibility extension, SET hnsw.* / ivfflat.* warns
SET ivfflat.probes = 4;
SET hnsw.max_scan_tuples = 1000;
-- but not ruvector's own settings, nor RESET
SET ruvector.probes = 4;
RESET hnsw.max_scan_tuples;
-- at the first scan of a ruivf index, a placeholder holding a value (here
-- the one SET before the load) warns, once in a session
CREATE TABLE t (v ruvector(3));
INSERT INTO t SELECT ARRAY[i, i, i]::real[]::ruvector FROM generate_series(1, 100) i;
CREATE INDEX ON t USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
SET enable_seqscan = off;
SELECT v FROM t ORDER BY v <-> '[1,1,1]' LIMIT 1;
SELECT v FROM t ORDER BY v <-> '[2,2,2]' LIMIT 1;
RESET enable_seqscan;
DROP TABLE t;
RESET ivfflat.probes;
RESET hnsw.ef_search;
RESET ruvector.probes;

-- CREATE EXTENSION vector installs ruvector first when ruvector.so is
-- preloaded (here: session_preload_libraries for one database) ...
CREATE DATABASE ruvector_preload;
ALTER DATABASE ruvector_preload SET session_preload_libraries = 'ruvector';
\c ruvector_preload
CREATE EXTENSION IF NOT EXISTS vector;
SELECT extname FROM pg_extension WHERE extname IN ('ruvector', 'vector') ORDER BY 1;
CREATE EXTENSION IF NOT EXISTS vector;
-- with the compatibility extension, pgvector's settings are real: no WARNING
SET hnsw.ef_search = 100;
SHOW hnsw.ef_search;
-- ... and without the preload it fails as PostgreSQL says, with its hint
CREATE DATABASE ruvector_nopreload;
\c ruvector_nopreload
CREATE EXTENSION IF NOT EXISTS vector;
SELECT count(*) AS extensions FROM pg_extension WHERE extname IN ('ruvector', 'vector');
\c contrib_regression
DROP DATABASE ruvector_preload;
DROP DATABASE ruvector_nopreload;
