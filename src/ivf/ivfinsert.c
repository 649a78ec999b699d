/*-------------------------------------------------------------------------
 *
 * ivfinsert.c
 *	  Insert into a ruivf index: code the vector, append it to the head
 *	  block of its nearest list, or start a new head block.
 *
 * Lock order (ivf.h): list directory page, then the pages of one data
 * block in ascending block order.  The fast path reads the head from the
 * directory under a share lock, releases it, and locks the head block: any
 * block of a chain belongs to its list (VACUUM unlinks empty blocks only
 * with the index to itself, ivfvacuum.c), so a head that has been replaced
 * meanwhile is still a right place for the vector.  Only when the head block
 * is full does the insert take the directory page exclusively (then the
 * block), so that two inserters cannot both add a block to one list;
 * holding it, it first tries the list's free-block hint (lanes VACUUM freed
 * further down the chain, ivfvacuum.c), then adds a block, taken from the
 * free pages of retired generations first (ivftrain.c).
 *
 * A block takes a row in its first unused lane (nlanes), or, when all its
 * lanes have been used, in a lane VACUUM freed in place (an invalid TID
 * below nlanes: blocks VACUUM does not compact, those of rerank = index
 * and those of more than RUIVF_MAX_BLOCK_PAGES pages).  Not while a
 * training runs: its last pass copies only the lanes past those its first
 * pass took (ivftrain.c), so an insert fills a freed lane only after it
 * has taken and let go the training lock in share mode, with the block
 * locked, so that a training that starts later reads the block after the
 * insert.  A scan that holds a candidate of a lane filled again meanwhile
 * (the row in it was dead, so no snapshot sees it) finds another TID there
 * and drops it (ivfscan.c).
 *
 * WAL: GenericXLog, at most four pages per record.  A block of one page
 * (dimensions up to ~1000) changes in one record.  For a block of several
 * pages the code chunks of the later pages are logged first and the first
 * page (its chunk, the TID and nlanes) last: until that last record the
 * lane is not in use, so a crash in between leaves an unused lane whose
 * bytes the next insert overwrites.  A new block's later pages are logged
 * as full images before the record that links the block into its chain.
 * With rerank = index the lane's full-precision vector goes first, in
 * records of up to four of the block's vector pages (all of them, as full
 * images, for a new block): it is in place before the lane is in use.
 *
 * src/ivf/ivfinsert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/generic_xlog.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ivf.h"
#include "../type/vector.h"

/*
 * Write the full-precision vector of the block's lane `lane` into its vector
 * pages (rerank = index), up to four pages per record.  For a new block
 * vbufs holds all its vector pages, locked: they are initialized and logged
 * as full images.  Otherwise the lane's pages are locked here, after the
 * block's code pages (ascending block order).
 */
static void
write_vector_logged(Relation index, const RuIvfMetaData *meta, Buffer *bufs, Buffer *vbufs,
					int lane, const float *raw, bool fresh)
{
	BlockNumber vstart = BufferGetBlockNumber(bufs[0]) + meta->pages_per_block;
	int			first,
				npages,
				offset;
	int			lo,
				hi;

	RuIvfLaneVectorSpan(meta, lane, &first, &npages, &offset);
	lo = fresh ? 0 : first;
	hi = fresh ? meta->vec_pages_per_block : first + npages;
	for (int q0 = lo; q0 < hi; q0 += 4)
	{
		int			n = Min(4, hi - q0);
		Buffer		vb[4];
		GenericXLogState *xs;

		for (int j = 0; j < n; j++)
		{
			if (fresh)
				vb[j] = vbufs[q0 + j];
			else
			{
				vb[j] = ReadBuffer(index, vstart + q0 + j);
				LockBuffer(vb[j], BUFFER_LOCK_EXCLUSIVE);
			}
		}
		xs = GenericXLogStart(index);
		for (int j = 0; j < n; j++)
		{
			Page		page = GenericXLogRegisterBuffer(xs, vb[j],
														 fresh ? GENERIC_XLOG_FULL_IMAGE : 0);

			if (fresh)
			{
				RuIvfInitPage(page, RUIVF_PAGE_VECTORS);
				RuIvfPageGetOpaque(page)->gen = (uint16) meta->generation;
			}
			RuIvfLaneVectorPage(meta, page, q0 + j, lane, (float *) raw, true);
		}
		GenericXLogFinish(xs);
		if (!fresh)
			for (int j = 0; j < n; j++)
				UnlockReleaseBuffer(vb[j]);
	}
}

