--
-- copy: COPY in text and binary, and the binary input checks reached through
-- COPY FROM ... (FORMAT binary)
--
\set SHOW_CONTEXT never
\set VERBOSITY default

-- server-side files, unique to this backend
SELECT '/tmp/ruvector_regress_' || current_setting('port') || '_' || pg_backend_pid() AS prefix \gset
\set text_file :prefix '_text.copy'
\set bin_file :prefix '_binary.copy'
\set bad_file :prefix '_bad.copy'
\set cleanup 'rm -f ' :prefix '_*.copy'

CREATE TABLE src (id int, v ruvector);
INSERT INTO src VALUES (1, '[1,2,3]'), (2, '[0.1,-0.2,1e-7]'), (3, '[-0]'),
                       (4, '[3.4028235e38,-3.4028235e38,1.17549435e-38,1e-45]'),
                       (5, NULL), (6, '[3.14159265358979]');
INSERT INTO src SELECT 7, array_agg(i * 0.5 - 100 ORDER BY i)::ruvector FROM generate_series(1, 1000) i;

-- text round trip
COPY src TO :'text_file';
CREATE TABLE dst (id int, v ruvector);
COPY dst FROM :'text_file';
SELECT count(*) AS rows,
       count(*) FILTER (WHERE s.v = d.v AND s.v::text = d.v::text) AS same,
       count(*) FILTER (WHERE s.v IS NULL AND d.v IS NULL) AS both_null
  FROM src s JOIN dst d USING (id);
-- the file holds the text output
CREATE TABLE lines (line text);
COPY lines FROM :'text_file' (FORMAT csv, DELIMITER '|');
SELECT replace(line, E'\t', ' | ') AS line FROM lines WHERE line NOT LIKE '7%' ORDER BY line;
TRUNCATE dst;

-- binary round trip
COPY src TO :'bin_file' (FORMAT binary);
COPY dst FROM :'bin_file' (FORMAT binary);
SELECT count(*) AS rows,
       count(*) FILTER (WHERE s.v = d.v AND s.v::text = d.v::text) AS same,
       count(*) FILTER (WHERE s.v IS NULL AND d.v IS NULL) AS both_null
  FROM src s JOIN dst d USING (id);
SELECT id, v FROM dst WHERE id <> 7 ORDER BY id;
-- into a column with a typmod
CREATE TABLE dst3 (id int, v ruvector(3));
COPY dst3 FROM :'bin_file' (FORMAT binary);
COPY (SELECT id, v FROM src WHERE id = 1) TO :'bin_file' (FORMAT binary);
COPY dst3 FROM :'bin_file' (FORMAT binary);
SELECT * FROM dst3;
DROP TABLE dst, dst3, lines;

-- the binary form: int16 dim, int16 unused (0), float4s, all big-endian;
-- read back as bytea it is exactly what ruvector_send writes
CREATE TABLE payload (b bytea);
COPY (SELECT '[1,2]'::ruvector) TO :'bin_file' (FORMAT binary);
COPY payload FROM :'bin_file' (FORMAT binary);
COPY (SELECT '[-0,0.5,-3e38]'::ruvector) TO :'bin_file' (FORMAT binary);
COPY payload FROM :'bin_file' (FORMAT binary);
SELECT b FROM payload;
SELECT ruvector_send('[1,2]') AS send;
TRUNCATE payload;

-- binary input: a bytea payload is written as a binary COPY file, whose one
-- field is then read by ruvector's receive function
CREATE FUNCTION pg_temp.recv(hex text, target text DEFAULT 'ruvector') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	f text := current_setting('ruvector_regress.bad_file');
	result text;
