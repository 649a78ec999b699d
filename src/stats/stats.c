/*-------------------------------------------------------------------------
 *
 * stats.c
 *	  Per-index scan statistics: counters, a latency histogram, the
 *	  ruvector_stats() function behind the view, and ruvector_stats_reset().
 *
 * WHERE THE NUMBERS LIVE
 * One table of entries, one per (database, index), each a set of 64-bit
 * counters and a latency histogram, all pg_atomic_uint64.  When ruvector is
 * in shared_preload_libraries the table is in shared memory and every
 * backend adds to it (scope 'cluster'); otherwise each backend allocates a
 * smaller table of its own at its first counted query and the view shows
 * that backend's queries only (scope 'backend').  The code is the same for
 * both: atomics on backend-local memory cost the same and are simply
 * uncontended.
 *
 * FINDING AN ENTRY
 * A scan counts into its own RvScanStats and flushes once per query
 * (RvStatsEnd): about a dozen atomic adds.  An entry is found by open
 * addressing with linear probing from its key's home slot; a free entry
 * (key 0) is claimed with one compare-and-swap, so two backends racing for
 * it agree on the winner.  Between an entry's home slot and the entry no
 * slot is free, so a probe ends at the key or at the first free slot.  A
 * backend remembers the slot of each index in a small direct-mapped cache,
 * tagged with the table's generation, which every reset and every removal
 * bumps, so that every backend looks its slots up again.  When the table is
 * full, further indexes are counted in `dropped` only.
 *
 * LOCKING
 * The shared table has one LWLock (tranche "ruvector stats"); a backend's
 * own table needs none.  Shared mode: a flush (lookup, claim and adds), the
 * view's read, and the probe of the drop hook: they run side by side, the
 * counters being atomics and claims compare-and-swaps.  Exclusive mode:
 * ruvector_stats_reset() and the removal of entries, the only changes that
 * free or move an entry, so no flush ever adds to an entry being cleared or
 * moved, and no reader sees one half cleared.  The lock is taken alone,
 * last: a scan flushes from rescan / endscan with no buffer locked, the
 * reset and the removal at commit hold no other LWLock, and while it is held
 * nothing else is locked.
 *
 * DROPPED INDEXES
 * An object-access hook notes the index (OAT_DROP of a relation that has an
 * entry) or the database (OAT_DROP of a database) being dropped; a
 * transaction callback removes their entries when the transaction commits,
 * and forgets them when it (or the subtransaction that dropped them) aborts:
 * as PostgreSQL's own statistics, so a rolled-back DROP keeps its counters.
 * The hook sees every drop where it happens, in the dropping database, which
 * a sweep of pg_class on claim could not: entries of other databases, and
 * of dropped databases, are out of a backend's sight.  Not covered: a DROP
 * in a prepared transaction (its entry stays until a reset), and more
 * indexes created and dropped in one transaction than there are slots.  A
 * removal moves the later entries of its probe run back (backward-shift
 * deletion), so that no free slot ever sits between a key and its home.
 *
 * LATENCY
 * The time a query spends inside the index scan's calls (amgettuple: list
 * ranking, scoring, re-ranking), summed over its calls with the monotonic
 * clock; not the time the executor spends between them (fetching the rows
 * it returns, or other plan nodes while a nested-loop scan stays open).  Buckets are quarter octaves of microseconds: bucket b
 * holds [2^(b/4), 2^((b+1)/4)) us, bucket 0 everything under 1.19 us and
 * the last one everything from ~14 s up.  A percentile is interpolated in
 * log space inside its bucket, so it is within ~19 % of the true value.
 *
 * src/stats/stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "stats.h"

#define RV_STATS_BUCKETS		96	/* quarter octaves from 1 us to ~14 s */
#define RV_STATS_SHARED_ENTRIES 512 /* indexes counted cluster-wide */
#define RV_STATS_LOCAL_ENTRIES	64	/* indexes counted per backend */
#define RV_STATS_CACHE			64	/* backend slot cache, direct mapped */

