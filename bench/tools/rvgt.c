/*-------------------------------------------------------------------------
 *
 * rvgt.c
 *	  Exact ground truth for the benchmark, and recall of a result list
 *	  against it.  Distances come from the project's own kernels
 *	  (src/simd), at the best level this CPU supports, on all cores.
 *
 *	rvgt [--threads T] [--level scalar|avx2|avx512] --base B.fvecs
 *		 --query Q.fvecs --metric l2|ip|cosine [--nq N] [--k K]
 *		 [--filter-mod M --filter-lt T] -o PREFIX
 *		For each of the first N queries (default all), the K (default 100)
 *		nearest base vectors, nearest first: PREFIX.ivecs holds their ids
 *		(1-based: base vector i has id i + 1, as the tables do) and
 *		PREFIX.fvecs their distances.  With a filter only base rows whose
 *		id % M < T count (the filtered workload's "cat < T" with
 *		cat = id % 1000), so a query may have fewer than K neighbours.
 *		Ties are broken by the smaller id.
 *
 *	rvgt eval [--level L] --base B.fvecs --query Q.fvecs --metric M
 *		 --gt PREFIX --k K [--filter-mod M --filter-lt T] RESULTS
 *		RESULTS has one line per query: "<query id> <id> <id> ...", the ids
 *		a search returned, in order.  Prints one JSON object: the mean
 *		recall@K and more (below).
 *
 * Recall@K of one query: of the first K ids returned, the number that are
 * true neighbours, divided by min(K, number of rows that pass the filter).
 * A returned id counts when it is a valid, distinct, filter-passing row
 * whose distance is no more than the K-th true distance (plus a relative
 * 1e-5, for rounding): a row that ties with the K-th neighbour is as right
 * as the one the ground truth happened to keep.
 *
 * Distances are the kernels' quantities: l2 = squared L2 (same order as
 * <->), ip = -dot (<#>), cosine = 1 - cos (<=>).  NaN (cosine of a zero
 * vector) ranks last.
 *
 * bench/tools/rvgt.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <pthread.h>

#include "fvecs.h"
#include "kernels.h"

typedef enum Metric
{
	METRIC_L2,
	METRIC_IP,
	METRIC_COSINE
} Metric;

typedef struct Options
{
	const char *base;
	const char *query;
	const char *out;
	const char *gt;
	const char *results;
	Metric		metric;
	int			have_metric;
	long		nq;
	long		k;
	long		filter_mod;
	long		filter_lt;
	long		threads;
	int			level;			/* -1: best */
} Options;

static RvKernels K;

static inline float
distance(Metric m, const float *a, const float *b, size_t dim)
{
	float		d;

	switch (m)
	{
		case METRIC_L2:
			d = K.l2sq(a, b, dim);
			break;
		case METRIC_IP:
			d = -K.dot(a, b, dim);
			break;
		default:
			d = K.cosine(a, b, dim);
			break;
	}
	return isnan(d) ? INFINITY : d;
}

static inline int
passes(const Options *o, size_t id)
{
	return o->filter_mod <= 0 || (long) (id % (size_t) o->filter_mod) < o->filter_lt;
}

/* ---- top-k heaps ------------------------------------------------------- */

typedef struct Nb
{
	float		d;
	int32_t		id;
} Nb;

/* a is worse (farther) than b */
static inline int
worse(Nb a, Nb b)
{
	return a.d > b.d || (a.d == b.d && a.id > b.id);
}

