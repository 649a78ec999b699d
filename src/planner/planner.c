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
 * Only a path that reads the filtered rows for the query as a whole counts
 * as such an index: a parameterized path (the inner side of a nested loop,
 * its index condition a join clause or a lateral reference) reads the rows
 * of one outer row, whatever the filter passes, so it leaves the ruivf path
 * in place.
 *
 * EXPLAIN (text format) shows the decision and the estimate behind it in a
 * "ruvector strategy" line (ExplainOneQuery_hook, also chained).  Queries
 * without a ruivf-orderable path, or without a filter, are left alone.
 * ruvector.enable_hook = off turns all of this off, to compare plans.
 *
 * Where the EXPLAIN notes live.  The hook notes the decisions made while the
 * explained query itself is planned: a relation whose top-level PlannerInfo
 * (subqueries and CTEs included) plans that very Query.  Queries planned
 * meanwhile by anything else (through SPI or SQL functions that EXPLAIN
 * ANALYZE runs, or that the planner folds into constants) add nothing.
 * The notes are kept in a memory context of the hook's own, a child of the
 * EXPLAIN's, deleted once they are printed.  An EXPLAIN run inside another
 * (a function called under EXPLAIN ANALYZE) saves and restores the outer
 * one's state, on success and on error alike, so nothing points into freed
 * memory after either.
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
#include "lib/stringinfo.h"
#include "nodes/pathnodes.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/paths.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "planner.h"
#include "../ivf/ivf.h"

static bool ruvector_enable_hook = true;
static int	ruvector_exact_scan_threshold = 2000;

static set_rel_pathlist_hook_type prev_set_rel_pathlist_hook = NULL;
static ExplainOneQuery_hook_type prev_explain_hook = NULL;

/* the EXPLAIN in progress: the query it plans and its notes */
typedef struct RvExplainNotes
{
	Query	   *query;			/* the explained query, as given to the hook */
	MemoryContext cxt;			/* holds notes and their strings */
	List	   *notes;			/* char * each, in the order decided */
} RvExplainNotes;

/* the innermost EXPLAIN in progress in this backend; NULL outside EXPLAIN */
static RvExplainNotes *explaining = NULL;

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

/*
 * Does the list hold a path that reads only the filtered rows: an index or
 * bitmap path other than ruivf's, with index conditions, and unparameterized
 * (a parameterized one reads the rows of one outer row of a join)?
 */
static bool
has_filtered_access_path(List *paths)
{
	ListCell   *lc;

	foreach(lc, paths)
	{
		Path	   *p = (Path *) lfirst(lc);

		if (PATH_REQ_OUTER(p) != NULL)
			continue;
		if (IsA(p, BitmapHeapPath) ||
			(IsA(p, IndexPath) && !is_ruivf_ordered_path(p) &&
			 ((IndexPath *) p)->indexclauses != NIL))
			return true;
	}
	return false;
}

/* Is this relation planned as part of the query an EXPLAIN in progress explains? */
static bool
noting(PlannerInfo *root)
{
	PlannerInfo *top = root;

	if (explaining == NULL)
		return false;
	while (top->parent_root != NULL)
		top = top->parent_root;
	return top->parse == explaining->query;
}

static void add_note(const char *fmt,...) pg_attribute_printf(1, 2);