typedef struct RvStatsEntry
{
	pg_atomic_uint64 key;		/* (database << 32) | index oid; 0: free */
	pg_atomic_uint64 queries;
	pg_atomic_uint64 rows;
	pg_atomic_uint64 lists;
	pg_atomic_uint64 blocks;
	pg_atomic_uint64 codes;
	pg_atomic_uint64 reranks;
	pg_atomic_uint64 total_us;
	pg_atomic_uint64 mem_total; /* bytes of scan memory, summed over queries */
	pg_atomic_uint64 mem_peak;	/* the largest of one query */
	pg_atomic_uint64 hist[RV_STATS_BUCKETS];
} RvStatsEntry;

typedef struct RvStatsTable
{
	LWLock	   *lock;			/* the shared table's; NULL for a backend's own */
	uint64		generation;		/* bumped by every reset and removal (lock
								 * held exclusively) */
	pg_atomic_uint64 reset_time;	/* TimestampTz of the last reset */
	pg_atomic_uint64 dropped;	/* queries not counted: table full */
	int			nentries;
	bool		shared;
	RvStatsEntry entries[FLEXIBLE_ARRAY_MEMBER];
} RvStatsTable;

typedef struct RvSlotCache
{
	uint64		key;
	uint64		generation;
	int			slot;
} RvSlotCache;

/* an index or a database dropped by the current transaction */
typedef struct RvPendingDrop
{
	Oid			dbid;
	Oid			indexoid;		/* InvalidOid: every index of the database */
	int			nestlevel;		/* the (sub)transaction that dropped it */
} RvPendingDrop;

bool		ruvector_track_stats = true;

static RvStatsTable *table = NULL;
static RvSlotCache slot_cache[RV_STATS_CACHE];
static List *pending_drops = NIL;	/* RvPendingDrop *, in TopTransactionContext */

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static object_access_hook_type prev_object_access_hook = NULL;

PG_FUNCTION_INFO_V1(ruvector_stats);
PG_FUNCTION_INFO_V1(ruvector_stats_reset);

/* Bytes of a table of n entries. */
static Size
table_size(int n)
{
	return add_size(offsetof(RvStatsTable, entries), mul_size(sizeof(RvStatsEntry), n));
}

/*
 * Set every counter of an entry, key included, to zero: the first time
 * (init) with pg_atomic_init_u64, later with atomic writes.  An entry is
 * nothing but pg_atomic_uint64 fields.
 */
static void
entry_zero(RvStatsEntry *e, bool init)
{
	pg_atomic_uint64 *f = (pg_atomic_uint64 *) e;

	StaticAssertStmt(sizeof(RvStatsEntry) % sizeof(pg_atomic_uint64) == 0,
					 "RvStatsEntry holds only 64-bit atomics");
	for (Size k = 0; k < sizeof(RvStatsEntry) / sizeof(pg_atomic_uint64); k++)
	{
		if (init)
			pg_atomic_init_u64(&f[k], 0);
		else
			pg_atomic_write_u64(&f[k], 0);
	}
}

/* Take a table's lock in the given mode (a backend's own table has none). */
static inline void
table_lock(RvStatsTable *t, LWLockMode mode)
{
	if (t->lock != NULL)
		LWLockAcquire(t->lock, mode);
}

/* Release a table's lock. */
static inline void
table_unlock(RvStatsTable *t)
{
	if (t->lock != NULL)
		LWLockRelease(t->lock);
}

/*
 * Zero a table's entries and note the reset; the caller holds the lock
 * exclusively (or the table is not yet shared).  The new generation sends
 * every backend to look its slots up again.
 */
static void
table_clear(RvStatsTable *t)
{
	for (int i = 0; i < t->nentries; i++)
		entry_zero(&t->entries[i], false);
	pg_atomic_write_u64(&t->dropped, 0);
	pg_atomic_write_u64(&t->reset_time, (uint64) GetCurrentTimestamp());
	t->generation++;
}

