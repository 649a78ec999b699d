/*-------------------------------------------------------------------------
 *
 * stats.h
 *	  Runtime statistics of ruvector's index scans (the ruvector_stats view).
 *
 * A scan counts into an RvScanStats of its own (plain integers, no
 * atomics, no locks) and flushes it once, when the query ends (rescan or
 * endscan), with one atomic add per counter into its index's entry, under
 * the table's lock in shared mode.  See stats.c for where the entries live
 * and for the locking.
 *
 * src/stats/stats.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_STATS_H
#define RUVECTOR_STATS_H

#include "portability/instr_time.h"

/* the counters of one query, kept by the scan itself */
typedef struct RvScanStats
{
	bool		active;			/* a query is being counted */
	instr_time	busy;			/* time spent in the scan's own calls */
	int64		rows;			/* rows returned */
	int64		lists;			/* lists (posting chains) read */
	int64		blocks;			/* SoA blocks scored */
	int64		codes;			/* quantized distances computed */
	int64		reranks;		/* exact distances computed */
} RvScanStats;

extern bool ruvector_track_stats;

extern void RvStatsInit(void);
extern void RvStatsBegin(RvScanStats *s);
extern void RvStatsEnd(Oid indexoid, RvScanStats *s, Size scanmem);

#endif							/* RUVECTOR_STATS_H */
