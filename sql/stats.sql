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

DROP ROLE rv_stats_user;
DROP TABLE st;
