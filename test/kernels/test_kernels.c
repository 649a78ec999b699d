/*-------------------------------------------------------------------------
 *
 * test_kernels.c
 *	  Checks every distance kernel at every compiled level against a
 *	  double-precision reference.
 *
 * For every dimension 1 .. 2048 (so every tail length of every level) and
 * random data, each pair kernel's result must lie within the bound
 *
 *		|got - ref| <= (dim + 8) * FLT_EPSILON * S + 1e-30
 *
 * where ref is computed in double and S is the sum of the absolute values
 * of the terms (the condition of the sum): the worst case of float
 * summation in any order, so a kernel that drops, repeats or misreads an
 * element fails it by far.  Cosine distances use S = 2 (Cauchy-Schwarz).
 * Batch kernels are checked the same way lane by lane, for every dimension
 * with a block width cycling through 1 .. 160, and for every width 1 .. 300
 * at a few dimensions; the SQ8 dot kernel (8-bit codes) for every
 * dimension with widths cycling through 1 .. 160.  The fast-scan kernel
 * (binary codes, 32 a block) is exact: for every dimension 1 .. 2048 and
 * 16,000 against the dot product of the query's values with the codes'
 * bits, and for every group count 1 .. 600 and 4,000 against the scalar
 * kernel with tables of arbitrary bytes.
 *
 * Every input ends exactly at a PROT_NONE guard page, so a kernel that reads
 * one element past the end crashes the test; outputs end at a guard too.
 *
 * A level that is not compiled in, or that the CPU lacks, is reported as
 * skipped, by name: never a silent pass.  The avx512 level is run a second
 * time with the SQ8 kernel variant its table did not pick (with or without
 * VNNI), or that run is reported as skipped.
 *
 * test/kernels/test_kernels.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/simd/kernels.h"
#include "test_rng.h"

#define MAX_DIM		2048
#define MAX_WIDTH	300

/* a buffer whose last float sits just before a PROT_NONE page */
typedef struct Guarded
{
	char	   *base;
	size_t		usable;			/* bytes before the guard */
} Guarded;

/* Allocate `bytes` usable bytes followed by a guard page. */
static Guarded
guarded_alloc(size_t bytes)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	size_t		usable = (bytes + page - 1) / page * page;
	Guarded		g;

	g.base = mmap(NULL, usable + page, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g.base == MAP_FAILED)
	{
		perror("mmap");
		exit(2);
	}
	if (mprotect(g.base + usable, page, PROT_NONE) != 0)
	{
		perror("mprotect");
		exit(2);
	}
	g.usable = usable;
	return g;
}

/* Pointer to n floats that end exactly at the guard page. */
static float *
at_end(Guarded g, size_t n)
{
	return (float *) (g.base + g.usable) - n;
}

/* Fill with values of mixed sign and magnitude (and some exact zeros). */
static void
fill(float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		double		r = rnd();

		if (r < 0.05)
			x[i] = 0.0f;
		else
			x[i] = (float) ((rnd() * 2.0 - 1.0) * (r < 0.5 ? 1.0 : 100.0));
	}
}

/* Reference values and the condition S of each sum, in double. */
static void
reference(int metric, const float *a, const float *b, size_t dim,
		  double *ref, double *cond)
{
	double		s = 0.0,
				abs_s = 0.0,
				na = 0.0,
				nb = 0.0;

	for (size_t i = 0; i < dim; i++)
	{
		double		x = a[i],
					y = b[i];

		switch (metric)
		{
			case 0:				/* l2sq */
				s += (x - y) * (x - y);
				break;
			case 1:				/* dot */
				s += x * y;
				abs_s += fabs(x * y);
				break;
			case 2:				/* cosine */
				s += x * y;
				na += x * x;
				nb += y * y;
				break;
			case 3:				/* l1 */
				s += fabs(x - y);
				break;
		}
	}
	switch (metric)
	{
		case 0:
		case 3:
			*ref = s;
			*cond = s;
			break;
		case 1:
			*ref = s;
			*cond = abs_s;
			break;
		case 2:
			if (na * nb == 0.0)
				*ref = NAN;
			else
			{
				double		sim = s / sqrt(na * nb);

				*ref = 1.0 - (sim > 1.0 ? 1.0 : sim < -1.0 ? -1.0 : sim);
			}
			*cond = 2.0;
			break;
	}
}

static const char *metric_names[] = {"l2sq", "dot", "cosine", "l1"};

