-- ruvector 0.3.0: the ruvector type, its operators, functions, casts and
-- aggregates.

\echo Use "CREATE EXTENSION ruvector" to load this file. \quit

-- the type ----------------------------------------------------------------

CREATE TYPE ruvector;

CREATE FUNCTION ruvector_in(cstring, oid, integer) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_out(ruvector) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_typmod_out(integer) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_recv(internal, oid, integer) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_send(ruvector) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- STORAGE = main: a vector stays in its row, and moves out of line only when
-- the row would not fit a page otherwise (vectors above ~2,000 dimensions).
-- In the row it is compressed only if pglz saves at least 25 %, which real
-- embeddings (incompressible floats) never allow: they are read in place.
-- plain would refuse vectors that do not fit a page, and external would put
-- every vector above 2 kB out of line, to be fetched through the TOAST index
-- row by row.  Chosen by measurement (docs/reference.md, "Storage"); data that does
-- compress (e.g. small integers as floats) is kept uncompressed by the table
-- defaults at the end of this script (ruvector_table_defaults).
CREATE TYPE ruvector (
	INPUT = ruvector_in,
	OUTPUT = ruvector_out,
	TYPMOD_IN = ruvector_typmod_in,
	TYPMOD_OUT = ruvector_typmod_out,
	RECEIVE = ruvector_recv,
	SEND = ruvector_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = main
);

COMMENT ON TYPE ruvector IS 'vector of float4, 1 to 16000 dimensions';

-- typmod coercion and casts -----------------------------------------------

