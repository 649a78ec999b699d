/*-------------------------------------------------------------------------
 *
 * test_bits.c
 *	  Checks every bit-string kernel variant (src/simd/bits.h) against a
 *	  bit-by-bit reference, and the level -> variant choice.
 *
 * For every length 0 .. 1100 bytes (every tail of every unrolled loop) and
 * five densities of set bits (none, sparse, half, dense, all), each
 * variant's Hamming count, AND count and OR count must equal the reference,
 * which tests each bit of each byte on its own: exact integers, so any
 * dropped, repeated or misread byte fails.  Both inputs end exactly at a
 * PROT_NONE guard page, so a kernel that reads one byte past the end
 * crashes the test; the second input also starts at every alignment.
 *
 * A variant that is not compiled in, or that the CPU lacks, is reported as
 * skipped, by name: never a silent pass.
 *
 * test/kernels/test_bits.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/simd/bits.h"

#define MAX_BYTES	1100

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

/* xorshift64*: deterministic, so a failure reproduces */
static uint64_t
rnd64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* `bytes` usable bytes (page-rounded) followed by a PROT_NONE page; returns the guard's address. */
static unsigned char *
guarded_end(size_t bytes)
{
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	size_t		usable = (bytes + page - 1) / page * page;
	unsigned char *base = mmap(NULL, usable + page, PROT_READ | PROT_WRITE,
							   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED || mprotect(base + usable, page, PROT_NONE) != 0)
	{
		perror("mmap/mprotect");
		exit(2);
	}
	return base + usable;
}

/* Fill n bytes, each bit set with probability density/8 (0 and 8: none, all). */
static void
fill(unsigned char *p, size_t n, int density)
{
	for (size_t i = 0; i < n; i++)
	{
		unsigned	byte = 0;

		for (int bit = 0; bit < 8; bit++)
			if ((int) (rnd64() >> 61) < density)
				byte |= 1u << bit;
		p[i] = (unsigned char) byte;
	}
}

/* The reference: each bit of each byte tested on its own. */
static void
reference(const unsigned char *a, const unsigned char *b, size_t n,
		  uint64_t *ham, uint64_t *n_and, uint64_t *n_or)
{
	*ham = *n_and = *n_or = 0;
	for (size_t i = 0; i < n; i++)
		for (int bit = 0; bit < 8; bit++)
		{
			int			x = (a[i] >> bit) & 1;
			int			y = (b[i] >> bit) & 1;

			*ham += x != y;
			*n_and += x & y;
			*n_or += x | y;
		}
}

/* Every length, density and alignment for one variant; returns the failures. */
static long
test_variant(const RvBitsKernels *k, const char *name, long *checks)
{
	static const int densities[] = {0, 1, 4, 7, 8};
	unsigned char *enda = guarded_end(MAX_BYTES);
	unsigned char *endb = guarded_end(MAX_BYTES + 64);
	long		failures = 0;

	for (size_t n = 0; n <= MAX_BYTES; n++)
		for (size_t d = 0; d < sizeof(densities) / sizeof(densities[0]); d++)
		{
			unsigned char *a = enda - n;
			unsigned char *b = endb - n - (n % 64);	/* every alignment, then a gap */
			uint64_t	rh,
						ra,
						ro,
						h,
						na,
						no;

			fill(a, n, densities[d]);
			fill(b, n, densities[(d + n) % 5]);
			reference(a, b, n, &rh, &ra, &ro);
			h = k->hamming(a, b, n);
			k->jaccard(a, b, n, &na, &no);
			/* and once with b at its guard too */
			if (n % 64 != 0)
			{
				unsigned char *b2 = endb - n;
				uint64_t	h2,
							na2,
							no2;

				memmove(b2, b, n);
				h2 = k->hamming(a, b2, n);
				k->jaccard(b2, a, n, &na2, &no2);
				if (h2 != rh || na2 != ra || no2 != ro)
				{
					if (failures < 10)
						printf("  %s: n=%zu (b at guard): hamming %llu/%llu and %llu/%llu or %llu/%llu (got/ref)\n",
							   name, n, (unsigned long long) h2, (unsigned long long) rh,
							   (unsigned long long) na2, (unsigned long long) ra,
							   (unsigned long long) no2, (unsigned long long) ro);
					failures++;
				}
				(*checks)++;
			}
			if (h != rh || na != ra || no != ro)
			{
				if (failures < 10)
					printf("  %s: n=%zu density %d: hamming %llu/%llu and %llu/%llu or %llu/%llu (got/ref)\n",
						   name, n, densities[d], (unsigned long long) h, (unsigned long long) rh,
						   (unsigned long long) na, (unsigned long long) ra,
						   (unsigned long long) no, (unsigned long long) ro);
				failures++;
			}
			(*checks)++;
		}
	return failures;
}

/* The variant each level uses must be supported and of that level's generation or below. */
static long
test_choice(void)
{
	long		failures = 0;

	for (int lv = RV_SIMD_SCALAR; lv < RV_SIMD_NLEVELS; lv++)
	{
		const RvBitsKernels *k = rv_bits_kernels((RvSimdLevel) lv);
		int			cap = lv == RV_SIMD_AVX512 ? RV_BITS_AVX512 :
			lv == RV_SIMD_AVX2 ? RV_BITS_POPCNT : RV_BITS_SCALAR;

		printf("level %-7s uses bit kernels %s\n", rv_simd_level_name((RvSimdLevel) lv),
			   rv_bits_variant_name(k->variant));
		if (!rv_bits_variant_supported(k->variant) || (int) k->variant > cap)
		{
			printf("  FAILED: variant %s at level %s\n", rv_bits_variant_name(k->variant),
				   rv_simd_level_name((RvSimdLevel) lv));
			failures++;
		}
		/* the best the CPU has up to the cap */
		for (int v = (int) k->variant + 1; v <= cap; v++)
			if (rv_bits_variant_supported((RvBitsVariant) v))
			{
				printf("  FAILED: level %s uses %s though %s is supported\n",
					   rv_simd_level_name((RvSimdLevel) lv), rv_bits_variant_name(k->variant),
					   rv_bits_variant_name((RvBitsVariant) v));
				failures++;
			}
	}
	return failures;
}

int
main(void)
{
	int			passed = 0,
				failed = 0,
				skipped = 0;

	for (int v = RV_BITS_SCALAR; v < RV_BITS_NVARIANTS; v++)
	{
		const char *name = rv_bits_variant_name((RvBitsVariant) v);
		RvBitsKernels k;
		long		checks = 0,
					failures;

		if (!rv_bits_kernels_for_variant((RvBitsVariant) v, &k))
		{
			printf("bits %-16s skipped (not compiled for this architecture)\n", name);
			skipped++;
			continue;
		}
		if (!rv_bits_variant_supported((RvBitsVariant) v))
		{
			printf("bits %-16s skipped (CPU lacks %s)\n", name, name);
			skipped++;
			continue;
		}
		failures = test_variant(&k, name, &checks);
		if (failures == 0)
		{
			printf("bits %-16s passed (%ld checks, lengths 0..%d bytes)\n", name, checks, MAX_BYTES);
			passed++;
		}
		else
		{
			printf("bits %-16s FAILED (%ld of %ld checks)\n", name, failures, checks);
			failed++;
		}
	}
	if (test_choice() != 0)
		failed++;
	printf("bit kernels: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