BEGIN
	CREATE TEMP TABLE bytes (b bytea);
	CREATE TEMP TABLE vec (v ruvector);
	EXECUTE format('ALTER TABLE vec ALTER COLUMN v TYPE %s', target);
	INSERT INTO bytes VALUES (decode(hex, 'hex'));
	EXECUTE format('COPY bytes TO %L (FORMAT binary)', f);
	BEGIN
		EXECUTE format('COPY vec FROM %L (FORMAT binary)', f);
		SELECT v::text INTO result FROM vec;
	EXCEPTION WHEN OTHERS THEN
		result := SQLSTATE || ': ' || SQLERRM;
	END;
	DROP TABLE bytes, vec;
	RETURN result;
END
$$;
SELECT set_config('ruvector_regress.bad_file', :'bad_file', false) IS NOT NULL AS configured;
SELECT t AS payload, hex, pg_temp.recv(hex) AS result
  FROM (VALUES ('good [1,2]',           '00020000' || '3f800000' || '40000000'),
               ('good [-1.5]',          '00010000' || 'bfc00000'),
               ('truncated',            '00020000' || '3f800000'),
               ('truncated mid-float',  '00020000' || '3f800000' || '4000'),
               ('no elements',          '00020000'),
               ('oversized',            '00010000' || '3f800000' || '40000000'),
               ('oversized by a byte',  '00010000' || '3f800000' || '00'),
               ('header of 3 bytes',    '000100'),
               ('header of 2 bytes',    '0001'),
               ('empty',                ''),
               ('dim 0',                '00000000'),
               ('dim -1',               'ffff0000' || '3f800000'),
               ('dim 16001',            '3e810000' || '3f800000'),
               ('unused 1',             '00010001' || '3f800000'),
               ('unused -1',            '0001ffff' || '3f800000'),
               ('NaN',                  '00020000' || '3f800000' || '7fc00000'),
               ('Infinity',             '00010000' || '7f800000'),
               ('-Infinity',            '00010000' || 'ff800000')) AS v(t, hex);
-- into a ruvector(3) column
SELECT t AS payload, pg_temp.recv(hex, 'ruvector(3)') AS result
  FROM (VALUES ('3 dims',  '00030000' || '3f800000' || '40000000' || '40400000'),
               ('2 dims',  '00020000' || '3f800000' || '40000000'),
               ('4 dims',  '00040000' || '3f800000' || '40000000' || '40400000' || '40800000'))
       AS v(t, hex);
-- the same errors in full, through a plain COPY
INSERT INTO payload VALUES ('\x000200003f800000');
COPY payload TO :'bad_file' (FORMAT binary);
CREATE TABLE vec (v ruvector);
COPY vec FROM :'bad_file' (FORMAT binary);
TRUNCATE payload;
INSERT INTO payload VALUES ('\x000100013f800000');
COPY payload TO :'bad_file' (FORMAT binary);
COPY vec FROM :'bad_file' (FORMAT binary);
TRUNCATE payload;
INSERT INTO payload VALUES ('\x0001');
COPY payload TO :'bad_file' (FORMAT binary);
COPY vec FROM :'bad_file' (FORMAT binary);
TRUNCATE payload;
INSERT INTO payload VALUES ('\x000100007fc00000');
COPY payload TO :'bad_file' (FORMAT binary);
COPY vec FROM :'bad_file' (FORMAT binary);
SELECT count(*) AS loaded FROM vec;

-- bad text input through COPY
COPY (SELECT '[1,2') TO :'bad_file';
COPY vec FROM :'bad_file';
COPY (SELECT '[1,NaN]') TO :'bad_file';
COPY vec FROM :'bad_file';
COPY (VALUES ('[1,2]'), ('[1,2,3]')) TO :'bad_file';
CREATE TABLE vec2 (v ruvector(2));
COPY vec2 FROM :'bad_file';
SELECT count(*) AS loaded FROM vec2;
-- text COPY FROM STDIN
COPY vec2 FROM STDIN;
[1,2]
 [ 3 , 4 ] 
\N
\.
SELECT v FROM vec2 ORDER BY v NULLS LAST;

DROP TABLE src, payload, vec, vec2;
COPY (SELECT 1 WHERE false) TO PROGRAM :'cleanup';
