/*-------------------------------------------------------------------------
 *
 * test_half.c
 *	  Checks the half <-> float conversions (src/simd/half.h), every
 *	  variant, against a reference computed in double.
 *
 *	- half -> float: all 65,536 halves, against sign * mant * 2^(exp-25)
 *	  computed with ldexp (infinities and NaNs by class);
 *	- float -> half: for every finite half h, the floats h, h's neighbours,
 *	  the midpoint between h and the next half and the floats on either
 *	  side of it (the ties and near-ties of rounding), at both signs; then
 *	  2,000,000 random float bit patterns.  The reference is the nearest
 *	  half by value (a binary search in the sorted finite halves, ties to
 *	  the even one; 65520 and above -> infinity); NaNs must stay NaNs.
 * Arrays of odd lengths (1 .. 40) go through each variant, so the F16C
 * version's eight-wide loop and its scalar tail are both exercised.
 *
 * A variant that is not compiled in, or that the CPU lacks, is reported as
 * skipped, by name: never a silent pass.
 *
 * test/kernels/test_half.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/simd/half.h"

static double half_value[0x7C00];	/* the positive finite halves, ascending */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* xorshift64*: deterministic, so a failure reproduces */
static uint64_t
rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* The value of a half with its exponent and mantissa fields, in double. */
static double
ref_half(uint16_t h)
{
	int			exp = (h >> 10) & 0x1F;
	int			mant = h & 0x3FF;
	double		v;

	if (exp == 31)
		v = mant ? NAN : INFINITY;
	else if (exp == 0)
		v = ldexp(mant, -24);
	else
		v = ldexp(mant + 1024, exp - 25);
	return (h & 0x8000) ? -v : v;
}

