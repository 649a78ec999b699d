/*-------------------------------------------------------------------------
 *
 * ivfutils.c
 *	  ruivf helpers: page geometry, metapage checks, the per-backend cache
 *	  of centroids, SQ8 encoding, options.
 *
 * src/ivf/ivfutils.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/reloptions.h"
#include "access/xact.h"
#include "commands/defrem.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "ivf.h"
#include "utils/varbit.h"
#include "../simd/half.h"
#include "../simd/rabitq.h"
#include "../type/halfvec.h"
#include "../type/sparsevec.h"
#include "../type/vector.h"

int			ruvector_probes = 8;
double		ruvector_target_recall = 0.95;
int			ruvector_max_probes = -1;
int			ruvector_iterative_scan = RUIVF_ITERATIVE_RELAXED;
int			ruvector_max_scan_tuples = 0;
int			ruvector_rerank_factor = 4;
bool		ruvector_check_bounds = false;
bool		ruvector_split_lists = true;
double		ruvector_epsilon = 1.9;

static relopt_kind ruivf_relopt_kind;

/* Register the reloptions (called once from RuIvfInit). */
void
RuIvfRegisterOptions(void)
{
	ruivf_relopt_kind = add_reloption_kind();
	RuIvfAddOptions(ruivf_relopt_kind);
}

/*
 * Register ruivf's build options (lists, rerank, bits) for a reloption
 * kind: ruivf's own, or that of an access method serving ruivf under
 * another name (src/compat), whose options struct starts with RuIvfOptions.
 */
void
RuIvfAddOptions(relopt_kind kind)
{
	static relopt_enum_elt_def rerank_values[] = {
		{"auto", RUIVF_RERANK_AUTO},
		{"heap", RUIVF_RERANK_HEAP},
		{"index", RUIVF_RERANK_INDEX},
		{NULL, 0}
	};
	static relopt_enum_elt_def shared_lists_values[] = {
		{"auto", RUIVF_SHARED_LISTS_AUTO},
		{"on", RUIVF_SHARED_LISTS_ON},
		{"off", RUIVF_SHARED_LISTS_OFF},
		{NULL, 0}
	};
	static relopt_enum_elt_def bits_values[] = {
		{"8", 8},
		{"4", 4},
		{"1", 1},
		{NULL, 0}
	};

	add_int_reloption(kind, "lists",
					  "Number of lists (k-means clusters); 0 chooses from the row count",
					  0, 0, RUIVF_MAX_LISTS, AccessExclusiveLock);
	add_enum_reloption(kind, "rerank",
					   "Where the exact re-rank reads vectors: the table (heap), a full-precision "
					   "copy in the index (index), or index above 2000 dimensions (auto)",
					   rerank_values, RUIVF_RERANK_AUTO,
					   "Valid values are \"auto\", \"heap\" and \"index\".",
					   AccessExclusiveLock);
	add_enum_reloption(kind, "bits",
					   "Bits per dimension of the codes the first pass scores: 8 (SQ8), 4 (SQ4, "
					   "half the bytes to read, coarser estimates) or 1 (binary codes with error "
					   "bounds, an eighth of the bytes)",
					   bits_values, 8,
					   "Valid values are \"8\", \"4\" and \"1\".",
					   AccessExclusiveLock);
	add_enum_reloption(kind, "shared_lists",
					   "Whether the index of a partition takes its lists (centroids) from the "
					   "index of another partition: on, off, or auto (on for the partitions of a "
					   "hash-partitioned table)",
					   shared_lists_values, RUIVF_SHARED_LISTS_AUTO,
					   "Valid values are \"auto\", \"on\" and \"off\".",
					   AccessExclusiveLock);
}

/* amoptions */
bytea *
ruivfoptions(Datum reloptions, bool validate)
{
	static const relopt_parse_elt tab[] = {
		{"lists", RELOPT_TYPE_INT, offsetof(RuIvfOptions, lists)},
		{"rerank", RELOPT_TYPE_ENUM, offsetof(RuIvfOptions, rerank)},
		{"bits", RELOPT_TYPE_ENUM, offsetof(RuIvfOptions, bits)},
		{"shared_lists", RELOPT_TYPE_ENUM, offsetof(RuIvfOptions, shared_lists)},
	};

	return (bytea *) build_reloptions(reloptions, validate, ruivf_relopt_kind,
									  sizeof(RuIvfOptions), tab, lengthof(tab));
}

/* amvalidate: the opclasses are created by the extension script only. */
bool
ruivfvalidate(Oid opclassoid)
{
	(void) opclassoid;
	return true;
}

/* Pages a block of `lanes` lanes needs for dim dimensions (dims spread evenly). */
static RuIvfGeometry
geometry_for_lanes(int dim, int lanes, int bits)
{
	RuIvfGeometry g;
	int			maxdims = (int) ((RUIVF_PAGE_AVAIL - lanes * RUIVF_LANE_HEADER) * 8 / bits / lanes) & ~1;

	g.lanes = lanes;
	g.pages_per_block = (dim + maxdims - 1) / maxdims;
	g.dims_per_page = (dim + g.pages_per_block - 1) / g.pages_per_block;
	g.dims_per_page += g.dims_per_page & 1; /* whole pairs; still <= maxdims */
	return g;
}

/*
 * Block geometry for a dimension count (see ivf.h).  Small vectors: one
 * page holding as many lanes as fit (64 to 1024).  Otherwise, among 8 to 64
 * lanes whose block spans at most RUIVF_MAX_BLOCK_PAGES pages, the one that
 * fills its pages best (ties: more lanes, for wider SIMD steps); past ~4000
 * dimensions, 8 lanes over as many pages as needed.
 */
RuIvfGeometry
RuIvfComputeGeometry(int dim, bool vectors, int bits)
{
	RuIvfGeometry g;
	double		lane_bytes = (double) (dim + (dim & 1)) * bits / 8;	/* codes of one lane */
	int			lanes = (int) (RUIVF_PAGE_AVAIL / (lane_bytes + RUIVF_LANE_HEADER));
	double		best_fill = -1.0;

	lanes -= lanes % RUIVF_MIN_LANES;
	if (bits == 1)
	{
		/* one page of whole fast-scan blocks (ivf.h); 0 lanes past RUIVF_BIT_MAX_DIM */
		Size		per_group = RuIvfBitGroups(dim) * 16 + RUIVF_BIT_GROUP * RuIvfLaneHeader(1);

		g.lanes = Min((int) (RUIVF_PAGE_AVAIL / per_group) * RUIVF_BIT_GROUP, RUIVF_MAX_LANES);
		g.pages_per_block = 1;
		g.dims_per_page = (int) RuIvfBitGroups(dim) * 4;
		g.vec_pages_per_block = vectors && g.lanes > 0
			? (int) (((Size) g.lanes * dim + RUIVF_FLOATS_PER_PAGE - 1) / RUIVF_FLOATS_PER_PAGE)
			: 0;
		Assert(g.lanes == 0 || RUIVF_CODES_OFFSET + (Size) g.dims_per_page * g.lanes / 8 +
			   g.lanes * RuIvfLaneHeader(1) <= BLCKSZ - RUIVF_SPECIAL_SIZE);
		return g;
	}
	if (lanes >= 64)
		g = geometry_for_lanes(dim, Min(lanes, RUIVF_MAX_LANES), bits);
	else
	{
		g = geometry_for_lanes(dim, RUIVF_MIN_LANES, bits);
		for (int b = 64; b >= RUIVF_MIN_LANES; b -= RUIVF_MIN_LANES)
		{
			RuIvfGeometry t = geometry_for_lanes(dim, b, bits);
			double		fill = (double) b * (lane_bytes + RUIVF_LANE_HEADER) /
				((double) t.pages_per_block * RUIVF_PAGE_AVAIL);

			if (t.pages_per_block <= RUIVF_MAX_BLOCK_PAGES && fill > best_fill + 0.01)
			{
				g = t;
				best_fill = fill;
			}
		}
	}
	Assert(RUIVF_CODES_OFFSET + (Size) g.dims_per_page * g.lanes * bits / 8 +
		   g.lanes * RUIVF_LANE_HEADER <= BLCKSZ - RUIVF_SPECIAL_SIZE);
	Assert((Size) g.dims_per_page * g.pages_per_block >= (Size) dim);
	Assert(g.dims_per_page % 2 == 0);
	Assert(g.pages_per_block <= RUIVF_MAX_PAGES_PER_BLOCK);
	/* the widest block: RUIVF_MAX_BIT_DIM dimensions, 8 lanes of SQ8 codes */
	StaticAssertStmt((RUIVF_MAX_BIT_DIM +
					  ((RUIVF_PAGE_AVAIL - RUIVF_MIN_LANES * RUIVF_LANE_HEADER) / RUIVF_MIN_LANES & ~1) - 1) /
					 ((RUIVF_PAGE_AVAIL - RUIVF_MIN_LANES * RUIVF_LANE_HEADER) / RUIVF_MIN_LANES & ~1) <=
					 RUIVF_MAX_PAGES_PER_BLOCK,
					 "a block of RUIVF_MAX_BIT_DIM dimensions fits RUIVF_MAX_PAGES_PER_BLOCK pages");
	g.vec_pages_per_block = vectors
		? (int) (((Size) g.lanes * dim + RUIVF_FLOATS_PER_PAGE - 1) / RUIVF_FLOATS_PER_PAGE)
		: 0;
	return g;
}

