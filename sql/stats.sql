--
-- ruvector_stats: per-index scan counters, latency percentiles,
-- ruvector_stats_reset().  This cluster does not preload ruvector, so the
-- view shows this backend's own queries (scope 'backend'); the shared,
-- cluster-wide form is tested in test/t/004_stats.pl.
--
SET client_min_messages = warning;
CREATE TABLE st (id int PRIMARY KEY, v ruvector(3));
INSERT INTO st SELECT i, array[sin(i), cos(i), sin(i * 0.3)]::ruvector(3)
  FROM generate_series(1, 5000) i;
CREATE INDEX st_idx ON st USING ruivf (v ruvector_l2_ops) WITH (lists = 10);
ANALYZE st;
SET enable_seqscan = off;
SET ruvector.probes = 2;
SELECT ruvector_stats_reset();
SELECT count(*) FROM ruvector_stats;

-- three queries: 10 + 10 + 5 rows
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10) s;
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0.5,0.2,0.3]' LIMIT 10) s;
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0.1,0.9,0.3]' LIMIT 5) s;
SELECT index, "table", queries, rows_returned,
       lists_scanned >= 6 AS lists_ok,
       blocks_scanned >= lists_scanned AS blocks_ok,
       distances >= 1000 AS distances_ok,	-- two of ten lists of 5,000 rows, three times
       reranks >= rows_returned AS reranks_ok,
       qps > 0 AS qps_ok,
       mean_ms > 0 AND p50_ms > 0 AS latency_ok,
       p50_ms <= p95_ms AND p95_ms <= p99_ms AS percentiles_ordered,
       scan_mem_peak >= scan_mem_mean AND scan_mem_mean > 0 AS mem_ok,
       scope, dropped
  FROM ruvector_stats;

-- a lateral join rescans the index once per outer row: five more queries
SELECT count(*) FROM generate_series(1, 5) g,
  LATERAL (SELECT id FROM st ORDER BY v <-> array[g, 0, 0]::ruvector LIMIT 3) s;
SELECT queries, rows_returned FROM ruvector_stats WHERE index = 'st_idx'::regclass;

-- not counted while ruvector.track_stats is off
SET ruvector.track_stats = off;
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <-> '[0.1,0.2,0.3]' LIMIT 10) s;
RESET ruvector.track_stats;
SELECT queries FROM ruvector_stats WHERE index = 'st_idx'::regclass;

-- a second index is a second row
CREATE INDEX st_idx_ip ON st USING ruivf (v ruvector_ip_ops) WITH (lists = 4);
SELECT count(*) FROM (SELECT id FROM st ORDER BY v <#> '[0.1,0.2,0.3]' LIMIT 7) s;
SELECT index, queries, rows_returned FROM ruvector_stats ORDER BY index::text;

-- reset: superusers only, unless granted
CREATE ROLE rv_stats_user;
SET ROLE rv_stats_user;
SELECT count(*) >= 0 AS can_read FROM ruvector_stats;
SELECT ruvector_stats_reset();
RESET ROLE;
SELECT ruvector_stats_reset();
SELECT count(*) FROM ruvector_stats;

-- the slot of a dropped index is given back when its DROP commits: 70
-- create / query / drop cycles, each its own transaction (more than the 64
-- slots of a backend's table), leave no rows behind, and a new index is
-- counted after them
CREATE TABLE cyc (id int, v ruvector(3));
INSERT INTO cyc SELECT i, array[i, i % 5, 1]::ruvector(3) FROM generate_series(1, 50) i;
DO $$
BEGIN
	FOR i IN 1..70 LOOP
		CREATE INDEX cyc_idx ON cyc USING ruivf (v ruvector_l2_ops) WITH (lists = 1);
		PERFORM count(*) FROM (SELECT id FROM cyc ORDER BY v <-> '[1,2,3]' LIMIT 2) s;
		DROP INDEX cyc_idx;
		COMMIT;
	END LOOP;
END
$$;
SELECT count(*) AS rows_of_dropped_indexes FROM ruvector_stats;
CREATE INDEX cyc_idx ON cyc USING ruivf (v ruvector_l2_ops) WITH (lists = 1);
SELECT count(*) FROM (SELECT id FROM cyc ORDER BY v <-> '[1,2,3]' LIMIT 2) s;
SELECT index, queries, rows_returned, dropped FROM ruvector_stats;
-- a DROP that rolls back (the transaction, or its savepoint) keeps the row
BEGIN;
DROP INDEX cyc_idx;
ROLLBACK;
BEGIN;
SAVEPOINT s;
DROP INDEX cyc_idx;
ROLLBACK TO s;
COMMIT;
SELECT index, queries FROM ruvector_stats;
-- a DROP in a released savepoint commits with its transaction, whatever a
-- later savepoint does
BEGIN;
SAVEPOINT a;
DROP INDEX cyc_idx;
RELEASE a;
SAVEPOINT b;
ROLLBACK TO b;
COMMIT;
SELECT count(*) FROM ruvector_stats;
-- DROP TABLE drops its indexes' rows
CREATE INDEX cyc_idx ON cyc USING ruivf (v ruvector_l2_ops) WITH (lists = 1);
SELECT count(*) FROM (SELECT id FROM cyc ORDER BY v <-> '[1,2,3]' LIMIT 2) s;
SELECT count(*) FROM ruvector_stats;
DROP TABLE cyc;
SELECT count(*) FROM ruvector_stats;

-- a removal leaves every other entry reachable: 64 indexes fill the 64 slots
-- (probe runs meet), every other one is dropped in one transaction, the
-- rest queried again: each is found, none has a second row
DO $$
BEGIN
	FOR i IN 1..64 LOOP
		EXECUTE format('CREATE TABLE rm%s (v ruvector(2))', i);
		EXECUTE format('INSERT INTO rm%s VALUES (''[1,2]''), (''[3,4]'')', i);
		EXECUTE format('CREATE INDEX ON rm%s USING ruivf (v ruvector_l2_ops) WITH (lists = 1)', i);
		EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM rm%s ORDER BY v <-> ''[0,0]'' LIMIT 1) s', i);
	END LOOP;
END
$$;
SELECT count(*), sum(queries) FROM ruvector_stats;
DO $$
BEGIN
	FOR i IN 1..64 BY 2 LOOP
		EXECUTE format('DROP TABLE rm%s', i);
	END LOOP;
END
$$;
SELECT count(*) FROM ruvector_stats;
DO $$
BEGIN
	FOR i IN 2..64 BY 2 LOOP
		EXECUTE format('SELECT count(*) FROM (SELECT 1 FROM rm%s ORDER BY v <-> ''[0,0]'' LIMIT 1) s', i);
	END LOOP;
END
$$;
SELECT count(*), min(queries), max(queries), count(DISTINCT index) FROM ruvector_stats;
DO $$
BEGIN
	FOR i IN 2..64 BY 2 LOOP
		EXECUTE format('DROP TABLE rm%s', i);
	END LOOP;
END
$$;
SELECT count(*) FROM ruvector_stats;

DROP ROLE rv_stats_user;
DROP TABLE st;
