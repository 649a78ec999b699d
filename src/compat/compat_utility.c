/*-------------------------------------------------------------------------
 *
 * compat_utility.c
 *	  What ruvector.so does for pgvector's users outside the compatibility
 *	  extension's objects: pgvector's settings that would silently do
 *	  nothing are reported, and CREATE EXTENSION vector installs ruvector
 *	  first when the library is preloaded.
 *
 * SETTINGS THAT DO NOTHING
 * Without a library that defines them, `SET hnsw.ef_search = 100` creates
 * a placeholder setting and succeeds, and nothing reads it.  That happens
 * whenever the compatibility extension `vector` is not installed, and for
 * any index of the access method ruivf, which reads ruvector.* only.  Two
 * reports, each a WARNING with a hint:
 *	- at the SET, when ruvector.so is loaded in the backend and no extension
 *	  named vector is installed in the database (with one installed, the
 *	  placeholder is picked up when its library loads);
 *	- at the first scan of a ruivf index in a session while such a
 *	  placeholder holds a value (this also covers a SET made before
 *	  ruvector.so was loaded), once per backend.
 * A placeholder is a setting no loaded library has defined
 * (GUC_CUSTOM_PLACEHOLDER): once ruvector_compat.so or pgvector's library
 * defines the name, nothing is reported.
 *
 * CREATE EXTENSION vector
 * The compatibility extension requires ruvector, and PostgreSQL 15 installs
 * a required extension only with CASCADE, which frameworks do not write.
 * When ruvector.so is loaded before the statement (shared_preload_libraries
 * or session_preload_libraries), CREATE EXTENSION vector without CASCADE in
 * a database without ruvector is run as if CASCADE had been written: the
 * same statement with the same NOTICE ("installing required extension").
 * Another extension named vector (pgvector's own) requires nothing, so the
 * option changes nothing for it.
 *
 * src/compat/compat_utility.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/value.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"

#include "compat.h"

static ProcessUtility_hook_type prev_process_utility = NULL;

/* pgvector's settings */
static const char *const pgvector_settings[] = {
	"hnsw.ef_search", "hnsw.iterative_scan", "hnsw.max_scan_tuples",
	"hnsw.scan_mem_multiplier", "ivfflat.probes", "ivfflat.iterative_scan",
	"ivfflat.max_probes", NULL
};

/* whether this backend has reported a placeholder at a ruivf scan */
static bool scan_warned = false;

/* Whether name is one of pgvector's setting prefixes: hnsw. or ivfflat. */
static bool
is_pgvector_setting(const char *name)
{
	return pg_strncasecmp(name, "hnsw.", 5) == 0 || pg_strncasecmp(name, "ivfflat.", 8) == 0;
}

/*
 * Whether the setting name exists only as a placeholder in this backend,
 * holding a value (a RESET one holds the empty string).
 */
static bool
is_placeholder(const char *name)
{
	int			flags = GetConfigOptionFlags(name, true);
	const char *value;

	if (flags == 0 || (flags & GUC_CUSTOM_PLACEHOLDER) == 0)
		return false;
	value = GetConfigOption(name, true, false);
	return value != NULL && value[0] != '\0';
}

/* The WARNING for a placeholder setting nothing reads. */
static void
warn_setting(const char *name, bool at_scan)
{
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("setting \"%s\" has no effect on ruvector's indexes", name),
			 at_scan ?
			 errdetail("Indexes of the access method ruivf read ruvector.probes, "
					   "ruvector.iterative_scan and the other ruvector.* settings.") :
			 errdetail("No extension named vector is installed in this database, so nothing "
					   "defines \"%s\".", name),
			 errhint("SET ruvector.probes (lists a ruivf scan reads) instead, or CREATE EXTENSION "
					 "vector, whose hnsw and ivfflat access methods read pgvector's settings.")));
}

/*
 * At a scan of an index of the access method ruivf: report once per backend
 * a pgvector setting that holds a value nothing reads.
 */
void
RvCompatWarnPlaceholders(void)
{
	if (scan_warned)
		return;
	for (int i = 0; pgvector_settings[i] != NULL; i++)
	{
		if (is_placeholder(pgvector_settings[i]))
		{
			scan_warned = true;
			warn_setting(pgvector_settings[i], true);
			return;
		}
	}
}

/* Whether a CREATE EXTENSION statement's options name cascade. */
static bool
has_cascade(CreateExtensionStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *d = (DefElem *) lfirst(lc);

		if (strcmp(d->defname, "cascade") == 0)
			return true;
	}
	return false;
}

/* ProcessUtility_hook: see the file comment. */
static void
compat_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					   ProcessUtilityContext context, ParamListInfo params,
					   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	const char *warn_name = NULL;

	if (IsA(parsetree, CreateExtensionStmt) &&
		strcmp(((CreateExtensionStmt *) parsetree)->extname, "vector") == 0 &&
		!has_cascade((CreateExtensionStmt *) parsetree) &&
		IsTransactionState() &&
		!OidIsValid(get_extension_oid("ruvector", true)))
	{
		CreateExtensionStmt *stmt;

		/* a copy: the cached plan's tree may be read-only */
		pstmt = copyObject(pstmt);
		readOnlyTree = false;
		stmt = (CreateExtensionStmt *) pstmt->utilityStmt;
		stmt->options = lappend(stmt->options,
								makeDefElem("cascade", (Node *) makeBoolean(true), -1));
	}
	else if (IsA(parsetree, VariableSetStmt) &&
			 ((VariableSetStmt *) parsetree)->kind == VAR_SET_VALUE &&
			 ((VariableSetStmt *) parsetree)->name != NULL &&
			 is_pgvector_setting(((VariableSetStmt *) parsetree)->name))
		warn_name = ((VariableSetStmt *) parsetree)->name;

	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
							 dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
								dest, qc);

	if (warn_name != NULL && IsTransactionState() && is_placeholder(warn_name) &&
		!OidIsValid(get_extension_oid("vector", true)))
		warn_setting(warn_name, false);
}

/* Install the hook (from _PG_init). */
void
RvCompatUtilityInit(void)
{
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = compat_process_utility;
}
