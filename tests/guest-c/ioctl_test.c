// SPDX-License-Identifier: GPL-2.0
/*
 * Guest tests of the rpoll ioctls and read errors from C, through the uapi
 * header a board build installs. Prints "c test <name> ... ok|FAILED"
 * lines like the Rust guest tests, and exits non-zero on any failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/rpoll.h>

static int failures, passes;
static char why[256];

#define CHECK(cond, ...)                                             \
	do {                                                          \
		if (!(cond)) {                                        \
			snprintf(why, sizeof(why), __VA_ARGS__);      \
			return -1;                                    \
		}                                                     \
	} while (0)

static void run(const char *name, int (*fn)(void))
{
	why[0] = 0;
	if (fn() == 0) {
		passes++;
		printf("c test %s ... ok\n", name);
	} else {
		failures++;
		printf("c test %s ... FAILED: %s\n", name, why);
	}
	fflush(stdout);
}

static int dev(const char *name, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/rpoll-%s", name);
	return open(path, O_RDONLY | O_CLOEXEC | flags);
}

static unsigned long long now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int t_info(void)
{
	struct rpoll_info i;
	int fd = dev("tick", O_NONBLOCK), b = dev("button", O_NONBLOCK);

	CHECK(fd >= 0 && b >= 0, "open: %s", strerror(errno));
	CHECK(ioctl(fd, RPOLL_IOC_INFO, &i) == 0, "INFO: %s", strerror(errno));
	CHECK(!strcmp(i.name, "rpoll-tick"), "name %s", i.name);
	CHECK(i.source == RPOLL_SOURCE_TIMER && i.period_us == 1000000 && i.queue_depth == 64,
	      "tick info %u %u %u", i.source, i.period_us, i.queue_depth);
	CHECK(i.irq == 0 && i.max_readers == 64 && i.reserved == 0, "tick extra fields");
	CHECK(ioctl(b, RPOLL_IOC_INFO, &i) == 0, "INFO button: %s", strerror(errno));
	CHECK(i.source == RPOLL_SOURCE_IRQ && i.irq > 0 && i.trigger == 1 && i.period_us == 0,
	      "button info %u irq %u trigger %u", i.source, i.irq, i.trigger);
	CHECK(ioctl(fd, RPOLL_IOC_INFO, NULL) < 0 && errno == EFAULT, "INFO NULL: errno %d", errno);
	CHECK(ioctl(fd, RPOLL_IOC_INFO, (void *)1) < 0 && errno == EFAULT, "INFO bad ptr");
	close(fd);
	close(b);
	return 0;
}

static int t_stats_and_flush(void)
{
	struct rpoll_stats s0, s1;
	struct rpoll_event e;
	int fd = dev("rpoll-ms", O_NONBLOCK);

	CHECK(fd >= 0, "open: %s", strerror(errno));
	CHECK(ioctl(fd, RPOLL_IOC_STATS, &s0) == 0, "STATS: %s", strerror(errno));
	CHECK(s0.delivered == 0 && s0.lost == 0 && s0.readers >= 1, "fresh stats");
	while (1) { /* wait for at least 3 queued */
		CHECK(ioctl(fd, RPOLL_IOC_STATS, &s1) == 0, "STATS");
		if (s1.queued >= 3)
			break;
		usleep(1000);
	}
	int n = ioctl(fd, RPOLL_IOC_FLUSH);
	CHECK(n >= 3, "FLUSH returned %d", n);
	CHECK(ioctl(fd, RPOLL_IOC_STATS, &s1) == 0, "STATS");
	CHECK(s1.lost >= (unsigned)n && s1.delivered == 0, "after flush lost %llu", s1.lost);
	CHECK(s1.delivered + s1.lost + s1.queued == s1.produced - s1.base, "identity");
	fcntl(fd, F_SETFL, 0);
	CHECK(read(fd, &e, sizeof(e)) == sizeof(e), "read: %s", strerror(errno));
	CHECK(e.lost >= (unsigned)n && e.seq == s0.base + 1 + e.lost, "record after flush seq %llu lost %u",
	      e.seq, e.lost);
	CHECK(ioctl(fd, RPOLL_IOC_STATS, (void *)8) < 0 && errno == EFAULT, "STATS bad ptr");
	close(fd);
	return 0;
}

static int check_clock(clockid_t c, __u32 id)
{
	struct rpoll_event e[4];
	unsigned long long t0 = now(c);
	int fd = dev("rpoll-ms", 0);

	CHECK(fd >= 0, "open: %s", strerror(errno));
	CHECK(ioctl(fd, RPOLL_IOC_SET_CLOCK, &id) == 0, "SET_CLOCK %u: %s", id, strerror(errno));
	ssize_t n = read(fd, e, sizeof(e));
	unsigned long long t1 = now(c);

	CHECK(n > 0, "read: %s", strerror(errno));
	for (int k = 0; k < n / (ssize_t)sizeof(e[0]); k++)
		CHECK(e[k].timestamp_ns >= t0 && e[k].timestamp_ns <= t1,
		      "clock %u: ts %llu outside [%llu, %llu]", id, e[k].timestamp_ns, t0, t1);
	close(fd);
	return 0;
}

