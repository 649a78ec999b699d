/*-------------------------------------------------------------------------
 *
 * kernels_avx512vnni.c
 *	  The SQ8 dot kernel for x86-64 CPUs with AVX-512 VNNI.
 *
 * Built with -mavx512f -mavx512bw -mavx512vnni.  AVX-512 VNNI is not part
 * of the avx512 level's requirements (a Skylake-X class CPU has F and BW
 * without it): dispatch.c puts this kernel in the avx512 table only when
 * cpu.c found VNNI too, and uses dot_sq8_batch_avx512 (kernels_avx512.c)
 * otherwise.
 *
 * vpdpwssd multiplies and adds a pair of int16 codes and the query pair
 * into the int32 accumulator in one instruction (no saturation: the same
 * exact sums as vpmaddwd then vpaddd).  Its latency lies on the
 * accumulator chain, so a pass keeps four pair rows (two, for 64 lanes) in
 * flight in separate accumulators and adds them at the end.
 *
 * src/simd/kernels_avx512vnni.c
 *
 *-------------------------------------------------------------------------
 */
#include "kernels.h"

#ifdef RV_HAVE_X86_KERNELS

#include <immintrin.h>

#define SQ8_STEP(acc, c16, qp) \
	((acc) = _mm512_dpwssd_epi32((acc), (c16), (qp)))
#define SQ8_UNROLL 4
#include "kernels_avx512_sq8.h"

/* Batch dot product against pair-interleaved SQ8 codes, with vpdpwssd. */
void
dot_sq8_batch_avx512vnni(const int32_t *qpairs, const unsigned char *codes,
						 size_t npairs, size_t width, int32_t *out,
						 const unsigned char *next)
{
	sq8_batch_body(qpairs, codes, npairs, width, out, next);
}

#endif							/* RV_HAVE_X86_KERNELS */