typedef struct Tally
{
	long		checks;
	long		failures;
	double		worst;			/* largest |got - ref| / bound seen */
} Tally;

/* Compare one result with its reference; report the first few failures. */
static void
check(Tally *t, const char *level, const char *shape, int metric,
	  size_t dim, size_t width, size_t lane, float got, double ref, double cond)
{
	double		bound = (double) (dim + 8) * FLT_EPSILON * cond + 1e-30;
	double		err;

	t->checks++;
	if (isnan(ref) || isnan(got))
	{
		if (isnan(ref) && isnan(got))
			return;
		err = INFINITY;
	}
	else
		err = fabs((double) got - ref);
	if (err / bound > t->worst)
		t->worst = err / bound;
	if (err > bound)
	{
		if (t->failures < 10)
			printf("FAIL %s %s %s dim=%zu width=%zu lane=%zu: got %.9g, want %.9g (bound %.3g)\n",
				   level, shape, metric_names[metric], dim, width, lane,
				   (double) got, ref, bound);
		t->failures++;
	}
}

/* Check the four batch kernels on one random block of dim x width. */
static void
check_batch(Tally *t, const char *name, RvBatchFn *batch, Guarded ga, Guarded gblock,
			Guarded gout, float *lane, size_t dim, size_t width)
{
	float	   *q = at_end(ga, dim);
	float	   *block = at_end(gblock, dim * width);
	float	   *out = at_end(gout, width);

	fill(q, dim);
	fill(block, dim * width);
	for (int m = 0; m < 4; m++)
	{
		batch[m](q, block, dim, width, out);
		for (size_t l = 0; l < width; l++)
		{
			double		ref,
						cond;

			for (size_t d = 0; d < dim; d++)
				lane[d] = block[d * width + l];
			reference(m, q, lane, dim, &ref, &cond);
			check(t, name, "batch", m, dim, width, l, out[l], ref, cond);
		}
	}
}

