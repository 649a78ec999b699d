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
 * NO LOCKS ON THE QUERY PATH
 * A scan counts into its own RvScanStats and flushes once per query
 * (RvStatsEnd): about a dozen atomic adds.  An entry is found by open
 * addressing on its key; a free entry (key 0) is claimed with one
 * compare-and-swap, so two backends racing for it agree on the winner.  A
 * backend remembers the slot of each index in a small direct-mapped cache,
 * tagged with the table's reset generation: ruvector_stats_reset() clears
 * the keys and bumps the generation, so every backend looks its slots up
 * again.  A flush that races with a reset may land in the cleared table or
 * be lost; statistics tolerate that.  When the table is full, further
 * indexes are counted in `dropped` only.
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
	pg_atomic_uint64 generation;	/* bumped by every reset */
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

bool		ruvector_track_stats = true;

static RvStatsTable *table = NULL;
static RvSlotCache slot_cache[RV_STATS_CACHE];

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

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

/*
 * Zero a table's entries and note the reset.  The generation is bumped
 * before and after, so that a backend flushing meanwhile looks its slot up
 * again instead of adding to a slot being cleared (a flush that still
 * races may be lost or land in the new table: statistics tolerate that).
 */
static void
table_clear(RvStatsTable *t)
{
	pg_atomic_fetch_add_u64(&t->generation, 1);
	for (int i = 0; i < t->nentries; i++)
		entry_zero(&t->entries[i], false);
	pg_atomic_write_u64(&t->dropped, 0);
	pg_atomic_write_u64(&t->reset_time, (uint64) GetCurrentTimestamp());
	pg_atomic_fetch_add_u64(&t->generation, 1);
}

/* Initialise every atomic of a new table, then clear it. */
static void
table_init(RvStatsTable *t, int n, bool shared)
{
	t->nentries = n;
	t->shared = shared;
	pg_atomic_init_u64(&t->generation, 0);
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
		table_init(t, RV_STATS_SHARED_ENTRIES, true);
	LWLockRelease(AddinShmemInitLock);
	table = t;
}

/* Define ruvector.track_stats; reserve shared memory when preloaded. */
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

/* The entry of `key`, claimed if new; -1 when the table is full. */
static int
find_slot(RvStatsTable *t, uint64 key)
{
	uint64		gen = pg_atomic_read_u64(&t->generation);
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

/* A query ends: add its counters to its index's entry (atomics only). */
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
	slot = find_slot(t, ((uint64) MyDatabaseId << 32) | (uint64) indexoid);
	if (slot < 0)
	{
		pg_atomic_fetch_add_u64(&t->dropped, 1);
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
 */
Datum
ruvector_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RvStatsTable *t = get_table();
	TimestampTz reset = (TimestampTz) pg_atomic_read_u64(&t->reset_time);
	double		elapsed = (double) (GetCurrentTimestamp() - reset) / 1e6;

	InitMaterializedSRF(fcinfo, 0);
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
	return (Datum) 0;
}

/* ruvector_stats_reset(): forget every counted query (all databases). */
Datum
ruvector_stats_reset(PG_FUNCTION_ARGS)
{
	table_clear(get_table());
	PG_RETURN_VOID();
}
