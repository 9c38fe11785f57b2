/*
 * spawn.c - running hooks, privileged side: a bounded queue, at most
 * max_hooks jobs at once, one supervisor process per job.
 *
 * The queue is shared fairly between rules: each rule with jobs waiting
 * has a queue of its own, and a free place among the max_hooks goes to
 * the rules in turn, a rule with no job waiting or running before those
 * being served.  When the queue is full, the rule with the most jobs
 * waiting gives up its newest for a rule with fewer: a flood of one rule
 * is dropped from its own share, and another rule's job waits only until
 * the first running job ends.
 *
 * The privileged part keeps the queue and one result pipe per running job;
 * it never waits.  The supervisor (supervise.c), forked from it, runs the
 * job and writes records to the pipe: one per hook, then the job's result
 * as soon as the last hook process has ended, which is when done() is
 * called.  What the hooks left may still run, supervised, after that: the
 * job keeps its place among the max_hooks until its supervisor has exited.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "signame.h"
#include "spawn.h"
#include "supervise.h"

struct spawn_rq;

struct spawn_ent {
	TAILQ_ENTRY(spawn_ent) entry;
	struct spawn_job *job;
	struct spawn_rq	*rq;		/* its rule's, once started */
	pid_t		 pid;		/* supervisor, once started */
	int		 fd;		/* its result pipe; -1 after EOF */
	size_t		 have;		/* bytes of a partial record */
	unsigned char	 buf[sizeof(struct supervise_rec)];
	size_t		 nrec;		/* hook records read */
	bool		 ended;		/* done() called */
};

TAILQ_HEAD(spawn_list, spawn_ent);

/* The jobs of one rule waiting, in order; freed once none waits or runs. */
struct spawn_rq {
	TAILQ_ENTRY(spawn_rq) entry;	/* in the round */
	char		*rule;
	struct spawn_list jobs;
	size_t		 n;
	size_t		 nrun;		/* its jobs running */
	bool		 served;	/* a job of it has started */
};

TAILQ_HEAD(spawn_round, spawn_rq);

struct spawn {
	unsigned	 max_hooks;
	unsigned	 queue_size;
	spawn_done_fn	 done;
	void		*arg;
	struct spawn_round round;	/* rules with jobs waiting or running */
	struct spawn_list running;
	size_t		 nqueued;
	size_t		 nrunning;
	struct spawn_stats stats;
	uint64_t	 drops;		/* not logged yet */
	int64_t		 drop_ms;	/* when the last drop line was logged */
	bool		 stopping;
};

void
spawn_job_free(struct spawn_job *job)
{
	size_t i;

	if (job == NULL)
		return;
	free(job->rule);
	for (i = 0; job->hooks != NULL && i < job->nhooks; i++)
		free(job->hooks[i]);
	free(job->hooks);
	free(job->user);
	free(job->groups);
	free(job->home);
	for (i = 0; job->env != NULL && job->env[i] != NULL; i++)
		free(job->env[i]);
	free(job->env);
	free(job);
}

struct spawn *
spawn_new(unsigned max_hooks, unsigned queue_size, spawn_done_fn done,
    void *arg)
{
	struct spawn *sp;

	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return NULL;
	sp->max_hooks = max_hooks;
	sp->queue_size = queue_size;
	sp->done = done;
	sp->arg = arg;
	TAILQ_INIT(&sp->round);
	TAILQ_INIT(&sp->running);
	return sp;
}

/* Log the drops of the last second, at most one line a second. */
static void
drop_flush(struct spawn *sp, bool force)
{
	int64_t now;

	if (sp->drops == 0)
		return;
	now = supervise_now_ms();
	if (!force && sp->drop_ms != 0 && now - sp->drop_ms < 1000)
		return;
	log_warnx("hook queue full: %llu job%s dropped (max_hooks %u, "
	    "queue_size %u)", (unsigned long long)sp->drops,
	    sp->drops == 1 ? "" : "s", sp->max_hooks, sp->queue_size);
	sp->drops = 0;
	sp->drop_ms = now;
}

/* Tell the caller how a job ended, once. */
static void
job_result(struct spawn *sp, struct spawn_ent *e, bool ok)
{
	if (e->ended)
		return;
	e->ended = true;
	sp->done(sp->arg, e->job->cookie, ok);
}

