/*-------------------------------------------------------------------------
 *
 * compat_am.c
 *	  The access methods `ivfflat` and `hnsw` of the compatibility
 *	  extension `vector`: ruivf under pgvector's names.
 *
 * Both handlers return ruivf's IndexAmRoutine (same build, insert, scan,
 * VACUUM, cost estimate, so EXPLAIN, ruvector_index_info, ruvector_stats
 * and the planner hook treat these indexes as the ruivf indexes they are)
 * with two differences:
 *	- amoptions.  ivfflat takes ruivf's options (lists, bits, rerank), hnsw
 *	  takes those and pgvector's m and ef_construction, which are checked
 *	  against pgvector's ranges and then ignored with a NOTICE saying so:
 *	  an IVF index has no graph to shape.
 *	- search settings.  A scan of an ivfflat or hnsw index reads its
 *	  settings from ivfflat.* or hnsw.* (compat_scan_settings, installed
 *	  as ruivf_scan_settings_hook), not from ruvector.*.  Those settings are
 *	  defined by ruvector_compat.so, which the handlers load (compat.h).
 * The amoptions callback doubles as the mark of which name an index was
 * created under: hnswoptions for hnsw, ivfflatoptions for ivfflat.
 *
 * src/compat/compat_am.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amapi.h"
#include "access/reloptions.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/rel.h"

#include "compat.h"
#include "../ivf/ivf.h"

/* hnsw's options: ruivf's first (ruivf reads rd_options as RuIvfOptions) */
typedef struct RvCompatHnswOptions
{
	RuIvfOptions ruivf;
	int			m;				/* accepted, no effect */
	int			ef_construction;	/* accepted, no effect */
} RvCompatHnswOptions;

static relopt_kind hnsw_relopt_kind;
static RvCompatSettings *compat_settings = NULL;

static bytea *hnswoptions(Datum reloptions, bool validate);
static bytea *ivfflatoptions(Datum reloptions, bool validate);
static void compat_scan_settings(Relation index, RuIvfScanSettings *set);

/* Register hnsw's options and the scan settings hook; called from _PG_init. */
void
RvCompatInit(void)
{
	hnsw_relopt_kind = add_reloption_kind();
	RuIvfAddOptions(hnsw_relopt_kind);
	add_int_reloption(hnsw_relopt_kind, "m",
					  "Accepted for pgvector compatibility (2 to 100); no effect on this IVF index",
					  16, 2, 100, AccessExclusiveLock);
	add_int_reloption(hnsw_relopt_kind, "ef_construction",
					  "Accepted for pgvector compatibility (4 to 1000); no effect on this IVF index",
					  64, 4, 1000, AccessExclusiveLock);
	ruivf_scan_settings_hook = compat_scan_settings;
}

/*
 * The hnsw.* / ivfflat.* settings: load ruvector_compat.so the first time
 * (it defines them, adopting values SET before) and keep its pointer.
 */
static RvCompatSettings *
load_settings(void)
{
	if (compat_settings == NULL)
	{
		RvCompatSettings *s;

		load_file(RV_COMPAT_LIBRARY, false);
		s = *(RvCompatSettings **) find_rendezvous_variable(RV_COMPAT_RENDEZVOUS);
		if (s == NULL || s->version != RV_COMPAT_SETTINGS_VERSION)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("ruvector_compat library does not match this ruvector library"),
					 errhint("Install ruvector_compat.so and ruvector.so from the same build "
							 "(make install), then start a new session.")));
		compat_settings = s;
	}
	return compat_settings;
}

/* A ruivf routine under another name: its own options; the settings loaded. */
static IndexAmRoutine *
compat_routine(amoptions_function amoptions)
{
	IndexAmRoutine *amroutine = RuIvfAmRoutine();

	amroutine->amoptions = amoptions;
	load_settings();
	return amroutine;
}

PG_FUNCTION_INFO_V1(ruvector_hnsw_handler);
/* The handler of the access method hnsw. */
Datum
ruvector_hnsw_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(compat_routine(hnswoptions));
}

PG_FUNCTION_INFO_V1(ruvector_ivfflat_handler);
/* The handler of the access method ivfflat. */
Datum
ruvector_ivfflat_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(compat_routine(ivfflatoptions));
}

/* amoptions of ivfflat: exactly ruivf's. */
static bytea *
ivfflatoptions(Datum reloptions, bool validate)
{
	return ruivfoptions(reloptions, validate);
}