/*
 * Write lane `lane` (code + TID) of a block whose pages are pinned and
 * exclusively locked in bufs[]; WAL-logged as described above.  `fresh`
 * marks a block just allocated: all its pages are logged as full images.
 */
static void
write_lane_logged(Relation index, const RuIvfMetaData *meta, Buffer *bufs, Buffer *vbufs,
				  int lane, const unsigned char *code, RuIvfLaneFactors factors, ItemPointer tid,
				  const float *raw, bool fresh, Buffer dirbuf, int dirslot)
{
	int			ppb = meta->pages_per_block;
	GenericXLogState *xs;
	Page		pages[RUIVF_MAX_PAGES_PER_BLOCK];
	Page		first;
	RuIvfPageOpaque op;

	if (meta->rerank == RUIVF_RERANK_INDEX)
		write_vector_logged(index, meta, bufs, vbufs, lane, raw, fresh);

	/* later pages first, up to four per record */
	for (int k = 1; k < ppb; k += 4)
	{
		int			n = Min(4, ppb - k);

		xs = GenericXLogStart(index);
		for (int j = 0; j < n; j++)
			pages[k + j] = GenericXLogRegisterBuffer(xs, bufs[k + j],
													 fresh ? GENERIC_XLOG_FULL_IMAGE : 0);
		for (int j = 0; j < n; j++)
			RuIvfWriteLanePage(pages[k + j], meta, k + j, lane, code);
		GenericXLogFinish(xs);
	}

	/* then the first page: its chunk, the TID, nlanes; and the directory */
	xs = GenericXLogStart(index);
	first = GenericXLogRegisterBuffer(xs, bufs[0], fresh ? GENERIC_XLOG_FULL_IMAGE : 0);
	op = RuIvfPageGetOpaque(first);
	RuIvfWriteLanePage(first, meta, 0, lane, code);
	RuIvfPageTids(first, meta)[lane] = *tid;
	RuIvfSetFactors(first, meta, lane, &factors);
	if (lane >= op->nlanes)
		op->nlanes = lane + 1;
	if (BufferIsValid(dirbuf))
	{
		Page		dir = GenericXLogRegisterBuffer(xs, dirbuf, 0);

		RuIvfListDirHeads(dir)[dirslot] = BufferGetBlockNumber(bufs[0]);
	}
	GenericXLogFinish(xs);
}

/* Lock the pages of the block starting at blkno (ascending). */
static void
lock_block(Relation index, const RuIvfMetaData *meta, BlockNumber blkno, Buffer *bufs)
{
	for (int k = 0; k < meta->pages_per_block; k++)
	{
		bufs[k] = ReadBuffer(index, blkno + k);
		LockBuffer(bufs[k], BUFFER_LOCK_EXCLUSIVE);
		RuIvfCheckPage(index, meta, BufferGetPage(bufs[k]), blkno + k,
					   k == 0 ? RUIVF_PAGE_DATA : RUIVF_PAGE_DATA_MORE);
	}
}

/* Release the pages of a block. */
static void
unlock_block(const RuIvfMetaData *meta, Buffer *bufs)
{
	for (int k = 0; k < meta->pages_per_block; k++)
		UnlockReleaseBuffer(bufs[k]);
}

/*
 * The lane of a locked block's first page an insert may write (see the top
 * of the file): its first unused lane, else a lane VACUUM freed in place if
 * no training runs; -1 if none.
 */
static int
free_lane(Relation index, const RuIvfMetaData *meta, Page page)
{
	int			nlanes = RuIvfPageGetOpaque(page)->nlanes;
	ItemPointerData *tids;

	if (nlanes < meta->lanes)
		return nlanes;
	tids = RuIvfPageTids(page, meta);
	for (int l = 0; l < nlanes; l++)
	{
		if (ItemPointerIsValid(&tids[l]))
			continue;
		/* conflicts with a training's ExclusiveLock only (ivftrain.c) */
		if (!ConditionalLockPage(index, RUIVF_METAPAGE_BLKNO, ShareLock))
			return -1;
		UnlockPage(index, RUIVF_METAPAGE_BLKNO, ShareLock);
		return l;
	}
	return -1;
}

/*
 * Put the row into block `head` if it has a free lane: RUIVF_INSERTED if
 * done, 0 if the block is full, RUIVF_INSERT_STALE if a training closed or
 * switched the generation (checked under the block's lock, ivftrain.c).
 */