static void
ent_free(struct spawn_ent *e)
{
	if (e->fd >= 0)
		close(e->fd);
	spawn_job_free(e->job);
	free(e);
}

/* Cheap checks, done before anything is queued. */
static int
job_valid(const struct spawn_job *job)
{
	size_t i;

	if (job->nhooks == 0 || job->hooks == NULL || job->timeout == 0 ||
	    job->rule == NULL || job->event == NULL)
		return -EINVAL;
	for (i = 0; i < job->nhooks; i++)
		if (job->hooks[i] == NULL || job->hooks[i][0] != '/')
			return -EINVAL;
	return 0;
}

static void spawn_pump(struct spawn *);

/*
 * The queue of a rule's waiting jobs, made if need be: it takes its turn
 * before the rules already served, after those not served yet.
 */
static struct spawn_rq *
rq_get(struct spawn *sp, const char *rule)
{
	struct spawn_rq *rq, *q, *after = NULL;
	bool seen_served = false;

	TAILQ_FOREACH(q, &sp->round, entry) {
		if (strcmp(q->rule, rule) == 0)
			return q;
		if (q->served)
			seen_served = true;
		else if (!seen_served)
			after = q;
	}
	if ((rq = calloc(1, sizeof(*rq))) == NULL ||
	    (rq->rule = strdup(rule)) == NULL) {
		free(rq);
		return NULL;
	}
	TAILQ_INIT(&rq->jobs);
	if (after != NULL)
		TAILQ_INSERT_AFTER(&sp->round, after, rq, entry);
	else
		TAILQ_INSERT_HEAD(&sp->round, rq, entry);
	return rq;
}

static void
rq_release(struct spawn *sp, struct spawn_rq *rq)
{
	if (rq->n > 0 || rq->nrun > 0)
		return;
	TAILQ_REMOVE(&sp->round, rq, entry);
	free(rq->rule);
	free(rq);
}

/* The first rule in turn with a job waiting, or NULL. */
static struct spawn_rq *
rq_next(struct spawn *sp)
{
	struct spawn_rq *rq;

	TAILQ_FOREACH(rq, &sp->round, entry)
		if (rq->n > 0)
			return rq;
	return NULL;
}

/* Take a rule's first job waiting, or its newest. */
static struct spawn_ent *
rq_take(struct spawn *sp, struct spawn_rq *rq, bool newest)
{
	struct spawn_ent *e = newest ? TAILQ_LAST(&rq->jobs, spawn_list) :
	    TAILQ_FIRST(&rq->jobs);

	TAILQ_REMOVE(&rq->jobs, e, entry);
	rq->n--;
	sp->nqueued--;
	return e;
}

static void
count_drop(struct spawn *sp)
{
	sp->stats.dropped++;
	sp->drops++;
	drop_flush(sp, false);
}

/*
 * The queue is full: the rule with the most jobs waiting, if it has more
 * than rq, gives up its newest.  Returns false if rq's job is the one to
 * drop.
 */
static bool
make_room(struct spawn *sp, const struct spawn_rq *rq)
{
	struct spawn_rq *big = NULL, *q;
	struct spawn_ent *e;

	TAILQ_FOREACH(q, &sp->round, entry)
		if (big == NULL || q->n > big->n)
			big = q;
	if (big == NULL || big == rq || big->n <= rq->n)
		return false;
	e = rq_take(sp, big, true);
	rq_release(sp, big);
	count_drop(sp);
	job_result(sp, e, false);
	ent_free(e);
	return true;
}

int
spawn_submit(struct spawn *sp, struct spawn_job *job)
{
	struct spawn_ent *e = NULL;
	struct spawn_rq *rq;
	uint64_t cookie = job->cookie;
	int r;

	if ((r = job_valid(job)) < 0) {
		log_warnx("hook job for rule %s (pid %d): invalid, not run",
		    job->rule != NULL ? job->rule : "?", (int)job->pid);
		goto drop;
	}
	if (sp->stopping) {
		r = -ESHUTDOWN;
		goto drop;
	}
	if ((rq = rq_get(sp, job->rule)) == NULL ||
	    (e = calloc(1, sizeof(*e))) == NULL) {
		r = -ENOMEM;
		log_warn("hook job for rule %s (pid %d)", job->rule,
		    (int)job->pid);
		if (rq != NULL)
			rq_release(sp, rq);
		goto drop;
	}
	if (sp->nrunning >= sp->max_hooks && sp->nqueued >= sp->queue_size &&
	    !make_room(sp, rq)) {
		r = -ENOSPC;
		free(e);
		rq_release(sp, rq);
		count_drop(sp);
		goto drop;
	}
	e->job = job;
	e->fd = -1;
	TAILQ_INSERT_TAIL(&rq->jobs, e, entry);
	rq->n++;
	sp->nqueued++;
	spawn_pump(sp);
	return 0;

drop:
	spawn_job_free(job);
	sp->done(sp->arg, cookie, false);
	return r;
}