/* max-heap of the k best so far: the worst on top */
static inline void
heap_push(Nb *h, int *cnt, int k, Nb x)
{
	int			i;

	if (*cnt < k)
	{
		i = (*cnt)++;
		while (i > 0 && worse(x, h[(i - 1) / 2]))
		{
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h[i] = x;
		return;
	}
	if (!worse(h[0], x))
		return;
	i = 0;
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i;
		Nb			top = x;

		if (l < k && worse(h[l], top))
		{
			m = l;
			top = h[l];
		}
		if (r < k && worse(h[r], top))
			m = r;
		if (m == i)
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = x;
}

static int
cmp_nb(const void *a, const void *b)
{
	Nb			x = *(const Nb *) a,
				y = *(const Nb *) b;

	return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

/* ---- ground truth ------------------------------------------------------ */

typedef struct GtJob
{
	const Options *o;
	const Vecs *base;
	const Vecs *query;
	long		q0,
				q1;				/* queries [q0, q1) */
	Nb		   *heaps;			/* nq x k */
	int		   *counts;			/* nq */
	int			report;			/* print progress */
} GtJob;

static void *
gt_worker(void *arg)
{
	GtJob	   *j = arg;
	const Options *o = j->o;
	size_t		dim = (size_t) j->base->dim;
	size_t		n = j->base->n;
	size_t		block = (256u << 10) / (4 * dim + 4);
	Progress	pg = {0};

	if (block < 1)
		block = 1;
	if (j->report)
		progress_start(&pg, "ground truth (rows, first thread)", n);
	for (size_t b0 = 0; b0 < n; b0 += block)
	{
		size_t		b1 = b0 + block < n ? b0 + block : n;

		for (long q = j->q0; q < j->q1; q++)
		{
			const float *qv = vecs_row(j->query, q);
			Nb		   *h = j->heaps + (size_t) q * o->k;
			int		   *cnt = j->counts + q;

			for (size_t i = b0; i < b1; i++)
			{
				Nb			x;

				if (!passes(o, i + 1))
					continue;
				x.d = distance(o->metric, qv, vecs_row(j->base, i), dim);
				x.id = (int32_t) (i + 1);
				heap_push(h, cnt, (int) o->k, x);
			}
		}
		if (j->report)
			progress_update(&pg, b1);
	}
	if (j->report)
		progress_done(&pg);
	return NULL;
}

static void
write_all(FILE *f, const void *p, size_t n, const char *path)
{
	if (fwrite(p, 1, n, f) != n)
		die("%s: write failed: %s", path, strerror(errno));
}

static int
cmd_gt(Options *o)
{
	Vecs		base,
				query;
	Nb		   *heaps;
	int		   *counts;
	pthread_t  *tid;
	GtJob	   *jobs;
	double		t0 = now_s();
	char	   *ipath,
			   *fpath,
			   *itmp,
			   *ftmp;
	FILE	   *fi,
			   *ff;
	size_t		plen;

	if (!o->base || !o->query || !o->have_metric || !o->out)
		die("--base, --query, --metric and -o are required");
	vecs_open_uniform(&base, o->base);
	vecs_open_uniform(&query, o->query);
	if (base.dim != query.dim)
		die("base has %d dimensions, queries %d", base.dim, query.dim);
	if (base.n > 2147483647UL)
		die("too many base rows");
	if (o->nq < 0 || (size_t) o->nq > query.n)
		o->nq = (long) query.n;
	if (o->threads > o->nq)
		o->threads = o->nq > 0 ? o->nq : 1;

	heaps = xmalloc(sizeof(Nb) * o->nq * o->k);
	counts = xmalloc(sizeof(int) * o->nq);
	memset(counts, 0, sizeof(int) * o->nq);
	tid = xmalloc(sizeof(pthread_t) * o->threads);
	jobs = xmalloc(sizeof(GtJob) * o->threads);
	fprintf(stderr, "rvgt: %ld queries x %zu rows x %d dims, %s, k=%ld%s, %s kernels, %ld threads\n",
			o->nq, base.n, base.dim,
			o->metric == METRIC_L2 ? "l2" : o->metric == METRIC_IP ? "ip" : "cosine", o->k,
			o->filter_mod > 0 ? ", filtered" : "", rv_simd_level_name(K.level), o->threads);
	for (long t = 0; t < o->threads; t++)
	{
		jobs[t] = (GtJob) {
			o, &base, &query, o->nq * t / o->threads, o->nq * (t + 1) / o->threads,
			heaps, counts, t == 0 && base.n >= 100000
		};
		if (pthread_create(&tid[t], NULL, gt_worker, &jobs[t]) != 0)
			die("pthread_create failed");
	}
	for (long t = 0; t < o->threads; t++)
		pthread_join(tid[t], NULL);

	plen = strlen(o->out) + 16;
	ipath = xmalloc(plen);
	fpath = xmalloc(plen);
	itmp = xmalloc(plen);
	ftmp = xmalloc(plen);
	snprintf(ipath, plen, "%s.ivecs", o->out);
	snprintf(fpath, plen, "%s.fvecs", o->out);
	snprintf(itmp, plen, "%s.ivecs.tmp", o->out);
	snprintf(ftmp, plen, "%s.fvecs.tmp", o->out);
	fi = fopen(itmp, "wb");
	ff = fopen(ftmp, "wb");
	if (!fi || !ff)
		die("%s: %s", o->out, strerror(errno));
	for (long q = 0; q < o->nq; q++)
	{
		Nb		   *h = heaps + (size_t) q * o->k;
		int32_t		c = counts[q];

		qsort(h, c, sizeof(Nb), cmp_nb);
		write_all(fi, &c, 4, itmp);
		write_all(ff, &c, 4, ftmp);
		for (int i = 0; i < c; i++)
		{
			write_all(fi, &h[i].id, 4, itmp);
			write_all(ff, &h[i].d, 4, ftmp);
		}
	}
	if (fclose(fi) != 0 || fclose(ff) != 0)
		die("%s: write failed: %s", o->out, strerror(errno));
	if (rename(itmp, ipath) != 0 || rename(ftmp, fpath) != 0)
		die("%s: rename: %s", o->out, strerror(errno));
	fprintf(stderr, "rvgt: ground truth in %.1f s -> %s.{ivecs,fvecs}\n", now_s() - t0, o->out);
	vecs_close(&base);
	vecs_close(&query);
	return 0;
}

/* ---- eval -------------------------------------------------------------- */

/* Offsets of each vector in a (ragged) ivecs/fvecs file. */
static size_t *
index_ragged(const Vecs *v, size_t *count)
{
	size_t		cap = 1024,
				n = 0,
				off = 0;
	size_t	   *idx = xmalloc(sizeof(size_t) * cap);

	while (off < v->size)
	{
		int32_t		c;

		if (off + 4 > v->size)
			die("%s: truncated", v->path);
		memcpy(&c, v->map + off, 4);
		if (c < 0 || off + 4 + 4 * (size_t) c > v->size)
			die("%s: bad record %zu", v->path, n + 1);
		if (n == cap)
		{
			cap *= 2;
			idx = realloc(idx, sizeof(size_t) * cap);
			if (!idx)
				die("out of memory");
		}
		idx[n++] = off;
		off += 4 + 4 * (size_t) c;
	}
	*count = n;
	return idx;
}

static int
cmd_eval(Options *o)
{
	Vecs		base,
				query,
				gti,
				gtf;
	size_t	   *ioff,
			   *foff,
				ngt,
				ngtf;
	char	   *ipath,
			   *fpath;
	size_t		plen;
	FILE	   *rf;
	char	   *line = NULL;
	size_t		linecap = 0;
	long		nlines = 0,
				perfect = 0,
				bad_ids = 0,
				filter_violations = 0,
				duplicates = 0,
				short_answers = 0;
	double		sum_recall = 0,
				min_recall = 1,
				sum_rows = 0,
				sum_expected = 0;
	int32_t    *ids;

	if (!o->base || !o->query || !o->have_metric || !o->gt || !o->results)
		die("eval: --base, --query, --metric, --gt and a results file are required");
	vecs_open_uniform(&base, o->base);
	vecs_open_uniform(&query, o->query);
	if (base.dim != query.dim)
		die("base has %d dimensions, queries %d", base.dim, query.dim);
	plen = strlen(o->gt) + 16;
	ipath = xmalloc(plen);
	fpath = xmalloc(plen);
	snprintf(ipath, plen, "%s.ivecs", o->gt);
	snprintf(fpath, plen, "%s.fvecs", o->gt);
	vecs_open(&gti, ipath);
	vecs_open(&gtf, fpath);
	ioff = index_ragged(&gti, &ngt);
	foff = index_ragged(&gtf, &ngtf);
	if (ngt != ngtf)
		die("%s and %s disagree", ipath, fpath);
	ids = xmalloc(sizeof(int32_t) * (o->k + 1));

	rf = strcmp(o->results, "-") == 0 ? stdin : fopen(o->results, "r");
	if (rf == NULL)
		die("%s: %s", o->results, strerror(errno));
	while (getline(&line, &linecap, rf) >= 0)
	{
		char	   *p = line,
				   *end;
		long		qid,
					nret = 0,
					nids = 0,
					hits = 0,
					need;
		int32_t		gcount;
		const int32_t *gid;
		const float *gd;
		float		thresh,
					tol;
		double		r;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n' || *p == '\0' || *p == '#')
			continue;
		qid = strtol(p, &end, 10);
		if (end == p || qid < 1 || (size_t) qid > ngt || (size_t) qid > query.n)
			die("%s: query id \"%.20s\" is not in the ground truth (1..%zu)", o->results, p, ngt);
		p = end;
		for (;;)
		{
			long		id = strtol(p, &end, 10);

			if (end == p)
				break;
			p = end;
			nret++;
			if (nids < o->k)
				ids[nids++] = (int32_t) (id >= 1 && (size_t) id <= base.n ? id : 0);
			if (id < 1 || (size_t) id > base.n)
				bad_ids++;
		}
		memcpy(&gcount, gti.map + ioff[qid - 1], 4);
		gid = (const int32_t *) (gti.map + ioff[qid - 1] + 4);
		gd = (const float *) (gtf.map + foff[qid - 1] + 4);
		(void) gid;
		need = gcount < o->k ? gcount : o->k;
		thresh = need > 0 ? gd[need - 1] : 0;
		tol = 1e-5f * fabsf(thresh) + 1e-6f;
		for (long i = 0; i < nids; i++)
		{
			int			dup = 0;

			if (ids[i] == 0)
				continue;
			for (long j = 0; j < i; j++)
				if (ids[j] == ids[i])
					dup = 1;
			if (dup)
			{
				duplicates++;
				continue;
			}
			if (!passes(o, (size_t) ids[i]))
			{
				filter_violations++;
				continue;
			}
			if (distance(o->metric, vecs_row(&query, qid - 1), vecs_row(&base, ids[i] - 1),
						 (size_t) base.dim) <= thresh + tol)
				hits++;
		}
		if (hits > need)
			hits = need;
		if (nids < need)
			short_answers++;
		r = need > 0 ? (double) hits / need : 1.0;
		sum_recall += r;
		if (r < min_recall)
			min_recall = r;
		if (r >= 1.0)
			perfect++;
		sum_rows += nret;
		sum_expected += need;
		nlines++;
	}
	if (rf != stdin)
		fclose(rf);
	if (nlines == 0)
		die("%s: no results", o->results);
	printf("{\"queries\": %ld, \"k\": %ld, \"recall\": %.6f, \"min_recall\": %.6f, "
		   "\"perfect_queries\": %ld, \"rows_mean\": %.4f, \"expected_rows_mean\": %.4f, "
		   "\"short_answers\": %ld, \"bad_ids\": %ld, \"duplicates\": %ld, "
		   "\"filter_violations\": %ld, \"level\": \"%s\"}\n",
		   nlines, o->k, sum_recall / nlines, min_recall, perfect, sum_rows / nlines,
		   sum_expected / nlines, short_answers, bad_ids, duplicates, filter_violations,
		   rv_simd_level_name(K.level));
	free(line);
	free(ids);
	return 0;
}

int
main(int argc, char **argv)
{
	Options		o = {0};
	int			eval = 0;
	RvSimdLevel level;

	progname = "rvgt";
	o.nq = -1;
	o.k = 100;
	o.threads = sysconf(_SC_NPROCESSORS_ONLN);
	o.level = -1;
	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (i == 1 && strcmp(a, "eval") == 0)
		{
			eval = 1;
			continue;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0)
		{
			if (!eval || o.results)
				die("unexpected argument %s", a);
			o.results = a;
			continue;
		}
		if (v == NULL)
			die("%s needs a value", a);
		i++;
		if (strcmp(a, "--base") == 0)
			o.base = v;
		else if (strcmp(a, "--query") == 0)
			o.query = v;
		else if (strcmp(a, "-o") == 0)
			o.out = v;
		else if (strcmp(a, "--gt") == 0)
			o.gt = v;
		else if (strcmp(a, "--metric") == 0)
		{
			o.have_metric = 1;
			if (strcmp(v, "l2") == 0)
				o.metric = METRIC_L2;
			else if (strcmp(v, "ip") == 0)
				o.metric = METRIC_IP;
			else if (strcmp(v, "cosine") == 0)
				o.metric = METRIC_COSINE;
			else
				die("--metric: l2, ip or cosine, not %s", v);
		}
		else if (strcmp(a, "--nq") == 0)
			o.nq = parse_long(a, v, 0, 2000000000L);
		else if (strcmp(a, "--k") == 0)
			o.k = parse_long(a, v, 1, 100000);
		else if (strcmp(a, "--filter-mod") == 0)
			o.filter_mod = parse_long(a, v, 1, 2000000000L);
		else if (strcmp(a, "--filter-lt") == 0)
			o.filter_lt = parse_long(a, v, 0, 2000000000L);
		else if (strcmp(a, "--threads") == 0)
			o.threads = parse_long(a, v, 1, 4096);
		else if (strcmp(a, "--level") == 0)
		{
			for (int l = 0; l < RV_SIMD_NLEVELS; l++)
				if (strcmp(v, rv_simd_level_name((RvSimdLevel) l)) == 0)
					o.level = l;
			if (o.level < 0)
				die("--level: scalar, avx2 or avx512, not %s", v);
		}
		else
			die("unknown option %s (see the comment at the top of bench/tools/rvgt.c)", a);
	}
	if (o.threads < 1)
		o.threads = 1;

	level = o.level >= 0 ? (RvSimdLevel) o.level : rv_cpu_best_level();
	if (!rv_cpu_supports(level))
		die("this CPU does not support %s", rv_simd_level_name(level));
	if (!rv_kernels_for_level(level, &K))
		die("%s kernels are not compiled in", rv_simd_level_name(level));
	return eval ? cmd_eval(&o) : cmd_gt(&o);
}
