/*-------------------------------------------------------------------------
 *
 * fuzz_support.h
 *	  What the fuzz targets share: calls that catch ereport(ERROR), a
 *	  per-input memory arena, and the checks every accepted value must pass.
 *
 * The targets link src/type/vector_io.c itself, compiled against
 * PostgreSQL's headers, and fuzz_support.c stands in for the backend
 * functions it needs: palloc and friends (every chunk a malloc of its own,
 * so that AddressSanitizer sees each chunk's edges; all freed after each
 * input), the ereport machinery (ERROR longjmps back to rvf_call), and the
 * multibyte helpers of a UTF8 database.
 *
 * test/fuzz/fuzz_support.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_FUZZ_SUPPORT_H
#define RUVECTOR_FUZZ_SUPPORT_H

#include "postgres.h"

#include "type/vector.h"

/* The last error raised inside rvf_call. */
typedef struct RvfError
{
	int			sqlerrcode;
	char		message[256];
} RvfError;

extern RvfError rvf_error;

/* Run fn(arg); true if it returned, false if it raised an ERROR. */
extern bool rvf_call(void (*fn) (void *), void *arg);

/* Free every chunk palloc'd since the last reset. */
extern void rvf_reset(void);

/* Report a broken invariant (with the input, in hex) and abort. */
extern void rvf_fail(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

/* The input being tested, shown by rvf_fail. */
extern void rvf_set_input(const uint8_t *data, size_t size);

/* Is the last error's SQLSTATE one of the n given (zero-terminated list)? */
extern bool rvf_error_in(const int *codes);

/* Abort unless the last error's SQLSTATE is one of the listed. */
extern void rvf_expect_error(const char *what, const int *codes);

/* Abort unless v is a well-formed ruvector of typmod's dimensions (-1: any). */
extern void rvf_check_vector(const char *what, const RuVector *v, int32 typmod);

/*
 * Abort unless v survives text and binary round trips unchanged:
 * text -> value -> text -> value and binary -> value -> binary, each value
 * byte-for-byte equal to v, each printed form equal to the first.
 */
extern void rvf_check_round_trips(const RuVector *v);

/* Abort unless two vectors are byte-for-byte equal. */
extern void rvf_check_same(const char *what, const RuVector *a, const RuVector *b);

/* Wrappers for rvf_call. */
typedef struct RvfTextArgs
{
	const char *str;
	int32		typmod;
	RuVector   *result;
} RvfTextArgs;

typedef struct RvfBinaryArgs
{
	const char *data;
	int			len;
	int32		typmod;
	RuVector   *result;
} RvfBinaryArgs;

extern void rvf_parse_text(void *arg);
extern void rvf_parse_binary(void *arg);

#endif							/* RUVECTOR_FUZZ_SUPPORT_H */