/*
 * Fork the job's supervisor.  Every signal is blocked across fork() so
 * that none of the caller's handlers runs in the child before it has
 * reset them.
 */
static int
spawn_start(struct spawn_ent *e)
{
	sigset_t all, old;
	pid_t parent = getpid(), pid;
	int p[2], err;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		supervise_job(e->job, p[1], parent);
	}
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -err;
	}
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
		log_warn("hook job for rule %s: result pipe", e->job->rule);
	e->pid = pid;
	e->fd = p[0];
	return 0;
}

/* Start queued jobs while there is room, one of each rule in turn. */
static void
spawn_pump(struct spawn *sp)
{
	struct spawn_ent *e;
	struct spawn_rq *rq;
	int r;

	while (!sp->stopping && sp->nrunning < sp->max_hooks &&
	    (rq = rq_next(sp)) != NULL) {
		e = rq_take(sp, rq, false);
		rq->served = true;
		TAILQ_REMOVE(&sp->round, rq, entry);
		TAILQ_INSERT_TAIL(&sp->round, rq, entry);
		if ((r = spawn_start(e)) < 0) {
			errno = -r;
			log_warn("hook job for rule %s (pid %d): cannot start "
			    "its supervisor", e->job->rule, (int)e->job->pid);
			sp->stats.failed += e->job->nhooks;
			job_result(sp, e, false);
			ent_free(e);
			rq_release(sp, rq);
			continue;
		}
		e->rq = rq;
		rq->nrun++;
		TAILQ_INSERT_TAIL(&sp->running, e, entry);
		sp->nrunning++;
	}
}

void
spawn_limits(struct spawn *sp, unsigned max_hooks, unsigned queue_size)
{
	sp->max_hooks = max_hooks;
	sp->queue_size = queue_size;
	spawn_pump(sp);
}

