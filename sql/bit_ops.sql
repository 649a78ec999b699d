--
-- bit_ops: Hamming and Jaccard distances on PostgreSQL's bit type
-- (ruvector_hamming_distance, ruvector_jaccard_distance), checked against
-- exact SQL computations at every SIMD level the CPU has.
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- small cases, worked by hand
SELECT ruvector_hamming_distance(B'111', B'111') AS h0,
       ruvector_hamming_distance(B'111', B'110') AS h1,
       ruvector_hamming_distance(B'111', B'100') AS h2,
       ruvector_hamming_distance(B'111', B'000') AS h3,
       ruvector_hamming_distance(B'', B'') AS h_empty;
SELECT ruvector_jaccard_distance(B'1111', B'1111') AS j0,
       ruvector_jaccard_distance(B'1111', B'1110') AS j_quarter,
       ruvector_jaccard_distance(B'1111', B'1100') AS j_half,
       ruvector_jaccard_distance(B'1111', B'1000') AS j_three_quarters,
       ruvector_jaccard_distance(B'1100', B'1000') AS j_half_again;
-- nothing shared: 1, two strings of zeros included
SELECT ruvector_jaccard_distance(B'1111', B'0000') AS j_disjoint,
       ruvector_jaccard_distance(B'0000', B'0000') AS j_zeros,
       ruvector_jaccard_distance(B'', B'') AS j_empty;
-- varbit arguments of the same length are fine
SELECT ruvector_hamming_distance(B'111', B'000'::varbit(4)) AS h_varbit;
-- lengths must match
SELECT ruvector_hamming_distance(B'111', B'00');
SELECT ruvector_jaccard_distance(B'1111', B'0000'::varbit(5) || B'0');
SELECT ruvector_hamming_distance(B'1', NULL) IS NULL AS strict;

-- binary_quantize, then distances between the codes
SELECT ruvector_binary_quantize('[1,-1,0,2,0.5,-3,7,0,1]') AS q;
SELECT ruvector_hamming_distance(ruvector_binary_quantize('[1,-1,0,2]'),
                                 ruvector_binary_quantize('[-1,-1,3,2]')) AS h_q;

-- Random strings at lengths around every word and vector boundary, at five
-- densities, against exact SQL: bit_count of XOR, AND and OR.  The
-- reference's Jaccard is the same double-precision expression, so the
-- results must be equal, not close.
SELECT setseed(0.25);
CREATE TEMP TABLE bits_pairs AS
SELECT n, d, a, b
  FROM (SELECT n, d,
               array_to_string(ARRAY(SELECT CASE WHEN random() < d THEN '1' ELSE '0' END
                                       FROM generate_series(1, n)), '')::varbit AS a,
               array_to_string(ARRAY(SELECT CASE WHEN random() < 1 - d / 2 THEN '1' ELSE '0' END
                                       FROM generate_series(1, n)), '')::varbit AS b
          FROM unnest(ARRAY[1, 7, 8, 9, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513,
                            1000, 1023, 1024, 1025, 4095, 4096, 4097, 8200]) AS n,
               unnest(ARRAY[0.0, 0.05, 0.5, 0.95, 1.0]) AS d,
               generate_series(1, 3) AS rep) s;
-- a long pair (25 kB each), stored compressed
INSERT INTO bits_pairs
SELECT 200001, 0.0001, a, a # (B'1' || repeat('0', 199999)::varbit || B'1')
  FROM (SELECT (repeat('0', 100000) || '1' || repeat('0', 100000))::varbit AS a) s;
SELECT count(*) AS pairs, count(DISTINCT n) AS lengths FROM bits_pairs;

CREATE FUNCTION pg_temp.mismatches() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM bits_pairs
	 WHERE ruvector_hamming_distance(a, b) <> bit_count(a # b)
	    OR ruvector_hamming_distance(b, a) <> bit_count(a # b)
	    OR ruvector_jaccard_distance(a, b) IS DISTINCT FROM
	       CASE WHEN bit_count(a & b) = 0 THEN 1.0
	            ELSE 1.0 - bit_count(a & b)::float8 / bit_count(a | b)::float8 END
	    OR ruvector_jaccard_distance(a, b) <> ruvector_jaccard_distance(b, a)
$$;
-- every level this CPU supports, by name, must agree with the reference
CREATE TEMP TABLE level_results (level text, kernel text, mismatches bigint);
DO $$
DECLARE
	lv text;
BEGIN
	FOR lv IN SELECT level FROM ruvector_simd_info() WHERE supported LOOP
		PERFORM set_config('ruvector.simd', lv, true);
		INSERT INTO level_results SELECT lv, ruvector_bits_kernel(), pg_temp.mismatches();
	END LOOP;
END
$$;
RESET ruvector.simd;
SELECT bool_or(level = 'scalar') AS scalar_checked, count(*) >= 1 AS levels_checked,
       sum(mismatches) AS mismatches FROM level_results;
SELECT level, kernel, mismatches FROM level_results WHERE mismatches <> 0;
-- each level uses kernels of its generation or below
SELECT level, kernel FROM level_results
 WHERE NOT (level = 'scalar' AND kernel = 'scalar'
            OR level = 'avx2' AND kernel IN ('scalar', 'popcnt')
            OR level = 'avx512' AND kernel IN ('scalar', 'popcnt', 'avx512_vpopcntdq'));
SET ruvector.simd = scalar;
SELECT ruvector_bits_kernel();
RESET ruvector.simd;

-- the compressed pair: its values were read whole (one differing bit at each end)
SELECT n, pg_column_size(a) < 25000 AS compressed,
       ruvector_hamming_distance(a, b) AS h, ruvector_jaccard_distance(a, b) AS j
  FROM bits_pairs WHERE n = 200001;
-- an exact nearest-neighbour query by Hamming distance
SELECT n, round(d, 2) AS d, ruvector_hamming_distance(a, b) AS h
  FROM bits_pairs WHERE n = 64
 ORDER BY ruvector_hamming_distance(a, B'1010101010101010101010101010101010101010101010101010101010101010'), d, h
 LIMIT 3;
DROP TABLE bits_pairs, level_results;
