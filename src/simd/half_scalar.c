/*-------------------------------------------------------------------------
 *
 * half_scalar.c
 *	  Half <-> float conversion of arrays in C: the reference the F16C
 *	  version is tested against (half.h has the rules).
 *
 * src/simd/half_scalar.c
 *
 *-------------------------------------------------------------------------
 */
#include "half.h"

/* n halves to floats, exactly. */
void
half_to_float_scalar(const uint16_t *h, float *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		f[i] = rv_half_to_float(h[i]);
}

/* n floats to halves, rounded to nearest even. */
void
float_to_half_scalar(const float *f, uint16_t *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h[i] = rv_float_to_half(f[i]);
}
