/*
 * probe - the program bench/latency runs: at its first instruction it
 * reads CLOCK_MONOTONIC, writes the timespec to descriptor 3 and exits.
 * No C library, so that nothing runs before _start: what latency measures
 * ends where the program begins.  x86-64 and aarch64.
 *
 *   cc -O2 -static -nostdlib -no-pie -fno-stack-protector -o probe probe.c
 */
#include <sys/syscall.h>
#include <time.h>

static long
sys3(long n, long a, long b, long c)
{
	long r;
#if defined(__x86_64__)
	__asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c)
	    : "rcx", "r11", "memory");
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n, x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b, x2 __asm__("x2") = c;

	__asm__ volatile ("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2)
	    : "memory");
	r = x0;
#else
#error "probe.c: only x86-64 and aarch64"
#endif
	return r;
}

void _start(void);

#if defined(__x86_64__)
__attribute__((force_align_arg_pointer))
#endif
void
_start(void)
{
	struct timespec ts;

	sys3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0);
	sys3(SYS_write, 3, (long)&ts, sizeof(ts));
	for (;;)
		sys3(SYS_exit, 0, 0, 0);
}
