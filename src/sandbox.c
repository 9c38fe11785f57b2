/*
 * sandbox.c - the event loop's confinement: its user, no capabilities,
 * no_new_privs, and a seccomp filter.
 *
 * The event loop reads data that any local process controls; if it is
 * ever subverted, it must hold nothing worth having.  So it keeps no
 * capability at all: CAP_SYS_PTRACE would let it attach to the privileged
 * part, CAP_KILL would let it kill anything.  The drop is done once, in
 * the order that cannot be undone (groups, gid, uid), and checked.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/capability.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sandbox.h"

int
sandbox_user(const char *name, struct sandbox_user *u)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int r;

	r = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (r != 0)
		return -r;
	if (res == NULL)
		return -ENOENT;
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", pw.pw_name);
	return 0;
}

bool
sandbox_is_root(void)
{
	return geteuid() == 0;
}

int
sandbox_drop(const struct sandbox_user *u)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	cap_value_t c;
	cap_t caps;
	int r;

	/* The bounding set can only be emptied while we hold CAP_SETPCAP. */
	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (cap_drop_bound(c) < 0 && errno != EINVAL)
			return -errno;
	if (setgroups(0, NULL) < 0 ||
	    setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0)
		return -errno;
	if (getresgid(&rg, &eg, &sg) < 0 || getresuid(&ru, &eu, &su) < 0)
		return -errno;
	if (rg != u->gid || eg != u->gid || sg != u->gid ||
	    ru != u->uid || eu != u->uid || su != u->uid)
		return -EPERM;
	/* Changing uid from root cleared them; make sure of it. */
	if ((caps = cap_init()) == NULL)
		return -errno;
	r = cap_set_proc(caps);
	cap_free(caps);
	if (r < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/* Root can no longer be regained. */
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return -EPERM;
	return 0;
}

#if defined(__x86_64__)
#define SECCOMP_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define SECCOMP_ARCH	AUDIT_ARCH_I386
#endif

/*
 * The event loop holds the fanotify group the privileged part made, to
 * read exec notifications from it.  On a group made with privilege, the
 * kernel still lets a caller without any capability add inode marks: a
 * subverted loop could mark /etc and be handed an open descriptor of every
 * file opened there, /etc/shadow included.  So the loop may never call
 * fanotify_mark() or fanotify_init(): a seccomp filter refuses them.
 * A system call through another door (another architecture's entry, such
 * as int $0x80, or x32's numbers) kills the loop.
 */
int
sandbox_seccomp(void)
{
#ifdef SECCOMP_ARCH
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
#ifdef __X32_SYSCALL_BIT
		/*
		 * x32 system calls carry the x86-64 architecture and their
		 * number with this bit set (fanotify_mark is 301 in both
		 * tables): compared by number alone they would pass.  The
		 * loop makes none: any is fatal.
		 */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, __X32_SYSCALL_BIT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fanotify_mark, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fanotify_init, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
#else
	return -ENOTSUP;
#endif
}

int
sandbox_keep_caps(const int *keep, size_t n)
{
	cap_value_t c, v[16];
	cap_t caps;
	size_t i;
	bool kept;
	int r;

	if (n > sizeof(v) / sizeof(v[0]))
		return -EINVAL;
	for (c = 0; c <= CAP_LAST_CAP; c++) {
		for (kept = false, i = 0; i < n; i++)
			kept |= keep[i] == c;
		if (!kept && cap_drop_bound(c) < 0 && errno != EINVAL)
			return -errno;
	}
	for (i = 0; i < n; i++)
		v[i] = keep[i];
	if ((caps = cap_init()) == NULL)
		return -errno;
	r = 0;
	if (n > 0 && (cap_set_flag(caps, CAP_PERMITTED, (int)n, v, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, (int)n, v, CAP_SET) < 0))
		r = -errno;
	if (r == 0 && cap_set_proc(caps) < 0)
		r = -errno;
	cap_free(caps);
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int
sandbox_seccomp_gate(void)
{
#ifdef SECCOMP_ARCH
	static const int deny[] = {
		__NR_execve, __NR_execveat, __NR_clone, __NR_clone3,
		__NR_ptrace, __NR_process_vm_writev, __NR_process_vm_readv,
		__NR_kill, __NR_tkill, __NR_tgkill, __NR_pidfd_send_signal,
		__NR_rt_sigqueueinfo, __NR_rt_tgsigqueueinfo,
		__NR_openat2, __NR_unlinkat, __NR_renameat2, __NR_linkat,
		__NR_symlinkat, __NR_mkdirat, __NR_mknodat, __NR_fchmod,
		__NR_fchmodat, __NR_fchown, __NR_fchownat, __NR_ftruncate,
		__NR_truncate, __NR_mount, __NR_umount2, __NR_pivot_root,
		__NR_chroot, __NR_setns, __NR_unshare, __NR_init_module,
		__NR_finit_module, __NR_delete_module, __NR_kexec_load,
		__NR_reboot, __NR_bpf, __NR_setuid, __NR_setgid,
		__NR_setreuid, __NR_setregid, __NR_setresuid, __NR_setresgid,
		__NR_setgroups, __NR_capset,
#ifdef __NR_fork
		__NR_fork, __NR_vfork, __NR_creat, __NR_unlink, __NR_rename,
		__NR_renameat, __NR_link, __NR_symlink, __NR_mkdir,
		__NR_rmdir, __NR_mknod, __NR_chmod, __NR_chown, __NR_lchown,
#endif
	};
	const size_t nd = sizeof(deny) / sizeof(deny[0]);
	/* Opening for writing, creating or truncating: O_ACCMODE != 0 too. */
	const uint32_t wflags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC |
	    O_APPEND;
	struct sock_filter code[128];
	struct sock_fprog prog;
	size_t n = 0, i;

	code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    SECCOMP_ARCH, 1, 0);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
#ifdef __X32_SYSCALL_BIT
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
	    __X32_SYSCALL_BIT, 0, 1);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS);
#endif
	size_t perm[sizeof(deny) / sizeof(deny[0]) + 2], np = 0;

	/* Each denied number jumps to the EPERM at the end (patched below). */
	for (i = 0; i < nd; i++) {
		perm[np++] = n;
		code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
		    BPF_K, (uint32_t)deny[i], 0, 0);
	}
	/* openat(dirfd, path, flags): flags is the third argument. */
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_openat, 0, 3);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, args[2]));
	perm[np++] = n;
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
	    wflags, 0, 0);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
#ifdef __NR_open
	/* open(path, flags): the second. */
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_open, 0, 3);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, args[1]));
	perm[np++] = n;
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
	    wflags, 0, 0);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
#endif
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
	for (i = 0; i < np; i++)
		code[perm[i]].jt = (uint8_t)(n - perm[i] - 1);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | EPERM);
	prog.len = (unsigned short)n;
	prog.filter = code;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
#else
	return -ENOTSUP;
#endif
}
