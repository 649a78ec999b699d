/*-------------------------------------------------------------------------
 *
 * simd_guc.h
 *	  The ruvector.simd setting.
 *
 * src/simd/simd_guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_SIMD_GUC_H
#define RUVECTOR_SIMD_GUC_H

extern void RvSimdInit(void);

#endif							/* RUVECTOR_SIMD_GUC_H */