/*
 * Where lane's full-precision vector lies in its block's vector pages
 * (rerank = index): the first page (0 = the first vector page), how many
 * pages, and the float offset in the first page.
 */
void
RuIvfLaneVectorSpan(const RuIvfMetaData *meta, int lane, int *firstpage, int *npages,
					int *offset)
{
	Size		start = (Size) lane * meta->dim;
	Size		end = start + meta->dim - 1;

	*firstpage = (int) (start / RUIVF_FLOATS_PER_PAGE);
	*offset = (int) (start % RUIVF_FLOATS_PER_PAGE);
	*npages = (int) (end / RUIVF_FLOATS_PER_PAGE) - *firstpage + 1;
}

/*
 * Copy the part of lane's vector that lies on vector page q (0 = the
 * block's first vector page) out of (write = false) or into (true) the page.
 */
void
RuIvfLaneVectorPage(const RuIvfMetaData *meta, Page page, int q, int lane, float *vec, bool write)
{
	Size		start = (Size) lane * meta->dim;
	Size		lo = Max(start, (Size) q * RUIVF_FLOATS_PER_PAGE);
	Size		hi = Min(start + meta->dim, (Size) (q + 1) * RUIVF_FLOATS_PER_PAGE);
	float	   *area = (float *) ((char *) page + RUIVF_CODES_OFFSET);

	if (lo >= hi)
		return;
	if (write)
		memcpy(area + (lo - (Size) q * RUIVF_FLOATS_PER_PAGE), vec + (lo - start),
			   sizeof(float) * (hi - lo));
	else
		memcpy(vec + (lo - start), area + (lo - (Size) q * RUIVF_FLOATS_PER_PAGE),
			   sizeof(float) * (hi - lo));
}

/* bit_ops.c: the bit-string distances, which name bit operator classes */
extern Datum ruvector_hamming_distance(PG_FUNCTION_ARGS);
extern Datum ruvector_jaccard_distance(PG_FUNCTION_ARGS);

/* The name of the index's access method (ruivf, or hnsw / ivfflat of vector). */
const char *
RuIvfAmName(Relation index)
{
	char	   *am = get_am_name(index->rd_rel->relam);

	return am ? am : "ruivf";
}

/*
 * The metric, from the opclass's support function 1 (one of the distance
 * functions of ruvector, ruhalfvec, rusparsevec or bit).  L1 is coded,
 * trained and probed as L2 (ivf.h), re-ranked in L1.  Jaccard distance on
 * bit strings is refused, which no L2 or inner-product order follows;
 * Hamming distance is squared L2 on 0/1 vectors (RuIvfInput).
 */
RuIvfMetric
RuIvfGetMetric(Relation index)
{
	FmgrInfo   *proc = index_getprocinfo(index, 1, 1);
	PGFunction	f = proc->fn_addr;

	if (f == ruvector_l2_distance || f == ruvector_l2_squared_distance ||
		f == ruhalfvec_l2_distance || f == ruhalfvec_l2_squared_distance ||
		f == rusparsevec_l2_distance || f == rusparsevec_l2_squared_distance ||
		f == ruvector_hamming_distance)
		return RUIVF_METRIC_L2;
	if (f == ruvector_negative_inner_product || f == ruhalfvec_negative_inner_product ||
		f == rusparsevec_negative_inner_product)
		return RUIVF_METRIC_IP;
	if (f == ruvector_cosine_distance || f == ruhalfvec_cosine_distance ||
		f == rusparsevec_cosine_distance)
		return RUIVF_METRIC_COSINE;
	if (f == ruvector_l1_distance || f == ruhalfvec_l1_distance || f == rusparsevec_l1_distance)
		return RUIVF_METRIC_L1;
	if (f == ruvector_jaccard_distance)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s indexes with bit_jaccard_ops are not supported", RuIvfAmName(index)),
				 errdetail("The %s access method here is ruivf, which indexes bit strings "
						   "by Hamming distance only.", RuIvfAmName(index)),
				 errhint("Use bit_hamming_ops; ORDER BY col <%%> query works without an index, "
						 "as an exact scan.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
			 errmsg("ruivf operator class support function 1 must be a ruvector distance function")));
	return RUIVF_METRIC_L2;		/* keep the compiler quiet */
}

/* The input kind of an index, from its operator class's support function 1. */
RuIvfInput
RuIvfGetInput(Relation index)
{
	PGFunction	f = index_getprocinfo(index, 1, 1)->fn_addr;

	if (f == ruhalfvec_l2_distance || f == ruhalfvec_l2_squared_distance ||
		f == ruhalfvec_negative_inner_product || f == ruhalfvec_cosine_distance ||
		f == ruhalfvec_l1_distance)
		return RUIVF_INPUT_HALF;
	if (f == ruvector_hamming_distance)
		return RUIVF_INPUT_BIT;
	if (f == rusparsevec_l2_distance || f == rusparsevec_l2_squared_distance ||
		f == rusparsevec_negative_inner_product || f == rusparsevec_cosine_distance ||
		f == rusparsevec_l1_distance)
		return RUIVF_INPUT_SPARSE;
	return RUIVF_INPUT_FLOAT4;
}

/* The dimension error of every input kind. */
static void
input_dim_error(int dim, int got)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("expected %d dimensions, not %d", dim, got)));
}

/*
 * The float4 elements of a value of the index's input kind, which must have
 * dim dimensions (dim < 0: any, when the dimensions are not known yet).  For
 * ruvector the (detoasted) value's own array; else the value widened into
 * buf, which holds dim floats (or is NULL: palloc'd).
 */
const float *
RuIvfInputFloats(RuIvfInput input, Datum value, int dim, float *buf)
{
	switch (input)
	{
		case RUIVF_INPUT_HALF:
			{
				RuHalfVec  *h = (RuHalfVec *) PG_DETOAST_DATUM(value);

				if (dim >= 0 && h->dim != dim)
					input_dim_error(dim, h->dim);
				if (buf == NULL)
					buf = palloc(sizeof(float) * Max(h->dim, 1));
				rv_half_kernels(rv_kernels.level)->to_float(h->x, buf, h->dim);
				if ((Pointer) h != DatumGetPointer(value))
					pfree(h);
				return buf;
			}
		case RUIVF_INPUT_BIT:
			{
				VarBit	   *b = DatumGetVarBitP(value);
				int			n = VARBITLEN(b);
				const bits8 *p = VARBITS(b);

				if (dim >= 0 && n != dim)
					input_dim_error(dim, n);
				if (buf == NULL)
					buf = palloc(sizeof(float) * Max(n, 1));
				for (int i = 0; i < n; i++)
					buf[i] = (p[i >> 3] >> (7 - (i & 7))) & 1 ? 1.0f : 0.0f;
				if ((Pointer) b != DatumGetPointer(value))
					pfree(b);
				return buf;
			}
		case RUIVF_INPUT_SPARSE:
			{
				RuSparseVec *sv = (RuSparseVec *) PG_DETOAST_DATUM(value);
				const float *vals = RUSPARSEVEC_VALUES(sv);

				if (dim >= 0 && sv->dim != dim)
					input_dim_error(dim, sv->dim);
				if (buf == NULL)
					buf = palloc(sizeof(float) * Max(sv->dim, 1));
				memset(buf, 0, sizeof(float) * sv->dim);
				for (int i = 0; i < sv->nnz; i++)
					buf[sv->indices[i]] = vals[i];
				if ((Pointer) sv != DatumGetPointer(value))
					pfree(sv);
				return buf;
			}
		case RUIVF_INPUT_FLOAT4:
		default:
			{
				RuVector   *v = DatumGetRuVector(value);

				if (dim >= 0 && v->dim != dim)
					input_dim_error(dim, v->dim);
				return v->x;
			}
	}
}

/*
 * A query of the index's input kind as float4 elements, palloc'd, and its
 * dimension count in *dim (a bit string's up to RUIVF_MAX_BIT_DIM bits do
 * not fit a ruvector, whose count is 16 bits).  Sparse vectors and bit
 * strings beyond what ruivf codes are refused.
 */
