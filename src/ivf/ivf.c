/*-------------------------------------------------------------------------
 *
 * ivf.c
 *	  The ruivf access method handler and its settings.
 *
 * src/ivf/ivf.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/amapi.h"
#include "commands/vacuum.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"

#include "ivf.h"

static const struct config_enum_entry iterative_scan_options[] = {
	{"off", RUIVF_ITERATIVE_OFF, false},
	{"relaxed_order", RUIVF_ITERATIVE_RELAXED, false},
	{"strict_order", RUIVF_ITERATIVE_STRICT, false},
	{NULL, 0, false}
};

/* Define ruivf's settings and reloptions; called from _PG_init. */
void
RuIvfInit(void)
{
	RuIvfRegisterOptions();
	DefineCustomIntVariable("ruvector.probes",
							"Number of ruivf lists a scan reads for its first 10 rows.",
							"More lists: higher recall, slower queries.  Once set (SET, ALTER ROLE, "
							"the configuration file) it overrides ruvector.target_recall.",
							&ruvector_probes, 8, 1, RUIVF_MAX_LISTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("ruvector.target_recall",
							 "Recall@10 a ruivf scan aims for when ruvector.probes is not set.",
							 "Each index learns at build (and at every training) how many lists reach "
							 "which recall on its own rows; a scan reads as many as this target needs.  "
							 "0, or an index that learned nothing, uses ruvector.probes.",
							 &ruvector_target_recall, 0.95, 0.0, 1.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ruvector.max_probes",
							"Most ruivf lists a scan reads when the executor asks for more rows.",
							"-1 means every list, so that results are never cut short.",
							&ruvector_max_probes, -1, -1, RUIVF_MAX_LISTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomEnumVariable("ruvector.iterative_scan",
							 "Whether a ruivf scan goes on into further lists when the executor wants more rows.",
							 "off: stop after ruvector.probes lists (a filter or a large LIMIT may then get "
							 "fewer rows); relaxed_order: go deeper as rows are returned and on, up to "
							 "ruvector.max_probes lists and ruvector.max_scan_tuples codes, rows in exact "
							 "distance order, a row nearer than one already returned kept for the end; "
							 "strict_order: the same, but such a row is dropped.",
							 &ruvector_iterative_scan, RUIVF_ITERATIVE_RELAXED, iterative_scan_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ruvector.max_scan_tuples",
							"Most codes a ruivf scan scores before it stops going on into further lists.",
							"0 means no limit.  The first ruvector.probes lists are always read whole.",
							&ruvector_max_scan_tuples, 0, 0, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("ruvector.rerank_factor",
							"Candidates considered for the exact re-rank per 10 rows, in the first window.",
							"A ruivf scan's first re-rank window holds the 10 x rerank_factor best "
							"estimates, the next ones twice as many each time the executor asks for "
							"more; within a window only the candidates whose error bounds leave "
							"their order open are re-ranked.",
							&ruvector_rerank_factor, 4, 1, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("ruvector.check_bounds",
							 "Checks every lower bound of a ruivf scan's lazy re-rank (slow; for testing).",
							 "Every candidate of a re-rank window is re-ranked, and an exact distance "
							 "below the candidate's lower bound is an error.  Answers are unchanged.",
							 &ruvector_check_bounds, false,
							 PGC_USERSET, GUC_NOT_IN_SAMPLE, NULL, NULL, NULL);
	DefineCustomBoolVariable("ruvector.split_lists",
							 "Lets VACUUM split a ruivf index's overgrown lists instead of training it whole.",
							 "When the rows drift, VACUUM trains the index anew; with this on it splits "
							 "the lists that grew four times the others' mean and copies the rest, which "
							 "is faster on large indexes whose data drifts in one region; when over a "
							 "quarter of the rows would move it trains whole anyway.",
							 &ruvector_split_lists, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("ruvector.epsilon",
							 "Width of the error bounds of binary codes (ruivf bits = 1), in standard deviations.",
							 "A candidate is re-ranked while its lower bound, the estimate less epsilon "
							 "times its spread, can beat the rows found: smaller is faster, larger "
							 "misses fewer rows; at sqrt(6 x dimensions) or more the bound always holds.",
							 &ruvector_epsilon, 1.9, 0.0, 1000.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}

RuIvfScanSettingsHook ruivf_scan_settings_hook = NULL;

/* ruvector.probes's entry in the GUC table, found once */
static struct config_generic *probes_guc = NULL;

/*
 * Whether ruvector.probes was set by anything (SET, a function's SET
 * clause, ALTER ROLE / DATABASE, the configuration file, the command
 * line), rather than left at its built-in default.
 */
static bool
probes_is_set(void)
{
	if (probes_guc == NULL)
	{
		struct config_generic **vars = get_guc_variables();
		int			n = GetNumConfigOptions();

		for (int i = 0; i < n; i++)
			if (strcmp(vars[i]->name, "ruvector.probes") == 0)
			{
				probes_guc = vars[i];
				break;
			}
		if (probes_guc == NULL)
			return true;		/* cannot tell: the setting's value rules */
	}
	return probes_guc->source != PGC_S_DEFAULT;
}

/*
 * The settings a scan of index uses: ruvector.*, the probes that
 * ruvector.target_recall needs by the index's learned depth (meta, when it
 * has one and ruvector.probes is not set), then whatever the hook changes
 * for this index.
 */
void
RuIvfGetScanSettings(Relation index, const RuIvfMetaData *meta, RuIvfScanSettings *settings)
{
	int			learned = 0;

	if (meta != NULL && !probes_is_set())
		learned = RuIvfProbesForRecall(meta, ruvector_target_recall);
	settings->probes = learned > 0 ? learned : Max(ruvector_probes, 1);
	settings->max_probes = ruvector_max_probes;
	settings->iterative = ruvector_iterative_scan;
	settings->max_scan_tuples = ruvector_max_scan_tuples;
	settings->rerank_factor = Max(ruvector_rerank_factor, 1);
	if (ruivf_scan_settings_hook)
		ruivf_scan_settings_hook(index, settings);
}

PG_FUNCTION_INFO_V1(ruivf_handler);
/* The index access method handler. */
Datum
ruivf_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(RuIvfAmRoutine());
}

/* ruivf's callbacks and properties, in a new IndexAmRoutine. */
IndexAmRoutine *
RuIvfAmRoutine(void)
{
	IndexAmRoutine *amroutine = makeNode(IndexAmRoutine);

	amroutine->amstrategies = 0;
	amroutine->amsupport = 1;
	amroutine->amoptsprocnum = 0;
	amroutine->amcanorder = false;
	amroutine->amcanorderbyop = true;
	amroutine->amcanbackward = false;
	amroutine->amcanunique = false;
	amroutine->amcanmulticol = false;
	amroutine->amoptionalkey = true;
	amroutine->amsearcharray = false;
	amroutine->amsearchnulls = false;
	amroutine->amstorage = false;
	amroutine->amclusterable = false;
	amroutine->ampredlocks = false;
	amroutine->amcanparallel = true;
	amroutine->amcaninclude = false;
	amroutine->amusemaintenanceworkmem = true;
	amroutine->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
	amroutine->amkeytype = InvalidOid;

	amroutine->ambuild = ruivfbuild;
	amroutine->ambuildempty = ruivfbuildempty;
	amroutine->aminsert = ruivfinsert;
	amroutine->ambulkdelete = ruivfbulkdelete;
	amroutine->amvacuumcleanup = ruivfvacuumcleanup;
	amroutine->amcanreturn = NULL;
	amroutine->amcostestimate = ruivfcostestimate;
	amroutine->amoptions = ruivfoptions;
	amroutine->amproperty = NULL;
	amroutine->ambuildphasename = ruivfbuildphasename;
	amroutine->amvalidate = ruivfvalidate;
	amroutine->amadjustmembers = NULL;
	amroutine->ambeginscan = ruivfbeginscan;
	amroutine->amrescan = ruivfrescan;
	amroutine->amgettuple = ruivfgettuple;
	amroutine->amgetbitmap = NULL;
	amroutine->amendscan = ruivfendscan;
	amroutine->ammarkpos = NULL;
	amroutine->amrestrpos = NULL;
	amroutine->amestimateparallelscan = ruivfestimateparallelscan;
	amroutine->aminitparallelscan = ruivfinitparallelscan;
	amroutine->amparallelrescan = ruivfparallelrescan;

	return amroutine;
}
