-- ruvector 0.2.0 -> 0.3.0
--
-- 0.3.0 adds ruvector_index_depth(), the lists a ruivf scan reads for each
-- recall target as the index learned them.  The rest of 0.3.0 is in the
-- library: ruvector.target_recall, scans that go deeper as they return
-- rows, on-disk version 6 (the learned depth).  ruivf indexes built before
-- (versions 3 to 5) are read as they are, with nothing learned (their scans
-- read ruvector.probes lists); REINDEX gives them version 6.
\echo Use "ALTER EXTENSION ruvector UPDATE TO '0.3.0'" to load this file. \quit

CREATE FUNCTION ruvector_index_depth(idx regclass,
	OUT recall real, OUT probes integer, OUT queries integer)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL SAFE ROWS 12;

COMMENT ON FUNCTION ruvector_index_depth(regclass) IS
	'the lists a ruivf scan reads for each recall@10 target, as the index learned them at its last build or training from sampled rows (no rows: nothing learned); ruvector.target_recall picks from them';
