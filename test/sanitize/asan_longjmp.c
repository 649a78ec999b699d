/*-------------------------------------------------------------------------
 *
 * asan_longjmp.c
 *	  A preload library for scripts/sanitize.sh: clears AddressSanitizer's
 *	  stack poison before every longjmp the server makes.
 *
 * In a SANITIZE=1 build the ASan runtime arrives with ruvector.so, after
 * the postgres binary has bound longjmp to glibc, so ASan's own longjmp
 * interceptor never runs.  An ereport(ERROR) inside ruvector then jumps
 * over instrumented frames whose red zones stay poisoned, and a later
 * frame of PostgreSQL's on the same stack (a LOCAL_FCINFO, say) looks to
 * ruvector like a stack overflow.  This library, named in LD_PRELOAD, takes
 * the longjmp entry points first and calls __asan_handle_no_return (found
 * once the runtime is loaded) before handing over to glibc: what the
 * interceptor would have done.  It is built without sanitizers.
 *
 * test/sanitize/asan_longjmp.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <stddef.h>

typedef void (*jump_fn) (struct __jmp_buf_tag *env, int val);

extern void __longjmp_chk(struct __jmp_buf_tag *env, int val);

/* Unpoison the stack that the coming jump abandons, if ASan is loaded. */
static void
clear_stack_poison(void)
{
	static void (*handle_no_return) (void);

	if (handle_no_return == NULL)
		handle_no_return = (void (*) (void)) dlsym(RTLD_DEFAULT, "__asan_handle_no_return");
	if (handle_no_return != NULL)
		handle_no_return();
}

/* glibc's entry point name, looked up past this library. */
static jump_fn
next_jump(const char *name)
{
	return (jump_fn) dlsym(RTLD_NEXT, name);
}

/* What siglongjmp becomes under _FORTIFY_SOURCE (PostgreSQL's error path). */
void
__longjmp_chk(struct __jmp_buf_tag *env, int val)
{
	static jump_fn next;

	if (next == NULL)
		next = next_jump("__longjmp_chk");
	clear_stack_poison();
	next(env, val);
	__builtin_unreachable();
}

/* siglongjmp. */
void
siglongjmp(sigjmp_buf env, int val)
{
	static jump_fn next;

	if (next == NULL)
		next = next_jump("siglongjmp");
	clear_stack_poison();
	next(env, val);
	__builtin_unreachable();
}

/* longjmp. */
void
longjmp(jmp_buf env, int val)
{
	static jump_fn next;

	if (next == NULL)
		next = next_jump("longjmp");
	clear_stack_poison();
	next(env, val);
	__builtin_unreachable();
}
