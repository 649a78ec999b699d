/*-------------------------------------------------------------------------
 *
 * ruvector.c
 *	  Entry point of the ruvector extension.
 *
 * _PG_init lives here alone and calls each part's Init, bottom layer
 * first: the kernel dispatch (src/simd), then the parts above it.  No other
 * file includes this one.
 *
 * src/ruvector.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat/compat.h"
#include "ivf/ivf.h"
#include "planner/planner.h"
#include "simd/simd_guc.h"
#include "stats/stats.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* read by the event trigger ruvector_table_defaults (sql/ruvector--0.1.0.sql) */
static int	ruvector_toast_tuple_target = 8160;

/* Load-time setup: select kernels, define every ruvector.* setting. */
void
_PG_init(void)
{
	RvSimdInit();
	RuIvfInit();
	RvPlannerInit();
	RvStatsInit();
	RvCompatInit();
	RvCompatUtilityInit();
	DefineCustomIntVariable("ruvector.toast_tuple_target",
							"toast_tuple_target given to a table that gets a dense vector column.",
							"Rows up to this size stay in line and uncompressed, so that scans read "
							"vectors in place; below 128 (PostgreSQL's least), new tables are left "
							"as they are.",
							&ruvector_toast_tuple_target, 8160, 0, 8160,
							PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("ruvector");
}
