/*-------------------------------------------------------------------------
 *
 * planner.c
 *	  ruvector's planner hook: exact top-k for selective filters.
 *
 * For a scan of one table with a WHERE filter, after PostgreSQL has made
 * its paths (set_rel_pathlist_hook, chained to any hook installed before),
 * the hook looks at the planner's estimate of the rows that pass the
 * filter.  When fewer than ruvector.exact_scan_threshold rows pass and an
 * index on the filter columns can read just those rows (a btree or bitmap
 * path), it removes the ordered ruivf index paths: the planner then reads
 * the matching rows and sorts them by their exact distance (SIMD kernels),
 * which for so few rows is exact and faster than walking lists in search of
 * rare matches.  Otherwise (many rows match, or only a sequential scan could
 * find them) the ruivf path stays, and its scan goes on through further
 * lists until the LIMIT is filled.
 *
 * Vectors stored out of line.  PostgreSQL costs a sequential scan by its
 * heap pages, and a table whose vectors live in TOAST has few of them (a
 * 10,000-row table of 2,500-dimension vectors: 64 heap pages, 119 MB in
 * TOAST), so an exact scan looks cheap although every distance first
 * fetches and reassembles the row's TOAST chunks.  When a ruivf path is
 * there and the indexed column's vectors are out of line (from its storage
 * and dimensions), the hook adds that work to every other path of the
 * relation: per row it returns, per chunk, an index probe and a tuple
 * (cpu_index_tuple_cost + cpu_tuple_cost) plus 1/20 of random_page_cost.
 * Measured here: 10,000 such rows took 114 ms to scan exactly (about 2 us
 * per chunk) against 14 ms through the index, which the unadjusted costs
 * had the other way round.
 *
 * EXPLAIN (text format) shows the decision and the estimate behind it in a
 * "ruvector strategy" line (ExplainOneQuery_hook, also chained).  Queries
 * without a ruivf-orderable path, or without a filter, are left alone.
 * ruvector.enable_hook = off turns all of this off, to compare plans.
 *
 * src/planner/planner.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heaptoast.h"
#include "catalog/pg_attribute.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/instrument.h"
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "planner.h"
#include "../ivf/ivf.h"

static bool ruvector_enable_hook = true;
static int	ruvector_exact_scan_threshold = 2000;

static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;
static ExplainOneQuery_hook_type prev_explain_hook = NULL;

/* decisions noted while EXPLAIN plans a query (NIL outside EXPLAIN) */
static bool collecting = false;
static List *notes = NIL;

/*
 * Is this path an ordered scan of a ruivf index?  Known by its cost
 * function, so that the access methods ivfflat and hnsw of the vector
 * compatibility extension (ruivf under other names, src/compat) count too,
 * and pgvector's own ivfflat and hnsw, when it is loaded instead, do not.
 */
static bool
is_ruivf_ordered_path(Path *path)
{
	IndexPath  *ip;

	if (!IsA(path, IndexPath))
		return false;
	ip = (IndexPath *) path;
	return ip->indexorderbys != NIL && ip->indexinfo->amcostestimate == ruivfcostestimate;
}

/* Remove the ruivf ordered paths from a path list; returns how many. */
static int
drop_ruivf_paths(List **paths)
{
	ListCell   *lc;
	int			dropped = 0;

	foreach(lc, *paths)
	{
		if (is_ruivf_ordered_path((Path *) lfirst(lc)))
		{
			*paths = foreach_delete_current(*paths, lc);
			dropped++;
		}
	}
	return dropped;
}

/* Count the ruivf ordered paths of a path list. */
static int
count_ruivf_paths(List *paths)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, paths)
		if (is_ruivf_ordered_path((Path *) lfirst(lc)))
			n++;
	return n;
}

/* Does the list hold a path that reads only the filtered rows (an index or bitmap path other than ruivf's)? */
static bool
has_filtered_access_path(List *paths)
{
	ListCell   *lc;

	foreach(lc, paths)
	{
		Path	   *p = (Path *) lfirst(lc);

		if (IsA(p, BitmapHeapPath) ||
			(IsA(p, IndexPath) && !is_ruivf_ordered_path(p) &&
			 ((IndexPath *) p)->indexclauses != NIL))
			return true;
	}
	return false;
}

/*
 * TOAST chunks a stored vector of the ruivf path's column takes when the
 * table keeps it out of line (0 when in the row), from the column's storage
 * and declared dimensions.
 */
static int
out_of_line_chunks(RangeTblEntry *rte, List *paths)
{
	ListCell   *lc;
	AttrNumber	attno = 0;
	HeapTuple	tup;
	Form_pg_attribute att;
	Size		rawsize;
	bool		outside;

	foreach(lc, paths)
	{
		Path	   *p = (Path *) lfirst(lc);

		if (is_ruivf_ordered_path(p))
		{
			attno = ((IndexPath *) p)->indexinfo->indexkeys[0];
			break;
		}
	}
	if (attno <= 0)
		return 0;
	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(rte->relid), Int16GetDatum(attno));
	if (!HeapTupleIsValid(tup))
		return 0;
	att = (Form_pg_attribute) GETSTRUCT(tup);
	rawsize = att->atttypmod > 0 ? (Size) 8 + sizeof(float) * att->atttypmod : 0;
	switch (att->attstorage)
	{
		case TYPSTORAGE_PLAIN:
			outside = false;
			break;
		case TYPSTORAGE_MAIN:
			outside = rawsize > TOAST_TUPLE_TARGET_MAIN;
			break;
		default:
			outside = rawsize > TOAST_TUPLE_THRESHOLD;
			break;
	}
	ReleaseSysCache(tup);
	return outside ? (int) ((rawsize + TOAST_MAX_CHUNK_SIZE - 1) / TOAST_MAX_CHUNK_SIZE) : 0;
}

