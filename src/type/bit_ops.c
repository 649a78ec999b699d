/*-------------------------------------------------------------------------
 *
 * bit_ops.c
 *	  Distances between values of PostgreSQL's bit type: Hamming and
 *	  Jaccard, as pgvector defines them (binary_quantize's output is such
 *	  a value).
 *
 *	hamming:  the number of positions where a and b differ;
 *	jaccard:  1 - |a AND b| / |a OR b|, and 1 when a and b share no set
 *			  bit (two strings of zeros included);
 * both as double precision.  The strings must have the same length.
 * Counting goes through the bit kernels of the level ruvector.simd selected
 * (src/simd/bits.h), which count bytes as they are: PostgreSQL keeps the
 * bits past a string's length zero.
 *
 * src/type/bit_ops.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/varbit.h"

#include "../simd/bits.h"

/* Refuse strings of different lengths, as pgvector does. */
static void
check_lengths(VarBit *a, VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b)),
				 errhint("Both bit strings must have the same length (e.g. both from "
						 "binary_quantize of vectors with the same dimensions).")));
}

PG_FUNCTION_INFO_V1(ruvector_hamming_distance);
/* hamming_distance(bit, bit): the number of differing bits. */
Datum
ruvector_hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);
	const RvBitsKernels *k = rv_bits_kernels(rv_kernels.level);

	check_lengths(a, b);
	PG_RETURN_FLOAT8((double) k->hamming(VARBITS(a), VARBITS(b), VARBITBYTES(a)));
}

PG_FUNCTION_INFO_V1(ruvector_jaccard_distance);
/* jaccard_distance(bit, bit): 1 - shared set bits / set bits of either. */
Datum
ruvector_jaccard_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);
	const RvBitsKernels *k = rv_bits_kernels(rv_kernels.level);
	uint64_t	n_and,
				n_or;

	check_lengths(a, b);
	k->jaccard(VARBITS(a), VARBITS(b), VARBITBYTES(a), &n_and, &n_or);
	if (n_and == 0)
		PG_RETURN_FLOAT8(1.0);
	PG_RETURN_FLOAT8(1.0 - (double) n_and / (double) n_or);
}

PG_FUNCTION_INFO_V1(ruvector_bits_kernel);
/* ruvector_bits_kernel(): the bit-string kernels the current ruvector.simd level uses. */
Datum
ruvector_bits_kernel(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(rv_bits_variant_name(rv_bits_kernels(rv_kernels.level)->variant)));
}
