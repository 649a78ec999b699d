-- ruvector's planner hook: exact top-k for selective filters, ruivf otherwise
\set SHOW_CONTEXT never

-- 100,000 rows of 4 dimensions, a category column (cat = id % 1000) with a
-- btree, and a ruivf index; statistics from every row, so plans are stable
CREATE TABLE items (id int PRIMARY KEY, cat int, v ruvector(4));
INSERT INTO items
SELECT i, i % 1000,
       ARRAY[((i::bigint * 7919) % 1009) / 100.0, ((i::bigint * 104729) % 1013) / 100.0,
             ((i::bigint * 1299709) % 1019) / 100.0, ((i::bigint * 15485863) % 1021) / 100.0]::real[]
FROM generate_series(1, 100000) i;
CREATE INDEX items_cat ON items (cat);
CREATE INDEX items_v ON items USING ruivf (v ruvector_l2_ops) WITH (lists = 100);
ALTER TABLE items ALTER COLUMN cat SET STATISTICS 10000;
ALTER TABLE items ALTER COLUMN id SET STATISTICS 10000;
VACUUM ANALYZE items;

-- a tiny table with its own ruivf index
CREATE TABLE few (id int, v ruvector(4));
INSERT INTO few SELECT i, ARRAY[i, i % 7, i % 5, 1]::real[] FROM generate_series(1, 100) i;
CREATE INDEX few_v ON few USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
VACUUM ANALYZE few;

-- cost: the index for ORDER BY ... LIMIT on 100,000 rows, not on 100
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[5,5,5,5]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM few ORDER BY v <-> '[5,5,5,5]' LIMIT 10;

-- the strategy for each selectivity, with the estimate behind it
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat < 500 ORDER BY v <-> '[5,5,5,5]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat < 100 ORDER BY v <-> '[5,5,5,5]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat < 10 ORDER BY v <-> '[5,5,5,5]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat < 1 ORDER BY v <-> '[5,5,5,5]' LIMIT 10;
-- a range filter on another indexed column
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE id BETWEEN 1000 AND 1500 ORDER BY v <-> '[5,5,5,5]' LIMIT 10;

-- without the hook the same selective query may walk the ruivf lists; no
-- strategy line is printed
SET ruvector.enable_hook = off;
SET enable_bitmapscan = off;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat < 1 ORDER BY v <-> '[5,5,5,5]' LIMIT 10;
RESET enable_sort;
RESET enable_bitmapscan;
RESET ruvector.enable_hook;
-- with it, even then the exact plan: the index paths are gone
SET enable_bitmapscan = off;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat < 1 ORDER BY v <-> '[5,5,5,5]' LIMIT 10;
RESET enable_sort;
RESET enable_bitmapscan;

-- rows returned and recall against the exact filtered answer, 20 queries
-- per selectivity (the exact answer: no index scans at all)
CREATE FUNCTION filtered_ids(lim int, q ruvector, k int) RETURNS int[]
LANGUAGE sql AS $$
	SELECT array_agg(id) FROM (SELECT id FROM items WHERE cat < lim ORDER BY v <-> q LIMIT k) s
$$;
CREATE FUNCTION exact_filtered_ids(lim int, q ruvector, k int) RETURNS int[]
LANGUAGE sql SET enable_indexscan = off SET enable_bitmapscan = off AS $$
	SELECT array_agg(id) FROM (SELECT id FROM items WHERE cat < lim ORDER BY v <-> q LIMIT k) s
$$;
SET ruvector.probes = 4;
SELECT lim AS "cat <",
       min(cardinality(got)) AS min_rows_returned,
       avg((SELECT count(*) FROM unnest(got) g WHERE g = ANY (want)) / 10.0) >= 0.95 AS recall_at_least_095
FROM (SELECT lim, filtered_ids(lim, q, 10) AS got, exact_filtered_ids(lim, q, 10) AS want
      FROM unnest(ARRAY[500, 100, 10, 1]) lim,
           LATERAL (SELECT v AS q FROM items WHERE id BETWEEN 1 AND 20) qs) r