float *
RuIvfInputQuery(RuIvfInput input, Datum value, int *dim)
{
	Pointer		plain = (Pointer) PG_DETOAST_DATUM(value);
	float	   *x;
	int			n;

	if (input == RUIVF_INPUT_FLOAT4)
		n = ((RuVector *) plain)->dim;
	else if (input == RUIVF_INPUT_HALF)
		n = ((RuHalfVec *) plain)->dim;
	else if (input == RUIVF_INPUT_SPARSE)
	{
		n = ((RuSparseVec *) plain)->dim;
		if (n < 1 || n > RUVECTOR_MAX_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a sparse vector of %d dimensions cannot be a ruivf query", n),
					 errdetail("ruivf indexes sparse vectors of 1 to %d dimensions.",
							   RUVECTOR_MAX_DIM)));
	}
	else
	{
		n = VARBITLEN((VarBit *) plain);
		if (n < 1 || n > RUIVF_MAX_BIT_DIM)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a bit string of %d bits cannot be a ruivf query", n),
					 errdetail("ruivf indexes bit strings of 1 to %d bits.", RUIVF_MAX_BIT_DIM)));
	}
	x = palloc(sizeof(float) * Max(n, 1));
	if (input == RUIVF_INPUT_FLOAT4)
		memcpy(x, ((RuVector *) plain)->x, sizeof(float) * n);
	else
		RuIvfInputFloats(input, PointerGetDatum(plain), n, x);
	if (plain != DatumGetPointer(value))
		pfree(plain);
	*dim = n;
	return x;
}

/*
 * A partitioned index has no pages: each partition has an index of its
 * own.  Raise a clear error naming them, for function `func`.
 */
void
RuIvfRequireStorage(Relation index, const char *func)
{
	if (index->rd_rel->relkind != RELKIND_PARTITIONED_INDEX)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_WRONG_OBJECT_TYPE),
			 errmsg("\"%s\" is a partitioned index", RelationGetRelationName(index)),
			 errdetail("A partitioned index has no storage; each partition has a ruivf index of its own."),
			 errhint("Call it for each partition's index: SELECT h.inhrelid::regclass, f.* FROM pg_inherits h, %s(h.inhrelid::regclass) f WHERE h.inhparent = '%s'::regclass;",
					 func, quote_identifier(RelationGetRelationName(index)))));
}

/* Initialize a ruivf page of the given kind; its whole content counts as used. */
void
RuIvfInitPage(Page page, uint16 kind)
{
	RuIvfPageOpaque opaque;

	PageInit(page, BLCKSZ, RUIVF_SPECIAL_SIZE);
	opaque = RuIvfPageGetOpaque(page);
	opaque->next = InvalidBlockNumber;
	opaque->nlanes = 0;
	opaque->kind = kind;
	opaque->gen = 0;
	opaque->page_id = RUIVF_PAGE_ID;
	/* no hole: GenericXLog and log_newpage keep every byte */
	((PageHeader) page)->pd_lower = ((PageHeader) page)->pd_upper;
}

/*
 * Initialize a page as FREE (a block no chain reaches, in the free space
 * map for reuse).  Its hole is left in, so that a full-image record of it
 * logs no more than its header.
 */
void
RuIvfInitFreePage(Page page)
{
	RuIvfInitPage(page, RUIVF_PAGE_FREE);
	((PageHeader) page)->pd_lower = SizeOfPageHeaderData;
}

/* Extend the index by one page; returned pinned and exclusively locked. */
Buffer
RuIvfNewBuffer(Relation index, ForkNumber fork)
{
	Buffer		buf;

	LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBufferExtended(index, fork, P_NEW, RBM_NORMAL, NULL);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

/*
 * RuIvfReadMeta for an index this ruvector may not read (another
 * partition's, sibling_centroids in ivfbuild.c): false, and nothing read,
 * when its metapage is not a ruivf one of a version read here.
 */
bool
RuIvfPeekMeta(Relation index, RuIvfMetaData *meta)
{
	Buffer		buf = ReadBuffer(index, RUIVF_METAPAGE_BLKNO);
	RuIvfMetaData m;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	memcpy(&m, PageGetContents(BufferGetPage(buf)), sizeof(RuIvfMetaData));
	UnlockReleaseBuffer(buf);
	if (m.magic != RUIVF_MAGIC || m.version < RUIVF_VERSION_MIN || m.version > RUIVF_VERSION)
		return false;
	RuIvfReadMeta(index, meta);
	return true;
}

/* Read and check the metapage; a foreign or old format asks for REINDEX. */
void
RuIvfReadMeta(Relation index, RuIvfMetaData *meta)
{
	Buffer		buf = ReadBuffer(index, RUIVF_METAPAGE_BLKNO);
	Page		page;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	memcpy(meta, PageGetContents(page), sizeof(RuIvfMetaData));
	UnlockReleaseBuffer(buf);

	if (meta->magic != RUIVF_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not a ruivf index", RelationGetRelationName(index))));
	if (meta->version < RUIVF_VERSION_MIN || meta->version > RUIVF_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("ruivf index \"%s\" has on-disk version %u, this ruvector reads versions %d to %d",
						RelationGetRelationName(index), meta->version, RUIVF_VERSION_MIN, RUIVF_VERSION),
				 errhint("REINDEX INDEX %s;", RelationGetRelationName(index))));
	if (meta->version < 6)
	{
		/* nothing learned; whatever follows a shorter metapage is not ours */
		meta->learned_queries = 0;
		memset(meta->learned_probes, 0, sizeof(meta->learned_probes));
	}
	if (meta->version < 7)
		meta->row_norm = 0.0f;	/* lists ranked by <q, c>, as that version did */
	if (meta->version < 8)
		meta->trained_residual = 0.0f;	/* no drift measured */

	/* the geometry every page access relies on */
	{
		bool		ok = meta->dim >= 1 &&
			meta->dim <= Max(RUVECTOR_MAX_DIM, RUIVF_MAX_BIT_DIM) &&
			meta->lists >= 0 && meta->lists <= RUIVF_MAX_LISTS &&
			(meta->bits == 8 || meta->bits == 4 ||
			 (meta->bits == 1 && meta->version >= 5 && meta->dim <= RUIVF_BIT_MAX_DIM)) &&
			(meta->rerank == RUIVF_RERANK_HEAP || meta->rerank == RUIVF_RERANK_INDEX) &&
			meta->metric >= RUIVF_METRIC_L2 && meta->metric <= RUIVF_METRIC_MAX;

		if (ok)
		{
			RuIvfGeometry g = RuIvfComputeGeometry(meta->dim, meta->rerank == RUIVF_RERANK_INDEX,
												   meta->bits);

			ok = g.lanes == meta->lanes && g.dims_per_page == meta->dims_per_page &&
				g.pages_per_block == meta->pages_per_block &&
				g.vec_pages_per_block == meta->vec_pages_per_block;
		}
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INDEX_CORRUPTED),
					 errmsg("ruivf index \"%s\" has a corrupted metapage (block 0)",
							RelationGetRelationName(index)),
					 errhint("REINDEX INDEX %s;", RelationGetRelationName(index))));
	}
}

/*
 * Report why block blkno fails RuIvfCheckPage (ivf.h), which calls this
 * only then: ERRCODE_INDEX_CORRUPTED, naming the block.
 */
void
RuIvfPageCorrupted(Relation index, const RuIvfMetaData *meta, Page page, BlockNumber blkno,
				   uint16 kind)
{
	RuIvfPageOpaque opaque;
	RuIvfMetaData now;

	/*
	 * A scan that began before a training switched generations reads blocks
	 * of the old one; on a primary none of them is reused while such a scan
	 * runs (ivftrain.c), but a hot standby's queries do not hold back the
	 * primary's horizon: the block may be another generation's by now.
	 */
	RuIvfReadMeta(index, &now);
	if (now.build_id != meta->build_id)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("ruivf index \"%s\" was trained again while this scan read it",
						RelationGetRelationName(index)),
				 errdetail("Block %u now belongs to another generation of its lists.", blkno),
				 errhint("Run the query again; on a hot standby, hot_standby_feedback = on "
						 "avoids this.")));
	if (PageIsNew(page) || PageGetSpecialSize(page) != RUIVF_SPECIAL_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ruivf index \"%s\" block %u is not a ruivf page",
						RelationGetRelationName(index), blkno),
				 errhint("REINDEX INDEX %s;", RelationGetRelationName(index))));
	opaque = RuIvfPageGetOpaque(page);
	if (opaque->page_id != RUIVF_PAGE_ID || opaque->kind != kind)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ruivf index \"%s\" block %u has page kind %u, expected %u",
						RelationGetRelationName(index), blkno,
						opaque->page_id == RUIVF_PAGE_ID ? opaque->kind : 0, kind),
				 errhint("REINDEX INDEX %s;", RelationGetRelationName(index))));
	if (kind == RUIVF_PAGE_DATA && opaque->gen != (uint16) meta->generation)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ruivf index \"%s\" block %u was written for generation %u, the index is at %d",
						RelationGetRelationName(index), blkno, opaque->gen, meta->generation),
				 errhint("REINDEX INDEX %s;", RelationGetRelationName(index))));
	if (kind == RUIVF_PAGE_DATA && opaque->nlanes > meta->lanes)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("ruivf index \"%s\" block %u has %u lanes in use, more than its %d",
						RelationGetRelationName(index), blkno, opaque->nlanes, meta->lanes),
				 errhint("REINDEX INDEX %s;", RelationGetRelationName(index))));
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("ruivf index \"%s\" block %u is not a valid ruivf page",
					RelationGetRelationName(index), blkno),
			 errhint("REINDEX INDEX %s;", RelationGetRelationName(index))));
}