/* Add a note for the EXPLAIN in progress, in its memory context. */
static void
add_note(const char *fmt,...)
{
	MemoryContext old = MemoryContextSwitchTo(explaining->cxt);
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	explaining->notes = lappend(explaining->notes, buf.data);
	MemoryContextSwitchTo(old);
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

/*
 * The parallel ruivf paths of a relation (any kind, and whatever
 * ruvector.enable_hook says): those whose ORDER BY operand the workers
 * cannot evaluate are dropped, the others costed for their participants
 * (RuIvfCostParallelPath).  PostgreSQL checks a partial index path's
 * conditions for parallel safety but not its ORDER BY operands: a query
 * vector from an outer query level (a correlated subquery's Param) would
 * reach the workers unset.
 */
static void
fix_parallel_paths(PlannerInfo *root, RelOptInfo *rel)
{
	ListCell   *lc;

	foreach(lc, rel->partial_pathlist)
	{
		Path	   *p = (Path *) lfirst(lc);

		if (!is_ruivf_ordered_path(p))
			continue;
		if (!is_parallel_safe(root, (Node *) ((IndexPath *) p)->indexorderbys))
			rel->partial_pathlist = foreach_delete_current(rel->partial_pathlist, lc);
		else
			RuIvfCostParallelPath((IndexPath *) p);
	}
	list_sort(rel->partial_pathlist, cmp_total_cost);	/* Gather takes the first */
}

/* set_rel_pathlist_hook: exact scan for selective filters; TOAST costs. */
static void
rv_set_rel_pathlist(PlannerInfo *root, RelOptInfo *rel, Index rti, RangeTblEntry *rte)
{
	int			chunks;

	if (prev_set_rel_pathlist_hook)
		prev_set_rel_pathlist_hook(root, rel, rti, rte);

	if (rte->rtekind == RTE_RELATION && count_ruivf_paths(rel->partial_pathlist) > 0)
		fix_parallel_paths(root, rel);

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
		if (noting(root))
			add_note("vectors of \"%s\" are stored out of line (%d TOAST chunks each): paths other than the ruivf index charged %.2f per row for fetching them",
					 get_rel_name(rte->relid), chunks, per_row);
	}
	if (rel->baserestrictinfo == NIL)
		return;

	if (rel->rows < ruvector_exact_scan_threshold && has_filtered_access_path(rel->pathlist))
	{
		drop_ruivf_paths(&rel->pathlist);
		drop_ruivf_paths(&rel->partial_pathlist);
		if (noting(root))
			add_note("exact scan of \"%s\": ~%.0f rows pass the filter, fewer than ruvector.exact_scan_threshold (%d)",
					 get_rel_name(rte->relid), rel->rows,
					 ruvector_exact_scan_threshold);
	}
	else if (noting(root))
		add_note("ruivf index scan of \"%s\" allowed: ~%.0f rows pass the filter%s (ruvector.exact_scan_threshold %d); the scan reads further lists until the LIMIT is filled",
				 get_rel_name(rte->relid), rel->rows,
				 rel->rows < ruvector_exact_scan_threshold ? " but no index reads just them" : "",
				 ruvector_exact_scan_threshold);
}

/* Plan and explain one query: the previous hook, or what ExplainOneQuery does. */
static void
explain_query(Query *query, int cursorOptions, IntoClause *into,
			  ExplainState *es, const char *queryString,
			  ParamListInfo params, QueryEnvironment *queryEnv)
{
	PlannedStmt *plan;
	instr_time	planstart,
				planduration;
	BufferUsage bufusage_start,
				bufusage;

	if (prev_explain_hook)
	{
		prev_explain_hook(query, cursorOptions, into, es, queryString, params, queryEnv);
		return;
	}
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

/*
 * ExplainOneQuery_hook: plan and explain as usual, noting the decisions
 * made for this query, then print them.  The outer EXPLAIN's state (when
 * this one runs inside it) is restored on success and on error.
 */
static void
rv_explain_one_query(Query *query, int cursorOptions, IntoClause *into,
					 ExplainState *es, const char *queryString,
					 ParamListInfo params, QueryEnvironment *queryEnv)
{
	RvExplainNotes *outer = explaining;
	MemoryContext caller = CurrentMemoryContext;
	RvExplainNotes mine;
	ListCell   *lc;

	mine.query = query;
	mine.cxt = AllocSetContextCreate(caller, "ruvector EXPLAIN notes", ALLOCSET_SMALL_SIZES);
	mine.notes = NIL;
	explaining = &mine;
	PG_TRY();
	{
		explain_query(query, cursorOptions, into, es, queryString, params, queryEnv);
	}
	PG_CATCH();
	{
		explaining = outer;
		MemoryContextSwitchTo(caller);
		MemoryContextDelete(mine.cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	explaining = outer;

	/* the other formats have closed their document already */
	if (es->format == EXPLAIN_FORMAT_TEXT)
		foreach(lc, mine.notes)
			ExplainPropertyText("ruvector strategy", (char *) lfirst(lc), es);
	MemoryContextDelete(mine.cxt);
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
