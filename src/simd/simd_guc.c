/*-------------------------------------------------------------------------
 *
 * simd_guc.c
 *	  The PostgreSQL face of the kernel layer: the ruvector.simd setting and
 *	  the ruvector_simd_info() function.
 *
 * ruvector.simd = auto | scalar | avx2 | avx512 (superuser).  'auto' picks
 * the best level the CPU supports; naming a level the CPU lacks is refused
 * by the check hook with an error, and the kernels in use stay as they were.
 *
 * src/simd/simd_guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "kernels.h"
#include "simd_guc.h"

#define RV_SIMD_AUTO	(-1)

static const struct config_enum_entry simd_options[] = {
	{"auto", RV_SIMD_AUTO, false},
	{"scalar", RV_SIMD_SCALAR, false},
	{"avx2", RV_SIMD_AVX2, false},
	{"avx512", RV_SIMD_AVX512, false},
	{NULL, 0, false}
};

static int	simd_setting = RV_SIMD_AUTO;

/* Refuse a level that is not compiled in or that the CPU lacks. */
static bool
check_simd(int *newval, void **extra, GucSource source)
{
	RvKernels	k;

	(void) extra;
	(void) source;
	if (*newval == RV_SIMD_AUTO)
		return true;
	if (!rv_kernels_for_level((RvSimdLevel) *newval, &k))
	{
		GUC_check_errcode(ERRCODE_FEATURE_NOT_SUPPORTED);
		GUC_check_errmsg("SIMD level \"%s\" is not compiled into this build of ruvector",
						 rv_simd_level_name((RvSimdLevel) *newval));
		return false;
	}
	if (!rv_cpu_supports((RvSimdLevel) *newval))
	{
		GUC_check_errcode(ERRCODE_FEATURE_NOT_SUPPORTED);
		GUC_check_errmsg("this CPU does not support SIMD level \"%s\"",
						 rv_simd_level_name((RvSimdLevel) *newval));
		GUC_check_errhint("The best level this CPU supports is \"%s\"; use \"auto\" to pick it.",
						  rv_simd_level_name(rv_cpu_best_level()));
		return false;
	}
	return true;
}

/* Fill the kernel table for the chosen level. */
static void
assign_simd(int newval, void *extra)
{
	(void) extra;
	rv_simd_select(newval == RV_SIMD_AUTO ? rv_cpu_best_level() : (RvSimdLevel) newval);
}

/* Define ruvector.simd and select the kernels; called from _PG_init. */
void
RvSimdInit(void)
{
	rv_simd_select(rv_cpu_best_level());
	DefineCustomEnumVariable("ruvector.simd",
							 "Instruction-set level of the distance kernels.",
							 "auto picks the best level the CPU supports; scalar, avx2 "
							 "and avx512 force one (for testing and comparison).",
							 &simd_setting,
							 RV_SIMD_AUTO,
							 simd_options,
							 PGC_SUSET,
							 0,
							 check_simd, assign_simd, NULL);
}

PG_FUNCTION_INFO_V1(ruvector_simd_info);
/*
 * One row per level: compiled in, supported by this CPU, in use, and which
 * instructions its kernels use (NULL where the level is not compiled).
 */
Datum
ruvector_simd_info(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (int lv = RV_SIMD_SCALAR; lv < RV_SIMD_NLEVELS; lv++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		const char *kernels = rv_simd_level_kernels((RvSimdLevel) lv);

		values[0] = CStringGetTextDatum(rv_simd_level_name((RvSimdLevel) lv));
		values[1] = BoolGetDatum(rv_simd_level_compiled((RvSimdLevel) lv));
		values[2] = BoolGetDatum(rv_cpu_supports((RvSimdLevel) lv));
		values[3] = BoolGetDatum(rv_kernels.level == (RvSimdLevel) lv);
		if (kernels)
			values[4] = CStringGetTextDatum(kernels);
		else
			nulls[4] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