GROUP BY lim ORDER BY lim DESC;
-- the LIMIT is filled whenever that many rows match, even at probes = 1
SET ruvector.probes = 1;
SELECT count(*) FROM (SELECT id FROM items WHERE cat = 7 ORDER BY v <-> '[5,5,5,5]' LIMIT 100) s;
SELECT count(*) FROM (SELECT id FROM items WHERE id % 1000 = 7 ORDER BY v <-> '[5,5,5,5]' LIMIT 100) s;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> '[5,5,5,5]' LIMIT 500) s;
RESET ruvector.probes;

-- the hook changes no plan of a query without a vector ORDER BY
EXPLAIN (COSTS OFF) SELECT count(*) FROM items WHERE cat < 10;
SET ruvector.enable_hook = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM items WHERE cat < 10;
RESET ruvector.enable_hook;

-- a parameterized index path reads the rows that match one outer row (the
-- inner side of a nested loop: here the btree on cat probed by cats.id), not
-- the rows that pass the filter: it does not make the exact scan.  The
-- filter has no index of its own, so the ruivf scan stays, as for one table
CREATE TABLE cats (id int PRIMARY KEY);
INSERT INTO cats SELECT generate_series(0, 999);
ANALYZE cats;
SET ruvector.exact_scan_threshold = 50000;
EXPLAIN (COSTS OFF) SELECT i.id FROM items i WHERE i.id % 1000 < 500
  ORDER BY i.v <-> '[5,5,5,5]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT i.id FROM items i JOIN cats c ON c.id = i.cat
  WHERE i.id % 1000 < 500 ORDER BY i.v <-> '[5,5,5,5]' LIMIT 10;
-- the same with the join clause from a lateral reference
EXPLAIN (COSTS OFF) SELECT s.id FROM cats c,
  LATERAL (SELECT i.id, i.v FROM items i WHERE i.cat = c.id AND i.id % 1000 < 500) s
  ORDER BY s.v <-> '[5,5,5,5]' LIMIT 10;
-- a filter on an indexed column still makes the exact scan in a join
EXPLAIN (COSTS OFF) SELECT i.id FROM items i JOIN cats c ON c.id = i.cat
  WHERE i.id < 20000 ORDER BY i.v <-> '[5,5,5,5]' LIMIT 10;
RESET ruvector.exact_scan_threshold;