/* list_sort comparator: cheapest total cost first (as add_partial_path keeps them) */
static int
cmp_total_cost(const ListCell *a, const ListCell *b)
{
	Cost		ca = ((Path *) lfirst(a))->total_cost;
	Cost		cb = ((Path *) lfirst(b))->total_cost;

	return (ca > cb) - (ca < cb);
}

/* Add the cost of fetching out-of-line vectors to every path but ruivf's. */
static void
charge_detoast(List *paths, double per_row)
{
	ListCell   *lc;

	foreach(lc, paths)
	{
		Path	   *p = (Path *) lfirst(lc);

		if (!is_ruivf_ordered_path(p))
			p->total_cost += p->rows * per_row;
	}
}

/* set_rel_pathlist_hook: exact scan for selective filters; TOAST costs. */
static void
rv_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	int			chunks;

	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);

	if (!ruvector_enable_hook || rel->reloptkind != RELOPT_BASEREL ||
		rte->rtekind != RTE_RELATION || count_ruivf_paths(rel->pathlist) == 0)
		return;

	chunks = out_of_line_chunks(rte, rel->pathlist);
	if (chunks > 0)
	{
		double		per_row = chunks * (cpu_index_tuple_cost + cpu_tuple_cost + random_page_cost / 20.0);

		charge_detoast(rel->pathlist, per_row);
		charge_detoast(rel->partial_pathlist, per_row);
		list_sort(rel->partial_pathlist, cmp_total_cost);	/* Gather takes the first */
		if (collecting)
			notes = lappend(notes,
							psprintf("vectors of \"%s\" are stored out of line (%d TOAST chunks each): paths other than the ruivf index charged %.2f per row for fetching them",
									 get_rel_name(rte->relid), chunks, per_row));
	}
	if (rel->baserestrictinfo == NIL)
		return;

	if (rel->rows < ruvector_exact_scan_threshold && has_filtered_access_path(rel->pathlist))
	{
		drop_ruivf_paths(&rel->pathlist);
		drop_ruivf_paths(&rel->partial_pathlist);
		if (collecting)
			notes = lappend(notes,
							psprintf("exact scan of \"%s\": ~%.0f rows pass the filter, fewer than ruvector.exact_scan_threshold (%d)",
									 get_rel_name(rte->relid), rel->rows,
									 ruvector_exact_scan_threshold));
	}
	else if (collecting)
		notes = lappend(notes,
						psprintf("ruivf index scan of \"%s\" allowed: ~%.0f rows pass the filter%s (ruvector.exact_scan_threshold %d); the scan reads further lists until the LIMIT is filled",
								 get_rel_name(rte->relid), rel->rows,
								 rel->rows < ruvector_exact_scan_threshold ? " but no index reads just them" : "",
								 ruvector_exact_scan_threshold));
}

/* ExplainOneQuery_hook: plan as usual, then print the noted decisions. */
static void
rv_explain_one_query(Query *query, int cursorOptions, IntoClause *into,
					 ExplainState *es, const char *queryString,
					 ParamListInfo params, QueryEnvironment *queryEnv)
{
	ListCell   *lc;

	collecting = true;
	notes = NIL;
	PG_TRY();
	{
		if (prev_explain_hook)
			prev_explain_hook(query, cursorOptions, into, es, queryString, params, queryEnv);
		else
		{
			/* what ExplainOneQuery does for a plannable query */
			PlannedStmt *plan;
			instr_time	planstart,
						planduration;
			BufferUsage bufusage_start,
						bufusage;

			if (es->buffers)
				bufusage_start = pgBufferUsage;
			INSTR_TIME_SET_CURRENT(planstart);
			plan = pg_plan_query(query, queryString, cursorOptions, params);
			INSTR_TIME_SET_CURRENT(planduration);
			INSTR_TIME_SUBTRACT(planduration, planstart);
			if (es->buffers)
			{
				memset(&bufusage, 0, sizeof(BufferUsage));
				BufferUsageAccumDiff(&bufusage, &pgBufferUsage, &bufusage_start);
			}
			ExplainOnePlan(plan, into, es, queryString, params, queryEnv,
						   &planduration, (es->buffers ? &bufusage : NULL));
		}
	}
	PG_FINALLY();
	{
		collecting = false;
	}
	PG_END_TRY();

	/* the other formats have closed their document already */
	if (es->format == EXPLAIN_FORMAT_TEXT)
		foreach(lc, notes)
			ExplainPropertyText("ruvector strategy", (char *) lfirst(lc), es);
	notes = NIL;
}

/* Define the planner settings and install the hooks; called from _PG_init. */
void
RvPlannerInit(void)
{
	DefineCustomBoolVariable("ruvector.enable_hook",
							 "Lets ruvector's planner hook choose exact scans for selective filters.",
							 "Turn off to compare plans with and without it.",
							 &ruvector_enable_hook, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ruvector.exact_scan_threshold",
							"Below this many estimated rows passing a filter, ORDER BY distance runs as an exact scan.",
							"The planner hook then leaves out ruivf index scans: the matching rows are read "
							"(through an index on the filter columns when there is one) and sorted by "
							"their exact distance.  0 disables it.",
							&ruvector_exact_scan_threshold, 2000, 0, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);

	prev_set_rel_pathlist_hook = set_rel_pathlist_hook;
	set_rel_pathlist_hook = rv_set_rel_pathlist;
	prev_explain_hook = ExplainOneQuery_hook;
	ExplainOneQuery_hook = rv_explain_one_query;
}