/* Run every check for one level's kernel table. */
static Tally
test_level(const RvKernels *k, const char *name)
{
	RvPairFn	pair[4] = {k->l2sq, k->dot, k->cosine, k->l1};
	RvBatchFn	batch[4] = {k->l2sq_batch, k->dot_batch, k->cosine_batch, k->l1_batch};
	Guarded		ga = guarded_alloc(MAX_DIM * sizeof(float));
	Guarded		gb = guarded_alloc(MAX_DIM * sizeof(float));
	Guarded		gblock = guarded_alloc((size_t) MAX_DIM * 160 * sizeof(float));
	Guarded		gout = guarded_alloc(MAX_WIDTH * sizeof(float));
	float	   *lane = malloc(MAX_DIM * sizeof(float));
	Tally		t = {0, 0, 0.0};

	/* pair kernels, every dimension */
	for (size_t dim = 1; dim <= MAX_DIM; dim++)
	{
		float	   *a = at_end(ga, dim);
		float	   *b = at_end(gb, dim);

		fill(a, dim);
		fill(b, dim);
		for (int m = 0; m < 4; m++)
		{
			double		ref,
						cond;

			reference(m, a, b, dim, &ref, &cond);
			check(&t, name, "pair", m, dim, 1, 0, pair[m](a, b, dim), ref, cond);
		}
	}

	/* zero vectors: cosine is NaN, the others are exact */
	{
		float	   *a = at_end(ga, 37);
		float	   *b = at_end(gb, 37);

		memset(a, 0, 37 * sizeof(float));
		fill(b, 37);
		for (int m = 0; m < 4; m++)
		{
			double		ref,
						cond;

			reference(m, a, b, 37, &ref, &cond);
			check(&t, name, "pair-zero", m, 37, 1, 0, pair[m](a, b, 37), ref, cond);
		}
	}

	/* batch kernels: every dimension, widths cycling 1..160 */
	for (size_t dim = 1; dim <= MAX_DIM; dim++)
		check_batch(&t, name, batch, ga, gblock, gout, lane, dim, 1 + (dim * 7) % 160);

	/* batch kernels: every width 1..300 at a few dimensions */
	{
		static const size_t dims[] = {1, 3, 17, 129, 784};

		for (size_t di = 0; di < sizeof(dims) / sizeof(dims[0]); di++)
			for (size_t width = 1; width <= MAX_WIDTH; width++)
				check_batch(&t, name, batch, ga, gblock, gout, lane, dims[di], width);
	}

	/*
	 * Multi-point dot kernel: 1..9 points (groups of 4 and leftovers),
	 * widths 1..70 (groups of 16, 8 and single lanes), dimensions 1..300,
	 * against a double-precision reference; the points end at a guard page.
	 */
	{
		Guarded		gx = guarded_alloc(9 * 300 * sizeof(float));
		Guarded		gb = guarded_alloc(300 * 70 * sizeof(float));
		Guarded		go = guarded_alloc(9 * 70 * sizeof(float));

		for (size_t dim = 1; dim <= 300; dim += (dim < 40 ? 1 : 13))
			for (size_t nx = 1; nx <= 9; nx++)
			{
				size_t		width = 1 + (dim * 5 + nx * 11) % 70;
				float	   *x = at_end(gx, nx * dim);
				float	   *block = at_end(gb, dim * width);
				float	   *out = at_end(go, nx * width);

				fill(x, nx * dim);
				fill(block, dim * width);
				k->dot_multi(x, nx, block, dim, width, out);
				for (size_t i = 0; i < nx; i++)
					for (size_t l = 0; l < width; l++)
					{
						double		ref = 0.0,
									cond = 0.0;

						for (size_t d = 0; d < dim; d++)
						{
							ref += (double) x[i * dim + d] * block[d * width + l];
							cond += fabs((double) x[i * dim + d] * block[d * width + l]);
						}
						check(&t, name, "multi", 1, dim, width, i * width + l, out[i * width + l],
							  ref, cond);
					}
			}
	}

	/*
	 * SQ8 dot kernel, pair-interleaved codes and 16-bit query pairs: every
	 * dimension 1..MAX_DIM (odd ones padded), widths cycling 1..160, query
	 * values up to the caller's bound (255 * sum |q| < 2^31) and codes
	 * across 0..255.  Integer arithmetic: the result must be exact, with and
	 * without a page to prefetch (`next`, every other dimension).
	 */
	{
		size_t		maxpairs = (MAX_DIM + 1) / 2;
		Guarded		gcodes = guarded_alloc(maxpairs * 2 * 160);
		Guarded		gnext = guarded_alloc(maxpairs * 2 * 160);
		Guarded		gq = guarded_alloc(maxpairs * sizeof(int32_t));
		Guarded		gi = guarded_alloc(160 * sizeof(int32_t));

		for (size_t dim = 1; dim <= MAX_DIM; dim++)
		{
			size_t		width = 1 + (dim * 13) % 160;
			size_t		npairs = (dim + 1) / 2;
			int32_t    *qp = (int32_t *) (gq.base + gq.usable) - npairs;
			unsigned char *codes = (unsigned char *) (gcodes.base + gcodes.usable) - npairs * 2 * width;
			int32_t    *out = (int32_t *) (gi.base + gi.usable) - width;
			int32_t		qmax = (int32_t) (2147483647.0 / (255.0 * 2.0 * (double) npairs));
			int16_t		q[2 * ((MAX_DIM + 1) / 2)];

			if (qmax > 32767)
				qmax = 32767;
			for (size_t d = 0; d < 2 * npairs; d++)
			{
				q[d] = d < dim ? (int16_t) ((rnd() * 2.0 - 1.0) * qmax) : 0;
				if (dim % 5 == 0 && d < dim)
					q[d] = (d & 1) ? (int16_t) -qmax : (int16_t) qmax; /* extremes */
			}
			for (size_t p = 0; p < npairs; p++)
				qp[p] = (int32_t) ((uint32_t) (uint16_t) q[2 * p] | ((uint32_t) (uint16_t) q[2 * p + 1] << 16));
			for (size_t i = 0; i < npairs * 2 * width; i++)
				codes[i] = (dim % 7 == 0) ? 255 : (unsigned char) (rnd() * 256.0);
			k->dot_sq8_batch(qp, codes, npairs, width, out,
							 (dim & 1) ? NULL : (unsigned char *) (gnext.base + gnext.usable) - npairs * 2 * width);
			for (size_t l = 0; l < width; l++)
			{
				int64_t		ref = 0;

				for (size_t d = 0; d < 2 * npairs; d++)
					ref += (int64_t) q[d] * codes[((d / 2) * width + l) * 2 + (d & 1)];
				t.checks++;
				if (ref != (int64_t) out[l])
				{
					t.failures++;
					if (t.failures <= 10)
						printf("FAIL %s sq8-batch dim %zu width %zu lane %zu: %d, expected %lld\n",
							   name, dim, width, l, out[l], (long long) ref);
				}
			}
		}
	}

	/* SQ4 batch: exact integer results against a 64-bit reference */
	{
		size_t		maxpairs = (MAX_DIM + 1) / 2;
		Guarded		gcodes = guarded_alloc(maxpairs * 160);
		Guarded		gnext = guarded_alloc(maxpairs * 160);
		Guarded		gq = guarded_alloc(maxpairs * sizeof(int16_t));
		Guarded		gi = guarded_alloc(160 * sizeof(int32_t));

		for (size_t dim = 1; dim <= MAX_DIM; dim++)
		{
			size_t		width = 1 + (dim * 29) % 160;
			size_t		npairs = (dim + 1) / 2;
			int16_t    *qp = (int16_t *) (gq.base + gq.usable) - npairs;
			unsigned char *codes = (unsigned char *) (gcodes.base + gcodes.usable) - npairs * width;
			int32_t    *out = (int32_t *) (gi.base + gi.usable) - width;
			int8_t		q[2 * ((MAX_DIM + 1) / 2)];

			for (size_t d = 0; d < 2 * npairs; d++)
			{
				q[d] = d < dim ? (int8_t) ((rnd() * 2.0 - 1.0) * 127.0) : 0;
				if (dim % 5 == 0 && d < dim)
					q[d] = (d & 1) ? -127 : 127;	/* extremes */
			}
			for (size_t p = 0; p < npairs; p++)
				qp[p] = (int16_t) (uint16_t) ((uint8_t) q[2 * p] | ((uint16_t) (uint8_t) q[2 * p + 1] << 8));
			for (size_t i = 0; i < npairs * width; i++)
				codes[i] = (dim % 7 == 0) ? 255 : (unsigned char) (rnd() * 256.0);
			k->dot_sq4_batch(qp, codes, npairs, width, out,
							 (dim & 1) ? NULL : (unsigned char *) (gnext.base + gnext.usable) - npairs * width);
			for (size_t l = 0; l < width; l++)
			{
				int64_t		ref = 0;

				for (size_t d = 0; d < 2 * npairs; d++)
				{
					unsigned	c = codes[(d / 2) * width + l];

					ref += (int64_t) q[d] * (int64_t) ((d & 1) ? c >> 4 : c & 15);
				}
				t.checks++;
				if (ref != (int64_t) out[l])
				{
					t.failures++;
					if (t.failures <= 10)
						printf("FAIL %s sq4-batch dim %zu width %zu lane %zu: %d, expected %lld\n",
							   name, dim, width, l, out[l], (long long) ref);
				}
			}
		}
	}

	/*
	 * fast-scan kernel (binary codes, 32 a block): every dimension 1 ..
	 * MAX_DIM and 16,000, codes packed from their bits, the table built from
	 * per-dimension query values (0 .. 63, some at 63), checked against
	 * sum_d q_d * bit_d; and every group count 1 .. 600 and 4,000 with
	 * tables of arbitrary bytes (up to 255: the 16-bit sums' worst case),
	 * checked against the scalar kernel.  Inputs end at guard pages.
	 */
	{
		const size_t maxdim = 16000;
		const size_t maxgroups = maxdim / 4;
		Guarded		gcodes = guarded_alloc(maxgroups * 16);
		Guarded		glut = guarded_alloc(maxgroups * 16);
		uint8_t    *bits = malloc(32 * maxdim);
		uint8_t    *q = malloc(maxdim);
		uint32_t	out[32],
					ref32[32];

		for (size_t dim = 1; dim <= maxdim; dim = dim < MAX_DIM ? dim + 1 : maxdim + (dim == maxdim))
		{
			size_t		ngroups = (dim + 3) / 4;
			uint8_t    *codes = (uint8_t *) (gcodes.base + gcodes.usable) - ngroups * 16;
			uint8_t    *lut = (uint8_t *) (glut.base + glut.usable) - ngroups * 16;

			for (size_t i = 0; i < 32 * dim; i++)
				bits[i] = dim % 9 == 0 ? 1 : rnd() < 0.5;
			for (size_t d = 0; d < dim; d++)
				q[d] = dim % 11 == 0 ? 63 : (uint8_t) (rnd() * 64.0);
			rv_fastscan_pack(bits, dim, codes);
			rv_fastscan_lut(q, dim, lut);
			k->fastscan_batch(lut, codes, ngroups, out);
			for (int c = 0; c < 32; c++)
			{
				uint64_t	ref = 0;

				for (size_t d = 0; d < dim; d++)
					ref += (uint64_t) q[d] * bits[(size_t) c * dim + d];
				t.checks++;
				if (ref != out[c])
				{
					t.failures++;
					if (t.failures <= 10)
						printf("FAIL %s fastscan dim %zu code %d: %u, expected %llu\n",
							   name, dim, c, out[c], (unsigned long long) ref);
				}
			}
		}
		for (size_t ngroups = 1; ngroups <= maxgroups; ngroups = ngroups < 600 ? ngroups + 1 : maxgroups + (ngroups == maxgroups))
		{
			uint8_t    *codes = (uint8_t *) (gcodes.base + gcodes.usable) - ngroups * 16;
			uint8_t    *lut = (uint8_t *) (glut.base + glut.usable) - ngroups * 16;

			for (size_t i = 0; i < ngroups * 16; i++)
			{
				codes[i] = (uint8_t) (rnd() * 256.0);
				lut[i] = ngroups % 3 == 0 ? 255 : (uint8_t) (rnd() * 256.0);
			}
			k->fastscan_batch(lut, codes, ngroups, out);
			fastscan_batch_scalar(lut, codes, ngroups, ref32);
			for (int c = 0; c < 32; c++)
			{
				t.checks++;
				if (ref32[c] != out[c])
				{
					t.failures++;
					if (t.failures <= 10)
						printf("FAIL %s fastscan groups %zu code %d: %u, expected %u\n",
							   name, ngroups, c, out[c], ref32[c]);
				}
			}
		}
		free(bits);
		free(q);
	}

	free(lane);
	return t;
}

