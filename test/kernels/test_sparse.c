/*-------------------------------------------------------------------------
 *
 * test_sparse.c
 *	  Checks the sparse merge kernels (src/simd/sparse.h) against a
 *	  reference computed another way, in long double.
 *
 * The reference does not merge: for each element of one list it looks the
 * index up in the other by binary search, then adds the elements of the
 * other list it did not find.  Each kernel result must lie within
 *
 *		|got - ref| <= 4 * (na + nb + 1) * DBL_EPSILON * S + 1e-300
 *
 * S being the sum of the absolute values of the terms, the bound of double
 * summation in order: a kernel that drops, repeats or pairs up the wrong
 * elements fails it by far.  Vectors with small integer values, whose sums
 * are exact in double, must match the reference exactly.
 *
 * The pairs: every combination of list lengths from a set of odd and even
 * sizes (0, 1, 2, 3, 5, ... 16000, the type's limit) with six overlap
 * patterns (disjoint, the same indices, one list a subset of the other,
 * interleaved, one list entirely before the other, random overlap), indices
 * anywhere up to 999,999,999, values from about 1e-30 to 1e30 in
 * magnitude.  Then as many random pairs again with a seed taken from the
 * clock (printed; RV_SPARSE_SEED=n repeats a run), so each run covers
 * pairs the last did not.  Every list ends just before a PROT_NONE page,
 * so a kernel that reads past the end of either list crashes the test.
 *
 * test/kernels/test_sparse.c
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
#include <time.h>
#include <unistd.h>

#include "../../src/simd/sparse.h"

#define MAX_NNZ		16000
#define MAX_INDEX	999999999

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* xorshift64*: deterministic for a given seed, so a failure reproduces */
static uint64_t
rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* uniform in [0, n) */
static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t) (rnd64() % n);
}

/* A buffer of `bytes` whose end touches a PROT_NONE page. */
static void *
guarded(size_t bytes)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	size_t		span = (bytes + page - 1) / page * page;
	char	   *base = mmap(NULL, span + page, PROT_READ | PROT_WRITE,
							MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED || mprotect(base + span, page, PROT_NONE) != 0)
	{
		perror("mmap");
		exit(2);
	}
	return base + span - bytes;
}

/* A sparse vector: n strictly ascending indices and their non-zero values. */
typedef struct Sparse
{
	int32_t    *idx;
	float	   *val;
	size_t		n;
} Sparse;

/* guarded storage for the two operands, refilled for each pair */
static int32_t *gidx[2];
static float *gval[2];

/* Place n elements at the end of operand slot s's guarded buffers. */
static Sparse
place(int s, const int32_t *idx, const float *val, size_t n)
{
	Sparse		v;

	v.idx = gidx[s] + MAX_NNZ - n;
	v.val = gval[s] + MAX_NNZ - n;
	v.n = n;
	memcpy(v.idx, idx, sizeof(int32_t) * n);
	memcpy(v.val, val, sizeof(float) * n);
	return v;
}

/* A random non-zero value: mostly moderate, some tiny or huge, or small integers. */
static float
rnd_value(int integers)
{
	float		x;

	if (integers)
		x = (float) ((int) rnd_below(15) - 7);
	else
		switch (rnd_below(8))
		{
			case 0:
				x = (float) ldexp((double) rnd_below(1 << 20) + 1, -120);	/* ~1e-30 */
				break;
			case 1:
				x = (float) ldexp((double) rnd_below(1 << 20) + 1, 80); /* ~1e30 */
				break;
			default:
				x = (float) (((double) rnd_below(1 << 24) / (1 << 24) - 0.5) * 20.0);
		}
	if (x == 0.0f)
		x = 1.0f;
	return (rnd_below(2) ? -x : x);
}

/* qsort order of int32 */
static int
cmp_int32(const void *a, const void *b)
{
	int32_t		x = *(const int32_t *) a;
	int32_t		y = *(const int32_t *) b;

	return x < y ? -1 : x > y ? 1 : 0;
}

/* Sort and remove duplicates; returns the new count. */
static size_t
sort_unique(int32_t *idx, size_t n)
{
	size_t		m = 0;

	qsort(idx, n, sizeof(int32_t), cmp_int32);
	for (size_t i = 0; i < n; i++)
		if (m == 0 || idx[i] != idx[m - 1])
			idx[m++] = idx[i];
	return m;
}

