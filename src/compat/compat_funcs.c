/*-------------------------------------------------------------------------
 *
 * compat_funcs.c
 *	  Functions of the compatibility extension `vector` that ruvector's
 *	  type has no counterpart for.  Everything else in sql/vector--*.sql
 *	  binds ruvector's own C functions (the types share one layout).
 *
 * src/compat/compat_funcs.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/varbit.h"

#include "../type/vector.h"

PG_FUNCTION_INFO_V1(ruvector_binary_quantize);
/* binary_quantize(vector) -> bit(dim): bit i is set when element i is positive. */
Datum
ruvector_binary_quantize(PG_FUNCTION_ARGS)
{
	RuVector   *v = PG_GETARG_RUVECTOR_P(0);
	int			len = VARBITTOTALLEN(v->dim);
	VarBit	   *result = palloc0(len);
	bits8	   *out = VARBITS(result);

	SET_VARSIZE(result, len);
	VARBITLEN(result) = v->dim;
	for (int i = 0; i < v->dim; i++)
		if (v->x[i] > 0.0f)
			out[i / BITS_PER_BYTE] |= (bits8) (1 << (BITS_PER_BYTE - 1 - i % BITS_PER_BYTE));
	PG_RETURN_VARBIT_P(result);
}
