/*-------------------------------------------------------------------------
 *
 * bits.h
 *	  Population-count kernels over bit strings: the Hamming and Jaccard
 *	  distances of PostgreSQL's bit type (src/type/bit_ops.c).
 *
 * Like kernels.h, this layer knows nothing of PostgreSQL: a bit string is
 * `nbytes` bytes, and the kernels count set bits of the bytes as they are,
 * so bits past the string's length must be zero (PostgreSQL keeps them
 * so in every bit value).  Every variant returns exactly the same counts:
 *	- hamming:  popcount(a XOR b)
 *	- jaccard:  popcount(a AND b) and popcount(a OR b), in one pass
 *
 * Three variants, one instruction set per file:
 *	- scalar   (bits_scalar.c): portable, a SWAR count per 64-bit word; the
 *			   reference the others are tested against;
 *	- popcnt   (bits_popcnt.c): the POPCNT instruction per 64-bit word;
 *	- avx512   (bits_avx512.c): AVX-512 VPOPCNTDQ, eight words at a time.
 * They are not a separate setting: each level of ruvector.simd allows the
 * variants of its generation, and the best one the CPU has is used
 * (bits_dispatch.c says which).  Names follow <metric>_bits_<variant>.
 *
 * src/simd/bits.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_BITS_H
#define RUVECTOR_BITS_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

typedef enum RvBitsVariant
{
	RV_BITS_SCALAR = 0,
	RV_BITS_POPCNT = 1,
	RV_BITS_AVX512 = 2,			/* AVX-512 F + VPOPCNTDQ */
	RV_BITS_NVARIANTS
} RvBitsVariant;

typedef uint64_t (*RvBitsHammingFn) (const unsigned char *a, const unsigned char *b,
									 size_t nbytes);
typedef void (*RvBitsJaccardFn) (const unsigned char *a, const unsigned char *b,
								 size_t nbytes, uint64_t *n_and, uint64_t *n_or);

/* One variant's kernels. */
typedef struct RvBitsKernels
{
	RvBitsVariant variant;
	RvBitsHammingFn hamming;
	RvBitsJaccardFn jaccard;
} RvBitsKernels;

/* bits_dispatch.c */
extern bool rv_bits_variant_compiled(RvBitsVariant variant);
extern bool rv_bits_variant_supported(RvBitsVariant variant);
extern bool rv_bits_kernels_for_variant(RvBitsVariant variant, RvBitsKernels *out);
extern const char *rv_bits_variant_name(RvBitsVariant variant);
extern const RvBitsKernels *rv_bits_kernels(RvSimdLevel level);

/* bits_scalar.c */
extern uint64_t hamming_bits_scalar(const unsigned char *a, const unsigned char *b, size_t nbytes);
extern void jaccard_bits_scalar(const unsigned char *a, const unsigned char *b, size_t nbytes,
								uint64_t *n_and, uint64_t *n_or);

#ifdef RV_HAVE_X86_KERNELS
/* bits_popcnt.c */
extern uint64_t hamming_bits_popcnt(const unsigned char *a, const unsigned char *b, size_t nbytes);
extern void jaccard_bits_popcnt(const unsigned char *a, const unsigned char *b, size_t nbytes,
								uint64_t *n_and, uint64_t *n_or);
/* bits_avx512.c */
extern uint64_t hamming_bits_avx512(const unsigned char *a, const unsigned char *b, size_t nbytes);
extern void jaccard_bits_avx512(const unsigned char *a, const unsigned char *b, size_t nbytes,
								uint64_t *n_and, uint64_t *n_or);
#endif

/* The last nbytes % 8 bytes of a string as one word, zero-extended. */
static inline uint64_t
rv_bits_tail_word(const unsigned char *p, size_t n)
{
	uint64_t	w = 0;

	for (size_t i = 0; i < n; i++)
		w |= (uint64_t) p[i] << (8 * i);
	return w;
}

/* Unaligned load of one 64-bit word. */
static inline uint64_t
rv_bits_load_word(const unsigned char *p)
{
	uint64_t	w;

	__builtin_memcpy(&w, p, sizeof(w));
	return w;
}

#endif							/* RUVECTOR_BITS_H */
