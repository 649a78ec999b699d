/*-------------------------------------------------------------------------
 *
 * half.h
 *	  IEEE 754 binary16 (half precision) <-> binary32 conversion, the
 *	  storage of the halfvec type (src/type/halfvec.c).
 *
 * half -> float is exact (every half is a float).  float -> half rounds to
 * nearest, ties to even, as IEEE 754 and the F16C instructions do: values
 * of magnitude 65520 and above become infinity (the caller decides whether
 * that is an error), values below 2^-25 become (signed) zero, and NaN stays
 * a quiet NaN with the high bits of its payload.
 *
 * Two variants, one instruction set per file:
 *	- scalar (half_scalar.c): bit manipulation in C; the reference;
 *	- f16c   (half_f16c.c):   VCVTPH2PS / VCVTPS2PH, eight values at a time
 *			 (F16C with AVX; every AVX2 CPU has it).
 * The ruvector.simd level picks as for the bit kernels (half_dispatch.c):
 * scalar at `scalar`, f16c at `avx2` and `avx512` when CPUID says F16C.
 * Both give identical results for every input.
 *
 * src/simd/half.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_HALF_H
#define RUVECTOR_HALF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"

#define RV_HALF_MAX			65504.0f	/* the largest finite half */
#define RV_HALF_IS_INF(h)	(((h) & 0x7FFF) == 0x7C00)

typedef void (*RvHalfToFloatFn) (const uint16_t *h, float *f, size_t n);
typedef void (*RvFloatToHalfFn) (const float *f, uint16_t *h, size_t n);

typedef struct RvHalfKernels
{
	const char *name;
	RvHalfToFloatFn to_float;
	RvFloatToHalfFn to_half;
} RvHalfKernels;

/* One half as a float: exact. */
static inline float
rv_half_to_float(uint16_t h)
{
	uint32_t	sign = (uint32_t) (h & 0x8000) << 16;
	uint32_t	exp = (h >> 10) & 0x1F;
	uint32_t	mant = h & 0x3FF;
	uint32_t	bits;
	float		f;

	if (exp == 0)
	{
		/* zero or subnormal: mant * 2^-24, exact in float */
		f = (float) mant * 0x1p-24f;
		return sign ? -f : f;
	}
	if (exp == 31)
		bits = sign | 0x7F800000 | (mant << 13);
	else
		bits = sign | ((exp + 112) << 23) | (mant << 13);
	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* One float as a half, rounded to nearest, ties to even. */
static inline uint16_t
rv_float_to_half(float f)
{
	uint32_t	x;
	uint32_t	sign,
				absx,
				e,
				m,
				h,
				rem,
				halfway;
	int			shift;

	memcpy(&x, &f, sizeof(x));
	sign = (x >> 16) & 0x8000;
	absx = x & 0x7FFFFFFF;
	if (absx >= 0x7F800000)		/* infinity, NaN (kept quiet) */
		return (uint16_t) (sign | 0x7C00 |
						   (absx > 0x7F800000 ? 0x200 | ((absx >> 13) & 0x3FF) : 0));
	if (absx >= 0x477FF000)		/* >= 65520: rounds to infinity */
		return (uint16_t) (sign | 0x7C00);
	e = absx >> 23;
	m = absx & 0x7FFFFF;
	if (e >= 113)
	{
		/* a normal half: drop 13 bits of the mantissa, rounding */
		h = ((e - 112) << 10) | (m >> 13);
		rem = m & 0x1FFF;
		if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
			h++;				/* a carry into the exponent is right */
		return (uint16_t) (sign | h);
	}
	if (e < 102)				/* below 2^-25: zero */
		return (uint16_t) sign;
	/* a subnormal half: the significand in units of 2^-24, rounded */
	m |= 0x800000;
	shift = 126 - (int) e;		/* 14 .. 24 */
	h = m >> shift;
	rem = m & ((1u << shift) - 1);
	halfway = 1u << (shift - 1);
	if (rem > halfway || (rem == halfway && (h & 1)))
		h++;					/* may become the smallest normal: right */
	return (uint16_t) (sign | h);
}

/* half_scalar.c */
extern void half_to_float_scalar(const uint16_t *h, float *f, size_t n);
extern void float_to_half_scalar(const float *f, uint16_t *h, size_t n);

#ifdef RV_HAVE_X86_KERNELS
/* half_f16c.c */
extern void half_to_float_f16c(const uint16_t *h, float *f, size_t n);
extern void float_to_half_f16c(const float *f, uint16_t *h, size_t n);
#endif

/* half_dispatch.c */
extern bool rv_half_f16c_supported(void);
extern const RvHalfKernels *rv_half_kernels(RvSimdLevel level);
extern const RvHalfKernels *rv_half_kernels_scalar(void);
extern const RvHalfKernels *rv_half_kernels_f16c(void);	/* NULL if not compiled */

#endif							/* RUVECTOR_HALF_H */
