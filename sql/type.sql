--
-- type: the ruvector type itself, its typmod, and its text form
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- the example from the issue
CREATE TABLE items (id bigserial PRIMARY KEY, embedding ruvector(3));
INSERT INTO items (embedding) VALUES ('[1,2,3]'), ('[4,5,6]');
-- sqrt(6) and sqrt(33)
SELECT id, embedding <-> '[3,1,2]' AS distance
  FROM items ORDER BY embedding <-> '[3,1,2]' LIMIT 5;
SELECT * FROM items ORDER BY id;

-- the typmod is shown by \d and format_type
\d items
SELECT format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'embedding';
SELECT format_type('ruvector'::regtype, NULL),
       format_type('ruvector'::regtype, -1),
       format_type('ruvector'::regtype, 16000);
SELECT pg_typeof('[1]'::ruvector), '[1,2]'::ruvector(2) AS typmod_literal;
SELECT obj_description('ruvector'::regtype, 'pg_type');

-- typmod enforcement in INSERT and UPDATE
INSERT INTO items (embedding) VALUES ('[1,2]');
INSERT INTO items (embedding) VALUES ('[1,2,3,4]');
INSERT INTO items (embedding) VALUES ('[1,2,3,4]'::ruvector);
UPDATE items SET embedding = '[1]'::ruvector WHERE id = 1;
INSERT INTO items (embedding) SELECT '[7,8,9]'::ruvector;
SELECT count(*) FROM items;
-- ... and in casts
SELECT '[1,2]'::ruvector(3);
SELECT '[1,2,3]'::ruvector::ruvector(2);
SELECT '[1,2,3]'::ruvector::ruvector(3);
SELECT CAST('[1,2,3]'::ruvector AS ruvector(3)) = '[1,2,3]' AS same;
-- a typmod-less column takes any dimension count
CREATE TABLE anydim (v ruvector);
INSERT INTO anydim VALUES ('[1]'), ('[1,2]'), ('[1,2,3,4,5]');
SELECT v, vector_dims(v) FROM anydim ORDER BY vector_dims(v);
DROP TABLE anydim;
-- CREATE TABLE AS keeps the typmod
CREATE TABLE items2 AS SELECT embedding FROM items;
SELECT format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'items2'::regclass AND attname = 'embedding';
DROP TABLE items2;

-- text round trip: white space around every token
SELECT ' [ 1 , 2 , 3 ] '::ruvector AS spaces,
       (E'\t[\n1,\r2\f,' || chr(11) || E'3 ]\n')::ruvector AS other_space;
SELECT '[1,2,3]'::ruvector = ' [ 1 , 2 , 3 ] ' AS equal_with_spaces;
-- exponents and signs
SELECT '[1e3, 1E-3, -2.5e+2, +4, .5, 5., 1.25e0]'::ruvector;
-- negative zero prints as -0 and equals 0
SELECT '[-0]'::ruvector AS neg_zero, '[-0.0, 0]'::ruvector AS mixed,
       '[-0]'::ruvector = '[0]' AS equals_zero;
-- shortest decimal output: each element prints as the shortest text that
-- reads back to the same float4
SELECT '[0.1, 0.2, 0.3, 1.5, -2, 100, 1e-7, 1e20, 123456789, 3.14159265358979]'::ruvector;
-- ... the same text as PostgreSQL's own real output
WITH e(s) AS (VALUES ('0.1'), ('-0.2'), ('1e-7'), ('1e20'), ('123456789'), ('16777216'),
                     ('1234567'), ('0.0001'), ('0.00001'), ('2.5e-30'), ('3.14159265358979'))
SELECT s, ('[' || s || ']')::ruvector::text = '[' || s::real::text || ']' AS same_as_real
  FROM e;
-- float4 rounding of the input: 16777217 is not a float4
SELECT '[16777217, 0.30000000000000004]'::ruvector;
-- the extremes of float4 (largest finite, smallest normal, smallest subnormal)
SELECT '[3.4028235e38, -3.4028235e38, 1.17549435e-38, 1.4e-45]'::ruvector;
-- output reads back to the same value
WITH v(x) AS (SELECT '[0.1, 1.17549435e-38, 3.4028235e38, 3.14159265358979, -7e-10]'::ruvector)
SELECT x::text::ruvector = x AS round_trip FROM v;

-- 1 dimension
SELECT '[42]'::ruvector, vector_dims('[42]'::ruvector);
SELECT '[5]'::ruvector(1);

