--
-- btree: comparison operators, sorting, DISTINCT, UNIQUE, index scans
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- element by element, then the shorter vector first
SELECT '[1,2]'::ruvector < '[1,3]' AS lt1, '[1,2]'::ruvector < '[1,2,0]' AS lt2,
       '[1,2,0]'::ruvector < '[1,3]' AS lt3, '[2]'::ruvector > '[1,9,9]' AS gt1,
       '[-1,5]'::ruvector < '[0]' AS lt4, '[1,2]'::ruvector < '[1,2]' AS not_lt;
SELECT '[1,2]'::ruvector <= '[1,2]' AS le, '[1,2]'::ruvector >= '[1,2]' AS ge,
       '[1,2]'::ruvector <= '[1,1]' AS not_le, '[1,1]'::ruvector >= '[1,2]' AS not_ge,
       '[1,2,3]'::ruvector = '[1,2,3]' AS eq, '[1,2,3]'::ruvector = '[1,2]' AS not_eq,
       '[1,2,3]'::ruvector <> '[1,2,4]' AS ne, '[1,2,3]'::ruvector <> '[1,2,3]' AS not_ne;
-- -0 equals 0; tiny differences count
SELECT '[0,-0]'::ruvector = '[-0,0]' AS zeros_equal, '[1e-45]'::ruvector > '[0]' AS subnormal_gt,
       '[1]'::ruvector = '[1.00000001]' AS same_float4, '[1]'::ruvector < '[1.0000001]' AS next_float4;
SELECT ruvector_cmp('[1,2]', '[1,3]') AS a, ruvector_cmp('[1,3]', '[1,2]') AS b,
       ruvector_cmp('[1,2]', '[1,2]') AS c, ruvector_cmp('[1,2]', '[1,2,0]') AS d,
       ruvector_cmp('[1,2,0]', '[1,2]') AS e;
-- the operators are consistent with one another
WITH v(x) AS (VALUES ('[1]'::ruvector), ('[1,0]'), ('[0,5]'), ('[-1]'), ('[1,2]'), ('[1,-2]')),
     p AS (SELECT a.x AS a, b.x AS b FROM v a, v b)
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE (a < b) = (ruvector_cmp(a, b) < 0) AND (a <= b) = (ruvector_cmp(a, b) <= 0)
                          AND (a = b) = (ruvector_cmp(a, b) = 0) AND (a <> b) = (ruvector_cmp(a, b) <> 0)
                          AND (a >= b) = (ruvector_cmp(a, b) >= 0) AND (a > b) = (ruvector_cmp(a, b) > 0)
                          AND ruvector_cmp(a, b) = -ruvector_cmp(b, a)
                          AND ruvector_cmp(a, b) IN (-1, 0, 1)) AS consistent
  FROM p;

CREATE TABLE bt (id int, v ruvector);
INSERT INTO bt VALUES (1, '[3]'), (2, '[1,2,3]'), (3, '[1,2]'), (4, '[-5,100]'), (5, '[1,2]'),
                      (6, '[1,2,0]'), (7, '[1,3]'), (8, '[0]'), (9, '[-0]'), (10, '[1,2,3]');
-- ORDER BY v
SELECT v, id FROM bt ORDER BY v, id;
SELECT v FROM bt ORDER BY v DESC, id;
-- DISTINCT ([0] and [-0] are the same value; which one is kept is not specified)
SELECT DISTINCT v FROM bt WHERE v <> '[0]' ORDER BY v;
SELECT count(DISTINCT v) FROM bt;
-- (the group of [0] and [-0] is shown as "zero": either may represent it)
SELECT CASE WHEN v = '[0]' THEN 'zero' ELSE v::text END AS v, count(*)
  FROM bt GROUP BY v HAVING count(*) > 1 ORDER BY bt.v;
SET enable_hashagg = off;
SELECT CASE WHEN v = '[0]' THEN 'zero' ELSE v::text END AS v, count(*)
  FROM bt GROUP BY v ORDER BY bt.v;
RESET enable_hashagg;
-- ranges
SELECT v FROM bt WHERE v BETWEEN '[1]' AND '[1,2,5]' ORDER BY v, id;
DROP TABLE bt;

-- a UNIQUE constraint
CREATE TABLE u (id int, v ruvector(3) UNIQUE);
INSERT INTO u VALUES (1, '[1,2,3]'), (2, '[1,2,4]'), (3, '[0,0,0]');
INSERT INTO u VALUES (4, '[1,2,3]');
INSERT INTO u VALUES (4, '[1.0, 2e0, 0.3e1]');
INSERT INTO u VALUES (4, '[-0,0,-0]');
INSERT INTO u VALUES (4, '[1,2,3.0000005]');
SELECT id, v FROM u ORDER BY id;
DO $$
BEGIN
	INSERT INTO u VALUES (5, '[1,2,4]');
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, SQLERRM;
END
$$;
DROP TABLE u;

-- a btree index, used for equality and ranges
CREATE TABLE bi (id int, v ruvector(2));
INSERT INTO bi SELECT i, ARRAY[i % 50, i / 50]::ruvector FROM generate_series(0, 999) i;
CREATE INDEX bi_v ON bi (v);
ANALYZE bi;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM bi WHERE v = '[7,3]';
SELECT id FROM bi WHERE v = '[7,3]';
SELECT id FROM bi WHERE v = '[7,3.5]';
EXPLAIN (COSTS OFF) SELECT v FROM bi WHERE v < '[0,5]' ORDER BY v;
SELECT v FROM bi WHERE v < '[0,5]' ORDER BY v;
EXPLAIN (COSTS OFF) SELECT v FROM bi ORDER BY v DESC LIMIT 3;
SELECT v FROM bi ORDER BY v DESC LIMIT 3;
-- the index agrees with a sort
RESET enable_seqscan;
RESET enable_bitmapscan;
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;
CREATE TEMP TABLE sorted AS SELECT row_number() OVER (ORDER BY v) AS n, v FROM bi;
RESET enable_indexscan;
RESET enable_indexonlyscan;
RESET enable_bitmapscan;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT row_number() OVER (ORDER BY v) AS n, v FROM bi;
SELECT count(*) AS rows, count(*) FILTER (WHERE s.v = i.v) AS same_order
  FROM sorted s JOIN (SELECT row_number() OVER (ORDER BY v) AS n, v FROM bi) i USING (n);
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_sort;
-- a merge join on =
SET enable_hashjoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM bi a JOIN bi b ON a.v = b.v;
SELECT count(*) FROM bi a JOIN bi b ON a.v = b.v;
RESET enable_hashjoin;
RESET enable_nestloop;
DROP TABLE bi;