/*
 * Copy n floats, from float `first` on, of the floats packed across
 * consecutive float pages starting at blkno.
 */
static void
read_floats_from(Relation index, BlockNumber blkno, Size first, Size n, float *out)
{
	Size		off = first % RUIVF_FLOATS_PER_PAGE;

	blkno += first / RUIVF_FLOATS_PER_PAGE;
	while (n > 0)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Size		chunk = Min(n, (Size) RUIVF_FLOATS_PER_PAGE - off);

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		memcpy(out, (char *) BufferGetPage(buf) + RUIVF_CODES_OFFSET + off * sizeof(float),
			   chunk * sizeof(float));
		UnlockReleaseBuffer(buf);
		out += chunk;
		n -= chunk;
		off = 0;
		blkno++;
	}
}

/*
 * The one norm of n rows (prepared vectors, dim floats each) for an
 * inner-product index (RuIvfListKeyIP), their mean, when they have about
 * one; else 0 (another metric, too few rows, or norms that differ more than
 * RUIVF_ROW_NORM_SPREAD).
 */
float
RuIvfRowNorm(RuIvfMetric metric, const float *rows, int n, int dim)
{
	double		lo = INFINITY,
				hi = 0.0,
				sum = 0.0;

	if (metric != RUIVF_METRIC_IP || n < RUIVF_ROW_NORM_MIN_ROWS)
		return 0.0f;
	for (int i = 0; i < n; i++)
	{
		double		norm = RuIvfNorm(rows + (Size) i * dim, dim);

		if (!isfinite(norm))
			return 0.0f;
		lo = Min(lo, norm);
		hi = Max(hi, norm);
		sum += norm;
	}
	if (!(hi > 0.0) || hi - lo > RUIVF_ROW_NORM_SPREAD * hi)
		return 0.0f;
	return (float) (sum / n);
}

/* Copy n floats packed across consecutive float pages starting at blkno. */
void
RuIvfReadFloats(Relation index, BlockNumber blkno, Size n, float *out)
{
	read_floats_from(index, blkno, 0, n, out);
}

/*
 * Per-backend cache of the read-only parts of an index (centroids and SQ8
 * parameters), keyed by index OID and build id, so a scan does not copy
 * them from the float pages every time.  A rebuilt index has a new build id.
 *
 * A state is held by whoever uses it (RuIvfGetState ... RuIvfReleaseState):
 * a scan from its first row to its end, an insert for its call.  Only a
 * state nobody holds is evicted.  When every slot is held (more scans open
 * at once than there are slots: cursors, or the partitions of one query,
 * each with its own index) the cache grows, doubling up to
 * RUIVF_CACHE_MAX slots, so that the next query over the same partitions
 * finds them all; with a fixed 8 slots, a query over 16 partitions read
 * half of their indexes' centroids and coded them again every time (4.5x
 * the time of a query over 8).  Past RUIVF_CACHE_MAX the state is made
 * outside the cache and freed at its last release.  A holder that errors
 * out never releases: at the end of the top-level transaction, when no
 * scan can be open any more, every hold is dropped and the states made
 * outside the cache are freed (cache_xact_end).
 */
#define RUIVF_CACHE_SIZE 8		/* slots at first */
#define RUIVF_CACHE_MAX 4096	/* slots at most */

typedef struct RuIvfCacheEntry
{
	Oid			relid;
	uint64		build_id;
	RuIvfState *state;
} RuIvfCacheEntry;

static RuIvfCacheEntry *state_cache = NULL;	/* in TopMemoryContext */
static int	state_cache_size = 0;	/* its slots */
static int	state_cache_next = 0;
static List *uncached_states = NIL; /* held states outside the cache */
static bool cache_callback_registered = false;

/*
 * The codes of x - center (center NULL: x) as RuIvfEncode makes them, in a
 * loop with no accumulation, which the compiler vectorizes (division and
 * rounding of 8 dimensions at a time with AVX2).
 */
static inline __attribute__((always_inline)) void
sq_codes_body(const float *m, const float *s, float mult, float cmax, int dim,
			  const float *x, const float *center, unsigned char *code)
{
	for (int d = 0; d < dim; d++)
	{
		float		xd = center ? x[d] - center[d] : x[d];
		float		v = rintf((xd - m[d]) / (s[d] * mult));

		code[d] = v <= 0.0f ? 0 : v >= cmax ? (unsigned char) cmax : (unsigned char) v;
	}
}

#ifdef RV_HAVE_X86_KERNELS
/* sq_codes_body compiled for AVX2 */
__attribute__((target("avx2")))
static void
sq_codes_avx2(const float *m, const float *s, float mult, float cmax, int dim,
			  const float *x, const float *center, unsigned char *code)
{
	sq_codes_body(m, s, mult, cmax, dim, x, center, code);
}
#endif

/* sq_codes_body for the SIMD level in use */
static void
sq_codes(const float *m, const float *s, float mult, float cmax, int dim,
		 const float *x, const float *center, unsigned char *code)
{
#ifdef RV_HAVE_X86_KERNELS
	if (rv_kernels.level >= RV_SIMD_AVX2)
	{
		sq_codes_avx2(m, s, mult, cmax, dim, x, center, code);
		return;
	}
#endif
	sq_codes_body(m, s, mult, cmax, dim, x, center, code);
}

/* Free a state and everything it holds. */
static void
free_state(RuIvfState *st)
{
	MemoryContextDelete(st->cxt);
}

/* Keep a held state outside the cache slots until its last release. */
static void
keep_uncached(RuIvfState *st)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	uncached_states = lappend(uncached_states, st);
	MemoryContextSwitchTo(old);
}

/*
 * End of a top-level transaction: no scan is open any more (a holdable
 * cursor's rows were materialized at commit), so every hold is dropped,
 * including those of scans and inserts that errored out.
 */
static void
cache_xact_end(XactEvent event, void *arg)
{
	ListCell   *lc;

	(void) arg;
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_PREPARE)
		return;
	for (int i = 0; i < state_cache_size; i++)
		if (state_cache[i].state != NULL)
			state_cache[i].state->refcount = 0;
	foreach(lc, uncached_states)
		free_state((RuIvfState *) lfirst(lc));
	list_free(uncached_states);
	uncached_states = NIL;
}

/* floats of centroids read a slice at a time (load_state) */
#define RUIVF_CENTROID_SLICE_FLOATS 16384

/* Copy centroids [c0, c0 + n) from the float pages into out (n * dim floats). */
static void
read_centroids(Relation index, const RuIvfMetaData *meta, int c0, int n, float *out)
{
	read_floats_from(index, meta->centroid_start, (Size) c0 * meta->dim,
					 (Size) n * meta->dim, out);
}

/* centroid_set numbers handed out so far in this backend */
static uint64 centroid_sets = 0;

/*
 * Whether a and b order their lists alike and code the same centroids (but
 * for what the comparison below checks): the same dimensions, lists, bits,
 * metric, row norm, rotation and centroid code width.
 */
static bool
same_list_shape(const RuIvfState *a, const RuIvfState *b)
{
	return a->meta.dim == b->meta.dim && a->meta.lists == b->meta.lists &&
		a->meta.bits == b->meta.bits && a->meta.metric == b->meta.metric &&
		a->meta.row_norm == b->meta.row_norm &&
		a->meta.rotation_seed == b->meta.rotation_seed &&
		a->centroid_bits == b->centroid_bits && b->centroid_set != 0;
}

/*
 * Whether t, a state this backend holds (cached or held outside the
 * cache), has st's centroids: with `floats`, the same float centroids (st
 * keeps them, read, nothing else made yet); without, the same centroid
 * codes, factors and code parameters (st made them).  The indexes
 * of a partitioned table's partitions that share their lists (ivfbuild.c,
 * shared_lists) are such twins: a backend codes their centroids once
 * (load_state), rotates each list once (RuIvfRotatedCentroid), and a
 * query's scans order their lists once (ivfscan.c, order_centroids).
 */
