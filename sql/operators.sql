--
-- operators: <-> (L2), <#> (negative inner product), <=> (cosine), <+> (L1)
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- hand-checked values for [1,2,3] and [4,6,8]:
--   L2 = sqrt(3^2 + 4^2 + 5^2) = sqrt(50); inner product = 4 + 12 + 24 = 40;
--   cosine = 1 - 40 / sqrt(14 * 116); L1 = 3 + 4 + 5 = 12
SELECT '[1,2,3]'::ruvector <-> '[4,6,8]' AS l2,
       sqrt(50::float8) AS expected_l2,
       '[1,2,3]'::ruvector <#> '[4,6,8]' AS neg_ip,
       '[1,2,3]'::ruvector <+> '[4,6,8]' AS l1;
SELECT round(('[1,2,3]'::ruvector <=> '[4,6,8]')::numeric, 6) AS cosine,
       round((1 - 40 / sqrt(14 * 116::float8))::numeric, 6) AS expected_cosine;
-- operators commute
SELECT '[4,6,8]'::ruvector <-> '[1,2,3]' AS l2, '[4,6,8]'::ruvector <#> '[1,2,3]' AS neg_ip,
       round(('[4,6,8]'::ruvector <=> '[1,2,3]')::numeric, 6) AS cosine,
       '[4,6,8]'::ruvector <+> '[1,2,3]' AS l1;
