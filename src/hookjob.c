/*
 * hookjob.c - a rule's hooks for one event, as a job for spawn.c.
 *
 * run_as's home and supplementary groups are looked up once per user and
 * configuration: each supervisor is a new process that would load the
 * name service again, and a slow directory (LDAP) would hold up the
 * privileged part for every hook.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "hookjob.h"
#include "users.h"

/* run_as's home and supplementary groups. */
struct runas {
	char		*user;
	gid_t		 gid;
	char		*home;
	gid_t		*groups;
	size_t		 ngroups;
};

#define RUNAS_MAX	32

static struct runas runas_cache[RUNAS_MAX];

void
hookjob_flush(void)
{
	size_t i;

	for (i = 0; i < RUNAS_MAX; i++) {
		free(runas_cache[i].user);
		free(runas_cache[i].home);
		free(runas_cache[i].groups);
		memset(&runas_cache[i], 0, sizeof(runas_cache[i]));
	}
}

static const struct runas *
runas_get(const char *user, gid_t gid)
{
	struct runas *ra = NULL;
	struct passwd *pw;
	size_t i;

	for (i = 0; i < RUNAS_MAX; i++) {
		if (runas_cache[i].user == NULL) {
			if (ra == NULL)
				ra = &runas_cache[i];
			continue;
		}
		if (strcmp(runas_cache[i].user, user) == 0 &&
		    runas_cache[i].gid == gid)
			return &runas_cache[i];
	}
	if (ra == NULL) {
		hookjob_flush();
		ra = &runas_cache[0];
	}
	pw = getpwnam(user);
	if ((ra->user = strdup(user)) == NULL ||
	    (ra->home = strdup(pw != NULL ? pw->pw_dir : "/")) == NULL)
		goto fail;
	ra->gid = gid;
	if (users_groups(user, gid, &ra->groups, &ra->ngroups) < 0)
		goto fail;
	return ra;
fail:
	free(ra->user);
	free(ra->home);
	free(ra->groups);
	memset(ra, 0, sizeof(*ra));
	return NULL;
}

struct spawn_job *
hookjob_new(const struct rule *r, const struct pevent *pe,
    const struct out_ctx *oc, unsigned timeout, uint64_t cookie, int sig)
{
	struct spawn_job *job = calloc(1, sizeof(*job));
	const char *user = r->has_run_as ? r->run_user : "root";
	const struct runas *ra;
	size_t i;

	if (job == NULL)
		return NULL;
	job->uid = r->has_run_as ? r->run_uid : 0;
	job->gid = r->has_run_as ? r->run_gid : 0;
	if ((ra = runas_get(user, job->gid)) != NULL &&
	    (job->groups = reallocarray(NULL, ra->ngroups,
	    sizeof(gid_t))) != NULL) {
		memcpy(job->groups, ra->groups,
		    ra->ngroups * sizeof(gid_t));
		job->ngroups = ra->ngroups;
	}
	job->rule = strdup(r->name);
	job->user = strdup(user);
	job->home = strdup(ra != NULL ? ra->home : "/");
	job->hooks = calloc(r->nhooks + 1, sizeof(*job->hooks));
	job->timeout = r->timeout ? r->timeout : timeout;
	job->env = out_env(pe, oc, r->name, rule_action_name(r->action), sig);
	job->event = event_name(pe->ev->type);
	job->pid = pe->ev->pid;
	job->cookie = cookie;
	if (job->rule == NULL || job->user == NULL || job->home == NULL ||
	    job->hooks == NULL || job->env == NULL)
		goto nomem;
	for (i = 0; i < r->nhooks; i++, job->nhooks++)
		if ((job->hooks[i] = strdup(r->hooks[i])) == NULL)
			goto nomem;
	return job;
nomem:
	spawn_job_free(job);
	return NULL;
}
