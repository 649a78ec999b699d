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

/* amcostestimate */
void
ruivfcostestimate(PlannerInfo *root, IndexPath *path, double loop_count,
				  Cost *indexStartupCost, Cost *indexTotalCost,
				  Selectivity *indexSelectivity, double *indexCorrelation,
				  double *indexPages)
{
	IndexOptInfo *info = path->indexinfo;
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
				spc_seq,
				startup,
				all;

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

	startup = header_pages * spc_seq
		+ meta.lists * cpu_operator_cost
		+ ratio * data_pages * spc_seq
		+ scored * cpu_operator_cost * 0.25
		+ reranked * (spc_random + cpu_operator_cost);
	all = startup + (1.0 - ratio) * (data_pages * spc_seq + tuples * cpu_operator_cost * 0.25)
		+ (tuples - reranked) * (spc_random + cpu_operator_cost);

	*indexStartupCost = startup;
	*indexTotalCost = all;
	*indexSelectivity = 1.0;
	*indexCorrelation = 0;
	*indexPages = ratio * data_pages + header_pages;
}
