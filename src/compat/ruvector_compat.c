/*-------------------------------------------------------------------------
 *
 * ruvector_compat.c
 *	  ruvector_compat.so: defines pgvector's search settings (hnsw.*,
 *	  ivfflat.*) for the compatibility extension `vector`.
 *
 * A library of its own so that the settings exist only in backends that
 * use the compatibility extension's access methods: compat.h says why and
 * how ruvector.so loads it and reads the values.  It depends on nothing in
 * ruvector.so.  Ranges and defaults are pgvector's, so that a value valid
 * there is valid here and means the same order of effort; what each one
 * does to a ruivf scan is compat_am.c's business (compat_scan_settings).
 *
 * src/compat/ruvector_compat.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static RvCompatSettings settings = {
	.version = RV_COMPAT_SETTINGS_VERSION,
	.ivfflat_probes = 1,
	.ivfflat_iterative_scan = RV_COMPAT_ITERATIVE_OFF,
	.ivfflat_max_probes = 32768,
	.hnsw_ef_search = 40,
	.hnsw_iterative_scan = RV_COMPAT_ITERATIVE_OFF,
	.hnsw_max_scan_tuples = 20000,
	.hnsw_scan_mem_multiplier = 1.0,
};

static const struct config_enum_entry ivfflat_iterative_options[] = {
	{"off", RV_COMPAT_ITERATIVE_OFF, false},
	{"relaxed_order", RV_COMPAT_ITERATIVE_RELAXED, false},
	{NULL, 0, false}
};

static const struct config_enum_entry hnsw_iterative_options[] = {
	{"off", RV_COMPAT_ITERATIVE_OFF, false},
	{"relaxed_order", RV_COMPAT_ITERATIVE_RELAXED, false},
	{"strict_order", RV_COMPAT_ITERATIVE_STRICT, false},
	{NULL, 0, false}
};

/* Define the settings (picking up values SET earlier) and publish them. */
void
_PG_init(void)
{
	DefineCustomIntVariable("ivfflat.probes",
							"Lists an ivfflat index scan reads before its first row.",
							"ivfflat indexes here are ruivf indexes: this is ruvector.probes for them.",
							&settings.ivfflat_probes, 1, 1, 32768,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("ivfflat.iterative_scan",
							 "Whether an ivfflat index scan reads further lists when the executor wants more rows.",
							 "off: stop after ivfflat.probes lists; relaxed_order: go on, up to "
							 "ivfflat.max_probes lists (ruvector.iterative_scan for ivfflat indexes).",
							 &settings.ivfflat_iterative_scan, RV_COMPAT_ITERATIVE_OFF,
							 ivfflat_iterative_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ivfflat.max_probes",
							"Most lists an iterative ivfflat index scan reads.",
							"ruvector.max_probes for ivfflat indexes; never fewer than ivfflat.probes.",
							&settings.ivfflat_max_probes, 32768, 1, 32768,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hnsw.ef_search",
							"Search effort of an hnsw index scan.",
							"hnsw indexes here are ruivf indexes: a scan reads ceil(ef_search / 5) "
							"lists before its first row (40: 8 lists, as ruvector.probes' default).",
							&settings.hnsw_ef_search, 40, 1, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("hnsw.iterative_scan",
							 "Whether an hnsw index scan goes on when the executor wants more rows.",
							 "off: stop after the lists hnsw.ef_search gives; relaxed_order, strict_order: "
							 "go on into further lists, up to hnsw.max_scan_tuples codes "
							 "(ruvector.iterative_scan for hnsw indexes).",
							 &settings.hnsw_iterative_scan, RV_COMPAT_ITERATIVE_OFF,
							 hnsw_iterative_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hnsw.max_scan_tuples",
							"Most vectors an iterative hnsw index scan scores before it stops going on.",
							"ruvector.max_scan_tuples for hnsw indexes: the first lists are always read whole.",
							&settings.hnsw_max_scan_tuples, 20000, 1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("hnsw.scan_mem_multiplier",
							 "Accepted for compatibility; has no effect on hnsw indexes here.",
							 "A ruivf scan holds the candidates of the lists it has read; "
							 "hnsw.max_scan_tuples bounds how far an iterative scan goes.",
							 &settings.hnsw_scan_mem_multiplier, 1.0, 1.0, 1000.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ivfflat");
	MarkGUCPrefixReserved("hnsw");

	*find_rendezvous_variable(RV_COMPAT_RENDEZVOUS) = &settings;
}
