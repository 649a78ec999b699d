/*-------------------------------------------------------------------------
 *
 * sanitize.c
 *	  Run-time options of the sanitizers in a `make SANITIZE=1` build.
 *
 * Built only with SANITIZE=1.  The sanitizer runtimes read their options
 * from /proc/self/environ, which a PostgreSQL backend has overwritten with
 * its process title by the time it loads ruvector.so, so ASAN_OPTIONS and
 * UBSAN_OPTIONS set for the server never reach them: the options live here
 * instead (the runtimes call these functions, which override their weak
 * defaults).
 *
 * The server loads the ASan runtime with ruvector.so (dlopen), not first:
 * Debian's postgres cannot start with libasan preloaded (it hangs in glibc's
 * locale locks, by way of libp11-kit, before main).  Hence
 * verify_asan_link_order=0; malloc and free stay glibc's, so ASan checks
 * ruvector's stack and globals and not PostgreSQL's heap.
 * detect_leaks=0: PostgreSQL frees by memory context, not chunk by chunk.
 *
 * src/sanitize.c
 *
 *-------------------------------------------------------------------------
 */

extern const char *__asan_default_options(void);
extern const char *__ubsan_default_options(void);

/* Options of AddressSanitizer. */
__attribute__((visibility("default"), used)) const char *
__asan_default_options(void)
{
	return "verify_asan_link_order=0:detect_leaks=0:halt_on_error=1:abort_on_error=0:"
		"detect_stack_use_after_return=0";
}

/* Options of UndefinedBehaviorSanitizer: a stack trace, then stop. */
__attribute__((visibility("default"), used)) const char *
__ubsan_default_options(void)
{
	return "print_stacktrace=1:halt_on_error=1";
}
