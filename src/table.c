/*
 * table.c - the live process table and its strings.
 *
 * Records come from a pool of fixed chunks, so a struct proc pointer stays
 * valid until its own record is deleted; the index is an open-addressing
 * hash of pointers by pid with linear probing and backward-shift deletion
 * (no tombstones, so lookups stay short under constant fork/exit churn).
 * Paths are interned in a second hash of the same kind.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define CHUNK_RECORDS	256

struct chunk {
	struct chunk	*next;
	struct proc	 rec[CHUNK_RECORDS];
};

struct table {
	struct proc	**slot;		/* hash by pid */
	size_t		  mask;		/* capacity - 1 */
	size_t		  count;
	struct chunk	 *chunks;
	struct proc	 *free;		/* free records, linked through exe */
	struct str	**istr;		/* interned strings */
	size_t		  imask;
	size_t		  icount;
};

static size_t
pid_hash(pid_t pid)
{
	/* Fibonacci hashing: pids are dense and sequential. */
	return (size_t)(((uint64_t)(uint32_t)pid * 0x9E3779B97F4A7C15ull) >> 32);
}

uint32_t
str_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

struct table *
table_new(void)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->mask = 1023;
	t->imask = 255;
	t->slot = calloc(t->mask + 1, sizeof(*t->slot));
	t->istr = calloc(t->imask + 1, sizeof(*t->istr));
	if (t->slot == NULL || t->istr == NULL) {
		free(t->slot);
		free(t->istr);
		free(t);
		return NULL;
	}
	return t;
}

static void
proc_clear(struct table *t, struct proc *p)
{
	str_set(t, &p->exe, NULL);
	str_set(t, &p->pexe, NULL);
	str_set(t, &p->cmdline, NULL);
	str_set(t, &p->cgroup, NULL);
	str_set(t, &p->script, NULL);
	str_set(t, &p->loader, NULL);
	memset(p, 0, sizeof(*p));
}

void
table_free(struct table *t)
{
	struct chunk *c, *next;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i <= t->mask; i++)
		if (t->slot[i] != NULL)
			proc_clear(t, t->slot[i]);
	for (c = t->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(t->slot);
	free(t->istr);
	free(t);
}

size_t
table_count(const struct table *t)
{
	return t->count;
}

struct proc *
table_get(struct table *t, pid_t pid)
{
	size_t i = pid_hash(pid) & t->mask;
	struct proc *p;

	while ((p = t->slot[i]) != NULL) {
		if (p->pid == pid)
			return p;
		i = (i + 1) & t->mask;
	}
	return NULL;
}