static bool
is_twin(const RuIvfState *st, const RuIvfState *t, bool floats)
{
	int			dim = st->meta.dim;
	int			lists = st->meta.lists;
	Size		lane_bytes = st->centroid_bits == 8 ? 2 * ((dim + 1) / 2) : (dim + 1) / 2;

	if (t == NULL || t == st || !same_list_shape(st, t))
		return false;
	if (floats)
		return t->centroids != NULL &&
			memcmp(t->centroids, st->centroids, sizeof(float) * (Size) lists * dim) == 0;
	return memcmp(t->cen_m, st->cen_m, sizeof(float) * 2 * dim) == 0 &&
		memcmp(t->centroid_factors, st->centroid_factors, sizeof(float) * lists) == 0 &&
		memcmp(t->centroid_codes, st->centroid_codes, (Size) lists * lane_bytes) == 0;
}

/* A twin of st (is_twin) among the states this backend holds, or NULL. */
static RuIvfState *
find_twin(const RuIvfState *st, bool floats)
{
	ListCell   *lc;

	for (int i = 0; i < state_cache_size; i++)
		if (is_twin(st, state_cache[i].state, floats))
			return state_cache[i].state;
	foreach(lc, uncached_states)
		if (is_twin(st, (RuIvfState *) lfirst(lc), floats))
			return (RuIvfState *) lfirst(lc);
	return NULL;
}

