/*
 * clock.h - time in nanoseconds.
 *
 * The kernel stamps process events with CLOCK_MONOTONIC; /proc counts
 * start times in CLOCK_BOOTTIME ticks; people read CLOCK_REALTIME.
 */
#ifndef PROCHOOK_CLOCK_H
#define PROCHOOK_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC: what dates an event's timestamp. */
static inline int64_t
clock_real_offset(void)
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
}

/* CLOCK_BOOTTIME - CLOCK_MONOTONIC: the time spent suspended. */
static inline int64_t
clock_boot_offset(void)
{
	return clock_ns(CLOCK_BOOTTIME) - clock_ns(CLOCK_MONOTONIC);
}

#endif