int
main(void)
{
	int			passed = 0,
				failed = 0,
				skipped = 0;

	printf("CPU best level: %s\n", rv_simd_level_name(rv_cpu_best_level()));
	for (int lv = RV_SIMD_SCALAR; lv < RV_SIMD_NLEVELS; lv++)
	{
		const char *name = rv_simd_level_name((RvSimdLevel) lv);
		RvKernels	k;
		Tally		t;

		if (!rv_kernels_for_level((RvSimdLevel) lv, &k))
		{
			printf("level %-7s skipped (not compiled for this architecture)\n", name);
			skipped++;
			continue;
		}
		if (!rv_cpu_supports((RvSimdLevel) lv))
		{
			printf("level %-7s skipped (CPU lacks %s)\n", name, name);
			skipped++;
			continue;
		}
		t = test_level(&k, name);
		if (t.failures == 0)
		{
			printf("level %-7s passed (%ld checks, dims 1..%d, worst error %.4f of bound)\n",
				   name, t.checks, MAX_DIM, t.worst);
			passed++;
		}
		else
		{
			printf("level %-7s FAILED (%ld of %ld checks)\n", name, t.failures, t.checks);
			failed++;
		}
	}

	/*
	 * The avx512 level's SQ8 kernel has two variants (VNNI where the CPU has
	 * it, else AVX-512 BW); the table holds one, so the other is run here
	 * too: both must be exact on every machine that can run them.
	 */
#ifdef RV_HAVE_X86_KERNELS
	if (rv_cpu_supports(RV_SIMD_AVX512))
	{
		RvKernels	k;
		bool		vnni = rv_cpu_has_avx512vnni();
		const char *name = vnni ? "avx512 (sq8 without vnni)" : "avx512 (sq8 with vnni)";
		Tally		t;

		rv_kernels_for_level(RV_SIMD_AVX512, &k);
		printf("avx512 table's sq8 kernel: %s\n",
			   k.dot_sq8_batch == dot_sq8_batch_avx512vnni ? "vnni" : "bw");
		if (vnni != (k.dot_sq8_batch == dot_sq8_batch_avx512vnni))
		{
			printf("FAIL avx512 table: sq8 kernel does not match the CPU's VNNI (%d)\n", vnni);
			failed++;
		}
		if (vnni)
		{
			k.dot_sq8_batch = dot_sq8_batch_avx512;
			t = test_level(&k, name);
			if (t.failures == 0)
			{
				printf("level %s passed (%ld checks)\n", name, t.checks);
				passed++;
			}
			else
			{
				printf("level %s FAILED (%ld of %ld checks)\n", name, t.failures, t.checks);
				failed++;
			}
		}
		else
		{
			printf("level %s skipped (CPU lacks avx512vnni)\n", name);
			skipped++;
		}
	}
#endif
	printf("kernels: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
