/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The pgvector-compatible names (extension `vector`): what ruvector.so
 *	  and the small settings library ruvector_compat.so share.
 *
 * WHY TWO LIBRARIES
 * pgvector defines the settings hnsw.* and ivfflat.* when its library
 * loads.  ruvector alone (installed with WITH_COMPAT=no) and the real
 * pgvector can live in one database, since their names do not collide; if
 * ruvector.so defined those settings too, a backend that loads both would
 * fail with "attempt to redefine parameter".  So ruvector.so never defines
 * them.  They live in ruvector_compat.so, which nothing loads except the
 * access method handlers of the compatibility extension (hnsw, ivfflat:
 * compat_am.c): PostgreSQL calls a handler whenever it opens an index of
 * that access method, so the settings exist in every backend that plans
 * or scans such an index, and in no other.  A value SET before the library
 * loads is a placeholder that the library's definition picks up (standard
 * GUC behaviour), so `SET hnsw.ef_search = 100` works at any point of a
 * session.  ruvector.so reads the values through a rendezvous variable
 * (RV_COMPAT_RENDEZVOUS): a pointer to one RvCompatSettings struct whose
 * fields are the GUC variables themselves.
 *
 * The compatibility extension and the real pgvector cannot be installed
 * in one PostgreSQL installation (both are `vector`); see
 * docs/coming-from-pgvector.md.
 *
 * src/compat/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_COMPAT_H
#define RUVECTOR_COMPAT_H

/* the settings library, and the rendezvous variable it publishes */
#define RV_COMPAT_LIBRARY		"$libdir/ruvector_compat"
#define RV_COMPAT_RENDEZVOUS	"ruvector_compat_settings"

/* bumped whenever RvCompatSettings changes */
#define RV_COMPAT_SETTINGS_VERSION 1

/* values of hnsw.iterative_scan and ivfflat.iterative_scan */
typedef enum RvCompatIterativeScan
{
	RV_COMPAT_ITERATIVE_OFF = 0,
	RV_COMPAT_ITERATIVE_RELAXED = 1,
	RV_COMPAT_ITERATIVE_STRICT = 2	/* hnsw only */
} RvCompatIterativeScan;

/* the hnsw.* and ivfflat.* settings, defined by ruvector_compat.so */
typedef struct RvCompatSettings
{
	int			version;		/* RV_COMPAT_SETTINGS_VERSION */
	int			ivfflat_probes;
	int			ivfflat_iterative_scan;
	int			ivfflat_max_probes;
	int			hnsw_ef_search;
	int			hnsw_iterative_scan;
	int			hnsw_max_scan_tuples;
	double		hnsw_scan_mem_multiplier;	/* accepted; ruivf has no use for it */
} RvCompatSettings;

/*
 * hnsw.ef_search -> the lists a scan of an hnsw index reads first:
 * ceil(ef_search / 5).  pgvector's default ef_search, 40, gives 8, ruivf's
 * default ruvector.probes; the largest, 1000, gives 200.  Monotone: a
 * larger ef_search never reads fewer lists, so never finds fewer of the
 * nearest rows.
 */
#define RV_COMPAT_EF_SEARCH_PER_PROBE 5
#define RvCompatProbesForEfSearch(ef) \
	(((ef) + RV_COMPAT_EF_SEARCH_PER_PROBE - 1) / RV_COMPAT_EF_SEARCH_PER_PROBE)

/* compat_am.c */
extern void RvCompatInit(void);

/* compat_utility.c */
extern void RvCompatUtilityInit(void);
extern void RvCompatWarnPlaceholders(void);

#endif							/* RUVECTOR_COMPAT_H */
