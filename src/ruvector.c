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
	MarkGUCPrefixReserved("ruvector");
}
