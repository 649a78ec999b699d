--
-- io_errors: every kind of bad input, with its SQLSTATE
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

-- malformed text: the full reports, with their details and hints
SELECT '1,2,3]'::ruvector;
SELECT '[1,2,3'::ruvector;
SELECT '[1,2,3]x'::ruvector;
SELECT '[1,,2]'::ruvector;
SELECT '[1,a]'::ruvector;
SELECT '[1 2]'::ruvector;
SELECT ''::ruvector;
SELECT '[1,]'::ruvector;

-- malformed text: SQLSTATE 22P02 (invalid_text_representation) for all
SELECT t AS input, pg_temp.err(format('SELECT %L::ruvector', t)) AS error
  FROM (VALUES ('1,2,3]'), ('1,2,3'), ('[1,2,3'), ('[1,2,3,'), ('['), ('[1,2,3]x'),
               ('[1,2,3] ]'), ('[1,2][3]'), ('[1,,2]'), ('[,1]'), ('[1,]'), ('[a]'),
               ('[1,b]'), ('[1e]'), ('[1 2]'), ('[1;2]'), (''), ('   '), ('[[1]]'),
               ('(1,2)'), ('{1,2}')) AS v(t);

-- NaN and infinities: SQLSTATE 22000 (data_exception)
SELECT '[NaN]'::ruvector;
SELECT '[Infinity]'::ruvector;
SELECT t AS input, pg_temp.err(format('SELECT %L::ruvector', t)) AS error
  FROM (VALUES ('[NaN]'), ('[1,nan,3]'), ('[Infinity]'), ('[-Infinity]'), ('[1,inf]'),
               ('[-inf,1]')) AS v(t);

-- no elements: SQLSTATE 22000
SELECT '[]'::ruvector;
SELECT t AS input, pg_temp.err(format('SELECT %L::ruvector', t)) AS error
  FROM (VALUES ('[]'), ('[ ]'), (' [ ] ')) AS v(t);

-- out of float4 range: SQLSTATE 22003 (numeric_value_out_of_range)
SELECT '[1e39]'::ruvector;
SELECT t AS input, pg_temp.err(format('SELECT %L::ruvector', t)) AS error
  FROM (VALUES ('[1e39]'), ('[-1e39]'), ('[1,3.5e38]')) AS v(t);
-- below float4's smallest magnitude: 0, keeping the sign (pgvector does the same)
SELECT '[1e-50,-1e-50,1e-46,1e-45]'::ruvector AS underflow;

-- 16001 dimensions: SQLSTATE 54000 (program_limit_exceeded)
SELECT ('[' || repeat('1,', 16000) || '1]')::ruvector;
SELECT pg_temp.err(format('SELECT %L::ruvector', '[' || repeat('1,', 16000) || '1]')) AS error;
-- ... while 16000 is accepted
SELECT vector_dims(('[' || repeat('1,', 15999) || '1]')::ruvector);

-- typmod mismatch: SQLSTATE 22000
SELECT '[1,2]'::ruvector(3);
SELECT t AS input, pg_temp.err(format('SELECT %s', t)) AS error
  FROM (VALUES ($$'[1,2]'::ruvector(3)$$), ($$'[1,2,3,4]'::ruvector(3)$$),
               ($$'[1,2]'::ruvector::ruvector(1)$$)) AS v(t);

-- bad typmods: SQLSTATE 22023 (invalid_parameter_value)
CREATE TABLE bad (v ruvector(0));
CREATE TABLE bad (v ruvector(16001));
CREATE TABLE bad (v ruvector(1,2));
SELECT t AS declared, pg_temp.err(format('CREATE TEMP TABLE bad (v %s)', t)) AS error
  FROM (VALUES ('ruvector(0)'), ('ruvector(-1)'), ('ruvector(16001)'), ('ruvector(1,2)'),
               ('ruvector(3,3)')) AS v(t);
SELECT pg_temp.err($$SELECT '[1]'::ruvector(0)$$) AS error;
-- the limits themselves are fine
CREATE TEMP TABLE good (a ruvector(1), b ruvector(16000));
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
  WHERE attrelid = 'good'::regclass AND attnum > 0 ORDER BY attnum;

-- the dimension count in the error is the count as written
SELECT ('[' || repeat('1,', 20000) || '1]')::ruvector;
-- a multibyte character is reported whole, at its character position
SELECT '[1é]'::ruvector;
SELECT '[1,2,é]'::ruvector;
