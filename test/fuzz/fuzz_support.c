/*-------------------------------------------------------------------------
 *
 * fuzz_support.c
 *	  Backend stand-ins and checks for the fuzz targets (fuzz_support.h).
 *
 * Only what src/type/vector_io.c calls is here.  The fmgr-level functions
 * it also references (array deconstruction, catalog look-ups, numeric
 * conversions, detoasting) belong to the SQL wrappers, which the targets
 * never call: those stubs abort, so a target that reached one would show.
 *
 * test/fuzz/fuzz_support.c
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_support.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

RvfError	rvf_error;

static sigjmp_buf *error_jmp;
static int	error_level;
static const uint8_t *input_data;
static size_t input_size;

/* The per-input arena: every palloc'd chunk, and its size. */
static void **chunks;
static Size *chunk_sizes;
static int	nchunks;
static int	maxchunks;

/* ---- memory ---- */

/* Raise an ERROR the way the backend's allocator would. */
static void
bad_alloc_size(Size size)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("invalid memory alloc request size %zu", size)));
}

/* Remember a new chunk so that rvf_reset frees it. */
static void *
track(void *p, Size size)
{
	if (p == NULL)
	{
		fprintf(stderr, "fuzz: out of memory (%zu bytes)\n", size);
		abort();
	}
	if (nchunks == maxchunks)
	{
		maxchunks = maxchunks ? maxchunks * 2 : 64;
		chunks = realloc(chunks, sizeof(void *) * maxchunks);
		chunk_sizes = realloc(chunk_sizes, sizeof(Size) * maxchunks);
		if (chunks == NULL || chunk_sizes == NULL)
			abort();
	}
	chunks[nchunks] = p;
	chunk_sizes[nchunks] = size;
	nchunks++;
	return p;
}

/* The index of a tracked chunk; aborts on a pointer palloc never gave. */
static int
find_chunk(const void *p)
{
	for (int i = nchunks - 1; i >= 0; i--)
		if (chunks[i] == p)
			return i;
	fprintf(stderr, "fuzz: pfree/repalloc of %p, which is no palloc'd chunk\n", p);
	abort();
}

/* Forget chunk i (already freed or moved). */
static void
untrack(int i)
{
	chunks[i] = chunks[nchunks - 1];
	chunk_sizes[i] = chunk_sizes[nchunks - 1];
	nchunks--;
}

/* palloc: a malloc of exactly size bytes. */
void *
palloc(Size size)
{
	if (!AllocSizeIsValid(size))
		bad_alloc_size(size);
	return track(malloc(size), size);
}

/* palloc0 */
void *
palloc0(Size size)
{
	if (!AllocSizeIsValid(size))
		bad_alloc_size(size);
	return track(calloc(1, size ? size : 1), size);
}

/* pfree */
void
pfree(void *pointer)
{
	int			i = find_chunk(pointer);

	free(pointer);
	untrack(i);
}

/* repalloc */
void *
repalloc(void *pointer, Size size)
{
	int			i = find_chunk(pointer);
	void	   *p;

	if (!AllocSizeIsValid(size))
		bad_alloc_size(size);
	p = malloc(size);
	if (p == NULL)
		abort();
	memcpy(p, pointer, Min(size, chunk_sizes[i]));
	free(pointer);
	untrack(i);
	return track(p, size);
}

/* pstrdup */
char *
pstrdup(const char *in)
{
	Size		len = strlen(in) + 1;

	return memcpy(palloc(len), in, len);
}

/* Free every chunk of this input. */
void
rvf_reset(void)
{
	for (int i = 0; i < nchunks; i++)
		free(chunks[i]);
	nchunks = 0;
}

/* ---- errors ---- */

/* Start an error report: only ERROR and above are of interest here. */
bool
errstart(int elevel, const char *domain)
{
	if (elevel < ERROR)
		return false;
	error_level = elevel;
	memset(&rvf_error, 0, sizeof(rvf_error));
	return true;
}

/* errstart, for the levels known at compile time to be ERROR or above. */
bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

/* End an error report: jump back to rvf_call. */
void
errfinish(const char *filename, int lineno, const char *funcname)
{
	if (rvf_error.sqlerrcode == 0)
		rvf_fail("%s:%d (%s): ereport without errcode", filename, lineno, funcname);
	if (error_jmp == NULL)
		rvf_fail("%s:%d (%s): ERROR outside rvf_call: %s", filename, lineno, funcname,
				 rvf_error.message);
	siglongjmp(*error_jmp, 1);
}

