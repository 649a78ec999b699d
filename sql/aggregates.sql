--
-- aggregates: avg(ruvector) and sum(ruvector), serial and parallel
--
\set SHOW_CONTEXT never
\set VERBOSITY default

CREATE TABLE agg (id int, g int, v ruvector);
INSERT INTO agg VALUES (1, 1, '[1,2,3]'), (2, 1, '[3,4,5]'), (3, 2, '[10,20,30]'),
                       (4, 2, NULL), (5, 2, '[-4,0,0.5]'), (6, 3, NULL);
-- NULL rows are skipped: over rows 1, 2, 3, 5
SELECT avg(v), sum(v), count(v) FROM agg;
-- hand-checked: sum = [1+3+10-4, 2+4+20+0, 3+5+30+0.5]; avg = sum / 4
SELECT sum(v) = '[10,26,38.5]' AS sum_ok, avg(v) = '[2.5,6.5,9.625]' AS avg_ok FROM agg;
SELECT pg_typeof(avg(v)), pg_typeof(sum(v)) FROM agg;
-- GROUP BY (group 3 has only a NULL)
SELECT g, avg(v), sum(v), count(v) FROM agg GROUP BY g ORDER BY g;
-- the same with hashing and with sorting
SET enable_hashagg = off;
SELECT g, avg(v), sum(v) FROM agg GROUP BY g ORDER BY g;
RESET enable_hashagg;
-- empty input and only NULLs give NULL
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM agg WHERE false;
SELECT avg(v) IS NULL AS avg_null, sum(v) IS NULL AS sum_null FROM agg WHERE v IS NULL;
SELECT avg(v), sum(v) FROM agg WHERE id > 100;
-- one row
SELECT avg(v), sum(v) FROM agg WHERE id = 5;
-- DISTINCT, FILTER
INSERT INTO agg VALUES (7, 1, '[1,2,3]');
SELECT sum(v) AS all_rows, sum(DISTINCT v) AS distinct_rows,
       sum(v) FILTER (WHERE g = 1) AS group_1 FROM agg;
-- as a window aggregate: running sums and averages
SELECT id, v, sum(v) OVER w AS running_sum, avg(v) OVER w AS running_avg
  FROM agg WHERE v IS NOT NULL WINDOW w AS (ORDER BY id) ORDER BY id;
-- dimension mismatch: SQLSTATE 22000
INSERT INTO agg VALUES (8, 4, '[1,2]');
SELECT avg(v) FROM agg;
SELECT sum(v) FROM agg;
SELECT g, sum(v) FROM agg WHERE g IN (1, 4) GROUP BY g ORDER BY g;
DO $$
BEGIN
	PERFORM sum(v) FROM agg;
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, SQLERRM;
END
$$;
DROP TABLE agg;

-- sums are kept in double precision: large elements average fine
SELECT avg(v) FROM (VALUES ('[3e38,-3e38]'::ruvector), ('[3e38,-3e38]')) t(v);
SELECT avg(v) FROM (VALUES ('[1e-30]'::ruvector), ('[3e-30]')) t(v);
-- ... but a sum that does not fit a float4 is an error: SQLSTATE 22003
SELECT sum(v) FROM (VALUES ('[3e38]'::ruvector), ('[3e38]')) t(v);
SELECT sum(v) FROM (VALUES ('[1,-3e38]'::ruvector), ('[1,-3e38]')) t(v);
-- float4 rounding happens once, at the end: 0.1 ten times
SELECT sum(v) AS sum_of_tenths, avg(v) AS avg_of_tenths
  FROM (SELECT '[0.1]'::ruvector FROM generate_series(1, 10)) t(v);

-- parallel aggregation: the same result as serial
CREATE TABLE big (id int, g int, v ruvector(3));
INSERT INTO big
SELECT i, i % 5, ARRAY[i, -2 * i, (i % 7) * 0.25]::ruvector FROM generate_series(1, 5000) i;
INSERT INTO big SELECT 5001, 0, NULL;
ANALYZE big;
-- serial
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM big;
CREATE TEMP TABLE serial_all AS SELECT avg(v) AS a, sum(v) AS s, count(v) AS n FROM big;
CREATE TEMP TABLE serial_groups AS SELECT g, avg(v) AS a, sum(v) AS s FROM big GROUP BY g;
-- parallel
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM big;
SELECT avg(v), sum(v), count(v) FROM big;
-- expected: sum(i) = 12502500, sum(-2i) = -25005000, sum((i % 7) / 4) = 3749.25
SELECT sum(v) = '[12502500,-25005000,3749.25]' AS sum_ok,
       avg(v) = ARRAY[12502500 / 5000.0, -25005000 / 5000.0, 3749.25 / 5000]::ruvector AS avg_ok
  FROM big;
SELECT a = (SELECT avg(v) FROM big) AS avg_same, s = (SELECT sum(v) FROM big) AS sum_same
  FROM serial_all;
EXPLAIN (COSTS OFF) SELECT g, avg(v), sum(v) FROM big GROUP BY g;
SELECT count(*) AS groups,
       count(*) FILTER (WHERE p.a = s.a AND p.s = s.s) AS same_as_serial
  FROM (SELECT g, avg(v) AS a, sum(v) AS s FROM big GROUP BY g) p JOIN serial_groups s USING (g);
SELECT g, sum(v) FROM big GROUP BY g ORDER BY g;
-- a dimension mismatch found in a worker is reported too
INSERT INTO big (id, g, v) SELECT 5002, 0, '[1,2,3]';
ALTER TABLE big ALTER COLUMN v TYPE ruvector;
UPDATE big SET v = '[1,2]' WHERE id = 5002;
SELECT sum(v) FROM big;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE big;
