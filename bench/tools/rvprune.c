/*-------------------------------------------------------------------------
 *
 * rvprune.c
 *	  How many candidates a first pass must leave to an exact distance: the
 *	  1-bit codes with an error bound (src/simd/rabitq.h, scored by the
 *	  fast-scan kernel) against the 8-bit codes ruivf stores today.
 *
 *	rvprune BASE.fvecs QUERY.fvecs [--lists L] [--probes P] [--queries Q]
 *			[--k K] [--qbits B]
 *
 * An IVF of L lists (k-means: 20 sample rows a list, 8 Lloyd iterations),
 * then for each of Q queries the P nearest lists.  Every candidate gets an
 * exact squared L2 distance and, from each code, an estimate and a lower
 * bound: for 8-bit codes (per-dimension min / range over 255 from a
 * 20,000-row sample, as a ruivf build; the bound is the distance to the
 * decoded vector less the lane's coding error), for 1-bit codes of the
 * residual from the list's centroid (eps0 = 1.9, query on a grid of B
 * bits).  A bound-driven re-rank must compute the exact distance of every
 * candidate whose lower bound is below the k-th exact distance among the
 * candidates; reported: their share of the candidates, for each code.
 *
 * bench/tools/rvprune.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fvecs.h"
#include "kernels.h"
#include "rabitq.h"

#define Min(a, b) ((a) < (b) ? (a) : (b))

/* read a whole .fvecs file: n vectors of *dim floats */
static float *
read_fvecs(const char *path, int *dim, long *n)
{
	FILE	   *f = fopen(path, "rb");
	long		size;
	int32_t		d;
	float	   *x;

	if (f == NULL)
		die("could not open %s: %s", path, strerror(errno));
	if (fread(&d, 4, 1, f) != 1 || d < 1)
		die("%s: not an fvecs file", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	*n = size / (4 + 4L * d);
	*dim = d;
	x = xmalloc(sizeof(float) * d * *n);
	for (long i = 0; i < *n; i++)
		if (fread(&d, 4, 1, f) != 1 || fread(x + i * *dim, 4, *dim, f) != (size_t) *dim)
			die("%s: short read", path);
	fclose(f);
	return x;
}

static double
l2sq(const float *a, const float *b, int dim)
{
	double		s = 0;

	for (int i = 0; i < dim; i++)
		s += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
	return s;
}

static int
nearest(const float *x, const float *cent, int lists, int dim)
{
	int			best = 0;
	double		bd = INFINITY;

	for (int c = 0; c < lists; c++)
	{
		double		d = l2sq(x, cent + (size_t) c * dim, dim);

		if (d < bd)
			bd = d, best = c;
	}
	return best;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	int			lists = 250,
				probes = 8,
				nq = 200,
				k = 10,
				qbits = 4,
				dim,
				qdim;
	long		n,
				nqall;
	float	   *base,
			   *query,
			   *cent,
			   *work;
	int		   *assign;
	float	   *m,
			   *s;
	uint64_t	seed = 12345;
	double		cand_total = 0,
				need1 = 0,
				need8 = 0,
				hits = 0;

	progname = "rvprune";
	if (argc < 3)
		die("usage: rvprune BASE.fvecs QUERY.fvecs [--lists L] [--probes P] [--queries Q] [--k K] [--qbits B]");
	for (int a = 3; a + 1 < argc; a += 2)
	{
		if (strcmp(argv[a], "--lists") == 0)
			lists = (int) parse_long(argv[a], argv[a + 1], 1, 100000);
		else if (strcmp(argv[a], "--probes") == 0)
			probes = (int) parse_long(argv[a], argv[a + 1], 1, 100000);
		else if (strcmp(argv[a], "--queries") == 0)
			nq = (int) parse_long(argv[a], argv[a + 1], 1, 1000000);
		else if (strcmp(argv[a], "--k") == 0)
			k = (int) parse_long(argv[a], argv[a + 1], 1, 1000);
		else if (strcmp(argv[a], "--qbits") == 0)
			qbits = (int) parse_long(argv[a], argv[a + 1], 1, 6);
		else
			die("unknown option %s", argv[a]);
	}
	base = read_fvecs(argv[1], &dim, &n);
	query = read_fvecs(argv[2], &qdim, &nqall);
	if (qdim != dim)
		die("the query file has %d dimensions, the base %d", qdim, dim);
	if (nq > nqall)
		nq = (int) nqall;
	if (probes > lists)
		probes = lists;
	rv_simd_select(rv_cpu_best_level());

	/* k-means on a sample of 20 a list, 8 Lloyd iterations */
	{
		long		ns = Min(n, 20L * lists);
		float	   *sum = xmalloc(sizeof(float) * dim * lists);
		int		   *cnt = xmalloc(sizeof(int) * lists);
		int		   *sa = xmalloc(sizeof(int) * ns);

		cent = xmalloc(sizeof(float) * dim * lists);
		for (int c = 0; c < lists; c++)
			memcpy(cent + (size_t) c * dim, base + (size_t) ((c * 7919L) % n) * dim, sizeof(float) * dim);
		for (int it = 0; it < 8; it++)
		{
			memset(sum, 0, sizeof(float) * dim * lists);
			memset(cnt, 0, sizeof(int) * lists);
			for (long i = 0; i < ns; i++)
			{
				const float *x = base + (size_t) ((i * 104729L) % n) * dim;

				sa[i] = nearest(x, cent, lists, dim);
				cnt[sa[i]]++;
				for (int d = 0; d < dim; d++)
					sum[(size_t) sa[i] * dim + d] += x[d];
			}
			for (int c = 0; c < lists; c++)
				if (cnt[c] > 0)
					for (int d = 0; d < dim; d++)
						cent[(size_t) c * dim + d] = sum[(size_t) c * dim + d] / cnt[c];
		}
		free(sum);
		free(cnt);
		free(sa);
	}
	assign = xmalloc(sizeof(int) * n);
	for (long i = 0; i < n; i++)
		assign[i] = nearest(base + (size_t) i * dim, cent, lists, dim);

	/* 8-bit parameters from a 20,000-row sample, as a build */
	m = xmalloc(sizeof(float) * dim);
	s = xmalloc(sizeof(float) * dim);
	for (int d = 0; d < dim; d++)
	{
		float		lo = INFINITY,
					hi = -INFINITY;

		for (long i = 0; i < Min(n, 20000L); i++)
		{
			float		v = base[(size_t) ((i * 7L + 3) % n) * dim + d];

			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		m[d] = lo;
		s[d] = hi > lo ? (hi - lo) / 255.0f : 1.0f;
	}

	/*
	 * Each list's members (a counting sort by list), coded once: 1-bit codes
	 * packed in blocks of 32 with their factors, and each row's 8-bit
	 * coding error.
	 */
	work = xmalloc(sizeof(float) * dim);
	{
		size_t		ngroups = (size_t) (dim + 3) / 4;
		long	   *start = calloc(lists + 1, sizeof(long));
		long	   *blk = xmalloc(sizeof(long) * (lists + 1));
		long	   *fill = xmalloc(sizeof(long) * lists);
		int		   *members = xmalloc(sizeof(int) * n);
		uint8_t    *bits = xmalloc((size_t) 32 * dim);
		uint8_t    *codes;
		RvRabitqFactors *f = xmalloc(sizeof(RvRabitqFactors) * n);
		double	   *err8 = xmalloc(sizeof(double) * n);
		uint8_t    *u = xmalloc(dim);
		uint8_t    *lut = xmalloc(ngroups * 16);
		double	   *exact = xmalloc(sizeof(double) * n);
		double	   *low1 = xmalloc(sizeof(double) * n);
		double	   *low8 = xmalloc(sizeof(double) * n);
		double	   *sorted = xmalloc(sizeof(double) * n);
		double	   *all = xmalloc(sizeof(double) * n);
		double	   *ld = xmalloc(sizeof(double) * lists);
		int		   *order = xmalloc(sizeof(int) * lists);

		for (long i = 0; i < n; i++)
			start[assign[i] + 1]++;
		blk[0] = 0;
		for (int c = 0; c < lists; c++)
		{
			blk[c + 1] = blk[c] + (start[c + 1] + 31) / 32;
			start[c + 1] += start[c];
			fill[c] = start[c];
		}
		for (long i = 0; i < n; i++)
			members[fill[assign[i]]++] = (int) i;
		codes = xmalloc((size_t) blk[lists] * ngroups * 16 + 1);
		for (int c = 0; c < lists; c++)
			for (long b0 = start[c]; b0 < start[c + 1]; b0 += 32)
			{
				memset(bits, 0, (size_t) 32 * dim);
				for (long j = b0; j < b0 + 32 && j < start[c + 1]; j++)
				{
					const float *x = base + (size_t) members[j] * dim;
					double		e = 0;

					rv_rabitq_encode(x, cent + (size_t) c * dim, dim, seed,
									 bits + (size_t) (j - b0) * dim, &f[j], work);
					for (int d = 0; d < dim; d++)
					{
						double		code = rint((x[d] - m[d]) / s[d]);
						double		dec;

						code = code < 0 ? 0 : code > 255 ? 255 : code;
						dec = m[d] + s[d] * code;
						e += (x[d] - dec) * (x[d] - dec);
					}
					err8[j] = sqrt(e);
				}
				rv_fastscan_pack(bits, dim,
								 codes + (size_t) (blk[c] + (b0 - start[c]) / 32) * ngroups * 16);
			}

		for (int qi = 0; qi < nq; qi++)
		{
			const float *q = query + (size_t) qi * dim;
			long		nc = 0;
			double		kth,
						truth_kth;

			/* the probed lists */
			for (int c = 0; c < lists; c++)
			{
				ld[c] = l2sq(q, cent + (size_t) c * dim, dim);
				order[c] = c;
			}
			for (int a = 0; a < probes; a++)
				for (int b = a + 1; b < lists; b++)
					if (ld[order[b]] < ld[order[a]])
					{
						int			t = order[a];

						order[a] = order[b];
						order[b] = t;
					}
			for (int p = 0; p < probes; p++)
			{
				int			c = order[p];
				RvRabitqQuery rq;

				rv_rabitq_query(q, cent + (size_t) c * dim, dim, seed, (1 << qbits) - 1, u, &rq, work);
				rv_fastscan_lut(u, dim, lut);
				for (long b0 = start[c]; b0 < start[c + 1]; b0 += 32)
				{
					uint32_t	sums[32];

					rv_kernels.fastscan_batch(lut, codes + (size_t) (blk[c] + (b0 - start[c]) / 32) * ngroups * 16,
											  ngroups, sums);
					for (long j = b0; j < b0 + 32 && j < start[c + 1]; j++)
					{
						const float *x = base + (size_t) members[j] * dim;
						float		lower;
						double		dq = 0;

						rv_rabitq_distance(&rq, &f[j], sums[j - b0], 1.9f, &lower);
						exact[nc] = l2sq(q, x, dim);
						low1[nc] = lower;
						/* 8-bit: the distance to the decoded vector, less the coding error */
						for (int d = 0; d < dim; d++)
						{
							double		code = rint((x[d] - m[d]) / s[d]);
							double		dec;

							code = code < 0 ? 0 : code > 255 ? 255 : code;
							dec = m[d] + s[d] * code;
							dq += (q[d] - dec) * (q[d] - dec);
						}
						dq = sqrt(dq) - err8[j];
						low8[nc] = dq > 0 ? dq * dq : 0;
						nc++;
					}
				}
			}
			if (nc < k)
				continue;
			memcpy(sorted, exact, sizeof(double) * nc);
			qsort(sorted, nc, sizeof(double), cmp_double);
			kth = sorted[k - 1];
			for (long i = 0; i < nc; i++)
			{
				need1 += low1[i] <= kth;
				need8 += low8[i] <= kth;
			}
			cand_total += nc;
			/* recall of the probed lists against the whole base */
			for (long i = 0; i < n; i++)
				all[i] = l2sq(q, base + (size_t) i * dim, dim);
			qsort(all, n, sizeof(double), cmp_double);
			truth_kth = all[k - 1];
			for (long i = 0; i < k; i++)
				hits += sorted[i] <= truth_kth;
		}
		printf("rvprune: %ld x %d, %d lists, probes %d, %d queries, k %d, query grid %d bits, level %s\n",
			   n, dim, lists, probes, nq, k, qbits, rv_simd_level_name(rv_kernels.level));
		printf("candidates per query: %.0f; recall@%d of the probed lists: %.4f\n",
			   cand_total / nq, k, hits / ((double) k * nq));
		printf("exact distances a bound-driven re-rank needs, per query: 1-bit codes %.1f (%.2f %% of the candidates), 8-bit codes %.1f (%.2f %%)\n",
			   need1 / nq, 100.0 * need1 / cand_total, need8 / nq, 100.0 * need8 / cand_total);
	}
	return 0;
}
