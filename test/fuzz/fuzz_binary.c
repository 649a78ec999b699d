/*-------------------------------------------------------------------------
 *
 * fuzz_binary.c
 *	  Fuzz target: ruvector's binary input (RuVectorParseBinary), the
 *	  receive function's parser.
 *
 * The input is one field of a binary COPY or a Bind message.  A rejection
 * must carry one of the parser's SQLSTATEs; an accepted value must be a
 * well-formed vector whose binary output is exactly the input (the format
 * has one spelling per value), survive the text round trip, and be
 * rejected (22000) for a typmod other than its dimension count.
 *
 * test/fuzz/fuzz_binary.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_support.h"

static const int binary_errors[] = {
	ERRCODE_INVALID_BINARY_REPRESENTATION,	/* 22P03 size, reserved field */
	ERRCODE_DATA_EXCEPTION,		/* 22000 no elements, NaN, Infinity */
	ERRCODE_PROGRAM_LIMIT_EXCEEDED, /* 54000 over RUVECTOR_MAX_DIM */
	0
};

static const int typmod_errors[] = {ERRCODE_DATA_EXCEPTION, 0};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *buf;
	RvfBinaryArgs a = {NULL, (int) size, -1, NULL};

	if (size > 1024 * 1024)
		return 0;
	rvf_set_input(data, size);
	/* a chunk of exactly the input's size, so that overreads show */
	buf = palloc(size);
	memcpy(buf, data, size);
	a.data = buf;

	if (!rvf_call(rvf_parse_binary, &a))
		rvf_expect_error("binary input", binary_errors);
	else
	{
		RuVector   *v = a.result;
		bytea	   *out;

		rvf_check_vector("binary input", v, -1);
		out = RuVectorToBinary(v);
		if (VARSIZE(out) - VARHDRSZ != size ||
			memcmp(VARDATA(out), data, size) != 0)
			rvf_fail("binary output differs from the binary input it came from");
		rvf_check_round_trips(v);

		a.typmod = v->dim;
		if (!rvf_call(rvf_parse_binary, &a))
			rvf_fail("input rejected for its own typmod %d: %s", v->dim, rvf_error.message);
		rvf_check_same("input with typmod", v, a.result);

		a.typmod = v->dim % RUVECTOR_MAX_DIM + 1;
		if (rvf_call(rvf_parse_binary, &a))
			rvf_fail("%d dimensions accepted for typmod %d", v->dim, a.typmod);
		rvf_expect_error("binary input, wrong typmod", typmod_errors);
	}
	rvf_reset();
	return 0;
}
