/*-------------------------------------------------------------------------
 *
 * bits_dispatch.c
 *	  Which bit-string kernels run: CPU detection for POPCNT and AVX-512
 *	  VPOPCNTDQ, and their place in ruvector.simd's levels.
 *
 * The bit kernels follow the level of the float kernels (rv_kernels.level,
 * set by ruvector.simd), each level allowing the population count of its
 * generation:
 *	scalar -> scalar (SWAR);
 *	avx2   -> popcnt, when CPUID.1:ECX.POPCNT (every AVX2 CPU has it);
 *	avx512 -> avx512, when CPUID.7.0:ECX.AVX512_VPOPCNTDQ besides the
 *			  AVX-512 level (which checks the OS saves ZMM state); else popcnt.
 * A variant the CPU lacks is never chosen: the fallback is the next one
 * down, and scalar always works.  Detection happens once, on first use.
 *
 * src/simd/bits_dispatch.c
 *
 *-------------------------------------------------------------------------
 */
#include "bits.h"

#if defined(RV_HAVE_X86_KERNELS) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define RV_BITS_CPUID 1
#endif

static int	has_popcnt = -1;
static int	has_vpopcntdq = -1;

/* Probe CPUID once for POPCNT and VPOPCNTDQ. */
static void
detect(void)
{
	has_popcnt = 0;
	has_vpopcntdq = 0;
#ifdef RV_BITS_CPUID
	{
		unsigned int eax,
					ebx,
					ecx,
					edx;

		if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 23)))
			has_popcnt = 1;
		if (has_popcnt && rv_cpu_supports(RV_SIMD_AVX512) &&
			__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 14)))
			has_vpopcntdq = 1;
	}
#endif
}

/* Was this variant compiled into the binary? */
bool
rv_bits_variant_compiled(RvBitsVariant variant)
{
	if (variant == RV_BITS_SCALAR)
		return true;
#ifdef RV_HAVE_X86_KERNELS
	return variant == RV_BITS_POPCNT || variant == RV_BITS_AVX512;
#else
	return false;
#endif
}

/* Can this CPU (and OS) run this variant? */
bool
rv_bits_variant_supported(RvBitsVariant variant)
{
	if (has_popcnt < 0)
		detect();
	switch (variant)
	{
		case RV_BITS_SCALAR:
			return true;
		case RV_BITS_POPCNT:
			return rv_bits_variant_compiled(variant) && has_popcnt;
		case RV_BITS_AVX512:
			return rv_bits_variant_compiled(variant) && has_vpopcntdq;
		default:
			return false;
	}
}

/* Fill *out with one variant's kernels, supported or not; false if not compiled. */
bool
rv_bits_kernels_for_variant(RvBitsVariant variant, RvBitsKernels *out)
{
	switch (variant)
	{
		case RV_BITS_SCALAR:
			*out = (RvBitsKernels) {RV_BITS_SCALAR, hamming_bits_scalar, jaccard_bits_scalar};
			return true;
#ifdef RV_HAVE_X86_KERNELS
		case RV_BITS_POPCNT:
			*out = (RvBitsKernels) {RV_BITS_POPCNT, hamming_bits_popcnt, jaccard_bits_popcnt};
			return true;
		case RV_BITS_AVX512:
			*out = (RvBitsKernels) {RV_BITS_AVX512, hamming_bits_avx512, jaccard_bits_avx512};
			return true;
#endif
		default:
			return false;
	}
}

/* The name of a variant, as ruvector_bits_kernel() reports it. */
const char *
rv_bits_variant_name(RvBitsVariant variant)
{
	switch (variant)
	{
		case RV_BITS_SCALAR:
			return "scalar";
		case RV_BITS_POPCNT:
			return "popcnt";
		case RV_BITS_AVX512:
			return "avx512_vpopcntdq";
		default:
			return "unknown";
	}
}

/* The best kernels that `level` allows and the CPU runs (the file banner's table). */
const RvBitsKernels *
rv_bits_kernels(RvSimdLevel level)
{
	static RvBitsKernels table[RV_SIMD_NLEVELS];
	static bool filled = false;

	if (!filled)
	{
		for (int lv = RV_SIMD_SCALAR; lv < RV_SIMD_NLEVELS; lv++)
		{
			RvBitsVariant v = lv == RV_SIMD_AVX512 ? RV_BITS_AVX512 :
				lv == RV_SIMD_AVX2 ? RV_BITS_POPCNT : RV_BITS_SCALAR;

			while (!rv_bits_variant_supported(v))
				v = (RvBitsVariant) (v - 1);
			rv_bits_kernels_for_variant(v, &table[lv]);
		}
		filled = true;
	}
	if (level < RV_SIMD_SCALAR || level >= RV_SIMD_NLEVELS)
		level = RV_SIMD_SCALAR;
	return &table[level];
}
