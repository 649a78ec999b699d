/*-------------------------------------------------------------------------
 *
 * ivfcost.c
 *	  Cost estimate for ruivf scans.
 *
 * A scan pays, before its first row: the metapage, list directory and
 * centroid pages (cached per backend in practice, but counted), one
 * distance per centroid, the pages of `ruvector.probes` lists (or the
 * probes RuIvfGetScanSettings gives for this index), an SQ8
 * score per code in them (a quarter of an operator call: a SIMD batch
 * kernel, no fmgr), and one random heap fetch per re-ranked candidate
 * (rerank = index: its vector pages, which a scan reads only for the
 * candidates it re-ranks, so they are left out of the pages it probes):
 * the first window's, or for an L1 index every candidate of the lists.
 * That is the startup cost; the total is the cost of probing every list,
 * which is what a scan that is never stopped does.  A LIMIT scales between
 * the two, so the index wins ORDER BY ... LIMIT on a large table and loses
 * to a sequential scan on a small one, where its fixed costs dominate.
 * A parallel scan's participants share all but the fixed costs
 * (RuIvfCostParallelPath, called from the planner hook).
 * Without an ORDER BY on the indexed column the index is never used.
 *
 * src/ivf/ivfcost.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/relation.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/float.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"

#include "ivf.h"

/*
 * A scan's costs (see the top of the file): fixed, what every scan pays
 * whatever it reads (the metapage, directory and centroid pages, one
 * distance per centroid); startup, before the first row; all, to the last
 * row of the index; pages, those read before the first row.
 */
static void
estimate(IndexOptInfo *info, double *fixed, double *startup, double *all, double *pages,
		 double *state)
{
	Relation	index;
	RuIvfMetaData meta;
	RuIvfScanSettings set;
	double		lists,
				ratio,
				header_pages,
				data_pages,
				tuples,
				scored,
				reranked,
				spc_random,
				spc_seq;

	index = index_open(info->indexoid, NoLock);
	RuIvfReadMeta(index, &meta);
	RuIvfGetScanSettings(index, &meta, &set);
	index_close(index, NoLock);

	get_tablespace_page_costs(info->reltablespace, &spc_random, &spc_seq);
	lists = Max(meta.lists, 1);
	ratio = Min(1.0, (double) set.probes / lists);
	tuples = Max(info->tuples, 1.0);
	header_pages = 2 + ceil((double) meta.lists * meta.dim / RUIVF_FLOATS_PER_PAGE) +
		ceil((meta.residual ? 4.0 : 2.0) * meta.dim / RUIVF_FLOATS_PER_PAGE);
	data_pages = Max(info->pages - header_pages, 1.0);
	if (meta.vec_pages_per_block > 0)
		data_pages *= (double) meta.pages_per_block /
			(meta.pages_per_block + meta.vec_pages_per_block);
	scored = ratio * tuples;
	/* L1's lower bounds are L2's, too loose to stop early: all are re-ranked */
	reranked = meta.lists == 0 ? tuples :
		meta.metric == RUIVF_METRIC_L1 ? scored : Min(scored, 10.0 * set.rerank_factor);

	*fixed = header_pages * spc_seq + meta.lists * cpu_operator_cost;
	*startup = *fixed
		+ ratio * data_pages * spc_seq
		+ scored * cpu_operator_cost * 0.25
		+ reranked * (spc_random + cpu_operator_cost);
	*all = *startup + (1.0 - ratio) * (data_pages * spc_seq + tuples * cpu_operator_cost * 0.25)
		+ (tuples - reranked) * (spc_random + cpu_operator_cost);
	*pages = ratio * data_pages + header_pages;
	/* a backend's first scan: the centroids read and coded (RuIvfGetState) */
	*state = (double) meta.lists * meta.dim * cpu_operator_cost;
}

/* amcostestimate */
void
ruivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				  Cost *indexStartupCost, Cost *indexTotalCost,
				  Selectivity *indexSelectivity, double *indexCorrelation,
				  double *indexPages)
{
	double		fixed,
				startup,
				all,
				pages,
				state;

	(void) root;
	(void) loop_count;
	if (path->indexorderbys == NIL)
	{
		*indexStartupCost = get_float8_infinity();
		*indexTotalCost = get_float8_infinity();
		*indexSelectivity = 0;
		*indexCorrelation = 0;
		*indexPages = 0;
		return;
	}
	estimate(path->indexinfo, &fixed, &startup, &all, &pages, &state);
	*indexStartupCost = startup;
	*indexTotalCost = all;
	*indexSelectivity = 1.0;
	*indexCorrelation = 0;
	*indexPages = pages;
}

/*
 * A parallel (partial) ordered path: its participants split the lists
 * (ivfscan.c, "Parallel scans"), so all but the fixed cost, which each
 * pays, is divided among them as PostgreSQL divides a parallel path's CPU
 * cost (its parallel divisor: the workers, plus what the leader gives
 * besides gathering).  Each worker is a new backend, which reads and codes
 * the centroids before its first list (measured: ~8 ms at 3,162 x 128 on
 * a 2-core VM, as much as a whole query of 16 lists): that is charged per
 * worker.  cost_index cannot do this: it calls amcostestimate before it
 * knows the path's workers.
 */
void
RuIvfCostParallelPath(IndexPath *path)
{
	double		fixed,
				startup,
				all,
				pages,
				state,
				divisor,
				saved_startup,
				saved_all;

	if (path->path.parallel_workers <= 0 || path->indexorderbys == NIL)
		return;
	divisor = path->path.parallel_workers;
	if (parallel_leader_participation && 1.0 - 0.3 * path->path.parallel_workers > 0)
		divisor += 1.0 - 0.3 * path->path.parallel_workers;
	estimate(path->indexinfo, &fixed, &startup, &all, &pages, &state);
	saved_startup = (startup - fixed) * (1.0 - 1.0 / divisor) -
		state * path->path.parallel_workers;
	saved_all = (all - fixed) * (1.0 - 1.0 / divisor) -
		state * path->path.parallel_workers;
	path->path.startup_cost = Max(path->path.startup_cost - saved_startup, 0.0);
	path->path.total_cost = Max(path->path.total_cost - saved_all, path->path.startup_cost);
}
