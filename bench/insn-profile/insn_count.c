// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin for `make insn-profile`: counts how often every guest
 * instruction executes between markers, so that the host can say how many
 * instructions each kernel and module function spends per event, exactly and
 * without hooks in the guest (under -icount an instruction is also the
 * guest's unit of time).
 *
 * The guest marks a window by calling the marker function (a kernel symbol's
 * address, argument mark=0x...): the first call opens segment 1, the next
 * closes it (segment 2), the next opens segment 3, and so on. At exit the
 * plugin writes one line per instruction that ran in an odd (marked)
 * segment: "<vaddr hex> <segment> <count>", and a first line
 * "insn-profile segments <n>".
 *
 * With path=0x... and idle=0x... (the addresses of hrtimer_interrupt() and
 * default_idle_call()) it also follows the latency path inside the marked
 * segments: from the entry of the hrtimer interrupt to the next instruction
 * in user space (below user=0x..., by default arm64's kernel half), i.e. the woken
 * reader's return from epoll_wait(). A path that enters the idle loop's
 * call first woke nobody (the tick, a timer without a waiter) and is
 * dropped, as is one that a new hrtimer interrupt interrupts. The
 * instructions of every vCPU count while a path is open: under -icount
 * they all advance the one guest clock that the latency is read from.
 * Each kept path adds a line "path <segment> <instructions>", and each
 * instruction run on kept paths a line "p <vaddr hex> <segment> <count>".
 *
 * Debian does not ship QEMU's plugin header, so the few entry points used
 * are declared here; their shapes are those of QEMU's plugin API (version 2
 * and later, unchanged up to QEMU 10).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
} qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*vcpu_udata_cb)(unsigned int vcpu_index, void *userdata);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb,
					  enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = 2;

#define SEGMENTS 16

/* Addresses below this are user space (arm64's; user= sets another). */
static uint64_t user_end = 0xffff000000000000ull;

/* One translated block: its instructions and its executions per segment. */
struct block {
	struct block *next;
	uint64_t counts[SEGMENTS];
	/* Executions on kept latency paths, per segment. */
	uint64_t on_path[SEGMENTS];
	size_t n;
	uint64_t vaddr[];
};

/* The latency path being followed: the blocks run since it opened. */
struct path {
	bool open;
	unsigned int segment;
	uint64_t insns;
	size_t n, cap;
	struct block **run;
};

/* The lengths of the kept paths, in the order they ended. */
struct lengths {
	size_t n, cap;
	uint64_t (*item)[2];
};

static struct block *blocks;
static uint64_t mark, path_start, path_idle;
static unsigned int segment;
static const char *out_path;
static struct path path;
static struct lengths kept;

static void *grow(void *p, size_t *cap, size_t size)
{
	*cap = *cap ? 2 * *cap : 4096;
	p = realloc(p, *cap * size);
	if (!p)
		abort();
	return p;
}

/* Ends the open path: its counts are added if `keep`, dropped otherwise. */
static void path_close(bool keep)
{
	if (path.open && keep) {
		for (size_t i = 0; i < path.n; i++)
			path.run[i]->on_path[path.segment]++;
		if (kept.n == kept.cap)
			kept.item = grow(kept.item, &kept.cap, sizeof(*kept.item));
		kept.item[kept.n][0] = path.segment;
		kept.item[kept.n][1] = path.insns;
		kept.n++;
	}
	path.open = false;
	path.n = 0;
	path.insns = 0;
}

/* Follows the latency path through block `b` (see the top of the file). */
static void path_step(struct block *b)
{
	uint64_t at = b->vaddr[0];

	if (at == path_start) {
		path_close(false);
		if (segment % 2 && segment < SEGMENTS) {
			path.open = true;
			path.segment = segment;
		}
	} else if (!path.open) {
		return;
	} else if (at < user_end) {
		/* Kept only if no mark came in between. */
		path_close(path.segment == segment);
		return;
	} else if (at == path_idle) {
		path_close(false);
		return;
	}
	if (path.n == path.cap)
		path.run = grow(path.run, &path.cap, sizeof(*path.run));
	path.run[path.n++] = b;
	path.insns += b->n;
}

static void on_exec(unsigned int vcpu, void *data)
{
	struct block *b = data;

	(void)vcpu;
	if (segment < SEGMENTS)
		__atomic_fetch_add(&b->counts[segment], 1, __ATOMIC_RELAXED);
	/* Serialised: -icount runs the vCPUs in turn on one thread. */
	if (path_start)
		path_step(b);
}

static void on_mark(unsigned int vcpu, void *data)
{
	(void)vcpu;
	(void)data;
	__atomic_fetch_add(&segment, 1, __ATOMIC_RELAXED);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct block *b = calloc(1, sizeof(*b) + n * sizeof(uint64_t));

	(void)id;
	if (!b)
		abort();
	b->n = n;
	for (size_t i = 0; i < n; i++)
		b->vaddr[i] = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, i));
	/* Translation is serialised: a plain list push is enough. */
	b->next = blocks;
	blocks = b;
	if (mark && qemu_plugin_tb_vaddr(tb) == mark)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
	qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, QEMU_PLUGIN_CB_NO_REGS, b);
}

/*
 * One line "<prefix><vaddr hex> <segment> <count>" per instruction that ran
 * in a marked segment: all of them, or (`on_path`) those on kept paths.
 */
static void write_lines(FILE *f, const char *prefix, bool on_path)
{
	for (struct block *b = blocks; b; b = b->next)
		for (unsigned int s = 1; s < SEGMENTS; s += 2) {
			uint64_t n = on_path ? b->on_path[s] : b->counts[s];

			if (n)
				for (size_t i = 0; i < b->n; i++)
					fprintf(f, "%s%" PRIx64 " %u %" PRIu64 "\n", prefix,
						b->vaddr[i], s, n);
		}
}

static void write_counts(qemu_plugin_id_t id, void *data)
{
	FILE *f = fopen(out_path, "w");

	(void)id;
	(void)data;
	if (!f) {
		qemu_plugin_outs("insn-profile: cannot open the output file\n");
		return;
	}
	fprintf(f, "insn-profile segments %u\n", segment + 1);
	write_lines(f, "", false);
	for (size_t i = 0; i < kept.n; i++)
		fprintf(f, "path %" PRIu64 " %" PRIu64 "\n", kept.item[i][0], kept.item[i][1]);
	write_lines(f, "p ", true);
	fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
							       const qemu_info_t *info, int argc,
							       char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 16);
		else if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
		else if (!strncmp(argv[i], "path=", 5))
			path_start = strtoull(argv[i] + 5, NULL, 16);
		else if (!strncmp(argv[i], "idle=", 5))
			path_idle = strtoull(argv[i] + 5, NULL, 16);
		else if (!strncmp(argv[i], "user=", 5))
			user_end = strtoull(argv[i] + 5, NULL, 16);
		else
			return -1;
	}
	if (!mark || !out_path || !path_start != !path_idle)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, write_counts, NULL);
	return 0;
}
