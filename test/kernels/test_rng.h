/*-------------------------------------------------------------------------
 *
 * test_rng.h
 *	  The kernel tests' random numbers: xorshift64*, deterministic, so that
 *	  a failure reproduces.  A test may set rng_state before its first draw.
 *
 * test/kernels/test_rng.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_TEST_RNG_H
#define RUVECTOR_TEST_RNG_H

#include <stdint.h>

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* uniform in [0, 1) */
static double
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (double) ((rng_state * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

#endif							/* RUVECTOR_TEST_RNG_H */
