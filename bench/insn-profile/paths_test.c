// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of insn_count.c (`make test`, checks group: bench-profile-plugin):
 * the plugin is compiled into this program with stand-ins for the QEMU
 * functions it calls, fed a made-up run of translated blocks, and its
 * output file is compared with what the markers and latency paths of that
 * run must give. Usage: paths_test <scratch output file>.
 */
#include "insn_count.c"

/* The stand-ins: a block is its first address and its size (4-byte insns). */
struct qemu_plugin_tb {
	uint64_t vaddr;
	size_t n;
};
struct qemu_plugin_insn {
	uint64_t vaddr;
};

static tb_trans_cb translate;
static udata_cb at_exit;
static struct qemu_plugin_insn insn;
/* The callbacks the plugin registers for the block being translated. */
static vcpu_udata_cb cbs[2];
static void *cb_data[2];
static int ncbs;

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb)
{
	(void)id;
	translate = cb;
}

void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb,
					  enum qemu_plugin_cb_flags flags, void *userdata)
{
	(void)tb;
	(void)flags;
	if (ncbs == 2)
		abort();
	cbs[ncbs] = cb;
	cb_data[ncbs++] = userdata;
}

size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb)
{
	return tb->n;
}

uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb)
{
	return tb->vaddr;
}

struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx)
{
	insn.vaddr = tb->vaddr + 4 * idx;
	return &insn;
}

uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *i)
{
	return i->vaddr;
}

void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata)
{
	(void)id;
	(void)userdata;
	at_exit = cb;
}

void qemu_plugin_outs(const char *string)
{
	fputs(string, stderr);
}

/* A translated block of the made-up run, with the callbacks it got. */
struct tb {
	struct qemu_plugin_tb tb;
	vcpu_udata_cb cbs[2];
	void *data[2];
	int ncbs;
};

#define K 0xffff800080000000ull
static struct tb mark_tb = { .tb = { K + 0x100, 1 } }, irq = { .tb = { K + 0x200, 5 } },
		 work = { .tb = { K + 0x300, 7 } }, idle = { .tb = { K + 0x400, 2 } },
		 user = { .tb = { 0x400000, 3 } };

static void make(struct tb *t)
{
	ncbs = 0;
	translate(0, &t->tb);
	t->ncbs = ncbs;
	for (int i = 0; i < ncbs; i++) {
		t->cbs[i] = cbs[i];
		t->data[i] = cb_data[i];
	}
}

static void run(struct tb *t)
{
	for (int i = 0; i < t->ncbs; i++)
		t->cbs[i](0, t->data[i]);
}

int main(int argc, char **argv)
{
	char mark_arg[40], path_arg[40], idle_arg[40], out_arg[4096];
	char *args[5] = { mark_arg, path_arg, idle_arg, out_arg, NULL };
	char line[256];
	/*
	 * What the run below must give, with how many times: the kept paths,
	 * then some path counts (irq's 5 and work's 7 instructions twice in
	 * segment 1, irq's once in segment 3; first and last of each).
	 */
	static const struct {
		const char *line;
		size_t times;
	} want[] = {
		{ "path 1 12", 2 },
		{ "path 3 5", 1 },
		{ "p ffff800080000200 1 2", 1 },
		{ "p ffff800080000210 1 2", 1 },
		{ "p ffff800080000300 1 2", 1 },
		{ "p ffff800080000318 1 2", 1 },
		{ "p ffff800080000200 3 1", 1 },
		{ "p ffff800080000210 3 1", 1 },
	};
	size_t found[sizeof(want) / sizeof(want[0])] = { 0 };
	size_t paths = 0, plines = 0;
	int bad = 0;
	FILE *f;

	if (argc != 2)
		return 2;
	snprintf(mark_arg, sizeof(mark_arg), "mark=%llx", K + 0x100);
	snprintf(path_arg, sizeof(path_arg), "path=%llx", K + 0x200);
	snprintf(idle_arg, sizeof(idle_arg), "idle=%llx", K + 0x400);
	snprintf(out_arg, sizeof(out_arg), "out=%s", argv[1]);
	if (qemu_plugin_install(0, NULL, 4, args))
		return 1;
	make(&mark_tb);
	make(&irq);
	make(&work);
	make(&idle);
	make(&user);
	/* Segment 0 (unmarked): a whole path, not followed. */
	run(&irq), run(&work), run(&user);
	run(&mark_tb); /* segment 1 */
	run(&irq), run(&work), run(&user);		/* kept: 5 + 7 */
	run(&irq), run(&work), run(&idle), run(&user);	/* woke nobody: dropped */
	run(&irq), run(&work), run(&irq), run(&work), run(&user); /* first dropped, second kept */
	run(&irq), run(&work), run(&mark_tb), run(&user); /* a mark inside: dropped */
	run(&mark_tb); /* segment 3 */
	run(&irq), run(&user); /* kept: 5 */
	run(&mark_tb); /* segment 4 */
	run(&irq), run(&user); /* unmarked: not followed */
	at_exit(0, NULL);

	f = fopen(argv[1], "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "path ", 5))
			paths++;
		else if (!strncmp(line, "p ", 2))
			plines++;
		else
			continue;
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (!strcmp(line, want[i].line))
				found[i]++;
	}
	fclose(f);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (found[i] != want[i].times) {
			fprintf(stderr, "paths_test: '%s' found %zu times, want %zu\n", want[i].line,
				found[i], want[i].times);
			bad = 1;
		}
	/* 3 kept paths; path counts for irq's 5 and work's 7 insns (segment 1), irq's 5 (3). */
	if (paths != 3 || plines != 5 + 7 + 5) {
		fprintf(stderr, "paths_test: %zu path lines (want 3), %zu p lines (want 17)\n",
			paths, plines);
		bad = 1;
	}
	if (!bad)
		printf("paths_test: ok\n");
	return bad;
}
