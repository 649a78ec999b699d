/*-------------------------------------------------------------------------
 *
 * bench_kernels.c
 *	  Micro-benchmark of the distance kernels: ns per distance and GFLOP/s
 *	  for every level the CPU supports, at 128, 784 and 1536 dimensions.
 *
 * Data sit in a working set of 256 KiB (cache-resident), so the figures are
 * the kernels' own speed, not memory bandwidth.  Pair kernels compare one
 * query against each stored vector in turn; batch kernels score SoA blocks
 * of 64 lanes.  Flops counted per dimension: l2sq 3 (sub, mul, add), dot 2,
 * cosine 6, l1 3.  Each figure is the best of 5 repetitions.
 *
 * Then the integer and multi-point kernels, AVX2 against AVX-512 (when
 * the CPU has both), at the shapes of ruivf's blocks: 784 dimensions x 32
 * lanes (fashion-mnist's 8 kB block) and 128 x 56.  Each round times the
 * AVX2 kernel, then the AVX-512 one (and, where the CPU has VNNI, the
 * AVX-512 BW SQ8 kernel without it) on the same cache-resident block;
 * printed are the medians over the rounds of ns per call and of the
 * per-round ratio avx2 / avx512 (above 1: AVX-512 is faster).  The SQ8
 * kernel is timed without and with a `next` page to prefetch.
 *
 * Usage: bench_kernels [dims...]     (the dims apply to the float kernels)
 *
 * test/kernels/bench_kernels.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../src/simd/kernels.h"

#define WORKSET_BYTES	(256 * 1024)
#define BLOCK_WIDTH		64

static volatile float sink;
static volatile int32_t isink;

#define ROUNDS		11

/* monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* median of n doubles (sorts them) */
static double
median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--)
		{
			double		t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The kernel under test, one call, as a closure over the shape's data. */
typedef struct IntShape
{
	size_t		dim,
				npairs,
				width,
				nx;
	int32_t    *q8;
	int16_t    *q4;
	unsigned char *c8,
			   *n8,
			   *c4;
	float	   *x,
			   *fblock,
			   *fout;
	int32_t    *out;
} IntShape;

typedef enum
{
	K_SQ8, K_SQ8_NEXT, K_SQ4, K_MULTI
} KernelKind;

/* ns per call of `calls` calls of one kernel */
static double
time_calls(const IntShape *sh, KernelKind kind, RvSq8DotFn sq8, RvSq4DotFn sq4,
		   RvMultiFn multi, size_t calls)
{
	double		t0 = now();

	for (size_t c = 0; c < calls; c++)
	{
		switch (kind)
		{
			case K_SQ8:
				sq8(sh->q8, sh->c8, sh->npairs, sh->width, sh->out, NULL);
				break;
			case K_SQ8_NEXT:
				sq8(sh->q8, sh->c8, sh->npairs, sh->width, sh->out, sh->n8);
				break;
			case K_SQ4:
				sq4(sh->q4, sh->c4, sh->npairs, sh->width, sh->out, NULL);
				break;
			case K_MULTI:
				multi(sh->x, sh->nx, sh->fblock, sh->dim, sh->width, sh->fout);
				break;
		}
		isink = sh->out[0] + (int32_t) sh->fout[0];
	}
	return (now() - t0) / (double) calls * 1e9;
}

/*
 * The fast-scan kernel (binary codes) against the SQ8 kernel on 32 codes
 * at once, each level, alternating rounds: nanoseconds per block of 32.
 * The blocks cycle through a working set larger than L2, as an index scan's
 * pages would.
 */
static void
bench_fastscan(void)
{
	static const size_t dims[] = {128, 784, 960};
	const size_t nblocks = 256;

	printf("\nfastscan_batch (1 bit a dimension) against dot_sq8_batch (8 bits), 32 codes a call, "
		   "%zu blocks cycled, median of %d alternating rounds: ns per 32 codes\n", nblocks, ROUNDS);
	printf("%5s %-8s %12s %12s %8s\n", "dim", "level", "fastscan", "sq8", "ratio");
	for (size_t di = 0; di < sizeof(dims) / sizeof(dims[0]); di++)
	{
		size_t		dim = dims[di],
					ngroups = (dim + 3) / 4,
					npairs = (dim + 1) / 2;
		uint8_t    *lut = aligned_alloc(64, ngroups * 16 + 64);
		uint8_t    *codes = aligned_alloc(64, nblocks * ngroups * 16 + 64);
		int32_t    *q8 = malloc(npairs * sizeof(int32_t));
		unsigned char *c8 = aligned_alloc(64, nblocks * npairs * 64 + 64);
		uint32_t	out[32];
		int32_t		out8[32];

		for (size_t i = 0; i < ngroups * 16; i++)
			lut[i] = (uint8_t) (rand() % 61);
		for (size_t i = 0; i < nblocks * ngroups * 16; i++)
			codes[i] = (uint8_t) rand();
		for (size_t p = 0; p < npairs; p++)
			q8[p] = (int32_t) ((uint32_t) (uint16_t) (rand() % 4001 - 2000) |
							   ((uint32_t) (uint16_t) (rand() % 4001 - 2000) << 16));
		for (size_t i = 0; i < nblocks * npairs * 64; i++)
			c8[i] = (unsigned char) rand();
		for (int lv = RV_SIMD_SCALAR; lv < RV_SIMD_NLEVELS; lv++)
		{
			RvKernels	k;
			double		tf[ROUNDS],
						ts[ROUNDS],
						r[ROUNDS];
			size_t		calls = (size_t) (2e7 / (double) dim) + 1;

			if (!rv_kernels_for_level((RvSimdLevel) lv, &k) || !rv_cpu_supports((RvSimdLevel) lv))
				continue;
			for (int round = 0; round < ROUNDS; round++)
			{
				double		t0 = now();

				for (size_t c = 0; c < calls; c++)
				{
					k.fastscan_batch(lut, codes + (c % nblocks) * ngroups * 16, ngroups, out);
					isink += (int32_t) out[c & 31];
				}
				tf[round] = (now() - t0) * 1e9 / calls;
				t0 = now();
				for (size_t c = 0; c < calls; c++)
				{
					k.dot_sq8_batch(q8, c8 + (c % nblocks) * npairs * 64, npairs, 32, out8, NULL);
					isink += out8[c & 31];
				}
				ts[round] = (now() - t0) * 1e9 / calls;
				r[round] = ts[round] / tf[round];
			}
			printf("%5zu %-8s %12.1f %12.1f %7.1fx\n", dim, rv_simd_level_name((RvSimdLevel) lv),
				   median(tf, ROUNDS), median(ts, ROUNDS), median(r, ROUNDS));
		}
		free(lut);
		free(codes);
		free(q8);
		free(c8);
	}
}

/* AVX2 against AVX-512 on ruivf block shapes, alternating rounds. */
static void
bench_int_kernels(void)
{
	/* a whole 784 x 32 block, one of its four pages (196 dims), 128 x 56 */
	static const size_t shapes[][2] = {{784, 32}, {196, 32}, {128, 56}};
	static const char *kname[] = {"dot_sq8_batch", "dot_sq8_batch+next", "dot_sq4_batch", "dot_f32_multi"};
	RvKernels	k2,
				k5;
	bool		vnni = false;

	if (!rv_kernels_for_level(RV_SIMD_AVX2, &k2) || !rv_cpu_supports(RV_SIMD_AVX512) ||
		!rv_kernels_for_level(RV_SIMD_AVX512, &k5))
	{
		printf("\navx2 vs avx512 integer kernels: skipped (CPU lacks avx512)\n");
		return;
	}
#ifdef RV_HAVE_X86_KERNELS
	vnni = k5.dot_sq8_batch != dot_sq8_batch_avx512;
#endif
	printf("\navx2 vs avx512 on ruivf block shapes: median of %d alternating rounds "
		   "(avx512 sq8 kernel: %s)\n", ROUNDS, vnni ? "vnni" : "bw");
	printf("%-19s %4s %5s %10s %12s %8s%s\n", "kernel", "dim", "lanes", "avx2 ns",
		   "avx512 ns", "ratio", vnni ? "  avx512bw ns  ratio" : "");
	for (size_t si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++)
	{
		IntShape	sh;

		sh.dim = shapes[si][0];
		sh.width = shapes[si][1];
		sh.npairs = (sh.dim + 1) / 2;
		sh.nx = 64;
		sh.q8 = malloc(sh.npairs * sizeof(int32_t));
		sh.q4 = malloc(sh.npairs * sizeof(int16_t));
		sh.c8 = aligned_alloc(64, sh.npairs * sh.width * 2 + 64);
		sh.n8 = aligned_alloc(64, sh.npairs * sh.width * 2 + 64);
		sh.c4 = aligned_alloc(64, sh.npairs * sh.width + 64);
		sh.x = malloc(sh.nx * sh.dim * sizeof(float));
		sh.fblock = malloc(sh.dim * sh.width * sizeof(float));
		sh.fout = malloc(sh.nx * sh.width * sizeof(float));
		sh.out = malloc(sh.width * sizeof(int32_t));
		for (size_t p = 0; p < sh.npairs; p++)
		{
			sh.q8[p] = (int32_t) ((uint32_t) (uint16_t) (rand() % 4001 - 2000) |
								  ((uint32_t) (uint16_t) (rand() % 4001 - 2000) << 16));
			sh.q4[p] = (int16_t) (uint16_t) ((uint8_t) (rand() % 255 - 127) |
											 ((uint16_t) (uint8_t) (rand() % 255 - 127) << 8));
		}
		for (size_t i = 0; i < sh.npairs * sh.width * 2; i++)
		{
			sh.c8[i] = (unsigned char) rand();
			sh.n8[i] = (unsigned char) rand();
		}
		for (size_t i = 0; i < sh.npairs * sh.width; i++)
			sh.c4[i] = (unsigned char) rand();
		for (size_t i = 0; i < sh.nx * sh.dim; i++)
			sh.x[i] = (float) rand() / RAND_MAX;
		for (size_t i = 0; i < sh.dim * sh.width; i++)
			sh.fblock[i] = (float) rand() / RAND_MAX;

		for (int kind = K_SQ8; kind <= K_MULTI; kind++)
		{
			double		t2[ROUNDS],
						t5[ROUNDS],
						tb[ROUNDS],
						r5[ROUNDS],
						rb[ROUNDS];
			size_t		calls = (size_t) (4e7 / (double) (sh.dim * sh.width *
												   (kind == K_MULTI ? sh.nx : 1))) + 1;
			bool		withbw = vnni && (kind == K_SQ8 || kind == K_SQ8_NEXT);

			/* warm up both */
			time_calls(&sh, kind, k2.dot_sq8_batch, k2.dot_sq4_batch, k2.dot_multi, calls);
			time_calls(&sh, kind, k5.dot_sq8_batch, k5.dot_sq4_batch, k5.dot_multi, calls);
			for (int r = 0; r < ROUNDS; r++)
			{
				t2[r] = time_calls(&sh, kind, k2.dot_sq8_batch, k2.dot_sq4_batch, k2.dot_multi, calls);
				t5[r] = time_calls(&sh, kind, k5.dot_sq8_batch, k5.dot_sq4_batch, k5.dot_multi, calls);
				r5[r] = t2[r] / t5[r];
#ifdef RV_HAVE_X86_KERNELS
				if (withbw)
				{
					tb[r] = time_calls(&sh, kind, dot_sq8_batch_avx512, NULL, NULL, calls);
					rb[r] = t2[r] / tb[r];
				}
#endif
			}
			printf("%-19s %4zu %5zu %10.1f %12.1f %8.2f", kname[kind], sh.dim, sh.width,
				   median(t2, ROUNDS), median(t5, ROUNDS), median(r5, ROUNDS));
			if (withbw)
				printf("  %11.1f %6.2f", median(tb, ROUNDS), median(rb, ROUNDS));
			printf("%s\n", kind == K_MULTI ? "   (64 points per call)" : "");
		}
		free(sh.q8);
		free(sh.q4);
		free(sh.c8);
		free(sh.n8);
		free(sh.c4);
		free(sh.x);
		free(sh.fblock);
		free(sh.fout);
		free(sh.out);
	}
}

int
main(int argc, char **argv)
{
	static const char *names[] = {"l2sq", "dot", "cosine", "l1"};
	static const int flops_per_dim[] = {3, 2, 6, 3};
	size_t		dims_default[] = {128, 784, 1536};
	size_t		ndims = 3;
	size_t	   *dims = dims_default;

	if (argc > 1)
	{
		ndims = (size_t) argc - 1;
		dims = malloc(ndims * sizeof(size_t));
		for (size_t i = 0; i < ndims; i++)
			dims[i] = (size_t) atol(argv[i + 1]);
	}

	printf("%-7s %-6s %5s %-6s %12s %9s\n", "level", "metric", "dim", "shape", "ns/distance", "GFLOP/s");
	for (int lv = RV_SIMD_SCALAR; lv < RV_SIMD_NLEVELS; lv++)
	{
		RvKernels	k;
		RvPairFn	pair[4];
		RvBatchFn	batch[4];

		if (!rv_kernels_for_level((RvSimdLevel) lv, &k) || !rv_cpu_supports((RvSimdLevel) lv))
		{
			printf("%-7s skipped (CPU lacks %s)\n", rv_simd_level_name((RvSimdLevel) lv),
				   rv_simd_level_name((RvSimdLevel) lv));
			continue;
		}
		pair[0] = k.l2sq;
		pair[1] = k.dot;
		pair[2] = k.cosine;
		pair[3] = k.l1;
		batch[0] = k.l2sq_batch;
		batch[1] = k.dot_batch;
		batch[2] = k.cosine_batch;
		batch[3] = k.l1_batch;

		for (size_t di = 0; di < ndims; di++)
		{
			size_t		dim = dims[di];
			size_t		nvec = WORKSET_BYTES / (dim * sizeof(float));
			float	   *data,
					   *q,
						out[BLOCK_WIDTH];

			nvec = (nvec / BLOCK_WIDTH + 1) * BLOCK_WIDTH;
			data = aligned_alloc(64, nvec * dim * sizeof(float));
			q = aligned_alloc(64, (dim + 16) * sizeof(float));
			for (size_t i = 0; i < nvec * dim; i++)
				data[i] = (float) rand() / RAND_MAX;
			for (size_t i = 0; i < dim; i++)
				q[i] = (float) rand() / RAND_MAX;

			for (int m = 0; m < 4; m++)
			{
				for (int shape = 0; shape < 2; shape++)
				{
					double		best = 1e30;
					size_t		reps = (size_t) (2e8 / (dim * nvec)) + 1;

					for (int r = 0; r < 5; r++)
					{
						double		t0 = now(),
									t;
						float		acc = 0.0f;

						for (size_t rep = 0; rep < reps; rep++)
						{
							if (shape == 0)
								for (size_t v = 0; v < nvec; v++)
									acc += pair[m](q, data + v * dim, dim);
							else
								for (size_t b = 0; b < nvec; b += BLOCK_WIDTH)
								{
									batch[m](q, data + b * dim, dim, BLOCK_WIDTH, out);
									acc += out[0];
								}
						}
						sink = acc;
						t = (now() - t0) / (double) (reps * nvec);
						if (t < best)
							best = t;
					}
					printf("%-7s %-6s %5zu %-6s %12.2f %9.2f\n",
						   rv_simd_level_name((RvSimdLevel) lv), names[m], dim,
						   shape == 0 ? "pair" : "batch", best * 1e9,
						   flops_per_dim[m] * (double) dim / (best * 1e9));
				}
			}
			free(data);
			free(q);
		}
	}
	bench_int_kernels();
	bench_fastscan();
	return 0;
}
