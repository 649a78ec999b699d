/*-------------------------------------------------------------------------
 *
 * half_dispatch.c
 *	  Which half <-> float conversion runs.
 *
 * The ruvector.simd level decides (rv_kernels.level): `scalar` converts in
 * C; `avx2` and `avx512` use F16C when CPUID.1:ECX.F16C says the CPU has it
 * (the AVX2 level has already checked that the OS saves YMM state), else C.
 * Detection happens once, on first use.  Both give the same bits.
 *
 * src/simd/half_dispatch.c
 *
 *-------------------------------------------------------------------------
 */
#include "half.h"

#if defined(RV_HAVE_X86_KERNELS) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define RV_HALF_CPUID 1
#endif

static const RvHalfKernels scalar_kernels = {"scalar", half_to_float_scalar, float_to_half_scalar};

#ifdef RV_HAVE_X86_KERNELS
static const RvHalfKernels f16c_kernels = {"f16c", half_to_float_f16c, float_to_half_f16c};
#endif

static int	has_f16c = -1;

/* Does the CPU (and OS) run F16C? */
bool
rv_half_f16c_supported(void)
{
	if (has_f16c < 0)
	{
		has_f16c = 0;
#ifdef RV_HALF_CPUID
		{
			unsigned int eax,
						ebx,
						ecx,
						edx;

			if (rv_cpu_supports(RV_SIMD_AVX2) &&
				__get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)))
				has_f16c = 1;
		}
#endif
	}
	return has_f16c == 1;
}

/* The scalar conversion. */
const RvHalfKernels *
rv_half_kernels_scalar(void)
{
	return &scalar_kernels;
}

/* The F16C conversion, supported or not; NULL where not compiled. */
const RvHalfKernels *
rv_half_kernels_f16c(void)
{
#ifdef RV_HAVE_X86_KERNELS
	return &f16c_kernels;
#else
	return NULL;
#endif
}

/* The conversion that `level` allows and the CPU runs. */
const RvHalfKernels *
rv_half_kernels(RvSimdLevel level)
{
	if (level >= RV_SIMD_AVX2 && rv_half_f16c_supported() && rv_half_kernels_f16c() != NULL)
		return rv_half_kernels_f16c();
	return &scalar_kernels;
}
