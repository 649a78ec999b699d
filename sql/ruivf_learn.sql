--
-- The depth a recall target needs, learned at build (ivflearn.c), and
-- ruvector.target_recall choosing a scan's probes from it unless
-- ruvector.probes is set.  20,000 rows in 200 overlapping clusters of 16
-- dimensions, lists = 100; queries are 40 rows moved a little.
--
\set SHOW_CONTEXT never
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.5);
CREATE TABLE lrn (id int, v ruvector(16)) WITH (autovacuum_enabled = off);
CREATE TEMP TABLE lrn_c AS
  SELECT c, array_agg(random() * 10 ORDER BY d) AS m
  FROM generate_series(0, 199) c, generate_series(1, 16) d GROUP BY c;
INSERT INTO lrn
  SELECT i, (SELECT array_agg(m[d] + random() * 10 ORDER BY d) FROM generate_series(1, 16) d)::ruvector
  FROM generate_series(1, 20000) i JOIN lrn_c ON c = i % 200;
CREATE TEMP TABLE lrn_q AS
  SELECT id AS q, (SELECT array_agg(x + 0.5 ORDER BY o) FROM unnest(v::real[]) WITH ORDINALITY u(x, o))::ruvector AS v
  FROM lrn WHERE id % 500 = 7;
CREATE INDEX lrn_idx ON lrn USING ruivf (v ruvector_l2_ops) WITH (lists = 100);

-- the learned table: 12 targets from 100 queries, probes within the lists
-- and never fewer for a higher target
SELECT count(*) AS targets, min(queries) AS queries, max(recall) AS top,
       bool_and(probes BETWEEN 1 AND 100) AS within_lists
  FROM ruvector_index_depth('lrn_idx');
SELECT bool_and(probes >= prev) AS non_decreasing
  FROM (SELECT probes, lag(probes, 1, 1) OVER (ORDER BY recall) AS prev
          FROM ruvector_index_depth('lrn_idx')) s;

-- recall@10 of the index scan over the queries, with the session's settings
CREATE FUNCTION pg_temp.lrn_recall() RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
  hit bigint := 0;
  tot bigint := 0;
  kth float8;
  m bigint;
  r record;
BEGIN
  FOR r IN SELECT q, v FROM lrn_q ORDER BY q LOOP
    SET LOCAL enable_indexscan = off;
    SELECT max(d) INTO kth FROM (SELECT v <-> r.v AS d FROM lrn ORDER BY 1 LIMIT 10) s;
    SET LOCAL enable_indexscan = on;
    SET LOCAL enable_seqscan = off;
    SELECT count(*) INTO m FROM (SELECT v <-> r.v AS d FROM lrn ORDER BY v <-> r.v LIMIT 10) s
      WHERE d <= kth * (1 + 1e-6);
    SET LOCAL enable_seqscan = on;
    hit := hit + m;
    tot := tot + 10;
  END LOOP;
  RETURN round(hit::numeric / tot, 3);
END $$;

-- ruvector.probes is not set: the target (0.95 by default) chooses; the
-- recall reached is near it, and a higher target reads more lists
SHOW ruvector.target_recall;
SELECT pg_temp.lrn_recall() AS r95 \gset
SET ruvector.target_recall = 0.8;
SELECT pg_temp.lrn_recall() AS r80 \gset
SET ruvector.target_recall = 0.99;
SELECT pg_temp.lrn_recall() AS r99 \gset
SELECT :r95 >= 0.9 AS target_95_met, :r99 >= 0.96 AS target_99_met,
       :r80 BETWEEN 0.65 AND 0.95 AS target_80_near, :r80 < :r95 AND :r95 <= :r99 AS ordered;

-- ruvector.probes, once set, overrides the target; RESET hands it back
SET ruvector.probes = 1;
SELECT pg_temp.lrn_recall() < 0.6 AS probes_1_rules;
RESET ruvector.probes;
SELECT pg_temp.lrn_recall() = :r99 AS target_again;
-- and so does a function's SET clause
CREATE FUNCTION pg_temp.lrn_recall_p1() RETURNS numeric LANGUAGE sql
  SET ruvector.probes = 1 AS 'SELECT pg_temp.lrn_recall()';
SELECT pg_temp.lrn_recall_p1() < 0.6 AS set_clause_rules;
-- target 0: ruvector.probes's default (8)
SET ruvector.target_recall = 0;
SELECT pg_temp.lrn_recall() AS r0 \gset
SET ruvector.probes = 8;
SELECT pg_temp.lrn_recall() = :r0 AS target_0_is_probes_8;
RESET ruvector.probes;
RESET ruvector.target_recall;

-- the checker reads the table; a training learns again
SELECT ruvector_index_check('lrn_idx', true);
SELECT trained FROM ruvector_index_maintain('lrn_idx');
SELECT count(*) AS targets, min(queries) AS queries FROM ruvector_index_depth('lrn_idx');
SELECT pg_temp.lrn_recall() >= 0.9 AS target_95_after_training;

-- nothing learned: an index built empty, and too few lists
CREATE TABLE lrn_empty (v ruvector(3));
CREATE INDEX lrn_empty_idx ON lrn_empty USING ruivf (v ruvector_l2_ops);
SELECT count(*) FROM ruvector_index_depth('lrn_empty_idx');
CREATE INDEX lrn_one ON lrn USING ruivf (v ruvector_l2_ops) WITH (lists = 1);
SELECT count(*) FROM ruvector_index_depth('lrn_one');
-- not a ruivf index
CREATE INDEX lrn_id ON lrn (id);
SELECT * FROM ruvector_index_depth('lrn_id');

DROP TABLE lrn, lrn_empty;