/* Initialise every atomic of a new table, then clear it. */
static void
table_init(RvStatsTable *t, int n, bool shared)
{
	t->lock = NULL;
	t->nentries = n;
	t->shared = shared;
	t->generation = 0;
	pg_atomic_init_u64(&t->reset_time, 0);
	pg_atomic_init_u64(&t->dropped, 0);
	for (int i = 0; i < n; i++)
		entry_zero(&t->entries[i], true);
	table_clear(t);
}

/* shmem_request_hook: reserve the shared table. */
static void
rv_stats_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(table_size(RV_STATS_SHARED_ENTRIES));
	RequestNamedLWLockTranche("ruvector stats", 1);
}

/* shmem_startup_hook: find or create the shared table. */
static void
rv_stats_shmem_startup(void)
{
	bool		found;
	RvStatsTable *t;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	t = ShmemInitStruct("ruvector stats", table_size(RV_STATS_SHARED_ENTRIES), &found);
	if (!found)
	{
		table_init(t, RV_STATS_SHARED_ENTRIES, true);
		t->lock = &(GetNamedLWLockTranche("ruvector stats"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
	table = t;
}

static void rv_stats_object_access(ObjectAccessType access, Oid classId,
								   Oid objectId, int subId, void *arg);
static void rv_stats_xact_callback(XactEvent event, void *arg);
static void rv_stats_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
									  SubTransactionId parentSubid, void *arg);

/*
 * Define ruvector.track_stats; reserve shared memory when preloaded; watch
 * drops, and the end of transactions, to give back the entries of dropped
 * indexes.
 */
void
RvStatsInit(void)
{
	DefineCustomBoolVariable("ruvector.track_stats",
							 "Counts index scans for the ruvector_stats view.",
							 "Shared by all backends when ruvector is in shared_preload_libraries, "
							 "per backend otherwise.",
							 &ruvector_track_stats,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	if (process_shared_preload_libraries_in_progress)
	{
		prev_shmem_request_hook = shmem_request_hook;
		shmem_request_hook = rv_stats_shmem_request;
		prev_shmem_startup_hook = shmem_startup_hook;
		shmem_startup_hook = rv_stats_shmem_startup;
	}
	prev_object_access_hook = object_access_hook;
	object_access_hook = rv_stats_object_access;
	RegisterXactCallback(rv_stats_xact_callback, NULL);
	RegisterSubXactCallback(rv_stats_subxact_callback, NULL);
}

/* The table this backend counts into: shared if attached, else its own. */
static RvStatsTable *
get_table(void)
{
	if (table == NULL)
	{
		RvStatsTable *t = MemoryContextAllocZero(TopMemoryContext,
												 table_size(RV_STATS_LOCAL_ENTRIES));

		table_init(t, RV_STATS_LOCAL_ENTRIES, false);
		table = t;
	}
	return table;
}

/* Spread a key over the table (Fibonacci hashing). */
static inline uint32
key_hash(uint64 key)
{
	return (uint32) ((key * UINT64CONST(0x9E3779B97F4A7C15)) >> 32);
}

/* The home slot of a key: where its probe starts. */
static inline int
home_slot(RvStatsTable *t, uint64 key)
{
	return (int) (key_hash(key) % (uint32) t->nentries);
}

/*
 * The entry of `key`, claimed if new; -1 when the table is full.  The
 * caller holds the lock (shared is enough: claims are compare-and-swaps).
 */
static int
find_slot(RvStatsTable *t, uint64 key)
{
	uint64		gen = t->generation;
	uint32		h = key_hash(key);
	RvSlotCache *c = &slot_cache[h % RV_STATS_CACHE];
	int			n = t->nentries;

	if (c->key == key && c->generation == gen)
		return c->slot;
	for (int i = 0; i < n; i++)
	{
		int			slot = (int) ((h + (uint32) i) % (uint32) n);
		RvStatsEntry *e = &t->entries[slot];
		uint64		cur = pg_atomic_read_u64(&e->key);

		if (cur == 0)
		{
			uint64		expected = 0;

			if (pg_atomic_compare_exchange_u64(&e->key, &expected, key))
				cur = key;
			else
				cur = expected; /* another backend claimed it first */
		}
		if (cur == key)
		{
			c->key = key;
			c->generation = gen;
			c->slot = slot;
			return slot;
		}
	}
	return -1;
}

/* The entry of `key`, or -1 (never claims); the caller holds the lock. */
static int
lookup_slot(RvStatsTable *t, uint64 key)
{
	int			n = t->nentries;
	int			slot = home_slot(t, key);

	for (int i = 0; i < n; i++, slot = (slot + 1) % n)
	{
		uint64		cur = pg_atomic_read_u64(&t->entries[slot].key);

		if (cur == key)
			return slot;
		if (cur == 0)
			break;
	}
	return -1;
}

/*
 * Free the entry at `slot`, moving the later entries of its probe run back
 * into the gap (backward-shift deletion), so that no free slot is left
 * between an entry and its home.  The caller holds the lock exclusively.
 */
static void
remove_slot(RvStatsTable *t, int slot)
{
	int			n = t->nentries;
	int			gap = slot;

	entry_zero(&t->entries[gap], false);
	for (int j = (gap + 1) % n;; j = (j + 1) % n)
	{
		uint64		key = pg_atomic_read_u64(&t->entries[j].key);
		pg_atomic_uint64 *dst = (pg_atomic_uint64 *) &t->entries[gap];
		pg_atomic_uint64 *src = (pg_atomic_uint64 *) &t->entries[j];
		int			home;

		if (key == 0)
			break;				/* the end of the run (the gap at the latest) */
		home = home_slot(t, key);
		/* stays if its home lies cyclically in (gap, j] */
		if (gap < j ? (gap < home && home <= j) : (gap < home || home <= j))
			continue;
		for (Size k = 0; k < sizeof(RvStatsEntry) / sizeof(pg_atomic_uint64); k++)
			pg_atomic_write_u64(&dst[k], pg_atomic_read_u64(&src[k]));
		entry_zero(&t->entries[j], false);
		gap = j;
	}
}

/*
 * Remove the entries of the drops a transaction committed: an index each,
 * or every index of a database.  Takes the lock exclusively; allocates
 * nothing and cannot fail (it runs after the commit).
 */
static void
remove_dropped(RvStatsTable *t, List *drops)
{
	ListCell   *lc;
	bool		removed = false;

	table_lock(t, LW_EXCLUSIVE);
	foreach(lc, drops)
	{
		RvPendingDrop *d = (RvPendingDrop *) lfirst(lc);

		if (OidIsValid(d->indexoid))
		{
			int			slot = lookup_slot(t, ((uint64) d->dbid << 32) | d->indexoid);

			if (slot >= 0)
			{
				remove_slot(t, slot);
				removed = true;
			}
			continue;
		}
		/* a database: a slot is looked at again when an entry moved into it */
		for (int i = 0; i < t->nentries; i++)
		{
			uint64		key;

			while ((key = pg_atomic_read_u64(&t->entries[i].key)) != 0 &&
				   (Oid) (key >> 32) == d->dbid)
			{
				remove_slot(t, i);
				removed = true;
			}
		}
	}
	if (removed)
		t->generation++;
	table_unlock(t);
}

/* Note an index or a database dropped by the current (sub)transaction. */
static void
pend_drop(Oid dbid, Oid indexoid)
{
	MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
	RvPendingDrop *d = palloc(sizeof(RvPendingDrop));

	d->dbid = dbid;
	d->indexoid = indexoid;
	d->nestlevel = GetCurrentTransactionNestLevel();
	pending_drops = lappend(pending_drops, d);
	MemoryContextSwitchTo(old);
}

/* object_access_hook: note the drop of a counted index, or of a database. */
static void
rv_stats_object_access(ObjectAccessType access, Oid classId, Oid objectId,
					   int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (access != OAT_DROP || subId != 0 || table == NULL)
		return;
	if (classId == RelationRelationId)
	{
		bool		counted;

		table_lock(table, LW_SHARED);
		counted = lookup_slot(table, ((uint64) MyDatabaseId << 32) | objectId) >= 0;
		table_unlock(table);
		if (counted)
			pend_drop(MyDatabaseId, objectId);
	}
	else if (classId == DatabaseRelationId)
		pend_drop(objectId, InvalidOid);
}

/* Transaction end: remove the entries of committed drops; forget the rest. */
static void
rv_stats_xact_callback(XactEvent event, void *arg)
{
	(void) arg;
	switch (event)
	{
		case XACT_EVENT_COMMIT:
			if (pending_drops != NIL && table != NULL)
				remove_dropped(table, pending_drops);
			pending_drops = NIL;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			pending_drops = NIL;	/* freed with TopTransactionContext */
			break;
		default:
			break;
	}
}

/*
 * Subtransaction end: an abort forgets the drops made in it (and in its
 * children); a commit hands them to its parent.
 */
static void
rv_stats_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	(void) mySubid;
	(void) parentSubid;
	(void) arg;
	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	foreach(lc, pending_drops)
	{
		RvPendingDrop *d = (RvPendingDrop *) lfirst(lc);

		if (d->nestlevel < level)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
			pending_drops = foreach_delete_current(pending_drops, lc);
		else
			d->nestlevel = level - 1;
	}
}

/* Latency bucket of a duration in microseconds. */
static inline int
latency_bucket(double us)
{
	int			b;

	if (!(us >= 1.0))
		return 0;
	b = (int) (4.0 * log2(us));
	return Min(b, RV_STATS_BUCKETS - 1);
}

/* A query begins: zero its counters and its time. */
void
RvStatsBegin(RvScanStats *s)
{
	memset(s, 0, sizeof(RvScanStats));
	if (!ruvector_track_stats)
		return;
	s->active = true;
	INSTR_TIME_SET_ZERO(s->busy);
}

/* A query ends: add its counters to its index's entry (lock shared). */
void
RvStatsEnd(Oid indexoid, RvScanStats *s, Size scanmem)
{
	RvStatsTable *t;
	RvStatsEntry *e;
	double		us;
	int			slot;
	uint64		peak;

	if (!s->active)
		return;
	s->active = false;
	us = INSTR_TIME_GET_MICROSEC(s->busy);

	t = get_table();
	table_lock(t, LW_SHARED);
	slot = find_slot(t, ((uint64) MyDatabaseId << 32) | (uint64) indexoid);
	if (slot < 0)
	{
		pg_atomic_fetch_add_u64(&t->dropped, 1);
		table_unlock(t);
		return;
	}
	e = &t->entries[slot];
	pg_atomic_fetch_add_u64(&e->queries, 1);
	pg_atomic_fetch_add_u64(&e->rows, (uint64) s->rows);
	pg_atomic_fetch_add_u64(&e->lists, (uint64) s->lists);
	pg_atomic_fetch_add_u64(&e->blocks, (uint64) s->blocks);
	pg_atomic_fetch_add_u64(&e->codes, (uint64) s->codes);
	pg_atomic_fetch_add_u64(&e->reranks, (uint64) s->reranks);
	pg_atomic_fetch_add_u64(&e->total_us, (uint64) us);
	pg_atomic_fetch_add_u64(&e->mem_total, (uint64) scanmem);
	pg_atomic_fetch_add_u64(&e->hist[latency_bucket(us)], 1);
	peak = pg_atomic_read_u64(&e->mem_peak);
	while (peak < (uint64) scanmem &&
		   !pg_atomic_compare_exchange_u64(&e->mem_peak, &peak, (uint64) scanmem))
		;						/* peak now holds the current value: retry */
	table_unlock(t);
}

/* The latency (ms) below which a fraction p of the counted queries fell. */
static double
percentile_ms(const uint64 *hist, uint64 total, double p)
{
	double		target = p * (double) total;
	uint64		cum = 0;

	if (total == 0)
		return 0.0;
	for (int b = 0; b < RV_STATS_BUCKETS; b++)
	{
		if (hist[b] > 0 && (double) (cum + hist[b]) >= target)
		{
			double		frac = (target - (double) cum) / (double) hist[b];

			frac = Max(0.0, Min(1.0, frac));
			return pow(2.0, ((double) b + frac) / 4.0) / 1000.0;
		}
		cum += hist[b];
	}
	return pow(2.0, (double) RV_STATS_BUCKETS / 4.0) / 1000.0;
}

/*
 * ruvector_stats(): one row per counted index of the current database,
 * with QPS since the last reset and latency percentiles from the histogram.
 * The lock is held shared while reading (an error releases it at abort).
 */
Datum
ruvector_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RvStatsTable *t = get_table();
	TimestampTz reset = (TimestampTz) pg_atomic_read_u64(&t->reset_time);
	double		elapsed = (double) (GetCurrentTimestamp() - reset) / 1e6;

	InitMaterializedSRF(fcinfo, 0);
	table_lock(t, LW_SHARED);
	for (int i = 0; i < t->nentries; i++)
	{
		RvStatsEntry *e = &t->entries[i];
		uint64		key = pg_atomic_read_u64(&e->key);
		uint64		hist[RV_STATS_BUCKETS];
		uint64		queries = 0;
		Datum		values[17];
		bool		nulls[17] = {0};

		if (key == 0 || (Oid) (key >> 32) != MyDatabaseId)
			continue;
		/* percentiles over the histogram's own total, read once */
		for (int b = 0; b < RV_STATS_BUCKETS; b++)
		{
			hist[b] = pg_atomic_read_u64(&e->hist[b]);
			queries += hist[b];
		}
		values[0] = ObjectIdGetDatum((Oid) (key & 0xFFFFFFFF));
		values[1] = Int64GetDatum((int64) pg_atomic_read_u64(&e->queries));
		values[2] = Int64GetDatum((int64) pg_atomic_read_u64(&e->rows));
		values[3] = Int64GetDatum((int64) pg_atomic_read_u64(&e->lists));
		values[4] = Int64GetDatum((int64) pg_atomic_read_u64(&e->blocks));
		values[5] = Int64GetDatum((int64) pg_atomic_read_u64(&e->codes));
		values[6] = Int64GetDatum((int64) pg_atomic_read_u64(&e->reranks));
		values[7] = Float8GetDatum(elapsed > 0 ? (double) queries / elapsed : 0.0);
		values[8] = Float8GetDatum(queries > 0 ?
								   (double) pg_atomic_read_u64(&e->total_us) / queries / 1000.0 : 0.0);
		values[9] = Float8GetDatum(percentile_ms(hist, queries, 0.50));
		values[10] = Float8GetDatum(percentile_ms(hist, queries, 0.95));
		values[11] = Float8GetDatum(percentile_ms(hist, queries, 0.99));
		values[12] = Int64GetDatum(queries > 0 ?
								   (int64) (pg_atomic_read_u64(&e->mem_total) / queries) : 0);
		values[13] = Int64GetDatum((int64) pg_atomic_read_u64(&e->mem_peak));
		values[14] = TimestampTzGetDatum(reset);
		values[15] = CStringGetTextDatum(t->shared ? "cluster" : "backend");
		values[16] = Int64GetDatum((int64) pg_atomic_read_u64(&t->dropped));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	table_unlock(t);
	return (Datum) 0;
}

/* ruvector_stats_reset(): forget every counted query (all databases). */
Datum
ruvector_stats_reset(PG_FUNCTION_ARGS)
{
	RvStatsTable *t = get_table();

	table_lock(t, LW_EXCLUSIVE);
	table_clear(t);
	table_unlock(t);
	PG_RETURN_VOID();
}