/* n distinct random indices in [lo, hi], sorted (fewer if the range is small). */
static size_t
rnd_indices(int32_t *idx, size_t n, int32_t lo, int32_t hi)
{
	for (size_t i = 0; i < n; i++)
		idx[i] = lo + (int32_t) rnd_below((uint32_t) (hi - lo) + 1);
	return sort_unique(idx, n);
}

enum Overlap
{
	DISJOINT, SAME, SUBSET, INTERLEAVED, BEFORE, RANDOM, NPATTERNS
};
static const char *const pattern_name[] = {
	"disjoint", "same", "subset", "interleaved", "before", "random"
};

/*
 * Index lists of about na and nb elements in the given overlap pattern;
 * returns their actual lengths through na, nb.
 */
static void
make_indices(enum Overlap pat, int32_t *ai, size_t *na, int32_t *bi, size_t *nb)
{
	static int32_t pool[2 * MAX_NNZ];
	int32_t		span = rnd_below(2) ? MAX_INDEX : (int32_t) (4 * (*na + *nb) + 8);
	size_t		n;

	switch (pat)
	{
		case DISJOINT:
			/* distinct indices, each dealt to one list */
			n = rnd_indices(pool, *na + *nb, 0, span);
			{
				size_t		x = 0,
							y = 0;

				for (size_t i = 0; i < n; i++)
				{
					if ((x < *na && rnd_below(2)) || y >= *nb)
						ai[x++] = pool[i];
					else
						bi[y++] = pool[i];
				}
				*na = x;
				*nb = y;
			}
			break;
		case SAME:
			*na = *nb = rnd_indices(ai, *na, 0, span);
			memcpy(bi, ai, sizeof(int32_t) * *na);
			break;
		case SUBSET:
			*na = rnd_indices(ai, *na, 0, span);
			{
				size_t		y = 0;

				for (size_t i = 0; i < *na && y < *nb; i++)
					if (rnd_below(2))
						bi[y++] = ai[i];
				*nb = y;
			}
			break;
		case INTERLEAVED:
			/* a on even positions, b on odd ones of one sorted set */
			n = rnd_indices(pool, *na + *nb, 0, span);
			{
				size_t		x = 0,
							y = 0;

				for (size_t i = 0; i < n; i++)
				{
					if (i % 2 == 0 && x < *na)
						ai[x++] = pool[i];
					else if (y < *nb)
						bi[y++] = pool[i];
				}
				*na = x;
				*nb = y;
			}
			break;
		case BEFORE:
			*na = rnd_indices(ai, *na, 0, span / 2);
			*nb = rnd_indices(bi, *nb, span / 2 + 1, span);
			break;
		default:
			/* overlapping ranges: some shared, some not */
			span = (int32_t) ((*na + *nb) * (1 + rnd_below(3)) + 1);
			*na = rnd_indices(ai, *na, 0, span);
			*nb = rnd_indices(bi, *nb, 0, span);
			break;
	}
}