/* The nearest half to a float by value, ties to even (NaN: 0x7E00 marker). */
static uint16_t
ref_to_half(float f)
{
	double		x = fabs((double) f);
	uint16_t	sign = signbit(f) ? 0x8000 : 0;
	int			lo = 0,
				hi = 0x7BFF;

	if (isnan(f))
		return 0x7E00;
	if (x >= 65520.0)
		return sign | 0x7C00;
	/* largest half <= x */
	while (lo < hi)
	{
		int			mid = (lo + hi + 1) / 2;

		if (half_value[mid] <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	if (lo < 0x7BFF)
	{
		double		below = x - half_value[lo],
					above = half_value[lo + 1] - x;

		if (above < below || (above == below && (lo & 1)))
			lo++;
	}
	return sign | (uint16_t) lo;
}

/* Convert one float through a variant (in an array of odd length) and compare. */
static long
check_float(const RvHalfKernels *k, float f, long *checks)
{
	static float in[40];
	static uint16_t out[40];
	size_t		n = 1 + (size_t) (*checks % 40);
	uint16_t	want = ref_to_half(f);
	uint16_t	got;

	for (size_t i = 0; i < n; i++)
		in[i] = f;
	k->to_half(in, out, n);
	(*checks)++;
	for (size_t i = 0; i < n; i++)
	{
		got = out[i];
		if (want == 0x7E00 ? (got & 0x7C00) == 0x7C00 && (got & 0x3FF) != 0 : got == want)
			continue;
		printf("  %s: float %a -> half 0x%04x, want 0x%04x (lane %zu of %zu)\n",
			   k->name, f, got, want, i, n);
		return 1;
	}
	return 0;
}

/* Every check for one variant; returns the failures. */
static long
test_variant(const RvHalfKernels *k, long *checks)
{
	long		failures = 0;
	static uint16_t hs[65536];
	static float fs[65536];

	/* half -> float: all halves at once, then odd lengths */
	for (int i = 0; i < 65536; i++)
		hs[i] = (uint16_t) i;
	k->to_float(hs, fs, 65536);
	for (int i = 0; i < 65536; i++)
	{
		double		want = ref_half((uint16_t) i);

		(*checks)++;
		if (isnan(want) ? !isnan(fs[i]) : (double) fs[i] != want || !signbit(fs[i]) != !signbit(want))
		{
			if (failures++ < 10)
				printf("  %s: half 0x%04x -> %a, want %a\n", k->name, i, fs[i], want);
		}
	}
	for (size_t n = 1; n <= 40; n++)
	{
		k->to_float(hs + 700 * n, fs, n);
		for (size_t i = 0; i < n; i++, (*checks)++)
			if ((double) fs[i] != ref_half(hs[700 * n + i]) && failures++ < 10)
				printf("  %s: length %zu lane %zu wrong\n", k->name, n, i);
	}

	/* float -> half around every half, both signs */
	for (int h = 0; h < 0x7C00; h++)
		for (int s = 0; s < 2; s++)
		{
			float		v = (float) half_value[h];
			float		next = h < 0x7BFF ? (float) half_value[h + 1] : 65536.0f;
			float		mid = (float) ((half_value[h] + (h < 0x7BFF ? half_value[h + 1] : 65536.0)) / 2);
			float		cand[7] = {v, nextafterf(v, 0.0f), nextafterf(v, INFINITY),
			mid, nextafterf(mid, 0.0f), nextafterf(mid, INFINITY), next};

			for (int c = 0; c < 7; c++)
				failures += check_float(k, s ? -cand[c] : cand[c], checks);
		}
	/* specials, and random bit patterns (NaNs and infinities included) */
	{
		float		special[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 65504.0f, 65519.99f,
		65520.0f, 1e10f, 1e-10f, 0x1p-25f, 0x1.000002p-25f, 0x1p-26f, FLT_MIN, 1e-45f};

		for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
			failures += check_float(k, special[i], checks);
	}
	for (int i = 0; i < 2000000 && failures < 20; i++)
	{
		uint32_t	bits = (uint32_t) (rnd64() >> 32);
		float		f;

		/* most draws in the half range, where rounding matters */
		if (i % 4 != 0)
			bits = (bits & 0x807FFFFF) | ((uint32_t) (100 + (rnd64() >> 59)) << 23);
		memcpy(&f, &bits, sizeof(f));
		failures += check_float(k, f, checks);
	}
	return failures;
}

int
main(void)
{
	int			passed = 0,
				failed = 0,
				skipped = 0;
	const RvHalfKernels *variants[2] = {rv_half_kernels_scalar(), rv_half_kernels_f16c()};
	const char *names[2] = {"scalar", "f16c"};

	for (int h = 0; h < 0x7C00; h++)
		half_value[h] = ref_half((uint16_t) h);
	for (int v = 0; v < 2; v++)
	{
		long		checks = 0,
					failures;

		if (variants[v] == NULL)
		{
			printf("half %-7s skipped (not compiled for this architecture)\n", names[v]);
			skipped++;
			continue;
		}
		if (v == 1 && !rv_half_f16c_supported())
		{
			printf("half %-7s skipped (CPU lacks F16C)\n", names[v]);
			skipped++;
			continue;
		}
		failures = test_variant(variants[v], &checks);
		if (failures == 0)
		{
			printf("half %-7s passed (%ld checks: every half, every rounding boundary, random floats)\n",
				   names[v], checks);
			passed++;
		}
		else
		{
			printf("half %-7s FAILED (%ld of %ld checks)\n", names[v], failures, checks);
			failed++;
		}
	}
	for (int lv = RV_SIMD_SCALAR; lv < RV_SIMD_NLEVELS; lv++)
		printf("level %-7s converts halves with %s\n", rv_simd_level_name((RvSimdLevel) lv),
			   rv_half_kernels((RvSimdLevel) lv)->name);
	if (strcmp(rv_half_kernels(RV_SIMD_SCALAR)->name, "scalar") != 0)
	{
		printf("  FAILED: the scalar level must convert in C\n");
		failed++;
	}
	printf("half conversions: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