size_t
spawn_pollfds(struct spawn *sp, struct pollfd *pfd, size_t max)
{
	struct spawn_ent *e;
	size_t n = 0;

	TAILQ_FOREACH(e, &sp->running, entry) {
		if (n == max)
			break;
		if (e->fd < 0)
			continue;
		pfd[n].fd = e->fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

/*
 * One record from a supervisor.  The job's result goes to the caller at
 * once, though what the hooks left may still run.
 */
static void
spawn_record(struct spawn *sp, struct spawn_ent *e,
    const struct supervise_rec *r)
{
	switch (r->type) {
	case SUPERVISE_REC_HOOK:
		break;
	case SUPERVISE_REC_END:
		job_result(sp, e, r->value == 1);
		return;
	case SUPERVISE_REC_LINES:
		sp->stats.lines_dropped += r->lines_dropped;
		return;
	default:
		log_warnx("hook supervisor %d: bad record type %u", (int)e->pid,
		    r->type);
		return;
	}
	e->nrec++;
	if (r->started)
		sp->stats.started++;
	sp->stats.lines_dropped += r->lines_dropped;
	switch (r->kind) {
	case SUPERVISE_EXITED:
		if (r->value != 0)
			sp->stats.failed++;
		break;
	case SUPERVISE_TIMEOUT:
		sp->stats.timed_out++;
		break;
	default:
		sp->stats.failed++;
		break;
	}
}

/* Read the records a supervisor wrote; close its pipe at EOF. */
static void
spawn_read(struct spawn *sp, struct spawn_ent *e)
{
	struct supervise_rec rec;
	ssize_t n;

	while (e->fd >= 0) {
		n = read(e->fd, e->buf + e->have, sizeof(e->buf) - e->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (n < 0)
				log_warn("hook supervisor %d: read",
				    (int)e->pid);
			close(e->fd);
			e->fd = -1;
			return;
		}
		e->have += (size_t)n;
		if (e->have < sizeof(e->buf))
			continue;
		memcpy(&rec, e->buf, sizeof(rec));
		e->have = 0;
		spawn_record(sp, e, &rec);
	}
}

void
spawn_io(struct spawn *sp, const struct pollfd *pfd, size_t n)
{
	struct spawn_ent *e;
	size_t i;

	for (i = 0; i < n; i++) {
		if (pfd[i].fd < 0 ||
		    !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		TAILQ_FOREACH(e, &sp->running, entry)
			if (e->fd == pfd[i].fd) {
				spawn_read(sp, e);
				break;
			}
	}
	drop_flush(sp, false);
}

/*
 * A job leaves its slot when its supervisor is reaped: by then what it
 * wrote is in the pipe, and a job without a result has failed.
 */
bool
spawn_reaped(struct spawn *sp, pid_t pid, int status)
{
	struct spawn_ent *e;
	char sb[16];

	TAILQ_FOREACH(e, &sp->running, entry)
		if (e->pid == pid)
			break;
	if (e == NULL)
		return false;
	spawn_read(sp, e);
	if (e->ended) {
		if (WIFSIGNALED(status))
			log_warnx("hook supervisor %d for rule %s (pid %d) "
			    "killed by signal %s: what the hooks left is "
			    "killed", (int)pid, e->job->rule,
			    (int)e->job->pid, signame_or_number(
			    WTERMSIG(status), sb, sizeof(sb)));
	} else {
		if (e->nrec < e->job->nhooks)
			sp->stats.failed += e->job->nhooks - e->nrec;
		if (WIFSIGNALED(status))
			log_warnx("hook supervisor %d for rule %s (pid %d) "
			    "killed by signal %s: job failed", (int)pid,
			    e->job->rule, (int)e->job->pid,
			    signame_or_number(WTERMSIG(status), sb,
			    sizeof(sb)));
		else
			log_warnx("hook supervisor %d for rule %s (pid %d) "
			    "exited %d without a result: job failed",
			    (int)pid, e->job->rule, (int)e->job->pid,
			    WEXITSTATUS(status));
	}
	TAILQ_REMOVE(&sp->running, e, entry);
	sp->nrunning--;
	job_result(sp, e, false);
	e->rq->nrun--;
	rq_release(sp, e->rq);
	ent_free(e);
	spawn_pump(sp);
	drop_flush(sp, false);
	return true;
}

/* The next job waiting, rule by rule; NULL when none is. */
static struct spawn_ent *
queue_pop(struct spawn *sp)
{
	struct spawn_rq *rq = rq_next(sp);
	struct spawn_ent *e;

	if (rq == NULL)
		return NULL;
	e = rq_take(sp, rq, false);
	rq_release(sp, rq);
	return e;
}

void
spawn_shutdown(struct spawn *sp)
{
	struct spawn_ent *e;
	size_t n = 0;

	sp->stopping = true;
	while ((e = queue_pop(sp)) != NULL) {
		n++;
		job_result(sp, e, false);
		ent_free(e);
	}
	if (n > 0)
		log_info("stopping: %zu queued hook job%s dropped", n,
		    n == 1 ? "" : "s");
	TAILQ_FOREACH(e, &sp->running, entry)
		kill(e->pid, SIGTERM);
	drop_flush(sp, true);
}

const struct spawn_stats *
spawn_stats(const struct spawn *sp)
{
	return &sp->stats;
}

bool
spawn_owns(const struct spawn *sp, pid_t pid)
{
	const struct spawn_ent *e;

	TAILQ_FOREACH(e, &sp->running, entry)
		if (e->pid == pid)
			return true;
	return false;
}

size_t
spawn_running(const struct spawn *sp)
{
	return sp->nrunning;
}

/*
 * Frees without calling done.  Supervisors still running are told to
 * stop; they are not waited for (the caller reaps them, or they go to
 * init when it exits).
 */
void
spawn_free(struct spawn *sp)
{
	struct spawn_ent *e;

	if (sp == NULL)
		return;
	drop_flush(sp, true);
	while ((e = queue_pop(sp)) != NULL)
		ent_free(e);
	while ((e = TAILQ_FIRST(&sp->running)) != NULL) {
		TAILQ_REMOVE(&sp->running, e, entry);
		kill(e->pid, SIGTERM);
		e->rq->nrun--;
		rq_release(sp, e->rq);
		ent_free(e);
	}
	free(sp);
}