/* errcode */
int
errcode(int sqlerrcode)
{
	rvf_error.sqlerrcode = sqlerrcode;
	return 0;
}

/* errmsg: formatted, so that every argument is read. */
int
errmsg(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(rvf_error.message, sizeof(rvf_error.message), fmt, ap);
	va_end(ap);
	return 0;
}

/* errmsg_plural */
int
errmsg_plural(const char *fmt_singular, const char *fmt_plural, unsigned long n,...)
{
	va_list		ap;

	va_start(ap, n);
	vsnprintf(rvf_error.message, sizeof(rvf_error.message),
			  n == 1 ? fmt_singular : fmt_plural, ap);
	va_end(ap);
	return 0;
}

/* errdetail: formatted and dropped. */
int
errdetail(const char *fmt,...)
{
	char		buf[256];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return 0;
}

/* errhint: formatted and dropped. */
int
errhint(const char *fmt,...)
{
	char		buf[256];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return 0;
}

/* float4 overflow, as float.c reports it. */
void
float_overflow_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range: overflow")));
}

/* float4 underflow, as float.c reports it. */
void
float_underflow_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range: underflow")));
}

/* A type's name, for the "cannot cast an array of %s" message. */
char *
format_type_be(Oid type_oid)
{
	return psprintf("type %u", type_oid);
}

bool
rvf_call(void (*fn) (void *), void *arg)
{
	sigjmp_buf	jb;
	sigjmp_buf *volatile saved = error_jmp;

	if (sigsetjmp(jb, 0) == 0)
	{
		error_jmp = &jb;
		fn(arg);
		error_jmp = saved;
		return true;
	}
	error_jmp = saved;
	return false;
}

bool
rvf_error_in(const int *codes)
{
	for (; *codes; codes++)
		if (*codes == rvf_error.sqlerrcode)
			return true;
	return false;
}

void
rvf_expect_error(const char *what, const int *codes)
{
	char		state[6];

	if (rvf_error_in(codes))
		return;
	for (int i = 0; i < 5; i++)
		state[i] = PGUNSIXBIT(rvf_error.sqlerrcode >> (6 * i));
	state[5] = '\0';
	rvf_fail("%s: unexpected SQLSTATE %s: %s", what, state, rvf_error.message);
}

/* ---- multibyte helpers of a UTF8 database ---- */

/* The length of the character at mbstr. */
int
pg_mblen(const char *mbstr)
{
	return pg_utf_mblen((const unsigned char *) mbstr);
}

/* The number of characters in the first limit bytes (or up to a NUL). */
int
pg_mbstrlen_with_len(const char *mbstr, int limit)
{
	int			len = 0;

	while (limit > 0 && *mbstr)
	{
		int			l = pg_mblen(mbstr);

		limit -= l;
		mbstr += l;
		len++;
	}
	return len;
}

/* ---- what only the SQL wrappers call ---- */

/* Stop: a target reached code it must not. */
static void
unreachable_stub(const char *name)
{
	fprintf(stderr, "fuzz: stub %s called\n", name);
	abort();
}

int32 *
ArrayGetIntegerTypmods(ArrayType *arr, int *n)
{
	unreachable_stub("ArrayGetIntegerTypmods");
	return NULL;
}

void
deconstruct_array(ArrayType *array, Oid elmtype, int elmlen, bool elmbyval, char elmalign,
				  Datum **elemsp, bool **nullsp, int *nelemsp)
{
	unreachable_stub("deconstruct_array");
}

ArrayType *
construct_array(Datum *elems, int nelems, Oid elmtype, int elmlen, bool elmbyval,
				char elmalign)
{
	unreachable_stub("construct_array");
	return NULL;
}

void
get_typlenbyvalalign(Oid typid, int16 *typlen, bool *typbyval, char *typalign)
{
	unreachable_stub("get_typlenbyvalalign");
}

Datum
DirectFunctionCall1Coll(PGFunction func, Oid collation, Datum arg1)
{
	unreachable_stub("DirectFunctionCall1Coll");
	return (Datum) 0;
}

struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	unreachable_stub("pg_detoast_datum");
	return NULL;
}

Datum
numeric_float4(PG_FUNCTION_ARGS)
{
	unreachable_stub("numeric_float4");
	return (Datum) 0;
}

Datum
float4_numeric(PG_FUNCTION_ARGS)
{
	unreachable_stub("float4_numeric");
	return (Datum) 0;
}

Datum
ftoi4(PG_FUNCTION_ARGS)
{
	unreachable_stub("ftoi4");
	return (Datum) 0;
}

