/*-------------------------------------------------------------------------
 *
 * kernels_avx512_sq8.h
 *	  The body of the AVX-512 SQ8 dot kernel, shared by kernels_avx512.c
 *	  (AVX-512 BW: vpmaddwd, then vpaddd) and kernels_avx512vnni.c
 *	  (AVX-512 VNNI: vpdpwssd, the two in one instruction).
 *
 * Each includer defines SQ8_STEP(acc, codes16, qpair), the accumulation of
 * one pair of dimensions for 16 lanes, and SQ8_UNROLL, how many pair rows
 * a pass keeps in flight in separate accumulators (vpdpwssd's latency is
 * on the accumulator chain, vpaddd's is one cycle), then includes this
 * file, which defines sq8_pass() and sq8_batch_body() as static functions.
 * Only those two files include it, each compiled with its own flags.
 *
 * Layout (kernels.h): for pair p the lanes are contiguous, two bytes each,
 * so 16 lanes are 32 bytes; vpmovzxbw widens them to 32 int16 (code of the
 * even dimension, code of the odd one, per lane) and one multiply-add
 * against the broadcast query pair gives 16 int32 lane sums.  The lanes
 * are scored in passes of up to 64 (four vectors); the last vector of the
 * last pass is loaded and stored under an opmask, so no byte past the
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

/* 16 lanes of one pair row widened to int16; `m` (16 bits) masks lanes */
static SQ8_ALWAYS_INLINE __m512i
sq8_load16(const unsigned char *row, bool masked, __mmask32 m)
{
	if (masked)
		return _mm512_cvtepu8_epi16(_mm512_castsi512_si256(_mm512_maskz_loadu_epi16(m, row)));
	return _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *) row));
}

/*
 * One pass over every pair row for lanes [l, l + 16 * nv), nv = 1..4
 * vectors, the last masked to `lastmask` lanes when `masked`; nv and
 * masked are constants at every call, so the loops unroll.  Per pair row
 * nv / 2 (at least one) lines of `next` are prefetched: a whole pass then
 * covers as many bytes of the next page as it reads of this one.
 */
static SQ8_ALWAYS_INLINE void
sq8_pass(const int32_t *qpairs, const unsigned char *codes, size_t npairs,
		 size_t width, size_t l, const int nv, const bool masked,
		 __mmask16 lastmask, int32_t *out,
		 const unsigned char *next, size_t *pf, size_t pfend)
{
	__m512i		acc[SQ8_UNROLL][4];
	size_t		p = 0;
	const int	lines = nv > 2 ? 2 : 1;

	for (int u = 0; u < SQ8_UNROLL; u++)
		for (int k = 0; k < nv; k++)
			acc[u][k] = _mm512_setzero_si512();

	for (; p + SQ8_UNROLL <= npairs; p += SQ8_UNROLL)
	{
		_Pragma("GCC unroll 4")
		for (int u = 0; u < SQ8_UNROLL; u++)
		{
			const unsigned char *row = codes + ((p + u) * width + l) * 2;
			__m512i		qp = _mm512_set1_epi32(qpairs[p + u]);

			_Pragma("GCC unroll 2")
			for (int i = 0; i < lines; i++)
				if (*pf < pfend)
				{
					_mm_prefetch((const char *) next + *pf, _MM_HINT_T0);
					*pf += 64;
				}
			_Pragma("GCC unroll 4")
			for (int k = 0; k < nv; k++)
			{
				bool		mk = masked && k == nv - 1;

				SQ8_STEP(acc[u][k], sq8_load16(row + 32 * k, mk, lastmask), qp);
			}
		}
	}
	for (; p < npairs; p++)
	{
		const unsigned char *row = codes + (p * width + l) * 2;
		__m512i		qp = _mm512_set1_epi32(qpairs[p]);

		_Pragma("GCC unroll 2")
		for (int i = 0; i < lines; i++)
			if (*pf < pfend)
			{
				_mm_prefetch((const char *) next + *pf, _MM_HINT_T0);
				*pf += 64;
			}
		_Pragma("GCC unroll 4")
		for (int k = 0; k < nv; k++)
		{
			bool		mk = masked && k == nv - 1;

			SQ8_STEP(acc[0][k], sq8_load16(row + 32 * k, mk, lastmask), qp);
		}
	}

	_Pragma("GCC unroll 4")
	for (int k = 0; k < nv; k++)
	{
		__m512i		s = acc[0][k];

		for (int u = 1; u < SQ8_UNROLL; u++)
			s = _mm512_add_epi32(s, acc[u][k]);
		if (masked && k == nv - 1)
			_mm512_mask_storeu_epi32(out + l + 16 * k, lastmask, s);
		else
			_mm512_storeu_si512(out + l + 16 * k, s);
	}
}

/*
 * The whole kernel: passes of 64 lanes, then one pass over the 1..63 lanes
 * left (1..4 vectors, the last masked when the count is not a multiple of
 * 16).
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
	__mmask16	m;

	for (; l + 64 <= width; l += 64)
		sq8_pass(qpairs, codes, npairs, width, l, 4, false, 0xFFFF, out, next, &pf, pfend);
	rest = width - l;
	if (rest == 0)
		return;
	m = (__mmask16) ((1u << (rest % 16)) - 1u);
	switch ((rest + 15) / 16 * 2 + (rest % 16 != 0))
	{
		case 2:
			sq8_pass(qpairs, codes, npairs, width, l, 1, false, 0xFFFF, out, next, &pf, pfend);
			break;
		case 3:
			sq8_pass(qpairs, codes, npairs, width, l, 1, true, m, out, next, &pf, pfend);
			break;
		case 4:
			sq8_pass(qpairs, codes, npairs, width, l, 2, false, 0xFFFF, out, next, &pf, pfend);
			break;
		case 5:
			sq8_pass(qpairs, codes, npairs, width, l, 2, true, m, out, next, &pf, pfend);
			break;
		case 6:
			sq8_pass(qpairs, codes, npairs, width, l, 3, false, 0xFFFF, out, next, &pf, pfend);
			break;
		case 7:
			sq8_pass(qpairs, codes, npairs, width, l, 3, true, m, out, next, &pf, pfend);
			break;
		default:
			sq8_pass(qpairs, codes, npairs, width, l, 4, true, m, out, next, &pf, pfend);
			break;
	}
}