-- EXPLAIN notes come from the planning of the explained query only.  Under
-- EXPLAIN ANALYZE, functions plan queries of their own (through SPI) while
-- the plan runs: those add no notes, and the explained query's own notes
-- are kept.  strategy_lines() returns the notes of EXPLAIN ANALYZE of a query
-- (through SPI itself)
CREATE FUNCTION strategy_lines(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
	l text;
BEGIN
	FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
		IF l LIKE 'ruvector strategy:%' THEN
			RETURN NEXT l;
		END IF;
	END LOOP;
END
$$;
-- a filtered k-NN query planned at every call (a custom plan per value)
CREATE FUNCTION nearest_in(c int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	r int;
BEGIN
	SELECT id INTO r FROM items WHERE cat = c ORDER BY v <-> '[5,5,5,5]' LIMIT 1;
	RETURN r;
END
$$;
-- EXPLAIN of a query that plans an EXPLAIN of its own, which fails after
-- planning; the error is caught
CREATE FUNCTION failing_explain() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE 'EXPLAIN ANALYZE SELECT id, 1 / (id - id) FROM items WHERE cat = 4 ORDER BY v <-> ''[1,1,1,1]'' LIMIT 1';
	RETURN 0;
EXCEPTION WHEN division_by_zero THEN
	RETURN 1;
END
$$;
-- no note: the explained query has no vector ORDER BY, the ten calls do
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT nearest_in(g) FROM generate_series(1, 10) g;
SELECT * FROM strategy_lines('SELECT nearest_in(g) FROM generate_series(1, 10) g');
-- one note: the explained query's, not those of its calls
SELECT * FROM strategy_lines($$SELECT id, nearest_in(id % 7) FROM items WHERE cat = 3
  ORDER BY v <-> '[5,5,5,5]' LIMIT 3$$);
-- one note, kept across an EXPLAIN run (and planned) inside the plan
SELECT * FROM strategy_lines($$SELECT id, (SELECT count(*) FROM strategy_lines(
  'SELECT id FROM items WHERE cat = 5 ORDER BY v <-> ''[1,1,1,1]'' LIMIT 1')) AS inner_notes
  FROM items WHERE cat = 3 ORDER BY v <-> '[5,5,5,5]' LIMIT 3$$);
-- and across an EXPLAIN inside the plan that fails
SELECT * FROM strategy_lines($$SELECT id, failing_explain() FROM items WHERE cat = 3
  ORDER BY v <-> '[5,5,5,5]' LIMIT 2$$);
-- an EXPLAIN that fails leaves nothing behind: the next one has its own note
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT id, 1 / (id - id) FROM items WHERE cat = 3 ORDER BY v <-> '[5,5,5,5]' LIMIT 3;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE cat = 3 ORDER BY v <-> '[5,5,5,5]' LIMIT 3;
SELECT id, nearest_in(2) IS NOT NULL AS found FROM items WHERE cat = 3
  ORDER BY v <-> '[5,5,5,5]' LIMIT 3;
DROP FUNCTION strategy_lines(text), nearest_in(int), failing_explain();
DROP TABLE cats;

-- the settings
SHOW ruvector.exact_scan_threshold;
SHOW ruvector.enable_hook;
SET ruvector.exact_scan_threshold = -1;

DROP TABLE items, few;
DROP FUNCTION filtered_ids(int, ruvector, int), exact_filtered_ids(int, ruvector, int);

-- vectors stored out of line (2,500 dimensions, storage main: TOAST): the
-- hook charges exact paths for fetching them, so the index is used; without
-- the hook, the heap's few pages make a sequential scan look cheaper
CREATE TABLE wide (id int PRIMARY KEY, v ruvector(2500));
INSERT INTO wide SELECT i, array_fill((i % 97)::real / 97, ARRAY[2500])::ruvector
  FROM generate_series(1, 1000) i;
CREATE INDEX wide_idx ON wide USING ruivf (v ruvector_l2_ops) WITH (lists = 4);
ANALYZE wide;
CREATE TABLE wq AS SELECT array_fill(0.5::real, ARRAY[2500])::ruvector(2500) AS q;
SELECT pg_relation_size('wide') < 200000 AS heap_is_small,
       pg_total_relation_size('wide') > 9000000 AS vectors_in_toast;
EXPLAIN (COSTS OFF) SELECT id FROM wide ORDER BY v <-> (SELECT q FROM wq) LIMIT 5;
SET ruvector.enable_hook = off;
EXPLAIN (COSTS OFF) SELECT id FROM wide ORDER BY v <-> (SELECT q FROM wq) LIMIT 5;
RESET ruvector.enable_hook;
-- a plain column keeps its vectors in the row: no charge, no note
CREATE TABLE narrow (id int PRIMARY KEY, v ruvector(2500));
ALTER TABLE narrow ALTER COLUMN v SET STORAGE plain;
INSERT INTO narrow SELECT * FROM wide WHERE id <= 100;
CREATE INDEX narrow_idx ON narrow USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
ANALYZE narrow;
EXPLAIN (COSTS OFF) SELECT id FROM narrow ORDER BY v <-> (SELECT q FROM wq) LIMIT 5;
DROP TABLE wide, narrow, wq;

-- every ruvector setting works through ALTER ROLE / ALTER DATABASE ... SET
-- (applied at the next login) and SET LOCAL; PGOPTIONS is tested in
-- test/t/004_stats.pl
SELECT current_user AS rv_su \gset
CREATE ROLE rv_guc_user LOGIN;
ALTER ROLE rv_guc_user SET ruvector.probes = 3;
ALTER ROLE rv_guc_user SET ruvector.iterative_scan = strict_order;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET ruvector.exact_scan_threshold = 1234', current_database()); END $$;
\c - rv_guc_user
SELECT current_setting('ruvector.probes') AS probes,
       current_setting('ruvector.iterative_scan') AS iterative_scan,
       current_setting('ruvector.exact_scan_threshold') AS threshold;
BEGIN;
SET LOCAL ruvector.probes = 11;
SHOW ruvector.probes;
COMMIT;
SHOW ruvector.probes;
\c - :rv_su
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET ruvector.exact_scan_threshold', current_database()); END $$;
DROP ROLE rv_guc_user;