/* ---- checks ---- */

void
rvf_set_input(const uint8_t *data, size_t size)
{
	input_data = data;
	input_size = size;
}

void
rvf_fail(const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "\nfuzz: INVARIANT BROKEN: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nfuzz: input (%zu bytes, hex):", input_size);
	for (size_t i = 0; i < input_size && i < 512; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", input_data[i]);
	fprintf(stderr, "%s\n", input_size > 512 ? " ..." : "");
	abort();
}

void
rvf_check_vector(const char *what, const RuVector *v, int32 typmod)
{
	if (VARATT_IS_EXTENDED(v))
		rvf_fail("%s: the value has no 4-byte varlena header", what);
	if (v->dim < 1 || v->dim > RUVECTOR_MAX_DIM)
		rvf_fail("%s: %d dimensions, outside 1 .. %d", what, v->dim, RUVECTOR_MAX_DIM);
	if (VARSIZE(v) != RUVECTOR_SIZE(v->dim))
		rvf_fail("%s: varlena size %u for %d dimensions (expected %zu)", what,
				 (unsigned) VARSIZE(v), v->dim, RUVECTOR_SIZE(v->dim));
	if (v->unused != 0)
		rvf_fail("%s: reserved field is %d", what, v->unused);
	if (typmod != -1 && v->dim != typmod)
		rvf_fail("%s: %d dimensions where the typmod is %d", what, v->dim, typmod);
	for (int i = 0; i < v->dim; i++)
		if (!isfinite(v->x[i]))
			rvf_fail("%s: element %d is %g", what, i, v->x[i]);
}

void
rvf_check_same(const char *what, const RuVector *a, const RuVector *b)
{
	if (VARSIZE(a) != VARSIZE(b) || memcmp(a, b, VARSIZE(a)) != 0)
	{
		int			i = 0;

		while (i < a->dim && i < b->dim &&
			   memcmp(&a->x[i], &b->x[i], sizeof(float)) == 0)
			i++;
		rvf_fail("%s: values differ (dims %d and %d; first different element %d: %.9g vs %.9g)",
				 what, a->dim, b->dim, i, i < a->dim ? a->x[i] : 0.0,
				 i < b->dim ? b->x[i] : 0.0);
	}
}

void
rvf_parse_text(void *arg)
{
	RvfTextArgs *a = arg;

	a->result = RuVectorParseText(a->str, a->typmod);
}

void
rvf_parse_binary(void *arg)
{
	RvfBinaryArgs *a = arg;

	a->result = RuVectorParseBinary(a->data, a->len, a->typmod);
}

void
rvf_check_round_trips(const RuVector *v)
{
	char	   *text1 = RuVectorToText(v);
	char	   *text2;
	RvfTextArgs ta = {text1, -1, NULL};
	bytea	   *bin1 = RuVectorToBinary(v);
	bytea	   *bin2;
	RvfBinaryArgs ba = {VARDATA(bin1), (int) VARSIZE(bin1) - VARHDRSZ, -1, NULL};

	/* text -> value -> text -> value */
	if (!rvf_call(rvf_parse_text, &ta))
		rvf_fail("text output \"%.200s\" does not read back: %s", text1, rvf_error.message);
	rvf_check_vector("text round trip", ta.result, -1);
	rvf_check_same("text round trip", v, ta.result);
	text2 = RuVectorToText(ta.result);
	if (strcmp(text1, text2) != 0)
		rvf_fail("text output changes on a round trip: \"%.200s\" then \"%.200s\"", text1, text2);
	ta.typmod = v->dim;
	if (!rvf_call(rvf_parse_text, &ta))
		rvf_fail("text output rejected for its own typmod %d: %s", v->dim, rvf_error.message);

	/* binary -> value -> binary */
	if (VARSIZE(bin1) != VARHDRSZ + 4 + (Size) v->dim * sizeof(float))
		rvf_fail("binary output of %d dimensions is %u bytes", v->dim, (unsigned) VARSIZE(bin1));
	if (!rvf_call(rvf_parse_binary, &ba))
		rvf_fail("binary output does not read back: %s", rvf_error.message);
	rvf_check_vector("binary round trip", ba.result, -1);
	rvf_check_same("binary round trip", v, ba.result);
	bin2 = RuVectorToBinary(ba.result);
	if (VARSIZE(bin1) != VARSIZE(bin2) || memcmp(bin1, bin2, VARSIZE(bin1)) != 0)
		rvf_fail("binary output changes on a round trip");
}