static int
grow(struct table *t)
{
	size_t ncap = (t->mask + 1) * 2, i, j;
	struct proc **ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return -ENOMEM;
	for (i = 0; i <= t->mask; i++) {
		if (t->slot[i] == NULL)
			continue;
		j = pid_hash(t->slot[i]->pid) & (ncap - 1);
		while (ns[j] != NULL)
			j = (j + 1) & (ncap - 1);
		ns[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = ns;
	t->mask = ncap - 1;
	return 0;
}

static struct proc *
rec_alloc(struct table *t)
{
	struct proc *p;
	size_t i;

	if (t->free == NULL) {
		struct chunk *c = calloc(1, sizeof(*c));

		if (c == NULL)
			return NULL;
		c->next = t->chunks;
		t->chunks = c;
		for (i = 0; i < CHUNK_RECORDS; i++) {
			c->rec[i].exe = (struct str *)(void *)t->free;
			t->free = &c->rec[i];
		}
	}
	p = t->free;
	t->free = (struct proc *)(void *)p->exe;
	memset(p, 0, sizeof(*p));
	return p;
}

struct proc *
table_add(struct table *t, pid_t pid)
{
	struct proc *p = table_get(t, pid);
	size_t i;

	if (p != NULL) {
		proc_clear(t, p);
		p->pid = pid;
		return p;
	}
	if ((t->count + 1) * 4 > (t->mask + 1) * 3 && grow(t) < 0)
		return NULL;
	if ((p = rec_alloc(t)) == NULL)
		return NULL;
	p->pid = pid;
	i = pid_hash(pid) & t->mask;
	while (t->slot[i] != NULL)
		i = (i + 1) & t->mask;
	t->slot[i] = p;
	t->count++;
	return p;
}

/* Remove slot i, shifting later members of its probe run back. */
static void
slot_remove(void **slot, size_t mask, size_t i,
    size_t (*home)(const void *))
{
	size_t j = i, k;

	slot[i] = NULL;
	for (;;) {
		j = (j + 1) & mask;
		if (slot[j] == NULL)
			return;
		k = home(slot[j]) & mask;
		/* Move slot[j] to i unless its home lies cyclically in (i, j]. */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		slot[i] = slot[j];
		slot[j] = NULL;
		i = j;
	}
}

static size_t
proc_home(const void *v)
{
	return pid_hash(((const struct proc *)v)->pid);
}

static size_t
str_home(const void *v)
{
	return ((const struct str *)v)->hash;
}

void
table_del(struct table *t, pid_t pid)
{
	size_t i = pid_hash(pid) & t->mask;
	struct proc *p;

	while ((p = t->slot[i]) != NULL) {
		if (p->pid == pid) {
			slot_remove((void **)t->slot, t->mask, i, proc_home);
			proc_clear(t, p);
			p->exe = (struct str *)(void *)t->free;
			t->free = p;
			t->count--;
			return;
		}
		i = (i + 1) & t->mask;
	}
}

void
table_foreach(struct table *t, void (*fn)(struct proc *, void *), void *arg)
{
	size_t i;

	for (i = 0; i <= t->mask; i++)
		if (t->slot[i] != NULL)
			fn(t->slot[i], arg);
}

void
table_prune(struct table *t, bool (*keep)(struct proc *, void *), void *arg)
{
	pid_t *gone;
	size_t i, n = 0;

	/* Collect first: deleting shifts records within the index. */
	if ((gone = malloc((t->count + 1) * sizeof(*gone))) == NULL)
		return;
	for (i = 0; i <= t->mask; i++)
		if (t->slot[i] != NULL && !keep(t->slot[i], arg))
			gone[n++] = t->slot[i]->pid;
	for (i = 0; i < n; i++)
		table_del(t, gone[i]);
	free(gone);
}

struct str *
str_new(const char *s, size_t len)
{
	struct str *x = malloc(sizeof(*x) + len + 1);

	if (x == NULL)
		return NULL;
	x->ref = 1;
	x->len = (uint32_t)len;
	x->hash = 0;
	x->interned = 0;
	memcpy(x->s, s, len);
	x->s[len] = '\0';
	return x;
}

static int
igrow(struct table *t)
{
	size_t ncap = (t->imask + 1) * 2, i, j;
	struct str **ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return -ENOMEM;
	for (i = 0; i <= t->imask; i++) {
		if (t->istr[i] == NULL)
			continue;
		j = t->istr[i]->hash & (ncap - 1);
		while (ns[j] != NULL)
			j = (j + 1) & (ncap - 1);
		ns[j] = t->istr[i];
	}
	free(t->istr);
	t->istr = ns;
	t->imask = ncap - 1;
	return 0;
}

struct str *
str_intern(struct table *t, const char *s, size_t len)
{
	uint32_t h = str_hash(s, len);
	size_t i = h & t->imask;
	struct str *x;

	while ((x = t->istr[i]) != NULL) {
		if (x->hash == h && x->len == len && memcmp(x->s, s, len) == 0)
			return str_ref(x);
		i = (i + 1) & t->imask;
	}
	if ((t->icount + 1) * 4 > (t->imask + 1) * 3) {
		if (igrow(t) < 0)
			return NULL;
		i = h & t->imask;
		while (t->istr[i] != NULL)
			i = (i + 1) & t->imask;
	}
	if ((x = str_new(s, len)) == NULL)
		return NULL;
	x->hash = h;
	x->interned = 1;
	t->istr[i] = x;
	t->icount++;
	return x;
}

struct str *
str_ref(struct str *x)
{
	if (x != NULL)
		x->ref++;
	return x;
}

void
str_unref(struct table *t, struct str *x)
{
	size_t i;

	if (x == NULL || --x->ref > 0)
		return;
	if (x->interned) {
		i = x->hash & t->imask;
		while (t->istr[i] != x)
			i = (i + 1) & t->imask;
		slot_remove((void **)t->istr, t->imask, i, str_home);
		t->icount--;
	}
	free(x);
}

void
str_set(struct table *t, struct str **slot, struct str *s)
{
	struct str *old = *slot;

	*slot = s;
	str_unref(t, old);
}