static int
insert_if_room(Relation index, const RuIvfMetaData *meta, BlockNumber head,
			   const unsigned char *code, RuIvfLaneFactors factors, ItemPointer tid, const float *raw,
			   BlockNumber *next)
{
	Buffer		bufs[RUIVF_MAX_PAGES_PER_BLOCK];
	int			result = 0;
	int			lane;

	if (head == InvalidBlockNumber)
		return 0;
	lock_block(index, meta, head, bufs);
	if (next != NULL)
		*next = RuIvfPageGetOpaque(BufferGetPage(bufs[0]))->next;
	if ((lane = free_lane(index, meta, BufferGetPage(bufs[0]))) >= 0)
	{
		if (!RuIvfStructureCurrent(index, meta->build_id))
			result = RUIVF_INSERT_STALE;
		else
		{
			write_lane_logged(index, meta, bufs, NULL, lane, code, factors, tid, raw, false,
							  InvalidBuffer, 0);
			result = RUIVF_INSERTED;
		}
	}
	unlock_block(meta, bufs);
	return result;
}

/*
 * Append a code and its TID to list `list` of generation `meta`: returns
 * RUIVF_INSERTED, RUIVF_INSERTED_BLOCK if it added a block to the chain,
 * or RUIVF_INSERT_STALE if the generation is closing or was switched (the
 * caller waits for the training and inserts again).
 */
int
RuIvfInsertCode(Relation index, const RuIvfMetaData *meta, int list,
				const unsigned char *code, RuIvfLaneFactors factors, ItemPointer tid, const float *raw)
{
	int			r;
	int			slot;
	BlockNumber dirblk = RuIvfListDirBlock(meta, list, &slot);
	Buffer		dirbuf;
	BlockNumber head;
	Buffer		bufs[RUIVF_MAX_PAGES_PER_BLOCK];
	Buffer	   *vbufs = NULL;

	/* fast path: room in the current head block */
	dirbuf = ReadBuffer(index, dirblk);
	LockBuffer(dirbuf, BUFFER_LOCK_SHARE);
	head = RuIvfListDirHeads(BufferGetPage(dirbuf))[slot];
	UnlockReleaseBuffer(dirbuf);
	if ((r = insert_if_room(index, meta, head, code, factors, tid, raw, NULL)) != 0)
		return r;

	/* slow path: directory page exclusively, then recheck the head */
	dirbuf = ReadBuffer(index, dirblk);
	LockBuffer(dirbuf, BUFFER_LOCK_EXCLUSIVE);
	head = RuIvfListDirHeads(BufferGetPage(dirbuf))[slot];
	if ((r = insert_if_room(index, meta, head, code, factors, tid, raw, NULL)) != 0)
	{
		UnlockReleaseBuffer(dirbuf);
		return r;
	}

	/*
	 * The head is full: a block further down the chain with free lanes, from
	 * the list's free-block hint (VACUUM sets it after compacting), walked
	 * down the chain as those blocks fill; the hint moves along.
	 */
	if (meta->version >= 4)
	{
		BlockNumber hint = RuIvfListDirHints(BufferGetPage(dirbuf))[slot];
		BlockNumber was = hint;

		for (int hops = 0; hint != InvalidBlockNumber && hops < RUIVF_HINT_HOPS; hops++)
		{
			BlockNumber next;

			r = insert_if_room(index, meta, hint, code, factors, tid, raw, &next);
			if (r != 0)
				break;
			hint = next;		/* full: the next block of the chain */
		}
		if (r == RUIVF_INSERT_STALE)
		{
			UnlockReleaseBuffer(dirbuf);
			return r;
		}
		if (hint != was)
		{
			GenericXLogState *xs = GenericXLogStart(index);
			Page		dir = GenericXLogRegisterBuffer(xs, dirbuf, 0);

			RuIvfListDirHints(dir)[slot] = hint;
			GenericXLogFinish(xs);
		}
		if (r == RUIVF_INSERTED)
		{
			UnlockReleaseBuffer(dirbuf);
			return r;
		}
	}
	if (!RuIvfStructureCurrent(index, meta->build_id))
	{
		UnlockReleaseBuffer(dirbuf);
		return RUIVF_INSERT_STALE;
	}

	/*
	 * A new block: consecutive pages, free ones an earlier generation left
	 * (ivftrain.c) if the free space map has them, else added under the
	 * extension lock.
	 */
	if (meta->vec_pages_per_block > 0)
		vbufs = palloc(sizeof(Buffer) * meta->vec_pages_per_block);
	{
		int			n = meta->pages_per_block + meta->vec_pages_per_block;
		Buffer	   *all = palloc(sizeof(Buffer) * n);

		if (RuIvfReuseBlocks(index, n, all) != InvalidBlockNumber)
		{
			memcpy(bufs, all, sizeof(Buffer) * meta->pages_per_block);
			if (vbufs != NULL)
				memcpy(vbufs, all + meta->pages_per_block, sizeof(Buffer) * meta->vec_pages_per_block);
		}
		else
		{
			LockRelationForExtension(index, ExclusiveLock);
			for (int k = 0; k < meta->pages_per_block; k++)
			{
				bufs[k] = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
				LockBuffer(bufs[k], BUFFER_LOCK_EXCLUSIVE);
			}
			for (int q = 0; q < meta->vec_pages_per_block; q++)
			{
				vbufs[q] = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
				LockBuffer(vbufs[q], BUFFER_LOCK_EXCLUSIVE);
				Assert(BufferGetBlockNumber(vbufs[q]) ==
					   BufferGetBlockNumber(bufs[0]) + meta->pages_per_block + q);
			}
			UnlockRelationForExtension(index, ExclusiveLock);
		}
		pfree(all);
	}
	for (int k = 0; k < meta->pages_per_block; k++)
	{
		Assert(BufferGetBlockNumber(bufs[k]) == BufferGetBlockNumber(bufs[0]) + k);
		/* initialized in place: GenericXLog logs them as full images */
		RuIvfInitPage(BufferGetPage(bufs[k]), k == 0 ? RUIVF_PAGE_DATA : RUIVF_PAGE_DATA_MORE);
		RuIvfPageGetOpaque(BufferGetPage(bufs[k]))->gen = (uint16) meta->generation;
	}
	{
		ItemPointerData *tids = RuIvfPageTids(BufferGetPage(bufs[0]), meta);

		for (int l = 0; l < meta->lanes; l++)
			ItemPointerSetInvalid(&tids[l]);
		RuIvfPageGetOpaque(BufferGetPage(bufs[0]))->next = head;
	}
	write_lane_logged(index, meta, bufs, vbufs, 0, code, factors, tid, raw, true, dirbuf, slot);
	unlock_block(meta, bufs);
	if (vbufs != NULL)
	{
		for (int q = 0; q < meta->vec_pages_per_block; q++)
			UnlockReleaseBuffer(vbufs[q]);
		pfree(vbufs);
	}
	UnlockReleaseBuffer(dirbuf);
	return RUIVF_INSERTED_BLOCK;
}