/* Read an index's read-only parts into a new state in its own context. */
static RuIvfState *
load_state(Relation index, const RuIvfMetaData *metap)
{
	RuIvfMetaData meta = *metap;
	MemoryContext cxt;
	MemoryContext old;
	RuIvfState *st;
	int			dim,
				lists;

	cxt = AllocSetContextCreate(TopMemoryContext, "ruivf index cache", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	dim = meta.dim;
	lists = meta.lists;
	st = palloc0(sizeof(RuIvfState));
	st->meta = meta;
	st->cxt = cxt;
	st->sq_m = palloc(sizeof(float) * dim * (meta.residual ? 4 : 2));
	st->sq_s = st->sq_m + dim;
	RuIvfReadFloats(index, meta.sq_start, (Size) dim * (meta.residual ? 4 : 2), st->sq_m);
	st->code_m = meta.residual ? st->sq_m + 2 * dim : st->sq_m;
	st->code_s = st->code_m + dim;
	st->centroid_bits = (RuIvfKeepsCentroids(&meta) && lists >= RUIVF_CENTROID_SQ4_MIN) ? 4 : 8;
	st->cen_m = st->sq_m;		/* no centroids: the query's operand only */
	st->cen_s = st->sq_s;
	if (lists > 0)
	{
		/*
		 * The float centroids are copied whole only where they are kept
		 * (below); otherwise they are read a slice at a time into
		 * `slice`, twice (their range, then their codes), so that a
		 * backend's first scan does not fault in and zero memory for all of
		 * them only to free it: 1.6 MB, 400 page faults, at 3,162 lists of
		 * 128 dimensions.
		 */
		bool		keep = RuIvfKeepsCentroids(&meta);
		int			per_slice = keep ? lists : Max(1, Min(lists, RUIVF_CENTROID_SLICE_FLOATS / dim));
		float	   *slice;

		RuIvfState *twin = NULL;

		if (keep)
		{
			st->centroids = palloc_extended(sizeof(float) * (Size) lists * dim, MCXT_ALLOC_HUGE);
			RuIvfReadFloats(index, meta.centroid_start, (Size) lists * dim, st->centroids);
			slice = st->centroids;
			twin = find_twin(st, true);
		}
		else
			slice = palloc(sizeof(float) * (Size) per_slice * dim);

		if (twin != NULL)
		{
			/* the same centroids: what is made from them, copied */
			int			npairs = (dim + 1) / 2;
			Size		lane_bytes = st->centroid_bits == 8 ? 2 * npairs : npairs;

			st->cen_m = palloc(sizeof(float) * dim * 2);
			st->cen_s = st->cen_m + dim;
			memcpy(st->cen_m, twin->cen_m, sizeof(float) * dim * 2);
			st->centroid_codes = palloc_extended((Size) lists * lane_bytes, MCXT_ALLOC_HUGE);
			memcpy(st->centroid_codes, twin->centroid_codes, (Size) lists * lane_bytes);
			st->centroid_factors = palloc(sizeof(float) * lists);
			memcpy(st->centroid_factors, twin->centroid_factors, sizeof(float) * lists);
			if (twin->centroid_sqnorm != NULL)
			{
				st->centroid_sqnorm = palloc(sizeof(float) * lists);
				memcpy(st->centroid_sqnorm, twin->centroid_sqnorm, sizeof(float) * lists);
			}
			st->centroid_set = twin->centroid_set;
			MemoryContextSwitchTo(old);
			return st;
		}

		/*
		 * The centroids coded like the vectors, as SoA blocks of
		 * RUIVF_CENTROID_GROUP lanes in pairs of dimensions: a scan orders
		 * its lists with the integer SQ8 kernel over a quarter of the bytes
		 * of the floats; an index that keeps its float centroids and has
		 * many lists with SQ4 codes, half of that again, and the floats for
		 * the nearest (RUIVF_CENTROID_SQ4_MIN).
		 */
		{
			int			npairs = (dim + 1) / 2;
			Size		lane_bytes = st->centroid_bits == 8 ? 2 * npairs : npairs;
			unsigned char *code = palloc0(dim + 1);	/* an odd last one pads with 0 */

			/*
			 * Their own code parameters (each dimension's range over the
			 * centroids): the data's, learned at the training, can miss
			 * centroids a split placed where the rows drifted since
			 * (ivftrain.c), whose codes would then clamp alike.
			 */
			float	   *hi = palloc(sizeof(float) * dim);

			if (meta.row_norm > 0.0f)
				st->centroid_sqnorm = palloc(sizeof(float) * lists);
			st->cen_m = palloc(sizeof(float) * dim * 2);
			st->cen_s = st->cen_m + dim;
			for (int c0 = 0; c0 < lists; c0 += per_slice)
			{
				int			n = Min(per_slice, lists - c0);

				if (!keep)
					read_centroids(index, &meta, c0, n, slice);
				for (int c = 0; c < n; c++)
				{
					const float *x = slice + (size_t) (keep ? c0 + c : c) * dim;

					for (int d = 0; d < dim; d++)
					{
						if (c0 + c == 0)
							st->cen_m[d] = hi[d] = x[d];
						st->cen_m[d] = x[d] < st->cen_m[d] ? x[d] : st->cen_m[d];
						hi[d] = x[d] > hi[d] ? x[d] : hi[d];
					}
					if (st->centroid_sqnorm != NULL)
						st->centroid_sqnorm[c0 + c] = rv_kernels.dot(x, x, dim);
				}
			}
			for (int d = 0; d < dim; d++)
				st->cen_s[d] = hi[d] > st->cen_m[d] ? (hi[d] - st->cen_m[d]) / 255.0f : 1.0f;
			pfree(hi);

			st->centroid_codes = palloc_extended((Size) lists * lane_bytes,
												 MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
			st->centroid_factors = palloc(sizeof(float) * lists);
			for (int c0 = 0; c0 < lists; c0 += per_slice)
			{
				int			n = Min(per_slice, lists - c0);

				if (!keep)
					read_centroids(index, &meta, c0, n, slice);
				for (int c = c0; c < c0 + n; c++)
				{
					int			g = c / RUIVF_CENTROID_GROUP;
					int			lane = c % RUIVF_CENTROID_GROUP;
					int			w = Min(RUIVF_CENTROID_GROUP, lists - g * RUIVF_CENTROID_GROUP);
					unsigned char *block = st->centroid_codes +
						(Size) g * RUIVF_CENTROID_GROUP * lane_bytes;

					st->centroid_factors[c] =
						RuIvfEncode(st->cen_m, st->cen_s, dim,
									slice + (Size) (keep ? c : c - c0) * dim,
									NULL, code, st->centroid_bits).factor;
					if (st->centroid_bits == 8)
						for (int d = 0; d < dim; d++)
							block[RuIvfCodePos(d, lane, w)] = code[d];
					else
						for (int p = 0; p < npairs; p++)
							block[RuIvfSq4Pos(p, lane, w)] =
								(unsigned char) (code[2 * p] | code[2 * p + 1] << 4);
				}
			}
			pfree(code);
		}

		/*
		 * The float centroids themselves only serve residual and binary codes
		 * here (the scan's per-list operand, the coding of an insert); otherwise an
		 * insert reads them again (RuIvfNearestList), and a backend that only
		 * scans does not hold them.
		 */
		if (!keep)
			pfree(slice);
		if (!keep)
			twin = find_twin(st, false);
		st->centroid_set = twin != NULL ? twin->centroid_set : ++centroid_sets;
	}
	MemoryContextSwitchTo(old);
	return st;
}

/*
 * The state of an index (its metapage, read now, and its cached floats),
 * held by the caller until RuIvfReleaseState.
 */
RuIvfState *
RuIvfGetState(Relation index)
{
	RuIvfMetaData meta;
	RuIvfCacheEntry *e = NULL;
	RuIvfState *st;

	if (!cache_callback_registered)
	{
		RegisterXactCallback(cache_xact_end, NULL);
		cache_callback_registered = true;
	}
	if (state_cache == NULL)
	{
		state_cache = MemoryContextAllocZero(TopMemoryContext,
											 sizeof(RuIvfCacheEntry) * RUIVF_CACHE_SIZE);
		state_cache_size = RUIVF_CACHE_SIZE;
	}
	RuIvfReadMeta(index, &meta);
	for (int i = 0; i < state_cache_size; i++)
	{
		if (state_cache[i].state != NULL && state_cache[i].relid == RelationGetRelid(index))
		{
			if (state_cache[i].build_id == meta.build_id)
			{
				/* the metapage never changes after the build */
				state_cache[i].state->refcount++;
				return state_cache[i].state;
			}
			e = &state_cache[i];	/* stale: reuse its slot */
			break;
		}
	}
	/* otherwise an empty slot, or the next one nobody holds */
	for (int n = 0; e == NULL && n < state_cache_size; n++)
	{
		RuIvfCacheEntry *c = &state_cache[state_cache_next];

		state_cache_next = (state_cache_next + 1) % state_cache_size;
		if (c->state == NULL || c->state->refcount == 0)
			e = c;
	}
	/* or, every slot held, a new one in a cache twice the size */
	if (e == NULL && state_cache_size < RUIVF_CACHE_MAX)
	{
		int			grown = Min(state_cache_size * 2, RUIVF_CACHE_MAX);

		state_cache = repalloc(state_cache, sizeof(RuIvfCacheEntry) * grown);
		memset(state_cache + state_cache_size, 0,
			   sizeof(RuIvfCacheEntry) * (grown - state_cache_size));
		e = &state_cache[state_cache_size];
		state_cache_next = (state_cache_size + 1) % grown;
		state_cache_size = grown;
	}

	elog(DEBUG2, "ruivf: reading the centroids and code parameters of index \"%s\"",
		 RelationGetRelationName(index));
	st = load_state(index, &meta);
	st->refcount = 1;
	if (e == NULL)
	{
		/* every slot is held: outside the cache, freed at its last release */
		keep_uncached(st);
		return st;
	}
	if (e->state != NULL)
	{
		if (e->state->refcount == 0)
			free_state(e->state);
		else
			keep_uncached(e->state);	/* stale but held: freed at its last release */
	}
	e->relid = RelationGetRelid(index);
	e->build_id = meta.build_id;
	e->state = st;
	return st;
}

/* Release a state RuIvfGetState returned. */
void
RuIvfReleaseState(RuIvfState *st)
{
	if (st == NULL || st->refcount <= 0)
		return;					/* holds were dropped at a transaction end */
	if (--st->refcount == 0 && list_member_ptr(uncached_states, st))
	{
		uncached_states = list_delete_ptr(uncached_states, st);
		free_state(st);
	}
}

/*
 * The maps of recent buffers are direct-mapped: block blkno's entry is
 * slot blkno mod RUIVF_RECENT_SLOTS (2^22: relations up to 32 GB have a
 * slot per block), in chunks of RUIVF_RECENT_CHUNK slots (4 kB) allocated
 * zeroed when a block of their range is first remembered.  A backend's
 * first query then touches a chunk for each range of 1,024 blocks it
 * reads, not a map the size of the relation: on a machine where a page
 * fault is dear (35 us on some VMs), zeroing a 4 MB map for a 5.6 GB table
 * cost a new connection's first query 15 ms.  Blocks of a larger relation
 * share slots; a slot naming another block's buffer costs only a miss,
 * since ReadRecentBuffer checks the buffer's tag, but a miss searches the
 * buffer mapping table: when a 1.4 GB index (10,000,000 x 128, SQ8) shared
 * slots for a third of its blocks, that search took a tenth of a query.
 */
#define RUIVF_RECENT_SLOTS		(1 << 22)
#define RUIVF_RECENT_CHUNK		1024

/* Remember that block blkno of a relation is in buffer buf (chunks made in cxt). */
static void
remember_buffer(MemoryContext cxt, RuIvfRecentMap *map, BlockNumber blkno, Buffer buf)
{
	uint32		slot = blkno & (RUIVF_RECENT_SLOTS - 1);
	uint32		c = slot / RUIVF_RECENT_CHUNK;

	if (c >= map->nchunks)
	{
		uint32		grow = Max(map->nchunks, 16);

		while (grow <= c)
			grow *= 2;
		if (map->chunks == NULL)
			map->chunks = MemoryContextAllocZero(cxt, sizeof(Buffer *) * grow);
		else
		{
			map->chunks = repalloc(map->chunks, sizeof(Buffer *) * grow);
			memset(map->chunks + map->nchunks, 0, sizeof(Buffer *) * (grow - map->nchunks));
		}
		map->nchunks = grow;
	}
	if (map->chunks[c] == NULL)
		map->chunks[c] = MemoryContextAllocZero(cxt, sizeof(Buffer) * RUIVF_RECENT_CHUNK);
	map->chunks[c][slot % RUIVF_RECENT_CHUNK] = buf;
}

/* Pin block blkno of rel from the buffer the map says it was in last, if it still is there. */
static Buffer
pin_recent(Relation rel, const RuIvfRecentMap *map, BlockNumber blkno)
{
	uint32		slot = blkno & (RUIVF_RECENT_SLOTS - 1);
	uint32		c = slot / RUIVF_RECENT_CHUNK;
	Buffer		buf;

	if (c >= map->nchunks || map->chunks[c] == NULL)
		return InvalidBuffer;
	buf = map->chunks[c][slot % RUIVF_RECENT_CHUNK];
	if (BufferIsValid(buf) && ReadRecentBuffer(rel->rd_node, MAIN_FORKNUM, blkno, buf))
		return buf;
	return InvalidBuffer;
}

/*
 * Pin block blkno of rel, trying first the buffer it was found in last time:
 * ReadRecentBuffer checks that buffer's tag instead of searching the buffer
 * mapping table, which otherwise costs a fifth of a ruivf query or more.
 */
static Buffer
read_buffer_recent(Relation rel, MemoryContext cxt, RuIvfRecentMap *map, BlockNumber blkno)
{
	Buffer		buf = pin_recent(rel, map, blkno);

	if (BufferIsValid(buf))
		return buf;
	buf = ReadBuffer(rel, blkno);
	remember_buffer(cxt, map, blkno, buf);
	return buf;
}

/*
 * Pin an index page only if that takes no I/O: from the buffer it was found
 * in last time (read_buffer_recent), else from the buffer the mapping table
 * names for it (PrefetchBuffer, which otherwise starts an asynchronous read
 * where the platform can).  InvalidBuffer when the page is not in shared
 * buffers.  For a pin taken while other pages are locked.
 */
Buffer
RuIvfPinIfCached(Relation index, RuIvfState *st, BlockNumber blkno)
{
	PrefetchBufferResult r;
	Buffer		buf;

	buf = pin_recent(index, &st->recent, blkno);
	if (BufferIsValid(buf))
		return buf;
	r = PrefetchBuffer(index, MAIN_FORKNUM, blkno);
	if (BufferIsValid(r.recent_buffer) &&
		ReadRecentBuffer(index->rd_node, MAIN_FORKNUM, blkno, r.recent_buffer))
	{
		remember_buffer(st->cxt, &st->recent, blkno, r.recent_buffer);
		return r.recent_buffer;
	}
	return InvalidBuffer;
}

/* Pin an index page (see read_buffer_recent), for a state of RuIvfGetState. */
Buffer
RuIvfReadBufferRecent(Relation index, RuIvfState *st, BlockNumber blkno)
{
	return read_buffer_recent(index, st->cxt, &st->recent, blkno);
}

/* Pin a page of the indexed table, likewise (the re-rank's heap fetches). */
Buffer
RuIvfReadHeapBufferRecent(Relation heap, RuIvfState *st, BlockNumber blkno)
{
	return read_buffer_recent(heap, st->cxt, &st->heap_recent, blkno);
}

/* Directory page and slot of a list's head entry. */
BlockNumber
RuIvfListDirBlock(const RuIvfMetaData *meta, int list, int *slot)
{
	*slot = list % RuIvfListsPerDirPage(meta);
	return meta->listdir_start + list / RuIvfListsPerDirPage(meta);
}

/* |x|, summed in double precision. */
double
RuIvfNorm(const float *x, int dim)
{
	double		sq = 0.0;

	for (int d = 0; d < dim; d++)
		sq += (double) x[d] * x[d];
	return sqrt(sq);
}

/* Scale x to unit length in place (left alone if zero). */
void
RuIvfNormalize(float *x, int dim)
{
	double		norm = RuIvfNorm(x, dim);

	if (norm > 0.0)
		for (int d = 0; d < dim; d++)
			x[d] = (float) (x[d] / norm);
}

/* The vector as the index codes it: a unit vector for cosine, else as is. */
void
RuIvfPrepareVector(RuIvfMetric metric, const float *in, int dim, float *out)
{
	memcpy(out, in, sizeof(float) * dim);
	if (metric == RUIVF_METRIC_COSINE)
		RuIvfNormalize(out, dim);
}

/*
 * Encode a prepared vector, or its residual x - center when center is not
 * NULL, with `bits` per dimension and parameters m, s (SQ8: k_d in 0..255,
 * x'_d = m_d + s_d k_d; SQ4: k_d in 0..15, x'_d = m_d + 17 s_d k_d), one
 * code per byte of code[]; returns its factor sum_d (x'_d - m_d)^2 and its
 * coding error |x - x'| (of the residual: the same), rounded up (a value
 * outside the parameters' range is clamped, and the error says by how
 * much).
 */
RuIvfLaneFactors
RuIvfEncode(const float *m, const float *s, int dim, const float *x, const float *center,
			unsigned char *code, int bits)
{
	double		factor = 0.0,
				err = 0.0;
	float		cmax = (float) RuIvfCodeMax(bits);
	float		mult = bits == 4 ? (float) RUIVF_SQ4_STEP : 1.0f;
	RuIvfLaneFactors f;

	sq_codes(m, s, mult, cmax, dim, x, center, code);
	for (int d = 0; d < dim; d++)
	{
		float		xd = center ? x[d] - center[d] : x[d];
		float		step = s[d] * mult;
		double		decoded;

		factor += (double) (step * code[d]) * (step * code[d]);
		decoded = (double) m[d] + (double) step * code[d];
		err += (xd - decoded) * (xd - decoded);
	}
	f.factor = (float) factor;
	f.err = (float) (sqrt(err) * (1.0 + 1e-6));
	return f;
}

/*
 * The binary code (bits = 1, rabitq.h) of a prepared vector x in the list
 * of centroid `center` (NULL: the origin, an index without centroids), one
 * bit per byte of code[]; work holds dim floats.
 */
RuIvfLaneFactors
RuIvfEncodeBits(const float *x, const float *center, int dim, uint64 seed, unsigned char *code,
				float *work)
{
	RvRabitqFactors rf;
	RuIvfLaneFactors f;
	double		sq = 0.0;

	rv_rabitq_encode(x, center, dim, seed, code, &rf, work);
	for (int d = 0; d < dim; d++)
		sq += (double) x[d] * x[d];
	f.factor = rf.norm;
	f.err = rf.ip;
	f.popcount = (float) rf.popcount;
	f.sqnorm = (float) sq;
	return f;
}

/* Encode a prepared vector as a lane of `list` (around its centroid if residual). */
RuIvfLaneFactors
RuIvfEncodeForList(const RuIvfState *st, const float *x, int list, unsigned char *code)
{
	const float *center = RuIvfKeepsCentroids(&st->meta)
		? st->centroids + (Size) list * st->meta.dim : NULL;

	if (st->meta.bits == 1)
	{
		float	   *work = palloc(sizeof(float) * st->meta.dim);
		RuIvfLaneFactors f = RuIvfEncodeBits(x, center, st->meta.dim, st->meta.rotation_seed,
											 code, work);

		pfree(work);
		return f;
	}
	return RuIvfEncode(st->code_m, st->code_s, st->meta.dim, x, center, code, st->meta.bits);
}

/*
 * Squared L2 distance from a prepared vector to every centroid, for every
 * metric: the build assigns rows to lists by L2 (RuIvfAssignNearest, after
 * k-means), so an insert must too, or a row would land in another list
 * than the same row built (for cosine, whose vectors and centroids are
 * unit, L2 and inner product agree; for inner product they do not).
 * The centroids in chunks are made at the first call (an insert's), from
 * the index's pages when the state does not keep the float centroids
 * (RuIvfGetState): a backend that only scans never holds them.
 */
void
RuIvfCentroidDistances(Relation index, RuIvfState *st, const float *x, float *out)
{
	int			lists = st->meta.lists;
	int			dim = st->meta.dim;

	if (st->centroid_chunks == NULL)
	{
		const float *rows = st->centroids;
		float	   *read = NULL;

		if (rows == NULL)
		{
			read = palloc_extended(sizeof(float) * (Size) lists * dim, MCXT_ALLOC_HUGE);
			RuIvfReadFloats(index, st->meta.centroid_start, (Size) lists * dim, read);
			rows = read;
		}
		st->centroid_chunks = MemoryContextAllocHuge(st->cxt, sizeof(float) * (Size) lists * dim);
		RuIvfCentroidChunks(rows, lists, dim, st->centroid_chunks);
		if (read)
			pfree(read);
	}

	/* chunk by chunk: each is one contiguous stream for the kernel */
	for (int c0 = 0; c0 < lists; c0 += RUIVF_CHUNK)
	{
		int			w = Min(RUIVF_CHUNK, lists - c0);
		const float *chunk = st->centroid_chunks + (Size) c0 * dim;

		rv_kernels.l2sq_batch(x, chunk, dim, w, out + c0);
	}
}

/*
 * bits = 1: list's centroid rotated as binary codes are (P^T c, rabitq.h,
 * in double precision, dim doubles), so that a scan prepares its query for
 * the list with one subtraction per dimension.  Made the first time a scan
 * of this backend asks for it and kept with the index state: a backend (or
 * a parallel worker, which starts with nothing cached) pays only for the
 * lists it reads.  An index without centroids has one list, at the origin.
 */
const double *
RuIvfRotatedCentroid(RuIvfState *st, int list)
{
	int			dim = st->meta.dim;
	int			lists = Max(st->meta.lists, 1);
	double	   *r;

	Assert(st->meta.bits == 1);
	if (st->centroids_rot == NULL)
	{
		/*
		 * Zeroed only for an index without centroids (its one list's is 0):
		 * a list is made when first read (centroid_rotated), and zeroing
		 * all of them would touch every page of the array up front (8
		 * partitions of 250 lists of 784 dimensions: 12 MB, some 3,000
		 * page faults in a connection's first query).
		 */
		st->centroids_rot = MemoryContextAllocExtended(st->cxt, sizeof(double) * (Size) lists * dim,
													   MCXT_ALLOC_HUGE |
													   (st->meta.lists == 0 ? MCXT_ALLOC_ZERO : 0));
		st->centroid_rotated = MemoryContextAllocZero(st->cxt, sizeof(bool) * lists);
	}
	if (st->meta.lists == 0)
		return st->centroids_rot;	/* zeros */
	r = st->centroids_rot + (Size) list * dim;
	if (!st->centroid_rotated[list])
	{
		/* a twin's (find_twin: the same centroids and rotation), or made now */
		for (int i = 0; i < state_cache_size; i++)
		{
			const RuIvfState *t = state_cache[i].state;

			if (t != NULL && t != st && t->centroid_set == st->centroid_set &&
				same_list_shape(st, t) && t->centroid_rotated != NULL &&
				t->centroid_rotated[list])
			{
				memcpy(r, t->centroids_rot + (Size) list * dim, sizeof(double) * dim);
				st->centroid_rotated[list] = true;
				return r;
			}
		}
		for (int d = 0; d < dim; d++)
			r[d] = st->centroids[(Size) list * dim + d];
		rv_rabitq_rotate_f64(r, r, dim, st->meta.rotation_seed);
		st->centroid_rotated[list] = true;
	}
	return r;
}

/* The list a prepared vector belongs to (0 when the index has no centroids). */
int
RuIvfNearestList(Relation index, RuIvfState *st, const float *x)
{
	int			lists = st->meta.lists;
	float	   *dist;
	int			best = 0;

	if (lists == 0)
		return 0;
	dist = palloc(sizeof(float) * lists);
	RuIvfCentroidDistances(index, st, x, dist);
	for (int c = 1; c < lists; c++)
		if (dist[c] < dist[best])
			best = c;
	pfree(dist);
	return best;
}

/* The codes of a data page (its dimension range, all lanes). */
unsigned char *
RuIvfPageCodes(Page page)
{
	return (unsigned char *) page + RUIVF_CODES_OFFSET;
}

/* The TIDs of a block, on its first page after the codes. */
ItemPointerData *
RuIvfPageTids(Page page, const RuIvfMetaData *meta)
{
	return (ItemPointerData *) ((char *) page + RUIVF_CODES_OFFSET + RuIvfPageCodeBytes(meta));
}

/*
 * The lanes' factors of a block, on its first page after the TIDs: two
 * floats a lane (SQ8, SQ4) or four (bits = 1); ivf.h.
 */
char *
RuIvfPageFactorArea(Page page, const RuIvfMetaData *meta)
{
	return (char *) (RuIvfPageTids(page, meta) + meta->lanes);
}

/* A lane's factors (see RuIvfPageFactorArea). */
RuIvfLaneFactors
RuIvfGetFactors(Page page, const RuIvfMetaData *meta, int lane)
{
	const char *p = RuIvfPageFactorArea(page, meta) + (Size) lane * RuIvfFactorBytes(meta->bits);
	RuIvfLaneFactors f = {0};

	memcpy(&f, p, RuIvfFactorBytes(meta->bits));
	return f;
}

/* Store a lane's factors (see RuIvfPageFactorArea). */
void
RuIvfSetFactors(Page page, const RuIvfMetaData *meta, int lane, const RuIvfLaneFactors *f)
{
	char	   *p = RuIvfPageFactorArea(page, meta) + (Size) lane * RuIvfFactorBytes(meta->bits);

	memcpy(p, f, RuIvfFactorBytes(meta->bits));
}

/*
 * Move lane `from`'s codes to lane `to` on one page of a block (VACUUM's
 * compaction; the TIDs and factors are the caller's).
 */
void
RuIvfMoveLanePage(Page page, const RuIvfMetaData *meta, int from, int to)
{
	unsigned char *codes = RuIvfPageCodes(page);
	int			B = meta->lanes;

	if (meta->bits == 1)
	{
		Size		ng = RuIvfBitGroups(meta->dim);
		int			fs = RuIvfBitShift(from),
					ts = RuIvfBitShift(to);

		for (Size g = 0; g < ng; g++)
		{
			unsigned char *t = &codes[RuIvfBitByte(g, to, ng)];
			unsigned	n = (codes[RuIvfBitByte(g, from, ng)] >> fs) & 15;

			*t = (unsigned char) ((*t & ~(15 << ts)) | n << ts);
		}
	}
	else if (meta->bits == 4)
		for (int p = 0; p < meta->dims_per_page / 2; p++)
			codes[RuIvfSq4Pos(p, to, B)] = codes[RuIvfSq4Pos(p, from, B)];
	else
		for (int d = 0; d < meta->dims_per_page; d++)
			codes[RuIvfCodePos(d, to, B)] = codes[RuIvfCodePos(d, from, B)];
}

/* Write one lane's code into the pages of a block (not its TID). */
void
RuIvfWriteLane(Page *pages, const RuIvfMetaData *meta, int lane, const unsigned char *code)
{
	for (int k = 0; k < meta->pages_per_block; k++)
		RuIvfWriteLanePage(pages[k], meta, k, lane, code);
}

/* Write one lane's code chunk into page k of a block. */
void
RuIvfWriteLanePage(Page page, const RuIvfMetaData *meta, int k, int lane,
				   const unsigned char *code)
{
	unsigned char *codes = RuIvfPageCodes(page);
	int			d0 = k * meta->dims_per_page;
	int			d1 = Min(meta->dim, d0 + meta->dims_per_page);

	if (meta->bits == 1)
	{
		Size		ng = RuIvfBitGroups(meta->dim);
		int			sh = RuIvfBitShift(lane);

		for (Size g = 0; g < ng; g++)
		{
			unsigned char *t = &codes[RuIvfBitByte(g, lane, ng)];
			unsigned	n = 0;

			for (int j = 0; j < 4 && (int) g * 4 + j < meta->dim; j++)
				n |= (unsigned) (code[g * 4 + j] & 1) << j;
			*t = (unsigned char) ((*t & ~(15 << sh)) | n << sh);
		}
		return;
	}
	if (meta->bits == 4)
	{
		for (int d = d0; d < d1; d += 2)
			codes[RuIvfSq4Pos((d - d0) / 2, lane, meta->lanes)] =
				(unsigned char) (code[d] | (d + 1 < d1 ? code[d + 1] << 4 : 0));
		return;
	}
	for (int d = d0; d < d1; d++)
		codes[RuIvfCodePos(d - d0, lane, meta->lanes)] = code[d];
	if ((d1 - d0) & 1)
		codes[RuIvfCodePos(d1 - d0, lane, meta->lanes)] = 0;	/* pad the last pair */
}

/*
 * Read one lane's code from page k of a block into code[] (the inverse of
 * RuIvfWriteLanePage: one value per byte, for the dimensions of page k).
 */
void
RuIvfReadLanePage(Page page, const RuIvfMetaData *meta, int k, int lane, unsigned char *code)
{
	const unsigned char *codes = RuIvfPageCodes(page);
	int			d0 = k * meta->dims_per_page;
	int			d1 = Min(meta->dim, d0 + meta->dims_per_page);

	if (meta->bits == 1)
	{
		Size		ng = RuIvfBitGroups(meta->dim);
		int			sh = RuIvfBitShift(lane);

		for (Size g = 0; g < ng; g++)
		{
			unsigned	n = (codes[RuIvfBitByte(g, lane, ng)] >> sh) & 15;

			for (int j = 0; j < 4 && (int) g * 4 + j < meta->dim; j++)
				code[g * 4 + j] = (unsigned char) ((n >> j) & 1);
		}
		return;
	}
	if (meta->bits == 4)
	{
		for (int d = d0; d < d1; d += 2)
		{
			unsigned char b = codes[RuIvfSq4Pos((d - d0) / 2, lane, meta->lanes)];

			code[d] = b & 15;
			if (d + 1 < d1)
				code[d + 1] = b >> 4;
		}
		return;
	}
	for (int d = d0; d < d1; d++)
		code[d] = codes[RuIvfCodePos(d - d0, lane, meta->lanes)];
}

/*
 * Open a ruivf index for an SQL function `func` that reads its metapage
 * (AccessShareLock): another kind of relation is an error with a hint.
 */
Relation
RuIvfOpenForInfo(Oid indexoid, const char *func)
{
	Relation	index = index_open(indexoid, AccessShareLock);

	if (index->rd_indam == NULL || index->rd_indam->ambuild != ruivfbuild)
	{
		char	   *name = pstrdup(RelationGetRelationName(index));

		index_close(index, AccessShareLock);
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a ruivf index", name),
				 errhint("Pass an index created with USING ruivf.")));
	}
	RuIvfRequireStorage(index, func);
	return index;
}

