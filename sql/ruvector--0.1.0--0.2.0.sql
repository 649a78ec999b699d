-- ruvector 0.1.0 -> 0.2.0
--
-- 0.2.0 adds the table defaults for dense vector columns (an event trigger;
-- docs/reference.md, "Storage").  The rest of 0.2.0 is in the library: binary
-- codes (ruivf bits = 1, on-disk version 5), ruvector.epsilon,
-- ruvector.toast_tuple_target.  ruivf indexes built by 0.1.0 (on-disk
-- versions 3 and 4) are read as they are; REINDEX gives them version 5.
\echo Use "ALTER EXTENSION ruvector UPDATE TO '0.2.0'" to load this file. \quit

-- Table defaults for dense vector columns.  Rows over ~2 kB (vectors above
-- ~500 dimensions) are handed to the TOAST code, which compresses a
-- STORAGE main value when pglz saves 25 % of it: real embeddings never
-- allow that, but data that compresses (pixels, quantized or sparse-ish
-- embeddings) is then stored compressed and decompressed row by row by
-- every exact scan and re-rank (fashion-mnist: an exact 10-NN query 5x
-- slower).  A table that gets a column of ruvector, ruhalfvec or their
-- pgvector-compatible names is given toast_tuple_target =
-- ruvector.toast_tuple_target (8160, the most PostgreSQL allows): rows up
-- to a page stay in line and uncompressed.  Not for a column whose storage
-- was changed, nor a table whose toast_tuple_target was set; 0 turns it
-- off.  Rows written before (CREATE TABLE AS) keep their form.
CREATE FUNCTION ruvector_table_defaults() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
	target int := coalesce(nullif(current_setting('ruvector.toast_tuple_target', true), ''),
						   '8160')::int;
	r record;
BEGIN
	IF target < 128 THEN
		RETURN;					-- 0: off (PostgreSQL's least target is 128)
	END IF;
	FOR r IN
		SELECT DISTINCT c.oid::regclass AS rel
		  FROM pg_event_trigger_ddl_commands() d
		  JOIN pg_class c ON c.oid = d.objid
		 WHERE d.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'm')
		   AND NOT EXISTS (SELECT 1 FROM unnest(c.reloptions) o
							WHERE o LIKE 'toast_tuple_target=%')
		   AND EXISTS (SELECT 1
						 FROM pg_attribute a
						 JOIN pg_type t ON t.oid = a.atttypid
						 JOIN pg_proc p ON p.oid = t.typinput
						WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
						  AND a.attstorage = 'm'
						  AND p.proname IN ('ruvector_in', 'ruhalfvec_in', 'vector_in', 'halfvec_in')
						  AND p.probin = '$libdir/ruvector')
	LOOP
		EXECUTE format('ALTER TABLE %s SET (toast_tuple_target = %s)', r.rel, target);
	END LOOP;
END $$;

CREATE EVENT TRIGGER ruvector_table_defaults ON ddl_command_end
	WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE')
	EXECUTE FUNCTION ruvector_table_defaults();
