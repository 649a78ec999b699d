-- ruvector 0.3.0 -> 0.4.0
--
-- 0.4.0 adds two columns to ruvector_index_info(), from what on-disk
-- versions 7 and 8 keep in a ruivf index's metapage: row_norm (an inner
-- product index whose rows share one norm orders its lists as an L2 index
-- would for the query's direction, and this is that norm) and
-- trained_residual (the mean squared distance from held-out rows to their
-- nearest centroid at the last training, which VACUUM compares the rows'
-- spread against to notice that the data has drifted).  Each is NULL where
-- the index does not keep it.  The function returns a new row type, so it
-- is made anew: a view that selects from it must be dropped before the
-- update and made again after.
\echo Use "ALTER EXTENSION ruvector UPDATE TO '0.4.0'" to load this file. \quit

DROP FUNCTION ruvector_index_info(regclass);

CREATE FUNCTION ruvector_index_info(idx regclass,
	OUT version integer, OUT dimensions integer, OUT metric text, OUT lists integer,
	OUT bits integer, OUT lanes_per_block integer, OUT dims_per_page integer, OUT pages_per_block integer,
	OUT vector_pages_per_block integer, OUT rerank text, OUT pages bigint,
	OUT generation integer, OUT rows bigint, OUT row_norm real, OUT trained_residual real)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION ruvector_index_info(regclass) IS
	'format version, dimensions, metric, lists, bits per code, block geometry, re-rank representation, trainings so far, rows (an estimate between VACUUMs), the rows'' one norm of an inner-product index that orders its lists by it, and the residual of the last training that VACUUM measures drift against, of a ruivf index';
