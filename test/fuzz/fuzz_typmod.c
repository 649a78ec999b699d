/*-------------------------------------------------------------------------
 *
 * fuzz_typmod.c
 *	  Fuzz target: ruvector's typmod input (RuVectorTypmodFromMods), what
 *	  ruvector(n) declares.
 *
 * The input is read as up to 8 int32 modifiers.  The function must accept
 * exactly one modifier in 1 .. RUVECTOR_MAX_DIM, return it unchanged, and
 * reject everything else with 22023.
 *
 * test/fuzz/fuzz_typmod.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_support.h"

typedef struct TypmodArgs
{
	const int32 *mods;
	int			n;
	int32		result;
} TypmodArgs;

static const int typmod_errors[] = {ERRCODE_INVALID_PARAMETER_VALUE, 0};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* rvf_call's view of RuVectorTypmodFromMods. */
static void
typmod_in(void *arg)
{
	TypmodArgs *a = arg;

	a->result = RuVectorTypmodFromMods(a->mods, a->n);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			n = (int) Min(size / sizeof(int32), 8);
	int32	   *mods;
	TypmodArgs	a;
	bool		valid;

	rvf_set_input(data, size);
	/* exactly n modifiers, so that reading past them shows */
	mods = palloc(sizeof(int32) * n);
	memcpy(mods, data, sizeof(int32) * n);
	a.mods = mods;
	a.n = n;
	a.result = 0;
	valid = n == 1 && mods[0] >= 1 && mods[0] <= RUVECTOR_MAX_DIM;

	if (rvf_call(typmod_in, &a))
	{
		if (!valid)
			rvf_fail("typmod accepted: %d modifier(s), the first %d", n, n ? mods[0] : 0);
		if (a.result != mods[0])
			rvf_fail("typmod %d became %d", mods[0], a.result);
	}
	else
	{
		rvf_expect_error("typmod input", typmod_errors);
		if (valid)
			rvf_fail("typmod %d rejected: %s", mods[0], rvf_error.message);
	}
	rvf_reset();
	return 0;
}
