/*-------------------------------------------------------------------------
 *
 * kernels_avx512_sq8.h
 *	  The body of the AVX-512 SQ8 dot kernel, shared by kernels_avx512.c
 *	  (AVX-512 BW: vpmaddwd, then vpaddd) and kernels_avx512vnni.c
 *	  (AVX-512 VNNI: vpdpwssd, the two in one instruction).
 *
 * Each includer defines SQ8_STEP(acc, codes16, qpair), the accumulation of
 * one pair of dimensions for 16 lanes, and SQ8_UNROLL, how many pair rows
 * a pass of 32 lanes keeps in flight in separate accumulators (vpdpwssd's
 * latency is on the accumulator chain, vpaddd's is one cycle; a pass of
 * 64 lanes keeps at most two, as more accumulators than that spill on the
 * 128 x 56 shape), then includes this
 * file, which defines sq8_pass() and sq8_batch_body() as static functions.
 * Only those two files include it, each compiled with its own flags.
 *
 * Layout (kernels.h): for pair p the lanes are contiguous, two bytes each,
 * so 32 lanes are one 64-byte vector; unpacking its bytes against zero
 * gives int16 codes (even dimension, odd dimension, per lane) and one
 * multiply-add against the broadcast query pair gives int32 lane sums.
 * The lanes are scored in passes of up to 64; the last unit of 32 lanes of
 * the last pass is loaded and stored under opmasks, so no byte past the
 * block is read and no out[] past width is written.  The sums are exact
 * (the caller's bounds keep them within int32), so the result is the
 * scalar reference's, bit for bit.
 *
 * src/simd/kernels_avx512_sq8.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SQ8_STEP
#error "define SQ8_STEP and SQ8_UNROLL before including kernels_avx512_sq8.h"
#endif

#define SQ8_ALWAYS_INLINE inline __attribute__((always_inline))

/*
 * One pass over every pair row for lanes [l, l + 32 * nu), nu = 1 or 2
 * units of 32 lanes (64 code bytes per row each); the last unit holds only
 * `lastlanes` (1..31) lanes when `masked`, loaded and stored under opmasks.  A
 * unit's 64 bytes are widened to int16 by vpunpcklbw / vpunpckhbw against
 * zero, which work within 128-bit chunks: the low vector holds lanes 0-3,
 * 8-11, 16-19, 24-27 of the unit and the high one 4-7, 12-15, 20-23,
 * 28-31, and vpermt2q puts them back in order before the stores.  nu and
 * masked are constants at every call, so the loops unroll.  Per pair row
 * one line of `next` is prefetched per unit: a pass covers as many bytes
 * of the next page as it reads of this one.
 */
static SQ8_ALWAYS_INLINE void
sq8_pass(const int32_t *qpairs, const unsigned char *codes, size_t npairs,
		 size_t width, size_t l, const int nu, const bool masked,
		 unsigned lastlanes, int32_t *out,
		 const unsigned char *next, size_t *pf, size_t pfend)
{
	const __m512i zero = _mm512_setzero_si512();
	const __mmask64 lastmask = ((__mmask64) 1 << (2 * lastlanes)) - 1;
	/* rows in flight: SQ8_UNROLL for one unit, at most 2 for two */
	const int	ur = nu == 1 || SQ8_UNROLL < 2 ? SQ8_UNROLL : 2;
	__m512i		acc[SQ8_UNROLL][2][2];
	size_t		p = 0;

	for (int u = 0; u < ur; u++)
		for (int k = 0; k < nu; k++)
			acc[u][k][0] = acc[u][k][1] = zero;

#define SQ8_ROW(u_, p_) \
	do { \
		const unsigned char *row = codes + ((p_) * width + l) * 2; \
		__m512i		qp = _mm512_set1_epi32(qpairs[(p_)]); \
		_Pragma("GCC unroll 2") \
		for (int k = 0; k < nu; k++) \
		{ \
			__m512i		v; \
			if (*pf < pfend) \
			{ \
				_mm_prefetch((const char *) next + *pf, _MM_HINT_T0); \
				*pf += 64; \
			} \
			if (masked && k == nu - 1) \
				v = _mm512_maskz_loadu_epi8(lastmask, row + 64 * k); \
			else \
				v = _mm512_loadu_si512(row + 64 * k); \
			SQ8_STEP(acc[(u_)][k][0], _mm512_unpacklo_epi8(v, zero), qp); \
			SQ8_STEP(acc[(u_)][k][1], _mm512_unpackhi_epi8(v, zero), qp); \
		} \
	} while (0)

	for (; p + ur <= npairs; p += ur)
	{
		_Pragma("GCC unroll 4")
		for (int u = 0; u < ur; u++)
			SQ8_ROW(u, p + u);
	}
	for (; p < npairs; p++)
		SQ8_ROW(0, p);
#undef SQ8_ROW

	_Pragma("GCC unroll 2")
	for (int k = 0; k < nu; k++)
	{
		const __m512i first = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
		const __m512i second = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
		__m512i		lo = acc[0][k][0],
					hi = acc[0][k][1];
		__m512i		o0,
					o1;
		int32_t    *o = out + l + 32 * k;

		for (int u = 1; u < ur; u++)
		{
			lo = _mm512_add_epi32(lo, acc[u][k][0]);
			hi = _mm512_add_epi32(hi, acc[u][k][1]);
		}
		o0 = _mm512_permutex2var_epi64(lo, first, hi);	/* lanes 0-15 */
		o1 = _mm512_permutex2var_epi64(lo, second, hi); /* lanes 16-31 */
		if (masked && k == nu - 1)
		{
			uint32_t	lanes = (1u << lastlanes) - 1;

			_mm512_mask_storeu_epi32(o, (__mmask16) lanes, o0);
			_mm512_mask_storeu_epi32(o + 16, (__mmask16) (lanes >> 16), o1);
		}
		else
		{
			_mm512_storeu_si512(o, o0);
			_mm512_storeu_si512(o + 16, o1);
		}
	}
}

/*
 * The whole kernel: passes of 64 lanes, then one pass over the 1..63 lanes
 * left (one or two units, the last masked when the count is not a multiple
 * of 32).
 */
static SQ8_ALWAYS_INLINE void
sq8_batch_body(const int32_t *qpairs, const unsigned char *codes,
			   size_t npairs, size_t width, int32_t *out,
			   const unsigned char *next)
{
	size_t		l = 0;
	size_t		pf = 0,
				pfend = next ? npairs * width * 2 : 0;
	size_t		rest;

	for (; l + 64 <= width; l += 64)
		sq8_pass(qpairs, codes, npairs, width, l, 2, false, 0, out, next, &pf, pfend);
	rest = width - l;
	if (rest == 0)
		return;
	if (rest == 32)
		sq8_pass(qpairs, codes, npairs, width, l, 1, false, 0, out, next, &pf, pfend);
	else if (rest < 32)
		sq8_pass(qpairs, codes, npairs, width, l, 1, true, (unsigned) rest, out, next, &pf, pfend);
	else
		sq8_pass(qpairs, codes, npairs, width, l, 2, true, (unsigned) (rest - 32), out, next, &pf, pfend);
}
