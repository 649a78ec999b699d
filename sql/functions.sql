--
-- functions: distance functions, norms, subvector, arithmetic, concatenation
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- err(q): run q, and show the SQLSTATE and message of the error it raises
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- distance functions: [1,2,3] and [4,6,8] (see operators)
SELECT l2_distance('[1,2,3]', '[4,6,8]') = sqrt(50::float8) AS l2_is_sqrt50,
       inner_product('[1,2,3]', '[4,6,8]') AS ip,
       round(cosine_distance('[1,2,3]', '[4,6,8]')::numeric, 6) AS cosine,
       l1_distance('[1,2,3]', '[4,6,8]') AS l1;
-- the functions agree with the operators
SELECT l2_distance(a, b) = (a <-> b) AS l2, inner_product(a, b) = -(a <#> b) AS ip,
       cosine_distance(a, b) = (a <=> b) AS cos, l1_distance(a, b) = (a <+> b) AS l1
  FROM (VALUES ('[0.5,-1.25,3,7]'::ruvector, '[2,2,-0.75,1e-3]'::ruvector)) v(a, b);
SELECT ruvector_l2_squared_distance('[1,2,3]', '[4,6,8]') AS l2_squared;
SELECT inner_product('[1,-1]', '[1,1]') AS orthogonal, inner_product('[-2]', '[3]') AS negative;
SELECT l2_distance('[1,2]', '[1]');
SELECT inner_product('[1,2]', '[1]');
SELECT cosine_distance('[1,2]', '[1]');
SELECT l1_distance('[1]', '[1,2]');
SELECT ruvector_l2_squared_distance('[1]', '[1,2]');

-- vector_dims
SELECT vector_dims('[1]'), vector_dims('[1,2,3]'), vector_dims(NULL::ruvector) IS NULL AS null_in_null_out;

-- vector_norm: Euclidean norm, computed in double precision
SELECT vector_norm('[3,4]') AS five, vector_norm('[0,0,0]') AS zero, vector_norm('[-2]') AS two,
       vector_norm('[1,1,1,1]') AS also_two, vector_norm('[1,2,3]') = sqrt(14::float8) AS sqrt14;
-- elements near the float4 limit do not overflow the norm
SELECT vector_norm('[2e38,3e38]') > 3.6e38 AS no_overflow,
       round((vector_norm('[2e38,3e38]') / 1e38)::numeric, 5) AS norm_over_1e38;

-- l2_normalize
SELECT l2_normalize('[3,4]') AS three_four, l2_normalize('[0,-5,0]') AS axis,
       l2_normalize('[1,1]') AS diagonal;
SELECT abs(vector_norm(l2_normalize('[1,2,3,4,5,6,7]')) - 1) < 1e-6 AS unit_norm;
-- the zero vector stays zero
SELECT l2_normalize('[0,0,0]') AS zero;
-- large and tiny elements
-- (2,3) / sqrt(13) = (0.5547002, 0.8320503)
SELECT l2_normalize('[2e38,3e38]') AS large, l2_normalize('[3e-38,4e-38]') AS tiny;

-- subvector(v, start, count): count elements from 1-based start
SELECT subvector('[1,2,3,4,5]', 2, 3) AS middle, subvector('[1,2,3,4,5]', 1, 5) AS whole,
       subvector('[1,2,3,4,5]', 5, 1) AS last, subvector('[1,2,3,4,5]', 1, 1) AS first;
-- clipped to the vector, like substring
SELECT subvector('[1,2,3,4,5]', 4, 10) AS past_end, subvector('[1,2,3,4,5]', 0, 2) AS from_zero,
       subvector('[1,2,3,4,5]', -2, 5) AS from_negative,
       subvector('[1,2,3,4,5]', 2, 2147483647) AS huge_count;
-- errors: a count below 1 (22000), nothing left after clipping (2202E)
SELECT subvector('[1,2,3]', 1, 0);
SELECT subvector('[1,2,3]', 4, 1);
SELECT t AS call, pg_temp.err('SELECT ' || t) AS error
  FROM (VALUES ($$subvector('[1,2,3]', 1, 0)$$), ($$subvector('[1,2,3]', 2, -1)$$),
               ($$subvector('[1,2,3]', 4, 1)$$), ($$subvector('[1,2,3]', 0, 1)$$),
               ($$subvector('[1,2,3]', -5, 3)$$), ($$subvector('[1,2,3]', 2147483647, 2147483647)$$),
               ($$subvector('[1,2,3]', -2147483648, 1)$$),
               ($$subvector('[1,2,3]', -2147483648, 2147483647)$$)) AS v(t);

-- element-wise arithmetic
SELECT '[1,2,3]'::ruvector + '[4,5,6]' AS sum, '[1,2,3]'::ruvector - '[4,5,6]' AS difference,
       '[1,2,3]'::ruvector * '[4,5,6]' AS product;
SELECT '[0.1]'::ruvector + '[0.2]' AS float4_sum, '[1.5,-2]'::ruvector * '[-2,0.25]' AS product,
       '[1,2]'::ruvector - '[1,2]' AS zero;
-- + and * commute
SELECT '[1.5,2]'::ruvector + '[3,-4]' = '[3,-4]'::ruvector + '[1.5,2]' AS add_commutes,
       '[1.5,2]'::ruvector * '[3,-4]' = '[3,-4]'::ruvector * '[1.5,2]' AS mul_commutes;
-- the largest float4 still works
SELECT '[3e38]'::ruvector + '[4e37]' AS near_max, '[1e19]'::ruvector * '[3e19]' AS big_product,
       '[1e-20]'::ruvector * '[1e-20]' AS subnormal_product;
-- overflow and underflow: SQLSTATE 22003
SELECT '[3e38]'::ruvector + '[3e38]';
SELECT '[-3e38]'::ruvector - '[3e38]';
SELECT '[1e20]'::ruvector * '[1e20]';
SELECT '[1e-30]'::ruvector * '[1e-30]';
SELECT t AS expr, pg_temp.err('SELECT ' || t) AS error
  FROM (VALUES ($$'[1,3e38]'::ruvector + '[1,3e38]'$$), ($$'[-3e38]'::ruvector + '[-3e38]'$$),
               ($$'[3e38]'::ruvector - '[-3e38]'$$), ($$'[1e20,1]'::ruvector * '[-1e20,1]'$$),
               ($$'[1,1e-30]'::ruvector * '[1,-1e-30]'$$)) AS v(t);
-- a zero factor is not an underflow
SELECT '[0,1e-30]'::ruvector * '[1e-30,0]' AS zeros;
-- dimension mismatch: SQLSTATE 22000
SELECT '[1,2]'::ruvector + '[1]';
SELECT t AS expr, pg_temp.err('SELECT ' || t) AS error
  FROM (VALUES ($$'[1,2]'::ruvector + '[1]'$$), ($$'[1,2]'::ruvector - '[1]'$$),
               ($$'[1]'::ruvector * '[1,2]'$$)) AS v(t);

-- concatenation
SELECT '[1,2]'::ruvector || '[3]' AS cat, '[1]'::ruvector || '[1]' AS twice,
       vector_dims('[1,2]'::ruvector || '[3,4,5]') AS dims;
-- up to 16000 dimensions
SELECT vector_dims(array_fill(1, ARRAY[8000])::ruvector || array_fill(2, ARRAY[8000])::ruvector) AS dims;
SELECT subvector(array_fill(1, ARRAY[8000])::ruvector || array_fill(2, ARRAY[8000])::ruvector,
                 7999, 4) AS seam;
-- and no more: SQLSTATE 54000
SELECT array_fill(1, ARRAY[8000])::ruvector || array_fill(2, ARRAY[8001])::ruvector;
SELECT pg_temp.err($$SELECT array_fill(1, ARRAY[16000])::ruvector || '[1]'$$) AS error;

-- every function is strict
SELECT l2_normalize(NULL) IS NULL AS normalize, subvector(NULL, 1, 1) IS NULL AS sub1,
       subvector('[1]', NULL, 1) IS NULL AS sub2, ('[1]'::ruvector + NULL) IS NULL AS plus,
       (NULL || '[1]'::ruvector) IS NULL AS cat, vector_norm(NULL) IS NULL AS norm;