/* amoptions of hnsw: ruivf's, plus m and ef_construction, which say what they do not do. */
static bytea *
hnswoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(RvCompatHnswOptions, ruivf.lists)},
		{"rerank", RELOPT_TYPE_ENUM, offsetof(RvCompatHnswOptions, ruivf.rerank)},
		{"bits", RELOPT_TYPE_ENUM, offsetof(RvCompatHnswOptions, ruivf.bits)},
		{"shared_lists", RELOPT_TYPE_ENUM, offsetof(RvCompatHnswOptions, ruivf.shared_lists)},
		{"m", RELOPT_TYPE_INT, offsetof(RvCompatHnswOptions, m)},
		{"ef_construction", RELOPT_TYPE_INT, offsetof(RvCompatHnswOptions, ef_construction)},
	};
	bytea	   *result = (bytea *) build_reloptions(reloptions, validate, hnsw_relopt_kind,
													sizeof(RvCompatHnswOptions),
													tab, lengthof(tab));
	ListCell   *lc;
	List	   *ignored = NIL;

	/* validate: CREATE INDEX or ALTER INDEX SET, where the user gave them */
	if (!validate)
		return result;
	/* the incumbent's rule, so that a script expecting its error gets it */
	if (result != NULL &&
		((RvCompatHnswOptions *) result)->ef_construction < 2 * ((RvCompatHnswOptions *) result)->m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be greater than or equal to 2 * m"),
				 errhint("These options have no effect on this index; leave them out.")));
	foreach(lc, untransformRelOptions(reloptions))
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, "m") == 0 || strcmp(def->defname, "ef_construction") == 0)
			ignored = lappend(ignored, def->defname);
	}
	if (ignored != NIL)
		ereport(NOTICE,
				(errmsg_plural("hnsw option %s has no effect on this index",
							   "hnsw options %s have no effect on this index",
							   list_length(ignored),
							   list_length(ignored) == 1 ? (char *) linitial(ignored) :
							   psprintf("%s and %s", (char *) linitial(ignored),
										(char *) lsecond(ignored))),
				 errdetail("The hnsw access method here is ruivf, an IVF index with exact "
						   "re-ranking: it builds no graph, so it has no neighbour count (m) "
						   "and no build-time candidate list (ef_construction)."),
				 errhint("Its build options are lists, bits and rerank.  At query time, "
						 "hnsw.ef_search sets how many lists a scan reads: ef_search / 5, "
						 "rounded up.")));
	return result;
}

/*
 * ruivf_scan_settings_hook: an hnsw or ivfflat index is searched with the
 * hnsw.* or ivfflat.* settings.  ruvector.rerank_factor (no counterpart)
 * applies to every index.
 *	hnsw:	 probes = ceil(ef_search / 5) (compat.h), iterative_scan as set,
 *			 every list if iterative, up to max_scan_tuples codes.
 *	ivfflat: probes, iterative_scan and max_probes as set, no code limit.
 */
static void
compat_scan_settings(Relation index, RuIvfScanSettings *set)
{
	amoptions_function amoptions = index->rd_indam ? index->rd_indam->amoptions : NULL;
	RvCompatSettings *s;

	if (amoptions != hnswoptions && amoptions != ivfflatoptions)
	{
		RvCompatWarnPlaceholders();
		return;
	}
	s = load_settings();
	if (amoptions == hnswoptions)
	{
		set->probes = Max(RvCompatProbesForEfSearch(s->hnsw_ef_search), 1);
		set->max_probes = -1;
		set->max_scan_tuples = s->hnsw_max_scan_tuples;
		set->iterative = s->hnsw_iterative_scan;
	}
	else
	{
		set->probes = Max(s->ivfflat_probes, 1);
		set->max_probes = Max(s->ivfflat_max_probes, set->probes);
		set->max_scan_tuples = 0;
		set->iterative = s->ivfflat_iterative_scan;
	}
	/* RV_COMPAT_ITERATIVE_* -> RUIVF_ITERATIVE_* */
	set->iterative = set->iterative == RV_COMPAT_ITERATIVE_STRICT ? RUIVF_ITERATIVE_STRICT :
		set->iterative == RV_COMPAT_ITERATIVE_RELAXED ? RUIVF_ITERATIVE_RELAXED :
		RUIVF_ITERATIVE_OFF;
}