CREATE FUNCTION ruvector(ruvector, integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME', 'ruvector_typmod_cast' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (ruvector AS ruvector)
	WITH FUNCTION ruvector(ruvector, integer, boolean) AS IMPLICIT;

CREATE FUNCTION array_to_ruvector(integer[], integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruvector(real[], integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruvector(double precision[], integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruvector(numeric[], integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (integer[] AS ruvector)
	WITH FUNCTION array_to_ruvector(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (real[] AS ruvector)
	WITH FUNCTION array_to_ruvector(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS ruvector)
	WITH FUNCTION array_to_ruvector(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS ruvector)
	WITH FUNCTION array_to_ruvector(numeric[], integer, boolean) AS ASSIGNMENT;

CREATE FUNCTION ruvector_to_float4(ruvector) RETURNS real[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_to_float8(ruvector) RETURNS double precision[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_to_int4(ruvector) RETURNS integer[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_to_numeric(ruvector) RETURNS numeric[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE CAST (ruvector AS real[])
	WITH FUNCTION ruvector_to_float4(ruvector) AS ASSIGNMENT;
CREATE CAST (ruvector AS double precision[])
	WITH FUNCTION ruvector_to_float8(ruvector) AS ASSIGNMENT;
CREATE CAST (ruvector AS integer[])
	WITH FUNCTION ruvector_to_int4(ruvector) AS ASSIGNMENT;
CREATE CAST (ruvector AS numeric[])
	WITH FUNCTION ruvector_to_numeric(ruvector) AS ASSIGNMENT;

-- distances ---------------------------------------------------------------

CREATE FUNCTION l2_distance(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME', 'ruvector_l2_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_l2_squared_distance(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION inner_product(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME', 'ruvector_inner_product' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_negative_inner_product(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cosine_distance(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME', 'ruvector_cosine_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l1_distance(ruvector, ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME', 'ruvector_l1_distance' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR <-> (
	LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = l2_distance,
	COMMUTATOR = '<->'
);
CREATE OPERATOR <#> (
	LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = ruvector_negative_inner_product,
	COMMUTATOR = '<#>'
);
CREATE OPERATOR <=> (
	LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = cosine_distance,
	COMMUTATOR = '<=>'
);
CREATE OPERATOR <+> (
	LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = l1_distance,
	COMMUTATOR = '<+>'
);

-- other functions ---------------------------------------------------------

CREATE FUNCTION vector_dims(ruvector) RETURNS integer
	AS 'MODULE_PATHNAME', 'ruvector_dims' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION vector_norm(ruvector) RETURNS double precision
	AS 'MODULE_PATHNAME', 'ruvector_norm' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION l2_normalize(ruvector) RETURNS ruvector
	AS 'MODULE_PATHNAME', 'ruvector_l2_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION subvector(ruvector, integer, integer) RETURNS ruvector
	AS 'MODULE_PATHNAME', 'ruvector_subvector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- element-wise arithmetic and concatenation -------------------------------

CREATE FUNCTION ruvector_add(ruvector, ruvector) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_sub(ruvector, ruvector) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_mul(ruvector, ruvector) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_concat(ruvector, ruvector) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR + (
	LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = ruvector_add, COMMUTATOR = +
);
CREATE OPERATOR - (
	LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = ruvector_sub
);
CREATE OPERATOR * (
	LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = ruvector_mul, COMMUTATOR = *
);
CREATE OPERATOR || (
	LEFTARG = ruvector, RIGHTARG = ruvector, FUNCTION = ruvector_concat
);

-- comparison and the btree operator class ---------------------------------

CREATE FUNCTION ruvector_lt(ruvector, ruvector) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_le(ruvector, ruvector) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_eq(ruvector, ruvector) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_ne(ruvector, ruvector) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_ge(ruvector, ruvector) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_gt(ruvector, ruvector) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_cmp(ruvector, ruvector) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR < (
	LEFTARG = ruvector, RIGHTARG = ruvector, PROCEDURE = ruvector_lt,
	COMMUTATOR = >, NEGATOR = >=,
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
	LEFTARG = ruvector, RIGHTARG = ruvector, PROCEDURE = ruvector_le,
	COMMUTATOR = >=, NEGATOR = >,
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR = (
	LEFTARG = ruvector, RIGHTARG = ruvector, PROCEDURE = ruvector_eq,
	COMMUTATOR = =, NEGATOR = <>,
	RESTRICT = eqsel, JOIN = eqjoinsel, MERGES
);
CREATE OPERATOR <> (
	LEFTARG = ruvector, RIGHTARG = ruvector, PROCEDURE = ruvector_ne,
	COMMUTATOR = <>, NEGATOR = =,
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR >= (
	LEFTARG = ruvector, RIGHTARG = ruvector, PROCEDURE = ruvector_ge,
	COMMUTATOR = <=, NEGATOR = <,
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR > (
	LEFTARG = ruvector, RIGHTARG = ruvector, PROCEDURE = ruvector_gt,
	COMMUTATOR = <, NEGATOR = <=,
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR CLASS ruvector_ops
	DEFAULT FOR TYPE ruvector USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 ruvector_cmp(ruvector, ruvector);

-- aggregates --------------------------------------------------------------

CREATE FUNCTION ruvector_accum(internal, ruvector) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ruvector_combine(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ruvector_agg_serialize(internal) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_agg_deserialize(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruvector_avg_final(internal) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ruvector_sum_final(internal) RETURNS ruvector
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE avg(ruvector) (
	SFUNC = ruvector_accum,
	STYPE = internal,
	FINALFUNC = ruvector_avg_final,
	COMBINEFUNC = ruvector_combine,
	SERIALFUNC = ruvector_agg_serialize,
	DESERIALFUNC = ruvector_agg_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE sum(ruvector) (
	SFUNC = ruvector_accum,
	STYPE = internal,
	FINALFUNC = ruvector_sum_final,
	COMBINEFUNC = ruvector_combine,
	SERIALFUNC = ruvector_agg_serialize,
	DESERIALFUNC = ruvector_agg_deserialize,
	PARALLEL = SAFE
);

-- SIMD information ---------------------------------------------------------

CREATE FUNCTION ruvector_simd_info(
	OUT level text, OUT compiled boolean, OUT supported boolean, OUT in_use boolean,
	OUT kernels text)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION ruvector_simd_info() IS
	'SIMD levels: compiled into ruvector, supported by this CPU, in use by this session, and the instructions of their kernels';

-- ruivf: IVF index with SoA blocks of SQ8 codes ----------------------------

CREATE FUNCTION ruivf_handler(internal) RETURNS index_am_handler
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE ACCESS METHOD ruivf TYPE INDEX HANDLER ruivf_handler;

COMMENT ON ACCESS METHOD ruivf IS 'IVF index over SoA blocks of 8-bit codes, exact re-rank';

CREATE OPERATOR CLASS ruvector_l2_ops
	FOR TYPE ruvector USING ruivf AS
	OPERATOR 1 <-> (ruvector, ruvector) FOR ORDER BY float_ops,
	FUNCTION 1 l2_distance(ruvector, ruvector);

CREATE OPERATOR CLASS ruvector_ip_ops
	FOR TYPE ruvector USING ruivf AS
	OPERATOR 1 <#> (ruvector, ruvector) FOR ORDER BY float_ops,
	FUNCTION 1 ruvector_negative_inner_product(ruvector, ruvector);

CREATE OPERATOR CLASS ruvector_cosine_ops
	FOR TYPE ruvector USING ruivf AS
	OPERATOR 1 <=> (ruvector, ruvector) FOR ORDER BY float_ops,
	FUNCTION 1 cosine_distance(ruvector, ruvector);

-- L1: coded, trained and probed as L2, re-ranked in L1 (src/ivf/ivf.h)
CREATE OPERATOR CLASS ruvector_l1_ops
	FOR TYPE ruvector USING ruivf AS
	OPERATOR 1 <+> (ruvector, ruvector) FOR ORDER BY float_ops,
	FUNCTION 1 l1_distance(ruvector, ruvector);

-- recall probe ------------------------------------------------------------

-- the table, column and ORDER BY operator an index serves
CREATE FUNCTION ruvector_index_target(idx regclass,
	OUT tbl regclass, OUT col name, OUT op text)
	LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
	SELECT i.indrelid::regclass, a.attname, o.oprname::text
	FROM pg_index i
	JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
	JOIN pg_opclass oc ON oc.oid = i.indclass[0]
	JOIN pg_amop ao ON ao.amopfamily = oc.opcfamily AND ao.amoppurpose = 'o'
	JOIN pg_operator o ON o.oid = ao.amopopr
	WHERE i.indexrelid = idx
$$;

-- the k smallest distances to query in the indexed column, as the planner
-- finds them under the caller's settings
CREATE FUNCTION ruvector_topk_distances(idx regclass, query ruvector, k integer)
	RETURNS double precision[]
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	t record;
	r double precision[];
	coltype text;
BEGIN
	SELECT * INTO t FROM ruvector_index_target(idx);
	IF t.tbl IS NULL THEN
		RAISE EXCEPTION '"%" is not an index that orders by a ruvector distance', idx
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Pass a ruivf index, e.g. ruvector_recall(''items_embedding_idx'', ...).';
	END IF;
	-- the query as the column's type (vector, with the compatibility
	-- extension), so that the index's own operator is the one called
	SELECT format_type(a.atttypid, NULL) INTO coltype
		FROM pg_attribute a WHERE a.attrelid = t.tbl AND a.attname = t.col;
	EXECUTE format('SELECT array_agg(d) FROM (SELECT %1$I %2$s $1::%4$s AS d FROM %3$s WHERE %1$I IS NOT NULL ORDER BY %1$I %2$s $1::%4$s LIMIT $2) s',
				   t.col, t.op, t.tbl, coltype)
		INTO r USING query, k;
	RETURN coalesce(r, '{}');
END
$$;

-- through an ordered index scan (sequential and bitmap scans off for this
-- call, index scans on whatever the caller's setting)
CREATE FUNCTION ruvector_index_distances(idx regclass, query ruvector, k integer)
	RETURNS double precision[]
	LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
	SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
	SET enable_indexscan = on
	AS 'SELECT ruvector_topk_distances(idx, query, k)';

-- exactly, from a sequential scan (index scans off for this call; sequential
-- scans and sorts on, or a caller's enable_seqscan = off would leave the
-- index scan the cheapest of the disabled paths)
CREATE FUNCTION ruvector_exact_distances(idx regclass, query ruvector, k integer)
	RETURNS double precision[]
	LANGUAGE sql VOLATILE STRICT PARALLEL UNSAFE
	SET enable_indexscan = off SET enable_bitmapscan = off SET enable_indexonlyscan = off
	SET enable_seqscan = on SET enable_sort = on
	AS 'SELECT ruvector_topk_distances(idx, query, k)';

-- recall@k of an index for one query: the share of the exact k nearest
-- that the index returns, counting ties at the k-th distance as found
CREATE FUNCTION ruvector_recall(idx regclass, query ruvector, k integer DEFAULT 10)
	RETURNS double precision
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	got double precision[];
	want double precision[];
	kth double precision;
	hits integer;
BEGIN
	IF k < 1 THEN
		RAISE EXCEPTION 'k must be at least 1, not %', k USING ERRCODE = 'invalid_parameter_value';
	END IF;
	got := ruvector_index_distances(idx, query, k);
	want := ruvector_exact_distances(idx, query, k);
	IF cardinality(want) = 0 THEN
		RETURN NULL;			-- an empty table has no answer to miss
	END IF;
	kth := want[cardinality(want)];
	SELECT count(*) INTO hits FROM unnest(got) d
		WHERE d <= kth + 1e-6 * greatest(abs(kth), 1e-30);
	RETURN least(hits, cardinality(want))::double precision / cardinality(want);
END
$$;

COMMENT ON FUNCTION ruvector_recall(regclass, ruvector, integer) IS
	'recall@k of an index for one query vector, against an exact scan';

-- mean recall@k over `samples` rows of the indexed table used as queries
CREATE FUNCTION ruvector_recall(idx regclass, k integer, samples integer)
	RETURNS double precision
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL UNSAFE AS $$
DECLARE
	t record;
	q ruvector;
	total double precision := 0;
	n integer := 0;
BEGIN
	SELECT * INTO t FROM ruvector_index_target(idx);
	IF t.tbl IS NULL THEN
		PERFORM ruvector_topk_distances(idx, '[0]'::ruvector, k);	-- raises the error
	END IF;
	FOR q IN EXECUTE format('SELECT %1$I FROM %2$s WHERE %1$I IS NOT NULL ORDER BY random() LIMIT $1',
							t.col, t.tbl) USING samples
	LOOP
		total := total + ruvector_recall(idx, q, k);
		n := n + 1;
	END LOOP;
	RETURN CASE WHEN n = 0 THEN NULL ELSE total / n END;
END
$$;

COMMENT ON FUNCTION ruvector_recall(regclass, integer, integer) IS
	'mean recall@k of an index over a random sample of its own rows used as queries';

-- Runtime statistics -------------------------------------------------------

CREATE FUNCTION ruvector_stats(
	OUT indexrelid oid, OUT queries bigint, OUT rows_returned bigint,
	OUT lists_scanned bigint, OUT blocks_scanned bigint, OUT distances bigint,
	OUT reranks bigint, OUT qps double precision, OUT mean_ms double precision,
	OUT p50_ms double precision, OUT p95_ms double precision, OUT p99_ms double precision,
	OUT scan_mem_mean bigint, OUT scan_mem_peak bigint,
	OUT stats_reset timestamptz, OUT scope text, OUT dropped bigint)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION ruvector_stats() IS
	'per-index scan statistics of this database since the last ruvector_stats_reset()';

CREATE VIEW ruvector_stats AS
	SELECT s.indexrelid,
		   s.indexrelid::regclass AS index,
		   i.indrelid::regclass AS "table",
		   s.queries, s.rows_returned, s.lists_scanned, s.blocks_scanned,
		   s.distances, s.reranks, s.qps, s.mean_ms, s.p50_ms, s.p95_ms, s.p99_ms,
		   s.scan_mem_mean, s.scan_mem_peak, s.stats_reset, s.scope, s.dropped
	FROM ruvector_stats() s
	LEFT JOIN pg_index i ON i.indexrelid = s.indexrelid;

COMMENT ON VIEW ruvector_stats IS
	'ruivf index scans: counts, QPS and latency percentiles since the last reset';

CREATE FUNCTION ruvector_stats_reset() RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION ruvector_stats_reset() IS
	'clears the counters of ruvector_stats (superuser, or granted EXECUTE)';

REVOKE ALL ON FUNCTION ruvector_stats_reset() FROM PUBLIC;
GRANT SELECT ON ruvector_stats TO PUBLIC;

-- What a ruivf index's metapage says ---------------------------------------

CREATE FUNCTION ruvector_index_info(idx regclass,
	OUT version integer, OUT dimensions integer, OUT metric text, OUT lists integer,
	OUT bits integer, OUT lanes_per_block integer, OUT dims_per_page integer, OUT pages_per_block integer,
	OUT vector_pages_per_block integer, OUT rerank text, OUT pages bigint,
	OUT generation integer, OUT rows bigint)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION ruvector_index_info(regclass) IS
	'format version, dimensions, metric, lists, bits per code, block geometry, re-rank representation, trainings so far and rows (an estimate between VACUUMs) of a ruivf index';

CREATE FUNCTION ruvector_index_depth(idx regclass,
	OUT recall real, OUT probes integer, OUT queries integer)
	RETURNS SETOF record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL SAFE ROWS 12;

COMMENT ON FUNCTION ruvector_index_depth(regclass) IS
	'the lists a ruivf scan reads for each recall@10 target, as the index learned them at its last build or training from sampled rows (no rows: nothing learned); ruvector.target_recall picks from them';

-- Training a ruivf index's lists now ----------------------------------------

CREATE FUNCTION ruvector_index_maintain(index regclass,
	OUT trained boolean, OUT lists integer, OUT rows bigint, OUT generation integer)
	RETURNS record
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION ruvector_index_maintain(regclass) IS
	'trains a ruivf index''s lists again from the rows it holds, without blocking inserts or queries; the table''s owner only';

-- A training reports its progress as CREATE INDEX does, with command codes
-- of its own (101 ruvector_index_maintain, 102 an insert, 103 VACUUM) and
-- the generation it writes in the 18th parameter.
CREATE VIEW ruvector_training_progress AS
	SELECT s.pid, s.datid, d.datname, s.relid, s.param7::oid AS index_relid,
		CASE s.param1 WHEN 101 THEN 'ruvector_index_maintain'
			WHEN 102 THEN 'insert' WHEN 103 THEN 'vacuum' END AS started_by,
		s.param18::integer AS generation,
		coalesce(pg_indexam_progress_phasename(
			(SELECT oid FROM pg_am WHERE amname = 'ruivf'), s.param11), 'initializing') AS phase,
		s.param12 AS tuples_total, s.param13 AS tuples_done
	FROM pg_stat_get_progress_info('CREATE INDEX') s
		LEFT JOIN pg_database d ON d.oid = s.datid
	WHERE s.param1 BETWEEN 101 AND 103;

COMMENT ON VIEW ruvector_training_progress IS
	'one row for each training of a ruivf index under way: who started it, its phase, the generation it writes and the rows assigned so far';

GRANT SELECT ON ruvector_training_progress TO PUBLIC;

-- Checking a ruivf index ---------------------------------------------------

CREATE FUNCTION ruvector_index_check(index regclass, heapallindexed boolean DEFAULT false)
	RETURNS void
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION ruvector_index_check(regclass, boolean) IS
	'checks a ruivf index''s pages, chains, TIDs and codes (and with heapallindexed that it holds every row of its table); raises XX002 on corruption';

REVOKE ALL ON FUNCTION ruvector_index_check(regclass, boolean) FROM PUBLIC;

-- Distances between bit strings (PostgreSQL's bit) -------------------------
--
-- Hamming: differing bits; Jaccard: 1 - |a AND b| / |a OR b| (1 when no
-- bit is shared).  Lengths must match.  Functions only: the operators <~>
-- and <%> on bit are pgvector's, and the extension vector defines them; if
-- ruvector did too, ruvector and pgvector 0.7+ could no longer be created
-- in one schema (an operator on a built-in type exists once per schema).

CREATE FUNCTION ruvector_hamming_distance(bit, bit) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION ruvector_hamming_distance(bit, bit) IS
	'number of positions where two bit strings of the same length differ';

CREATE FUNCTION ruvector_jaccard_distance(bit, bit) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION ruvector_jaccard_distance(bit, bit) IS
	'1 - (bits set in both) / (bits set in either), 1 when none is shared; same lengths';

CREATE FUNCTION ruvector_binary_quantize(ruvector) RETURNS bit
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION ruvector_binary_quantize(ruvector) IS
	'bit(dim): bit i set when element i is positive';

CREATE FUNCTION ruvector_bits_kernel() RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION ruvector_bits_kernel() IS
	'population-count kernels the bit distances use at the current ruvector.simd level: scalar, popcnt or avx512_vpopcntdq';

-- ruhalfvec: vectors of half-precision floats ------------------------------
--
-- Two bytes per element (IEEE binary16), 1 to 16,000 dimensions; text form
-- as ruvector's, each element rounded to the nearest half (beyond +-65504:
-- an error); binary form pgvector's for halfvec.  Arithmetic converts to
-- float4, exactly, and uses ruvector's distance code.  Functions have
-- ruhalfvec_ names (overloading ruvector's would make calls with bare
-- literals ambiguous); the operators are ruvector's.  ruivf indexes it
-- (the codes as for float4; the re-rank reads the halves).

CREATE TYPE ruhalfvec;

CREATE FUNCTION ruhalfvec_in(cstring, oid, integer) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_out(ruhalfvec) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_typmod_out(integer) RETURNS cstring
	AS 'MODULE_PATHNAME', 'ruvector_typmod_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_recv(internal, oid, integer) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_send(ruhalfvec) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE ruhalfvec (
	INPUT = ruhalfvec_in,
	OUTPUT = ruhalfvec_out,
	TYPMOD_IN = ruhalfvec_typmod_in,
	TYPMOD_OUT = ruhalfvec_typmod_out,
	RECEIVE = ruhalfvec_recv,
	SEND = ruhalfvec_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = main
);

COMMENT ON TYPE ruhalfvec IS 'vector of IEEE half-precision floats, 1 to 16000 dimensions';

CREATE FUNCTION ruhalfvec(ruhalfvec, integer, boolean) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME', 'ruhalfvec_typmod_cast' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (ruhalfvec AS ruhalfvec)
	WITH FUNCTION ruhalfvec(ruhalfvec, integer, boolean) AS IMPLICIT;

-- ruvector -> ruhalfvec rounds, implicitly (as pgvector's vector -> halfvec);
-- back on assignment or explicitly
CREATE FUNCTION ruhalfvec(ruvector, integer, boolean) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME', 'ruvector_to_ruhalfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (ruvector AS ruhalfvec)
	WITH FUNCTION ruhalfvec(ruvector, integer, boolean) AS IMPLICIT;
CREATE FUNCTION ruvector(ruhalfvec, integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME', 'ruhalfvec_to_ruvector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (ruhalfvec AS ruvector)
	WITH FUNCTION ruvector(ruhalfvec, integer, boolean) AS ASSIGNMENT;

CREATE FUNCTION array_to_ruhalfvec(integer[], integer, boolean) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME', 'array_to_ruhalfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruhalfvec(real[], integer, boolean) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME', 'array_to_ruhalfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruhalfvec(double precision[], integer, boolean) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME', 'array_to_ruhalfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_ruhalfvec(numeric[], integer, boolean) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME', 'array_to_ruhalfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (integer[] AS ruhalfvec)
	WITH FUNCTION array_to_ruhalfvec(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (real[] AS ruhalfvec)
	WITH FUNCTION array_to_ruhalfvec(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS ruhalfvec)
	WITH FUNCTION array_to_ruhalfvec(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS ruhalfvec)
	WITH FUNCTION array_to_ruhalfvec(numeric[], integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION ruhalfvec_to_float4(ruhalfvec, integer, boolean) RETURNS real[]
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (ruhalfvec AS real[])
	WITH FUNCTION ruhalfvec_to_float4(ruhalfvec, integer, boolean) AS IMPLICIT;

CREATE FUNCTION ruhalfvec_l2_distance(ruhalfvec, ruhalfvec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_l2_squared_distance(ruhalfvec, ruhalfvec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_inner_product(ruhalfvec, ruhalfvec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_negative_inner_product(ruhalfvec, ruhalfvec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_cosine_distance(ruhalfvec, ruhalfvec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_l1_distance(ruhalfvec, ruhalfvec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_dims(ruhalfvec) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_norm(ruhalfvec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_binary_quantize(ruhalfvec) RETURNS bit
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_l2_normalize(ruhalfvec) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_subvector(ruhalfvec, integer, integer) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- element-wise arithmetic (rounded to halves; beyond +-65504 an overflow,
-- a product of nonzero halves that rounds to 0 an underflow: 22003) and
-- concatenation
CREATE FUNCTION ruhalfvec_add(ruhalfvec, ruhalfvec) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_sub(ruhalfvec, ruhalfvec) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_mul(ruhalfvec, ruhalfvec) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_concat(ruhalfvec, ruhalfvec) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR + (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_add, COMMUTATOR = +
);
CREATE OPERATOR - (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_sub
);
CREATE OPERATOR * (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_mul, COMMUTATOR = *
);
CREATE OPERATOR || (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_concat
);

-- avg and sum: ruvector's state (count and double-precision sums, combine,
-- serial and deserial functions), so avg(h) = avg(h::ruvector)::ruhalfvec
CREATE FUNCTION ruhalfvec_accum(internal, ruhalfvec) RETURNS internal
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_avg_final(internal) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_sum_final(internal) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE avg(ruhalfvec) (
	SFUNC = ruhalfvec_accum,
	STYPE = internal,
	FINALFUNC = ruhalfvec_avg_final,
	COMBINEFUNC = ruvector_combine,
	SERIALFUNC = ruvector_agg_serialize,
	DESERIALFUNC = ruvector_agg_deserialize,
	PARALLEL = SAFE
);

CREATE AGGREGATE sum(ruhalfvec) (
	SFUNC = ruhalfvec_accum,
	STYPE = internal,
	FINALFUNC = ruhalfvec_sum_final,
	COMBINEFUNC = ruvector_combine,
	SERIALFUNC = ruvector_agg_serialize,
	DESERIALFUNC = ruvector_agg_deserialize,
	PARALLEL = SAFE
);

CREATE OPERATOR <-> (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_l2_distance,
	COMMUTATOR = '<->'
);
CREATE OPERATOR <#> (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_negative_inner_product,
	COMMUTATOR = '<#>'
);
CREATE OPERATOR <=> (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_cosine_distance,
	COMMUTATOR = '<=>'
);
CREATE OPERATOR <+> (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_l1_distance,
	COMMUTATOR = '<+>'
);

CREATE FUNCTION ruhalfvec_lt(ruhalfvec, ruhalfvec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_le(ruhalfvec, ruhalfvec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_eq(ruhalfvec, ruhalfvec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_ne(ruhalfvec, ruhalfvec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_ge(ruhalfvec, ruhalfvec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_gt(ruhalfvec, ruhalfvec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ruhalfvec_cmp(ruhalfvec, ruhalfvec) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR < (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_lt,
	COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_le,
	COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR = (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel, MERGES
);
CREATE OPERATOR <> (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR >= (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_ge,
	COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR > (
	LEFTARG = ruhalfvec, RIGHTARG = ruhalfvec, FUNCTION = ruhalfvec_gt,
	COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR CLASS ruhalfvec_ops
	DEFAULT FOR TYPE ruhalfvec USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 ruhalfvec_cmp(ruhalfvec, ruhalfvec);

-- ruivf on ruhalfvec: each value widened to float4 (RuIvfInput, src/ivf)
CREATE OPERATOR CLASS ruhalfvec_l2_ops
	DEFAULT FOR TYPE ruhalfvec USING ruivf AS
	OPERATOR 1 <-> (ruhalfvec, ruhalfvec) FOR ORDER BY float_ops,
	FUNCTION 1 ruhalfvec_l2_squared_distance(ruhalfvec, ruhalfvec);

CREATE OPERATOR CLASS ruhalfvec_ip_ops
	FOR TYPE ruhalfvec USING ruivf AS
	OPERATOR 1 <#> (ruhalfvec, ruhalfvec) FOR ORDER BY float_ops,
	FUNCTION 1 ruhalfvec_negative_inner_product(ruhalfvec, ruhalfvec);

CREATE OPERATOR CLASS ruhalfvec_cosine_ops
	FOR TYPE ruhalfvec USING ruivf AS
	OPERATOR 1 <=> (ruhalfvec, ruhalfvec) FOR ORDER BY float_ops,
	FUNCTION 1 ruhalfvec_cosine_distance(ruhalfvec, ruhalfvec);

CREATE OPERATOR CLASS ruhalfvec_l1_ops
	FOR TYPE ruhalfvec USING ruivf AS
	OPERATOR 1 <+> (ruhalfvec, ruhalfvec) FOR ORDER BY float_ops,
	FUNCTION 1 ruhalfvec_l1_distance(ruhalfvec, ruhalfvec);

-- rusparsevec: sparse vectors ----------------------------------------------
--
-- Up to 1,000,000,000 dimensions, of which at most 16,000 are stored (the
-- non-zero ones); text form {1:1.5,3:2}/5 with 1-based indices, binary
-- form pgvector's for sparsevec.  Distances merge the sorted index lists
-- and accumulate in double precision.  Functions have rusparsevec_ names
-- (as ruhalfvec's, to keep calls with bare literals unambiguous); the
-- operators are ruvector's.  No index: ruivf's operator classes on
-- rusparsevec exist so that CREATE INDEX fails saying so.

CREATE TYPE rusparsevec;

CREATE FUNCTION rusparsevec_in(cstring, oid, integer) RETURNS rusparsevec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_out(rusparsevec) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_typmod_in(cstring[]) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_typmod_out(integer) RETURNS cstring
	AS 'MODULE_PATHNAME', 'ruvector_typmod_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_recv(internal, oid, integer) RETURNS rusparsevec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_send(rusparsevec) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- storage main, as ruvector's: in the row unless the row would not fit a
-- page (about 250 non-zeros and more may move out of line)
CREATE TYPE rusparsevec (
	INPUT = rusparsevec_in,
	OUTPUT = rusparsevec_out,
	TYPMOD_IN = rusparsevec_typmod_in,
	TYPMOD_OUT = rusparsevec_typmod_out,
	RECEIVE = rusparsevec_recv,
	SEND = rusparsevec_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = int4,
	STORAGE = main
);

COMMENT ON TYPE rusparsevec IS 'sparse vector of float4, 1 to 1000000000 dimensions, at most 16000 non-zero';

CREATE FUNCTION rusparsevec(rusparsevec, integer, boolean) RETURNS rusparsevec
	AS 'MODULE_PATHNAME', 'rusparsevec_typmod_cast' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (rusparsevec AS rusparsevec)
	WITH FUNCTION rusparsevec(rusparsevec, integer, boolean) AS IMPLICIT;

-- pgvector's levels: dense -> sparse implicitly, back on assignment or
-- explicitly; arrays on assignment
CREATE FUNCTION rusparsevec(ruvector, integer, boolean) RETURNS rusparsevec
	AS 'MODULE_PATHNAME', 'ruvector_to_rusparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (ruvector AS rusparsevec)
	WITH FUNCTION rusparsevec(ruvector, integer, boolean) AS IMPLICIT;
CREATE FUNCTION ruvector(rusparsevec, integer, boolean) RETURNS ruvector
	AS 'MODULE_PATHNAME', 'rusparsevec_to_ruvector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (rusparsevec AS ruvector)
	WITH FUNCTION ruvector(rusparsevec, integer, boolean) AS ASSIGNMENT;
CREATE FUNCTION rusparsevec(ruhalfvec, integer, boolean) RETURNS rusparsevec
	AS 'MODULE_PATHNAME', 'ruhalfvec_to_rusparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (ruhalfvec AS rusparsevec)
	WITH FUNCTION rusparsevec(ruhalfvec, integer, boolean) AS IMPLICIT;
CREATE FUNCTION ruhalfvec(rusparsevec, integer, boolean) RETURNS ruhalfvec
	AS 'MODULE_PATHNAME', 'rusparsevec_to_ruhalfvec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (rusparsevec AS ruhalfvec)
	WITH FUNCTION ruhalfvec(rusparsevec, integer, boolean) AS ASSIGNMENT;

CREATE FUNCTION array_to_rusparsevec(integer[], integer, boolean) RETURNS rusparsevec
	AS 'MODULE_PATHNAME', 'array_to_rusparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_rusparsevec(real[], integer, boolean) RETURNS rusparsevec
	AS 'MODULE_PATHNAME', 'array_to_rusparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_rusparsevec(double precision[], integer, boolean) RETURNS rusparsevec
	AS 'MODULE_PATHNAME', 'array_to_rusparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION array_to_rusparsevec(numeric[], integer, boolean) RETURNS rusparsevec
	AS 'MODULE_PATHNAME', 'array_to_rusparsevec' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE CAST (integer[] AS rusparsevec)
	WITH FUNCTION array_to_rusparsevec(integer[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (real[] AS rusparsevec)
	WITH FUNCTION array_to_rusparsevec(real[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (double precision[] AS rusparsevec)
	WITH FUNCTION array_to_rusparsevec(double precision[], integer, boolean) AS ASSIGNMENT;
CREATE CAST (numeric[] AS rusparsevec)
	WITH FUNCTION array_to_rusparsevec(numeric[], integer, boolean) AS ASSIGNMENT;

CREATE FUNCTION rusparsevec_l2_distance(rusparsevec, rusparsevec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_l2_squared_distance(rusparsevec, rusparsevec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_inner_product(rusparsevec, rusparsevec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_negative_inner_product(rusparsevec, rusparsevec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_cosine_distance(rusparsevec, rusparsevec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_l1_distance(rusparsevec, rusparsevec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_dims(rusparsevec) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_norm(rusparsevec) RETURNS double precision
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_l2_normalize(rusparsevec) RETURNS rusparsevec
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR <-> (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_l2_distance,
	COMMUTATOR = '<->'
);
CREATE OPERATOR <#> (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_negative_inner_product,
	COMMUTATOR = '<#>'
);
CREATE OPERATOR <=> (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_cosine_distance,
	COMMUTATOR = '<=>'
);
CREATE OPERATOR <+> (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_l1_distance,
	COMMUTATOR = '<+>'
);

CREATE FUNCTION rusparsevec_lt(rusparsevec, rusparsevec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_le(rusparsevec, rusparsevec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_eq(rusparsevec, rusparsevec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_ne(rusparsevec, rusparsevec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_ge(rusparsevec, rusparsevec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_gt(rusparsevec, rusparsevec) RETURNS bool
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION rusparsevec_cmp(rusparsevec, rusparsevec) RETURNS integer
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR < (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_lt,
	COMMUTATOR = >, NEGATOR = >=, RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR <= (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_le,
	COMMUTATOR = >=, NEGATOR = >, RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR = (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_eq,
	COMMUTATOR = =, NEGATOR = <>, RESTRICT = eqsel, JOIN = eqjoinsel, MERGES
);
CREATE OPERATOR <> (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_ne,
	COMMUTATOR = <>, NEGATOR = =, RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR >= (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_ge,
	COMMUTATOR = <=, NEGATOR = <, RESTRICT = scalargesel, JOIN = scalargejoinsel
);
CREATE OPERATOR > (
	LEFTARG = rusparsevec, RIGHTARG = rusparsevec, FUNCTION = rusparsevec_gt,
	COMMUTATOR = <, NEGATOR = <=, RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR CLASS rusparsevec_ops
	DEFAULT FOR TYPE rusparsevec USING btree AS
	OPERATOR 1 <,
	OPERATOR 2 <=,
	OPERATOR 3 =,
	OPERATOR 4 >=,
	OPERATOR 5 >,
	FUNCTION 1 rusparsevec_cmp(rusparsevec, rusparsevec);

-- ruivf on rusparsevec: each value scattered into its dense form (up to
-- 16,000 dimensions), re-ranked with the sparse type's own distances
CREATE OPERATOR CLASS rusparsevec_l2_ops
	DEFAULT FOR TYPE rusparsevec USING ruivf AS
	OPERATOR 1 <-> (rusparsevec, rusparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 rusparsevec_l2_squared_distance(rusparsevec, rusparsevec);

CREATE OPERATOR CLASS rusparsevec_ip_ops
	FOR TYPE rusparsevec USING ruivf AS
	OPERATOR 1 <#> (rusparsevec, rusparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 rusparsevec_negative_inner_product(rusparsevec, rusparsevec);

CREATE OPERATOR CLASS rusparsevec_cosine_ops
	FOR TYPE rusparsevec USING ruivf AS
	OPERATOR 1 <=> (rusparsevec, rusparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 rusparsevec_cosine_distance(rusparsevec, rusparsevec);

CREATE OPERATOR CLASS rusparsevec_l1_ops
	FOR TYPE rusparsevec USING ruivf AS
	OPERATOR 1 <+> (rusparsevec, rusparsevec) FOR ORDER BY float_ops,
	FUNCTION 1 rusparsevec_l1_distance(rusparsevec, rusparsevec);

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