-- result type
SELECT pg_typeof('[1]'::ruvector <-> '[2]'), pg_typeof('[1]'::ruvector <#> '[2]'),
       pg_typeof('[1]'::ruvector <=> '[2]'), pg_typeof('[1]'::ruvector <+> '[2]');

-- distance to itself
SELECT '[1.5,-2,3]'::ruvector <-> '[1.5,-2,3]' AS l2,
       '[1.5,-2,3]'::ruvector <+> '[1.5,-2,3]' AS l1,
       '[1.5,-2,3]'::ruvector <=> '[1.5,-2,3]' AS cosine;
-- 3-4-5 triangle, negative components
SELECT '[0,0]'::ruvector <-> '[3,4]' AS five, '[-1,-1]'::ruvector <-> '[2,3]' AS also_five,
       '[-1,-1]'::ruvector <+> '[2,3]' AS seven, '[-1,2]'::ruvector <#> '[3,-4]' AS eleven;
-- cosine: same direction 0, orthogonal 1, opposite 2
SELECT '[1,2]'::ruvector <=> '[2,4]' AS same_direction,
       '[1,0]'::ruvector <=> '[0,1]' AS orthogonal,
       '[1,1]'::ruvector <=> '[-1,-1]' AS opposite;
-- cosine with a zero vector is NaN
SELECT '[0,0,0]'::ruvector <=> '[1,2,3]' AS zero_left,
       '[1,2,3]'::ruvector <=> '[0,0,0]' AS zero_right,
       '[0,0,0]'::ruvector <=> '[0,0,0]' AS both_zero,
       cosine_distance('[0]', '[5]') AS function_form;
-- distances of zero vectors are otherwise ordinary
SELECT '[0,0,0]'::ruvector <-> '[1,2,2]' AS l2, '[0,0,0]'::ruvector <#> '[1,2,2]' = 0 AS neg_ip_zero,
       '[0,0,0]'::ruvector <+> '[1,2,2]' AS l1;
-- NULL operands give NULL
SELECT ('[1]'::ruvector <-> NULL) IS NULL AS l2, (NULL <#> '[1]'::ruvector) IS NULL AS ip,
       ('[1]'::ruvector <=> NULL) IS NULL AS cos, (NULL <+> '[1]'::ruvector) IS NULL AS l1;
-- the largest float4 elements
SELECT '[3e38]'::ruvector <#> '[1]' AS neg_ip, '[3e38]'::ruvector <+> '[1e38]' AS l1;

-- dimension mismatch: SQLSTATE 22000
SELECT '[1,2,3]'::ruvector <-> '[1,2]';
SELECT '[1,2,3]'::ruvector <#> '[1,2]';
SELECT '[1]'::ruvector <=> '[1,2]';
SELECT '[1,2]'::ruvector <+> '[1,2,3,4]';
DO $$
BEGIN
	PERFORM '[1,2,3]'::ruvector <-> '[1,2]';
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'SQLSTATE %: %', SQLSTATE, SQLERRM;
END
$$;

-- ORDER BY ... LIMIT on a table: v = [i, 20 - i]
CREATE TABLE pts (id int PRIMARY KEY, v ruvector(2));
INSERT INTO pts SELECT i, ARRAY[i, 20 - i]::ruvector FROM generate_series(1, 20) i;
-- nearest to [5,15] by L2: 5 (0), then 4 and 6 (sqrt 2)
SELECT id, v, v <-> '[5,15]' AS dist FROM pts ORDER BY v <-> '[5,15]', id LIMIT 3;
-- inner product with [1,2] is 40 - i: the best (most negative <#>) is id 20
SELECT id, v, v <#> '[1,2]' AS dist FROM pts ORDER BY v <#> '[1,2]', id LIMIT 3;
-- cosine to [1,1]: 10 is on the diagonal, then 9 and 11
SELECT id, v, round((v <=> '[1,1]')::numeric, 6) AS dist
  FROM pts ORDER BY v <=> '[1,1]', id LIMIT 3;
-- L1 to [7.5,12.5] is 2 * |i - 7.5|
SELECT id, v, v <+> '[7.5,12.5]' AS dist FROM pts ORDER BY v <+> '[7.5,12.5]', id LIMIT 4;
-- farthest first, with the query vector from a subquery
SELECT id FROM pts ORDER BY v <-> (SELECT v FROM pts WHERE id = 3) DESC, id LIMIT 3;
DROP TABLE pts;

-- 16000 dimensions: all 1.5 against all -0.5
SELECT a <-> b AS l2, a <-> b = sqrt(64000::float8) AS l2_is_sqrt64000, a <#> b AS neg_ip,
       a <=> b AS cosine, a <+> b AS l1
  FROM (SELECT array_fill(1.5::real, ARRAY[16000])::ruvector AS a,
               array_fill(-0.5::real, ARRAY[16000])::ruvector AS b) t;

-- stored vectors of 1000 and 2000 dimensions give the same distances as
-- fresh copies of them
CREATE TABLE t1000 (id int, v ruvector(1000));
INSERT INTO t1000
SELECT id, (SELECT array_agg((i % 4) * id ORDER BY i) FROM generate_series(1, 1000) i)::ruvector
  FROM generate_series(1, 6) id;
CREATE TABLE t2000 (id int, v ruvector(2000));
INSERT INTO t2000
SELECT id, (SELECT array_agg(sin(i * id) ORDER BY i) FROM generate_series(1, 2000) i)::ruvector
  FROM generate_series(1, 4) id;
SELECT 't1000' AS tab, count(*) AS pairs,
       count(*) FILTER (WHERE a.v <-> b.v = a.v::text::ruvector <-> b.v::text::ruvector
                          AND a.v <#> b.v = a.v::text::ruvector <#> b.v::text::ruvector
                          AND a.v <=> b.v = a.v::text::ruvector <=> b.v::text::ruvector
                          AND a.v <+> b.v = a.v::text::ruvector <+> b.v::text::ruvector) AS same
  FROM t1000 a, t1000 b
UNION ALL
SELECT 't2000', count(*),
       count(*) FILTER (WHERE a.v <-> b.v = a.v::text::ruvector <-> b.v::text::ruvector
                          AND a.v <#> b.v = a.v::text::ruvector <#> b.v::text::ruvector
                          AND a.v <=> b.v = a.v::text::ruvector <=> b.v::text::ruvector
                          AND a.v <+> b.v = a.v::text::ruvector <+> b.v::text::ruvector)
  FROM t2000 a, t2000 b;
-- the query vector from a subquery: v = (i % 4) * id, so the distance to
-- row 2 is |id - 2| * sqrt(250 * (1 + 4 + 9)) = |id - 2| * sqrt(3500)
SELECT id, round((v <-> (SELECT v FROM t1000 WHERE id = 2))::numeric, 4) AS dist,
       round((abs(id - 2) * sqrt(3500::float8))::numeric, 4) AS expected
  FROM t1000 ORDER BY v <-> (SELECT v FROM t1000 WHERE id = 2), id LIMIT 4;
DROP TABLE t1000, t2000;

-- every SIMD level the CPU supports agrees with a double-precision
-- reference computed in SQL, on sizes that exercise the kernels' tails.
-- Pairs 1..: exact binary fractions (every kernel must be exact); then the
-- same sizes with sin/cos values (compared with a tolerance).
CREATE TABLE pairs (id serial, d int, a ruvector, b ruvector);
INSERT INTO pairs (d, a, b)
SELECT d,
       (SELECT array_agg(((i * 37) % 19 - 9) / 4.0 ORDER BY i) FROM generate_series(1, d) i)::ruvector,
       (SELECT array_agg(((i * 53) % 23 - 11) / 8.0 ORDER BY i) FROM generate_series(1, d) i)::ruvector
  FROM unnest(ARRAY[1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257]) d;
INSERT INTO pairs (d, a, b)
SELECT d,
       (SELECT array_agg(sin(i * 0.7) * 10 ORDER BY i) FROM generate_series(1, d) i)::ruvector,
       (SELECT array_agg(cos(i * 1.3) ORDER BY i) FROM generate_series(1, d) i)::ruvector
  FROM unnest(ARRAY[1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257]) d;
SELECT count(*) AS pairs, bool_and(vector_dims(a) = d AND vector_dims(b) = d) AS dims_ok FROM pairs;

CREATE TABLE ref AS
SELECT id, sqrt(sum((x - y) ^ 2)) AS l2, sum(x * y) AS ip,
       1 - sum(x * y) / sqrt(sum(x * x) * sum(y * y)) AS cos, sum(abs(x - y)) AS l1,
       sqrt(sum(x * x)) AS na, sqrt(sum(y * y)) AS nb, sum(abs(x)) + sum(abs(y)) AS sa
  FROM pairs, unnest(a::float8[], b::float8[]) AS u(x, y)
 GROUP BY id;

CREATE TABLE results (level text, id int, l2 float8, nip float8, cos float8, l1 float8,
                      f_l2 float8, f_ip float8, f_cos float8, f_l1 float8);
DO $$
DECLARE
	lvl text;
BEGIN
	FOR lvl IN SELECT level FROM ruvector_simd_info() WHERE supported LOOP
		PERFORM set_config('ruvector.simd', lvl, false);
		IF (SELECT level FROM ruvector_simd_info() WHERE in_use) IS DISTINCT FROM lvl THEN
			RAISE EXCEPTION 'level % is not in use after setting it', lvl;
		END IF;
		EXECUTE 'INSERT INTO results
				 SELECT $1, id, a <-> b, a <#> b, a <=> b, a <+> b,
						l2_distance(a, b), inner_product(a, b), cosine_distance(a, b),
						l1_distance(a, b)
				   FROM pairs' USING lvl;
	END LOOP;
END
$$;
RESET ruvector.simd;
-- scalar was among the levels, and every level computed every pair
SELECT bool_or(level = 'scalar') AS has_scalar,
       bool_and(n = (SELECT count(*) FROM pairs)) AS all_pairs,
       count(*) = (SELECT count(*) FROM ruvector_simd_info() WHERE supported) AS all_levels
  FROM (SELECT level, count(*) AS n FROM results GROUP BY level) s;
-- the exact pairs are exact at every level
SELECT count(*) AS inexact
  FROM results r JOIN ref f USING (id)
 WHERE r.id <= 19
   AND NOT (r.l2 = f.l2 AND r.nip = -f.ip AND r.l1 = f.l1 AND
            r.f_l2 = f.l2 AND r.f_ip = f.ip AND r.f_l1 = f.l1 AND
            abs(r.cos - f.cos) < 1e-6 AND r.f_cos = r.cos);
-- all pairs, every level, against the reference
SELECT r.level, r.id, r.l2, f.l2, r.nip, f.ip, r.cos, f.cos, r.l1, f.l1
  FROM results r JOIN ref f USING (id)
 WHERE NOT (abs(r.l2 - f.l2) < 1e-4 * (1 + f.na + f.nb) AND
            abs(r.nip + f.ip) < 1e-4 * (1 + f.na * f.nb) AND
            abs(r.cos - f.cos) < 1e-4 AND
            abs(r.l1 - f.l1) < 1e-4 * (1 + f.sa) AND
            r.f_l2 = r.l2 AND r.f_ip = -r.nip AND r.f_cos = r.cos AND r.f_l1 = r.l1);
-- and every level against scalar
SELECT r.level, r.id
  FROM results r JOIN results s ON s.id = r.id AND s.level = 'scalar' JOIN ref f ON f.id = r.id
 WHERE NOT (abs(r.l2 - s.l2) < 1e-4 * (1 + f.na + f.nb) AND
            abs(r.nip - s.nip) < 1e-4 * (1 + f.na * f.nb) AND
            abs(r.cos - s.cos) < 1e-4 AND
            abs(r.l1 - s.l1) < 1e-4 * (1 + f.sa));
-- a few of the exact scalar results, checked by hand: d = 1: a = [2.25], b = [-0.5]:
-- L2^2 = 2.75^2, ip = -1.125, L1 = 2.75; d = 2: a = [2.25,2], b = [-0.5,0.375]:
-- L2^2 = 2.75^2 + 1.625^2 = 10.203125, ip = -1.125 + 0.75, L1 = 2.75 + 1.625
SELECT id, a, b, l2 ^ 2 AS l2_squared, -nip AS ip, l1
  FROM results JOIN pairs USING (id) WHERE level = 'scalar' AND id <= 2 ORDER BY id;
DROP TABLE pairs, ref, results;

-- extreme values: distances are recomputed in double when float overflows,
-- underflows or turns NaN, so they match the double-precision answer
SELECT '[1e20]'::ruvector <-> '[0]' AS l2_big,
       '[1e-25]'::ruvector <-> '[0]' AS l2_tiny,
       '[1e20]'::ruvector <#> '[1e20]' AS ip_big,
       '[3e38]'::ruvector <+> '[-3e38]' AS l1_big;
SELECT '[1e20,1e20]'::ruvector <=> '[1e20,1e20]' AS cos_big,
       '[1e-30]'::ruvector <=> '[1e-30]' AS cos_tiny,
       '[1e-30,1e-30]'::ruvector <=> '[1,1]' AS cos_mixed,
       '[3e38,3e38]'::ruvector <=> '[-3e38,-3e38]' AS cos_opposite;
-- zero inner product prints as 0, not -0
SELECT '[0,0,0]'::ruvector <#> '[1,2,2]' AS neg_ip_zero;