-- 16000 dimensions, the maximum
SELECT vector_dims(array_fill(1.5::real, ARRAY[16000])::ruvector) AS dims;
SELECT vector_dims(('[' || string_agg(i::text, ',') || ']')::ruvector(16000)) AS dims
  FROM generate_series(1, 16000) i;
-- the text form of a 16000-dimension vector reads back to the same value
WITH v(x, t) AS (
  SELECT array_agg((i / 4.0)::real ORDER BY i)::ruvector,
         '[' || string_agg((i / 4.0)::real::text, ',' ORDER BY i) || ']'
    FROM generate_series(1, 16000) i
)
SELECT vector_dims(x) AS dims, x::text = t AS text_as_expected,
       x::text::ruvector = x AS round_trip,
       left(x::text, 20) AS head, right(x::text, 15) AS tail
  FROM v;

-- arrays of ruvector
SELECT ARRAY['[1,2]'::ruvector, '[3]'] AS arr, '{"[1,2]","[3]"}'::ruvector[] AS from_text,
       (ARRAY['[1,2]'::ruvector, '[3]'])[1] <-> '[1,3]' AS element_distance;
SELECT unnest('{"[1,2]",NULL,"[3.5]"}'::ruvector[]) AS v;

DROP TABLE items;

-- storage: main by default; a column may choose plain (fastest exact scans
-- for compressible data) or external; 16,000 dimensions fit either way
SELECT typstorage FROM pg_type WHERE typname = 'ruvector';
CREATE TABLE big_vectors (id int, v ruvector(16000));
INSERT INTO big_vectors SELECT 1, array_fill(1.5::real, ARRAY[16000])::ruvector;
ALTER TABLE big_vectors ALTER COLUMN v SET STORAGE external;
INSERT INTO big_vectors SELECT 2, array_fill(-2::real, ARRAY[16000])::ruvector;
SELECT id, vector_dims(v), v <-> array_fill(0::real, ARRAY[16000])::ruvector AS dist FROM big_vectors ORDER BY id;
ALTER TABLE big_vectors ALTER COLUMN v SET STORAGE plain;
SELECT attstorage FROM pg_attribute WHERE attrelid = 'big_vectors'::regclass AND attname = 'v';
DROP TABLE big_vectors;

-- table defaults (the event trigger ruvector_table_defaults): a table that
-- gets a dense vector column keeps rows up to a page in line and
-- uncompressed, so that a compressible vector is not decompressed by every scan
CREATE TABLE td1 (id int, v ruvector(784));
SELECT reloptions FROM pg_class WHERE relname = 'td1';
INSERT INTO td1 SELECT 1, array_fill(3::real, ARRAY[784])::ruvector;
SELECT pg_column_compression(v) AS compression, pg_column_size(v) AS bytes FROM td1;
-- off: the same row is compressed
SET ruvector.toast_tuple_target = 0;
CREATE TABLE td2 (id int, v ruvector(784));
INSERT INTO td2 SELECT 1, array_fill(3::real, ARRAY[784])::ruvector;
SELECT reloptions, pg_column_compression(v) AS compression FROM td2, pg_class WHERE relname = 'td2';
RESET ruvector.toast_tuple_target;
-- a target the user set stays; a column added later counts; halfvec too;
-- sparse vectors, a column whose storage was chosen, and a partitioned
-- table (its partitions get the default) are left alone
CREATE TABLE td3 (id int) WITH (toast_tuple_target = 4000);
ALTER TABLE td3 ADD COLUMN v ruvector(784);
CREATE TABLE td4 (id int);
ALTER TABLE td4 ADD COLUMN h ruhalfvec(1000);
CREATE TABLE td5 (id int, s rusparsevec(1000));
CREATE TABLE td6 (id int);
ALTER TABLE td6 ADD COLUMN v ruvector(784), ALTER COLUMN v SET STORAGE plain;
CREATE TABLE tdp (id int, v ruvector(784)) PARTITION BY RANGE (id);
CREATE TABLE tdp1 PARTITION OF tdp FOR VALUES FROM (0) TO (10);
SELECT relname, reloptions FROM pg_class WHERE relname IN ('td3', 'td4', 'td5', 'td6', 'tdp', 'tdp1')
 ORDER BY relname;
DROP TABLE td1, td2, td3, td4, td5, td6, tdp;
