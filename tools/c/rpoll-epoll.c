// SPDX-License-Identifier: GPL-2.0
/*
 * rpoll-epoll: the smallest complete C client of rpoll.
 * Opens one or more devices, waits in epoll and prints every record.
 *
 *   rpoll-epoll [-n COUNT] [-e rising|falling] [-i] [-w N,US] DEV...   (DEV: /dev/rpoll-tick)
 *
 * -w: be woken once N records are queued or the oldest is US microseconds
 * old (RPOLL_IOC_SET_WATERMARK), instead of for every record.
 * -i: GPIO devices only: the first record is the line's level at open
 * (RPOLL_IOC_WANT_INITIAL), with no edge lost in between.
 * -e: GPIO devices only: this program receives only that edge
 * (RPOLL_IOC_SET_EDGE_MASK, its own files only); the device's own edges,
 * debounce and sampling interval are RPOLL_IOC_GET_CONFIG / SET_CONFIG.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/rpoll.h>

/* The name of a record's or device's source, flags ignored. */
static const char *source_name(__u32 source)
{
	switch (RPOLL_EVENT_KIND(source)) {
	case RPOLL_SOURCE_TIMER:
		return "timer";
	case RPOLL_SOURCE_IRQ:
		return "irq";
	case RPOLL_SOURCE_GPIO:
		return "gpio";
	default:
		return "unknown";
	}
}

int main(int argc, char **argv)
{
	long count = -1;
	__u32 mask = 0;
	int initial = 0;
	struct rpoll_watermark wm = { 0 };
	int opt;

	while ((opt = getopt(argc, argv, "n:e:iw:")) != -1) {
		if (opt == 'i') {
			initial = 1;
		} else if (opt == 'w' &&
			   sscanf(optarg, "%u,%u", &wm.count, &wm.max_delay_us) == 2) {
			/* checked by the driver: EINVAL below */
		} else if (opt == 'n') {
			count = strtol(optarg, NULL, 10);
		} else if (opt == 'e' && !strcmp(optarg, "rising")) {
			mask = RPOLL_EDGE_RISING;
		} else if (opt == 'e' && !strcmp(optarg, "falling")) {
			mask = RPOLL_EDGE_FALLING;
		} else {
			fprintf(stderr, "usage: %s [-n COUNT] [-e rising|falling] [-i] [-w N,US] DEV...\n", argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: %s [-n COUNT] [-e rising|falling] [-i] [-w N,US] DEV...\n", argv[0]);
		return 2;
	}

	int ep = epoll_create1(EPOLL_CLOEXEC);
	int ndev = argc - optind;
	int fds[16];

	if (ep < 0 || ndev > 16) {
		perror("epoll_create1");
		return 1;
	}
	for (int i = 0; i < ndev; i++) {
		const char *path = argv[optind + i];
		struct rpoll_info info;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

		fds[i] = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fds[i] < 0 || ioctl(fds[i], RPOLL_IOC_INFO, &info) < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
		printf("%s: %s, %s, queue depth %u\n", path, info.name, source_name(info.source),
		       info.queue_depth);
		if (wm.count && ioctl(fds[i], RPOLL_IOC_SET_WATERMARK, &wm) < 0) {
			fprintf(stderr, "%s: -w: %s\n", path, strerror(errno));
			return 1;
		}
		if (initial && ioctl(fds[i], RPOLL_IOC_WANT_INITIAL) < 0) {
			fprintf(stderr, "%s: -i: %s\n", path, strerror(errno));
			return 1;
		}
		if (mask) {
			struct rpoll_edge_mask m = { .mask = mask };
			struct rpoll_config c;

			if (ioctl(fds[i], RPOLL_IOC_SET_EDGE_MASK, &m) < 0 ||
			    ioctl(fds[i], RPOLL_IOC_GET_CONFIG, &c) < 0) {
				fprintf(stderr, "%s: -e: %s\n", path, strerror(errno));
				return 1;
			}
			printf("%s: only %s edges (the device reports edges %u, debounce %u us)\n",
			       path, mask == RPOLL_EDGE_RISING ? "rising" : "falling", c.edges,
			       c.debounce_us);
		}
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) {
			perror("epoll_ctl");
			return 1;
		}
	}
	fflush(stdout);

	while (count != 0) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("epoll_wait");
			return 1;
		}
		for (int k = 0; k < n && count != 0; k++) {
			int i = evs[k].data.u32;
			struct rpoll_event rec[16];
			ssize_t len = read(fds[i], rec, sizeof(rec));

			if (len < 0 && errno == EAGAIN)
				continue;
			if (len < 0) {
				fprintf(stderr, "%s: %s\n", argv[optind + i], strerror(errno));
				return 1;
			}
			for (size_t r = 0; r < len / sizeof(rec[0]) && count != 0; r++) {
				__u32 src = rec[r].source;

				printf("%s seq=%llu ts=%llu jiffies=%llu source=%s", argv[optind + i],
				       (unsigned long long)rec[r].seq,
				       (unsigned long long)rec[r].timestamp_ns,
				       (unsigned long long)rec[r].jiffies, source_name(src));
				if (src & RPOLL_EVENT_INITIAL)
					printf(" initial level=%d", !!(src & RPOLL_EVENT_LEVEL));
				else if (RPOLL_EVENT_KIND(src) == RPOLL_SOURCE_GPIO)
					printf(" edge=%s level=%d",
					       src & RPOLL_EVENT_RISING ? "rising" : "falling",
					       !!(src & RPOLL_EVENT_LEVEL));
				printf(" lost=%u%s%s\n", rec[r].lost,
				       src & RPOLL_EVENT_RESUMED ? " resumed" : "",
				       src & RPOLL_EVENT_WAKEUP ? " wakeup" : "");
				if (count > 0)
					count--;
			}
			fflush(stdout);
		}
	}
	return 0;
}