/* aminsert */
bool
ruivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
			Relation heap, IndexUniqueCheck checkUnique, bool indexUnchanged,
			IndexInfo *indexInfo)
{
	MemoryContext cxt;
	MemoryContext old;
	RuIvfState *st;
	const float *v;			/* the value as float4 (RuIvfInputFloats) */
	float	   *x;
	unsigned char *code;
	RuIvfLaneFactors factors;
	int			list;
	int			r;
	RuIvfMetaData meta;

	(void) checkUnique;
	(void) indexUnchanged;
	(void) indexInfo;
	if (isnull[0])
		return false;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "ruivf insert", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	for (;;)
	{
		st = RuIvfGetState(index);
		v = RuIvfInputFloats(RuIvfGetInput(index), values[0], st->meta.dim, NULL);
		x = palloc(sizeof(float) * st->meta.dim);
		code = palloc(st->meta.dim);
		RuIvfPrepareVector(st->meta.metric, v, st->meta.dim, x);
		list = RuIvfNearestList(index, st, x);
		factors = RuIvfEncodeForList(st, x, list, code);
		r = RuIvfInsertCode(index, &st->meta, list, code, factors, heap_tid, v);
		meta = st->meta;
		RuIvfReleaseState(st);
		if (r != RUIVF_INSERT_STALE)
			break;
		/* a training is switching generations: wait for it, then insert there */
		RuIvfWaitForTraining(index);
	}
	/* count the row; train the lists if they are due (ivftrain.c) */
	RuIvfAfterInsert(index, heap, &meta, r == RUIVF_INSERTED_BLOCK);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return false;
}