static int t_clocks(void)
{
	/* Put CLOCK_REALTIME far from CLOCK_MONOTONIC so a mix-up shows. */
	struct timespec far = { .tv_sec = 2000000000, .tv_nsec = 0 };

	CHECK(clock_settime(CLOCK_REALTIME, &far) == 0, "clock_settime: %s", strerror(errno));
	if (check_clock(CLOCK_MONOTONIC, CLOCK_MONOTONIC) ||
	    check_clock(CLOCK_REALTIME, CLOCK_REALTIME) ||
	    check_clock(CLOCK_BOOTTIME, CLOCK_BOOTTIME))
		return -1;
	int fd = dev("idle", O_NONBLOCK);
	__u32 bad = CLOCK_PROCESS_CPUTIME_ID;

	CHECK(ioctl(fd, RPOLL_IOC_SET_CLOCK, &bad) < 0 && errno == EINVAL, "bad clock: errno %d", errno);
	bad = 1000;
	CHECK(ioctl(fd, RPOLL_IOC_SET_CLOCK, &bad) < 0 && errno == EINVAL, "clock 1000");
	CHECK(ioctl(fd, RPOLL_IOC_SET_CLOCK, NULL) < 0 && errno == EFAULT, "SET_CLOCK NULL");
	close(fd);
	return 0;
}

static int t_set_period_errors(void)
{
	int fd = dev("tick", O_NONBLOCK), b = dev("button", O_NONBLOCK);
	__u32 v = 5;

	CHECK(fd >= 0 && b >= 0, "open");
	CHECK(ioctl(fd, RPOLL_IOC_SET_PERIOD, &v) < 0 && errno == EINVAL, "period 5: errno %d", errno);
	v = 0;
	CHECK(ioctl(fd, RPOLL_IOC_SET_PERIOD, &v) < 0 && errno == EINVAL, "period 0");
	CHECK(ioctl(fd, RPOLL_IOC_SET_PERIOD, NULL) < 0 && errno == EFAULT, "SET_PERIOD NULL");
	v = 1000;
	CHECK(ioctl(b, RPOLL_IOC_SET_PERIOD, &v) < 0 && errno == ENOTTY, "irq: errno %d", errno);
	v = 1000000;
	CHECK(ioctl(fd, RPOLL_IOC_SET_PERIOD, &v) == 0, "period 1 s as root: %s", strerror(errno));

	pid_t pid = fork();
	if (pid == 0) {
		/* Unprivileged caller on an fd opened by root. */
		if (setgid(65534) || setuid(65534))
			_exit(3);
		v = 500000;
		_exit(ioctl(fd, RPOLL_IOC_SET_PERIOD, &v) < 0 && errno == EPERM ? 0 : 1);
	}
	int status;

	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unprivileged SET_PERIOD not EPERM (%d)",
	      WEXITSTATUS(status));
	close(fd);
	close(b);
	return 0;
}

static int t_unknown_ioctls(void)
{
	int fd = dev("idle", O_NONBLOCK);
	char buf[128];

	CHECK(ioctl(fd, _IO(RPOLL_IOC_MAGIC, 99)) < 0 && errno == ENOTTY, "nr 99: errno %d", errno);
	CHECK(ioctl(fd, _IOR(RPOLL_IOC_MAGIC, 0, __u64), buf) < 0 && errno == ENOTTY, "INFO wrong size");
	CHECK(ioctl(fd, _IOW(RPOLL_IOC_MAGIC, 2, __u64), buf) < 0 && errno == ENOTTY, "SET_CLOCK wrong size");
	CHECK(ioctl(fd, TCGETS, buf) < 0 && errno == ENOTTY, "TCGETS");
	close(fd);
	return 0;
}

static int t_gpio_info(void)
{
	struct rpoll_info i;
	int fd = dev("al", O_NONBLOCK);

	CHECK(fd >= 0, "open al: %s", strerror(errno));
	CHECK(ioctl(fd, RPOLL_IOC_INFO, &i) == 0, "INFO: %s", strerror(errno));
	CHECK(i.source == RPOLL_SOURCE_GPIO && i.irq > 0 && i.trigger == 3 && i.period_us == 0,
	      "al info %u irq %u trigger %u", i.source, i.irq, i.trigger);
	CHECK((i.gpio_line & RPOLL_GPIO_LINE_MASK) == 6 && (i.gpio_line & RPOLL_GPIO_ACTIVE_LOW),
	      "al gpio_line %#x", i.gpio_line);
	/* Programs written against the older header read the same word. */
	CHECK(i.reserved == i.gpio_line, "reserved alias");
	close(fd);
	return 0;
}

static int t_read_fault_accounted(void)
{
	struct rpoll_stats s;
	struct rpoll_event e;
	int fd = dev("rpoll-ms", 0);

	CHECK(fd >= 0, "open");
	CHECK(read(fd, &e, sizeof(e)) == sizeof(e), "first read");
	/* An unmapped user address, hidden from the compiler's bounds checks. */
	void *volatile bad = (void *)16;

	CHECK(read(fd, bad, 64 * sizeof(e)) < 0 && errno == EFAULT, "bad buffer: errno %d", errno);
	CHECK(ioctl(fd, RPOLL_IOC_STATS, &s) == 0, "STATS");
	CHECK(s.lost >= 1, "faulted records not counted as lost");
	CHECK(s.delivered + s.lost + s.queued == s.produced - s.base, "identity after fault");
	__u64 prev = e.seq;
	CHECK(read(fd, &e, sizeof(e)) == sizeof(e), "read after fault");
	CHECK(e.seq == prev + 1 + e.lost && e.lost >= 1, "gap %llu after %llu lost %u", e.seq, prev, e.lost);
	close(fd);
	return 0;
}

int main(void)
{
	run("info", t_info);
	run("stats_and_flush", t_stats_and_flush);
	run("clock_selection", t_clocks);
	run("set_period_errors", t_set_period_errors);
	run("unknown_ioctls", t_unknown_ioctls);
	run("read_fault_accounted", t_read_fault_accounted);
	run("gpio_info", t_gpio_info);
	printf("c: %d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}
