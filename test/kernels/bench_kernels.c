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
 * Usage: bench_kernels [dims...]
 *
 * test/kernels/bench_kernels.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../src/simd/kernels.h"

#define WORKSET_BYTES	(256 * 1024)
#define BLOCK_WIDTH		64

static volatile float sink;

/* monotonic seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
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
	return 0;
}
