/*-------------------------------------------------------------------------
 *
 * dispatch.c
 *	  The kernel table: which kernels the extension calls.
 *
 * rv_kernels starts out scalar (always safe) and is filled for the best
 * level the CPU supports when the extension loads (simd_guc.c).  The choice
 * can be lowered, never raised past what the CPU supports: selecting an
 * unsupported level fails and leaves the table as it was.  The fallback
 * policy is therefore "best supported, else scalar", and the same binary
 * runs on any x86-64 CPU.
 *
 * src/simd/dispatch.c
 *
 *-------------------------------------------------------------------------
 */
#include "kernels.h"

RvKernels	rv_kernels = {
	RV_SIMD_SCALAR,
	l2sq_f32_scalar, dot_f32_scalar, cosine_f32_scalar, l1_f32_scalar,
	l2sq_f32_batch_scalar, dot_f32_batch_scalar, cosine_f32_batch_scalar, l1_f32_batch_scalar,
	dot_sq8_batch_scalar, dot_sq4_batch_scalar, dot_f32_multi_scalar, fastscan_batch_scalar,
	fwht_f64_scalar, rabitq_prepare_scalar, rabitq_estimate_scalar
};

/* Was this level compiled into the binary? */
bool
rv_simd_level_compiled(RvSimdLevel level)
{
	if (level == RV_SIMD_SCALAR)
		return true;
#ifdef RV_HAVE_X86_KERNELS
	return level == RV_SIMD_AVX2 || level == RV_SIMD_AVX512;
#else
	return false;
#endif
}

/*
 * Fill *out with the kernels of one level, whether or not the CPU can run
 * them (the kernel tests check support themselves).  False if not compiled.
 * The avx512 level's SQ8 kernel is the VNNI one where the CPU has VNNI,
 * the AVX-512 BW one otherwise.
 */
bool
rv_kernels_for_level(RvSimdLevel level, RvKernels *out)
{
	switch (level)
	{
		case RV_SIMD_SCALAR:
			*out = (RvKernels) {
				RV_SIMD_SCALAR,
				l2sq_f32_scalar, dot_f32_scalar, cosine_f32_scalar, l1_f32_scalar,
				l2sq_f32_batch_scalar, dot_f32_batch_scalar, cosine_f32_batch_scalar,
				l1_f32_batch_scalar, dot_sq8_batch_scalar, dot_sq4_batch_scalar,
				dot_f32_multi_scalar, fastscan_batch_scalar,
				fwht_f64_scalar, rabitq_prepare_scalar, rabitq_estimate_scalar
			};
			return true;
#ifdef RV_HAVE_X86_KERNELS
		case RV_SIMD_AVX2:
			*out = (RvKernels) {
				RV_SIMD_AVX2,
				l2sq_f32_avx2, dot_f32_avx2, cosine_f32_avx2, l1_f32_avx2,
				l2sq_f32_batch_avx2, dot_f32_batch_avx2, cosine_f32_batch_avx2,
				l1_f32_batch_avx2, dot_sq8_batch_avx2, dot_sq4_batch_avx2,
				dot_f32_multi_avx2, fastscan_batch_avx2,
				fwht_f64_avx2, rabitq_prepare_avx2, rabitq_estimate_avx2
			};
			return true;
		case RV_SIMD_AVX512:
			*out = (RvKernels) {
				RV_SIMD_AVX512,
				l2sq_f32_avx512, dot_f32_avx512, cosine_f32_avx512, l1_f32_avx512,
				l2sq_f32_batch_avx512, dot_f32_batch_avx512, cosine_f32_batch_avx512,
				l1_f32_batch_avx512,
				rv_cpu_has_avx512vnni() ? dot_sq8_batch_avx512vnni : dot_sq8_batch_avx512,
				dot_sq4_batch_avx512, dot_f32_multi_avx512, fastscan_batch_avx512,
				fwht_f64_avx512, rabitq_prepare_avx512, rabitq_estimate_avx512
			};
			return true;
#endif
		default:
			return false;
	}
}

/*
 * Which kernels a level's table holds, and with which instructions, for
 * ruvector_simd_info(): every level has its own version of every kernel.
 */
const char *
rv_simd_level_kernels(RvSimdLevel level)
{
	switch (level)
	{
		case RV_SIMD_SCALAR:
			return "all: portable C";
#ifdef RV_HAVE_X86_KERNELS
		case RV_SIMD_AVX2:
			return "all: avx2+fma";
		case RV_SIMD_AVX512:
			return rv_cpu_has_avx512vnni()
				? "pair, batch and dot_multi: avx512f; dot_sq8_batch: avx512bw+vnni; "
				"dot_sq4_batch, fastscan_batch, rabitq_prepare: avx512bw; "
				"fwht_f64, rabitq_estimate: avx512f"
				: "pair, batch and dot_multi: avx512f; dot_sq8_batch, dot_sq4_batch, "
				"fastscan_batch, rabitq_prepare: avx512bw (no vnni); fwht_f64, "
				"rabitq_estimate: avx512f";
#endif
		default:
			return NULL;
	}
}

/*
 * Make `level` the one in use.  Returns false, changing nothing, when the
 * level is not compiled in or the CPU (or OS) does not support it.
 */
bool
rv_simd_select(RvSimdLevel level)
{
	RvKernels	k;

	if (!rv_cpu_supports(level) || !rv_kernels_for_level(level, &k))
		return false;
	rv_kernels = k;
	return true;
}
