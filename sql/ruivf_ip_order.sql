--
-- The list order of an inner-product ruivf index over rows of one norm
-- (unit-length embeddings): its lists are ranked as an L2 index ranks them
-- for the query's direction (ivf.h, RuIvfListKeyIP), not by <q, c>, which
-- prefers a tight cluster's centroid (longer) to a nearer loose one's.
--
SET client_min_messages = warning;
-- Two clusters of unit vectors in 8 dimensions: a tight one around e1
-- (rows within ~3 degrees) and a loose one around e2 (within ~30).  The
-- noise is a fixed hash of (row, dimension).
CREATE FUNCTION pg_temp.noise(i int, d int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT (x - floor(x)) * 2.0 - 1.0 FROM (SELECT abs(sin(i * 12.9898 + d * 78.233) * 43758.5453) AS x) s $$;
CREATE TABLE ipo (id int PRIMARY KEY, c text, v ruvector(8));
INSERT INTO ipo
SELECT i, CASE WHEN i <= 300 THEN 'tight' ELSE 'loose' END,
       l2_normalize(array(SELECT CASE WHEN d = CASE WHEN i <= 300 THEN 1 ELSE 2 END THEN 1.0
                                      ELSE pg_temp.noise(i, d) * CASE WHEN i <= 300 THEN 0.03 ELSE 0.2 END END
                          FROM generate_series(1, 8) d)::ruvector)
  FROM generate_series(1, 600) i;
CREATE INDEX ipo_ip ON ipo USING ruivf (v ruvector_ip_ops) WITH (lists = 2);
CREATE INDEX ipo_l2 ON ipo USING ruivf (v ruvector_l2_ops) WITH (lists = 2);
-- the rows' one norm, as ruvector_index_info shows it (an L2 index keeps none)
SELECT i.relname, round(f.row_norm::numeric, 4) AS row_norm
  FROM pg_class i, ruvector_index_info(i.oid) f WHERE i.relname IN ('ipo_ip', 'ipo_l2') ORDER BY 1;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
-- Queries between the clusters, 44.5 to 46 degrees from e2 towards e1:
-- nearer the loose cluster's rows, but with a larger inner product with
-- the tight cluster's centroid (checked here, from the clusters' means);
-- further towards e1 an L2 index, too, reads the tight cluster first.
CREATE TABLE ipo_q (qid int, q ruvector(8));
INSERT INTO ipo_q
SELECT g, array[sin(radians(a)), cos(radians(a)), 0, 0, 0, 0, 0, 0]::ruvector
  FROM unnest(array[44.5, 45.0, 45.5, 46.0]) WITH ORDINALITY AS t(a, g);
SELECT qid,
       (SELECT (avg(v) <#> q) < (SELECT avg(v) <#> q FROM ipo WHERE c = 'loose') FROM ipo WHERE c = 'tight')
         AS tight_centroid_has_larger_ip,
       (SELECT count(*) FROM (SELECT c FROM ipo ORDER BY v <#> q LIMIT 10) s
         WHERE c = 'loose') AS exact_top10_in_loose
  FROM ipo_q ORDER BY qid;
-- One list read: the inner-product index reads the loose cluster's list,
-- as the L2 index does, and returns the exact top 10.
CREATE TEMP TABLE exact AS
SELECT qid, array(SELECT id FROM ipo ORDER BY v <#> q, id LIMIT 10) AS ids FROM ipo_q;
RESET enable_indexscan;
RESET enable_bitmapscan;
SET enable_seqscan = off;
SET ruvector.probes = 1;
SET ruvector.iterative_scan = off;
SELECT qid,
       array(SELECT id FROM ipo ORDER BY v <#> q LIMIT 10) = ids AS ip_index_exact,
       array(SELECT id FROM ipo ORDER BY v <-> q LIMIT 10) = ids AS l2_index_exact
  FROM ipo_q JOIN exact USING (qid) ORDER BY qid;
SELECT ruvector_index_check('ipo_ip', true) AS check_ip;
DROP TABLE ipo, ipo_q;
