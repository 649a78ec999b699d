/*-------------------------------------------------------------------------
 *
 * cpu.c
 *	  CPU feature detection, done once, in one place.
 *
 * A level is usable only when the CPU has the instructions AND the operating
 * system saves the registers they use across context switches:
 *	- AVX2:    CPUID.1:ECX.{OSXSAVE,AVX,FMA}, CPUID.7.0:EBX.AVX2, and
 *			   XGETBV(0) showing the XMM and YMM state enabled;
 *	- AVX-512: additionally CPUID.7.0:EBX.{AVX512F,AVX512BW} and XGETBV(0)
 *			   showing the opmask, ZMM_Hi256 and Hi16_ZMM state enabled
 *			   (BW for the SQ8 and SQ4 kernels' 16-bit multiply-adds and
 *			   byte opmasks);
 *	- AVX-512 VNNI (CPUID.7.0:ECX.AVX512_VNNI), not a level of its own: the
 *			   avx512 level's SQ8 kernel uses vpdpwssd when the CPU has it
 *			   (rv_cpu_has_avx512vnni, true only where avx512 is usable).
 * XGETBV is executed only after OSXSAVE says it exists.  On other
 * architectures only the scalar level exists.
 *
 * src/simd/cpu.c
 *
 *-------------------------------------------------------------------------
 */
#include "kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <stdint.h>

/* XCR0, read without needing -mxsave for the _xgetbv intrinsic */
static uint64_t
read_xcr0(void)
{
	uint32_t	eax,
				edx;

	__asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return ((uint64_t) edx << 32) | eax;
}

static bool detected_vnni = false;

/* Probe the CPU; returns the best usable level (and notes VNNI). */
static RvSimdLevel
detect_level(void)
{
	unsigned int eax,
				ebx,
				ecx,
				edx;
	uint64_t	xcr0;
	bool		avx2;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return RV_SIMD_SCALAR;
	/* OSXSAVE (27), AVX (28), FMA (12) */
	if (!(ecx & (1u << 27)) || !(ecx & (1u << 28)) || !(ecx & (1u << 12)))
		return RV_SIMD_SCALAR;
	xcr0 = read_xcr0();
	if ((xcr0 & 0x6) != 0x6)	/* XMM and YMM state */
		return RV_SIMD_SCALAR;
	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return RV_SIMD_SCALAR;
	avx2 = (ebx & (1u << 5)) != 0;
	if (!avx2)
		return RV_SIMD_SCALAR;
	/* AVX512F (16), AVX512BW (30), opmask, ZMM_Hi256, Hi16_ZMM state (5-7) */
	if ((ebx & (1u << 16)) && (ebx & (1u << 30)) && (xcr0 & 0xe6) == 0xe6)
	{
		detected_vnni = (ecx & (1u << 11)) != 0;	/* AVX512_VNNI */
		return RV_SIMD_AVX512;
	}
	return RV_SIMD_AVX2;
}
#else
static bool detected_vnni = false;

/* Non-x86 (or non-GNU compilers): scalar only. */
static RvSimdLevel
detect_level(void)
{
	return RV_SIMD_SCALAR;
}
#endif

static int	cached_level = -1;

/* Best level this CPU and OS support (detected on the first call). */
RvSimdLevel
rv_cpu_best_level(void)
{
	if (cached_level < 0)
		cached_level = (int) detect_level();
	return (RvSimdLevel) cached_level;
}

/* Does the CPU have AVX-512 VNNI, with the avx512 level usable? */
bool
rv_cpu_has_avx512vnni(void)
{
	(void) rv_cpu_best_level();
	return detected_vnni;
}

/* Does the CPU support this level?  Levels are cumulative. */
bool
rv_cpu_supports(RvSimdLevel level)
{
	return level >= RV_SIMD_SCALAR && level <= rv_cpu_best_level();
}

/* The user-visible name of a level, as ruvector.simd spells it. */
const char *
rv_simd_level_name(RvSimdLevel level)
{
	switch (level)
	{
		case RV_SIMD_SCALAR:
			return "scalar";
		case RV_SIMD_AVX2:
			return "avx2";
		case RV_SIMD_AVX512:
			return "avx512";
		default:
			return "unknown";
	}
}