/* Position of index k in v, or -1: binary search. */
static long
find(const Sparse *v, int32_t k)
{
	size_t		lo = 0,
				hi = v->n;

	while (lo < hi)
	{
		size_t		mid = (lo + hi) / 2;

		if (v->idx[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < v->n && v->idx[lo] == k) ? (long) lo : -1;
}

typedef struct Reference
{
	long double dot,
				dot_abs,
				l2sq,
				l1,
				norm2;
} Reference;

/* The reference sums, by lookup rather than by merge. */
static Reference
reference(const Sparse *a, const Sparse *b)
{
	Reference	r = {0};

	for (size_t i = 0; i < a->n; i++)
	{
		long		j = find(b, a->idx[i]);
		long double x = a->val[i];
		long double y = j >= 0 ? b->val[j] : 0.0L;

		r.dot += x * y;
		r.dot_abs += fabsl(x * y);
		r.l2sq += (x - y) * (x - y);
		r.l1 += fabsl(x - y);
		r.norm2 += x * x;
	}
	for (size_t j = 0; j < b->n; j++)
		if (find(a, b->idx[j]) < 0)
		{
			long double y = b->val[j];

			r.l2sq += y * y;
			r.l1 += fabsl(y);
		}
	return r;
}

static long failures = 0;
static long checks = 0;

/* One result against its reference; exact when `exact`. */
static void
check(const char *what, double got, long double want, long double scale, size_t n,
	  int exact, const char *pattern, size_t na, size_t nb)
{
	long double bound = exact ? 0.0L : 4.0L * (n + 1) * DBL_EPSILON * scale + 1e-300L;

	checks++;
	if (fabsl((long double) got - want) <= bound)
		return;
	if (failures++ < 20)
		printf("  FAIL %s: %s pair, %zu x %zu elements%s: got %.17g, want %.17Lg (bound %.3Lg)\n",
			   what, pattern, na, nb, exact ? ", integers" : "", got, want, bound);
}

/* Build one pair and check every kernel on it, both ways round. */
static void
run_pair(enum Overlap pat, size_t want_na, size_t want_nb, int integers)
{
	static int32_t ai[MAX_NNZ],
				bi[MAX_NNZ];
	static float ax[MAX_NNZ],
				bx[MAX_NNZ];
	size_t		na = want_na,
				nb = want_nb;
	Sparse		a,
				b;
	Reference	r;
	size_t		n;

	make_indices(pat, ai, &na, bi, &nb);
	for (size_t i = 0; i < na; i++)
		ax[i] = rnd_value(integers);
	for (size_t i = 0; i < nb; i++)
		bx[i] = rnd_value(integers);
	a = place(0, ai, ax, na);
	b = place(1, bi, bx, nb);
	r = reference(&a, &b);
	n = na + nb;

	for (int swap = 0; swap < 2; swap++)
	{
		const Sparse *p = swap ? &b : &a;
		const Sparse *q = swap ? &a : &b;
		const char *name = pattern_name[pat];

		check("dot", rv_sparse_dot(p->idx, p->val, p->n, q->idx, q->val, q->n),
			  r.dot, r.dot_abs, n, integers, name, p->n, q->n);
		check("l2sq", rv_sparse_l2sq(p->idx, p->val, p->n, q->idx, q->val, q->n),
			  r.l2sq, r.l2sq, n, integers, name, p->n, q->n);
		check("l1", rv_sparse_l1(p->idx, p->val, p->n, q->idx, q->val, q->n),
			  r.l1, r.l1, n, integers, name, p->n, q->n);
	}
	check("norm2", rv_sparse_norm2(a.val, a.n), r.norm2, r.norm2, na, integers,
		  pattern_name[pat], na, 0);
}

int
main(void)
{
	static const size_t sizes[] = {0, 1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 64, 127, 255, 1001,
	4097, MAX_NNZ};
	const size_t nsizes = sizeof(sizes) / sizeof(sizes[0]);
	const char *env = getenv("RV_SPARSE_SEED");
	uint64_t	seed;
	long		fixed_pairs = 0,
				random_pairs = 0;

	for (int s = 0; s < 2; s++)
	{
		gidx[s] = guarded(sizeof(int32_t) * MAX_NNZ);
		gval[s] = guarded(sizeof(float) * MAX_NNZ);
	}

	/* the fixed cases: every pair of sizes, every pattern, both kinds of values */
	for (size_t i = 0; i < nsizes; i++)
		for (size_t j = 0; j < nsizes; j++)
			for (int pat = 0; pat < NPATTERNS; pat++)
				for (int integers = 0; integers < 2; integers++)
				{
					run_pair((enum Overlap) pat, sizes[i], sizes[j], integers);
					fixed_pairs++;
				}

	/* as many random ones, from the clock's seed */
	seed = env ? strtoull(env, NULL, 10) : (uint64_t) time(NULL);
	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	for (long k = 0; k < fixed_pairs; k++)
	{
		size_t		na = rnd_below(4) ? rnd_below(300) : rnd_below(MAX_NNZ + 1);
		size_t		nb = rnd_below(4) ? rnd_below(300) : rnd_below(MAX_NNZ + 1);

		run_pair((enum Overlap) rnd_below(NPATTERNS), na, nb, rnd_below(4) == 0);
		random_pairs++;
	}

	printf("sparse kernels: %ld fixed + %ld random pairs (seed %llu; RV_SPARSE_SEED=%llu repeats it), "
		   "%ld checks, %ld failed\n", fixed_pairs, random_pairs, (unsigned long long) seed,
		   (unsigned long long) seed, checks, failures);
	return failures ? 1 : 0;
}