PG_FUNCTION_INFO_V1(ruvector_index_info);

/*
 * ruvector_index_info(index): what a ruivf index's metapage says (format
 * version, dimensions, metric, lists, bits per code, block geometry, re-rank
 * representation, trainings so far, rows: those the lists were trained with
 * plus those inserted since, counted in batches and set exact by VACUUM)
 * and its size in pages; from 0.4.0's SQL on, also the rows' one norm of
 * an inner-product index that orders its lists by it (on-disk version 7)
 * and the training's residual VACUUM measures drift against (version 8),
 * each NULL where the index keeps none.  The columns are those the
 * caller's definition has: 0.3.0's, until ALTER EXTENSION UPDATE.
 */
Datum
ruvector_index_info(PG_FUNCTION_ARGS)
{
	Oid			indexoid = PG_GETARG_OID(0);
	Relation	index;
	RuIvfMetaData meta;
	TupleDesc	desc;
	Datum		values[15];
	bool		nulls[15] = {0};
	BlockNumber npages;
	static const char *metrics[] = {"?", "l2", "inner product", "cosine", "l1"};

	StaticAssertStmt(lengthof(metrics) == RUIVF_METRIC_MAX + 1, "a name for every metric");

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (desc->natts != 13 && desc->natts != lengthof(values))
		elog(ERROR, "ruvector_index_info: unexpected %d result columns", desc->natts);
	index = RuIvfOpenForInfo(indexoid, "ruvector_index_info");
	RuIvfReadMeta(index, &meta);
	npages = RelationGetNumberOfBlocks(index);
	index_close(index, AccessShareLock);

	values[0] = Int32GetDatum((int32) meta.version);
	values[1] = Int32GetDatum(meta.dim);
	values[2] = CStringGetTextDatum(metrics[(meta.metric >= 1 && meta.metric <= RUIVF_METRIC_MAX) ? meta.metric : 0]);
	values[3] = Int32GetDatum(meta.lists);
	values[4] = Int32GetDatum(meta.bits);
	values[5] = Int32GetDatum(meta.lanes);
	values[6] = Int32GetDatum(meta.dims_per_page);
	values[7] = Int32GetDatum(meta.pages_per_block);
	values[8] = Int32GetDatum(meta.vec_pages_per_block);
	values[9] = CStringGetTextDatum(meta.rerank == RUIVF_RERANK_INDEX ? "index" : "heap");
	values[10] = Int64GetDatum((int64) npages);
	values[11] = Int32GetDatum(meta.generation);
	values[12] = Int64GetDatum((int64) Max(0.0, meta.trained_rows + meta.inserted));
	values[13] = Float4GetDatum(meta.row_norm);
	nulls[13] = !(meta.version >= 7 && meta.row_norm > 0.0f);
	values[14] = Float4GetDatum(meta.trained_residual);
	nulls[14] = !(meta.version >= 8 && meta.trained_residual > 0.0f);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
