/*-------------------------------------------------------------------------
 *
 * planner.h
 *	  ruvector's planner hook.
 *
 * src/planner/planner.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef RUVECTOR_PLANNER_H
#define RUVECTOR_PLANNER_H

extern void RvPlannerInit(void);

#endif							/* RUVECTOR_PLANNER_H */
