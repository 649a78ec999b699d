/*-------------------------------------------------------------------------
 *
 * bits_scalar.c
 *	  Portable bit-string kernels: a SWAR population count per 64-bit word.
 *	  The reference the POPCNT and AVX-512 kernels are tested against.
 *
 * src/simd/bits_scalar.c
 *
 *-------------------------------------------------------------------------
 */
#include "bits.h"

/* Set bits of one word, by adding neighbouring bit fields (no POPCNT needed). */
static inline uint64_t
popcount64_swar(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
	return (x * 0x0101010101010101ull) >> 56;
}

/* popcount(a XOR b) over nbytes bytes. */
uint64_t
hamming_bits_scalar(const unsigned char *a, const unsigned char *b, size_t nbytes)
{
	uint64_t	n = 0;
	size_t		i = 0;

	for (; i + 8 <= nbytes; i += 8)
		n += popcount64_swar(rv_bits_load_word(a + i) ^ rv_bits_load_word(b + i));
	n += popcount64_swar(rv_bits_tail_word(a + i, nbytes - i) ^
						 rv_bits_tail_word(b + i, nbytes - i));
	return n;
}

/* popcount(a AND b) and popcount(a OR b) over nbytes bytes. */
void
jaccard_bits_scalar(const unsigned char *a, const unsigned char *b, size_t nbytes,
					uint64_t *n_and, uint64_t *n_or)
{
	uint64_t	na = 0,
				no = 0,
				wa,
				wb;
	size_t		i = 0;

	for (; i + 8 <= nbytes; i += 8)
	{
		wa = rv_bits_load_word(a + i);
		wb = rv_bits_load_word(b + i);
		na += popcount64_swar(wa & wb);
		no += popcount64_swar(wa | wb);
	}
	wa = rv_bits_tail_word(a + i, nbytes - i);
	wb = rv_bits_tail_word(b + i, nbytes - i);
	*n_and = na + popcount64_swar(wa & wb);
	*n_or = no + popcount64_swar(wa | wb);
}
