/*
 * Writes the runner's seccomp filter as a raw BPF program (the format bwrap's --seccomp FD reads).
 *
 *   build:  cc -O2 -o seccomp-filter filter.c -lseccomp
 *   use:    ./seccomp-filter DENYLIST.bpf ALLOWLIST.bpf
 *
 * The filter allows everything a compiler, a JVM, node or python needs and refuses the system calls a
 * program in an interview sandbox never needs but an attacker would: kernel and mount administration,
 * namespaces, tracing other processes, keyrings, BPF, io_uring, host-wide pools (aio, message queues), file
 * locks and change notifications (the only things concurrent runs share are read-only files) and the like. Refused calls fail with
 * EPERM (so a program gets an error it can print, not a mysterious crash); calls from a foreign syscall
 * ABI (32-bit int 0x80, x32) kill the process, which is libseccomp's default for a non-native arch.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *const refused[] = {
    /* tracing and reading or writing other processes */
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    /* mounts, namespaces, root changes */
    "mount", "umount", "umount2", "pivot_root", "chroot", "setns", "unshare", "move_mount", "open_tree",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    /* kernel keyrings */
    "keyctl", "add_key", "request_key",
    /* BPF, perf, userfaultfd, io_uring: large kernel attack surface */
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    /* kernel modules, kexec, reboot, swap */
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
    "get_kernel_syms", "query_module", "reboot", "swapon", "swapoff",
    /* file handles bypass path permissions */
    "open_by_handle_at", "name_to_handle_at",
    /* system administration */
    "acct", "quotactl", "quotactl_fd", "syslog", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
    "sethostname", "setdomainname", "iopl", "ioperm", "lookup_dcookie", "fanotify_init", "vhangup",
    "nfsservctl", "uselib", "_sysctl", "ustat", "sysfs",
    /* NUMA page migration across processes */
    "migrate_pages", "move_pages",
    /* System V shared memory: segments hold memory no process's RSS shows once detached */
    "shmget", "shmat", "shmdt", "shmctl",
    /* Host-wide pools a run could drain for everyone: asynchronous I/O contexts (aio-max-nr), POSIX
     * message queues; memfd_secret holds memory outside the page cache */
    "io_setup", "io_submit", "io_destroy", "io_getevents", "io_pgetevents", "io_cancel",
    "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    "memfd_secret",
    /* acting on other processes' memory, the LDT (old segment tricks), execution domains */
    "process_madvise", "process_mrelease", "modify_ldt", "set_mempolicy_home_node", "personality",
    /* file change notifications: watching a file every run shares (a toolchain under /usr) would tell
     * one run when another opens it */
    "inotify_init", "inotify_init1", "inotify_add_watch",
};

/* The allowlist (a second filter, stacked under the one above): every call a program may make at all; any
 * other call, including every call added to the kernel after this list was written, answers ENOSYS (which
 * runtimes take as an old kernel). The calls refused above are left out; so are obsolete and unused ones.
 * Both filters apply to every call and the stricter answer wins (the denylist's errno when both refuse). */
static const char *const allowed[] = {
    "read", "write", "open", "close", "stat", "fstat", "lstat", "poll", "lseek", "mmap", "mprotect", "munmap",
    "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "pread64", "pwrite64", "readv", "writev",
    "access", "pipe", "select", "sched_yield", "mremap", "msync", "mincore", "madvise", "dup", "dup2", "pause",
    "nanosleep", "getitimer", "alarm", "setitimer", "getpid", "sendfile", "socket", "connect", "accept", "sendto",
    "recvfrom", "sendmsg", "recvmsg", "shutdown", "bind", "listen", "getsockname", "getpeername", "socketpair",
    "setsockopt", "getsockopt", "clone", "fork", "vfork", "execve", "exit", "wait4", "kill", "uname", "semget",
    "semop", "semctl", "msgget", "msgsnd", "msgrcv", "msgctl", "fcntl", "flock", "fsync", "fdatasync", "truncate",
    "ftruncate", "getdents", "getcwd", "chdir", "fchdir", "rename", "mkdir", "rmdir", "creat", "link", "unlink",
    "symlink", "readlink", "chmod", "fchmod", "chown", "fchown", "lchown", "umask", "gettimeofday", "getrlimit",
    "getrusage", "sysinfo", "times", "getuid", "getgid", "setuid", "setgid", "geteuid", "getegid", "setpgid",
    "getppid", "getpgrp", "setsid", "setreuid", "setregid", "getgroups", "setgroups", "setresuid", "getresuid",
    "setresgid", "getresgid", "getpgid", "setfsuid", "setfsgid", "getsid", "capget", "capset", "rt_sigpending",
    "rt_sigtimedwait", "rt_sigqueueinfo", "rt_sigsuspend", "sigaltstack", "utime", "mknod", "statfs", "fstatfs",
    "getpriority", "setpriority", "sched_setparam", "sched_getparam", "sched_setscheduler", "sched_getscheduler",
    "sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval", "mlock", "munlock", "mlockall",
    "munlockall", "prctl", "arch_prctl", "setrlimit", "sync", "gettid", "readahead", "setxattr", "lsetxattr",
    "fsetxattr", "getxattr", "lgetxattr", "fgetxattr", "listxattr", "llistxattr", "flistxattr", "removexattr",
    "lremovexattr", "fremovexattr", "tkill", "time", "futex", "sched_setaffinity", "sched_getaffinity",
    "set_thread_area", "get_thread_area", "epoll_create", "remap_file_pages", "getdents64", "set_tid_address",
    "restart_syscall", "semtimedop", "fadvise64", "timer_create", "timer_settime", "timer_gettime",
    "timer_getoverrun", "timer_delete", "clock_gettime", "clock_getres", "clock_nanosleep", "exit_group",
    "epoll_wait", "epoll_ctl", "tgkill", "utimes", "mbind", "set_mempolicy", "get_mempolicy", "waitid",
    "ioprio_set", "ioprio_get", "openat", "mkdirat", "mknodat", "fchownat", "futimesat", "newfstatat", "unlinkat",
    "renameat", "linkat", "symlinkat", "readlinkat", "fchmodat", "faccessat", "pselect6", "ppoll",
    "set_robust_list", "get_robust_list", "splice", "tee", "sync_file_range", "vmsplice", "utimensat",
    "epoll_pwait", "signalfd", "timerfd_create", "eventfd", "fallocate", "timerfd_settime", "timerfd_gettime",
    "accept4", "signalfd4", "eventfd2", "epoll_create1", "dup3", "pipe2", "preadv", "pwritev", "rt_tgsigqueueinfo",
    "recvmmsg", "prlimit64", "syncfs", "sendmmsg", "getcpu", "sched_setattr", "sched_getattr", "renameat2",
    "seccomp", "getrandom", "execveat", "membarrier", "mlock2", "copy_file_range", "preadv2", "pwritev2",
    "pkey_mprotect", "pkey_alloc", "pkey_free", "statx", "rseq", "pidfd_send_signal", "pidfd_open", "close_range",
    "openat2", "faccessat2", "epoll_pwait2", "landlock_create_ruleset", "landlock_add_rule",
    "landlock_restrict_self", "futex_waitv", "cachestat", "fchmodat2", "map_shadow_stack", "futex_wake",
    "futex_wait", "futex_requeue",
};

static int add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned count, const struct scmp_arg_cmp *args) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) {
        fprintf(stderr, "seccomp-filter: %s is unknown on this architecture; skipped\n", name);
        return 0;
    }
    int rc = seccomp_rule_add_array(ctx, action, nr, count, args);
    if (rc < 0) fprintf(stderr, "seccomp-filter: rule for %s failed: %s\n", name, strerror(-rc));
    return rc;
}

static int write_allowlist(const char *path) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
    if (!ctx) return 1;
    if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
        fprintf(stderr, "seccomp-filter: this libseccomp cannot build a binary tree; the filter stays linear\n");
    int rc = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) rc |= add(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL);
    int fd = rc < 0 ? -1 : open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        if (rc >= 0) perror(path);
        seccomp_release(ctx);
        return 1;
    }
    rc = seccomp_export_bpf(ctx, fd);
    close(fd);
    seccomp_release(ctx);
    if (rc < 0) {
        fprintf(stderr, "seccomp-filter: export failed: %s\n", strerror(-rc));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s DENYLIST.bpf ALLOWLIST.bpf\n", argv[0]);
        return 2;
    }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return 1;
    /* A binary tree over syscall numbers instead of a linear list: every allowed call pays a few compares. */
    if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
        fprintf(stderr, "seccomp-filter: this libseccomp cannot build a binary tree; the filter stays linear\n");
    int rc = 0;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) rc |= add(ctx, SCMP_ACT_ERRNO(EPERM), refused[i], 0, NULL);

    /* memfd_create: a file held open keeps memory that no RSS shows (the tmpfs mounts are size-capped
     * instead). ENOSYS, as for an old kernel, so libraries fall back to plain files. */
    rc |= add(ctx, SCMP_ACT_ERRNO(ENOSYS), "memfd_create", 0, NULL);
    /* clone3 passes its flags in memory, out of a filter's reach: answer ENOSYS so libc falls back to clone. */
    rc |= add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
    /* clone may make threads and processes, never new namespaces. */
    const unsigned long ns_flags[] = {CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWIPC,
                                      CLONE_NEWUTS, CLONE_NEWCGROUP, CLONE_NEWTIME};
    for (size_t i = 0; i < sizeof ns_flags / sizeof ns_flags[0]; i++) {
        struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]);
        rc |= add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &cmp);
    }
    /* File locks and leases: every run sees the same read-only toolchain files, and a byte-range lock on
     * one of them is visible to every other run (two runs could talk through it). A run is alone in its
     * sandbox, so it has nobody to lock against: locks answer ENOLCK (no locks available). */
    rc |= add(ctx, SCMP_ACT_ERRNO(ENOLCK), "flock", 0, NULL);
    const unsigned long lock_cmds[] = {F_GETLK, F_SETLK, F_SETLKW, 36 /* F_OFD_GETLK */, 37 /* F_OFD_SETLK */,
                                       38 /* F_OFD_SETLKW */, 1024 /* F_SETLEASE */, 1025 /* F_GETLEASE */,
                                       1026 /* F_NOTIFY */};
    for (size_t i = 0; i < sizeof lock_cmds / sizeof lock_cmds[0]; i++) {
        /* The kernel reads cmd as 32 bits: compare only those, or a set high bit would slip past. */
        struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, lock_cmds[i]);
        rc |= add(ctx, SCMP_ACT_ERRNO(ENOLCK), "fcntl", 1, &cmp);
    }
    /* No faking keystrokes into a terminal. */
    const unsigned long bad_ioctls[] = {TIOCSTI, TIOCLINUX};
    for (size_t i = 0; i < sizeof bad_ioctls / sizeof bad_ioctls[0]; i++) {
        struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, bad_ioctls[i]);
        rc |= add(ctx, SCMP_ACT_ERRNO(EPERM), "ioctl", 1, &cmp);
    }
    /* Sockets: only unix, IPv4 and IPv6 (which reach nothing but the sandbox's own loopback). No netlink,
     * packet or other exotic families. */
    struct scmp_arg_cmp above_inet6 = SCMP_A0(SCMP_CMP_GT, AF_INET6);
    rc |= add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &above_inet6);
    const unsigned long low_families[] = {AF_UNSPEC, 3, 4, 5, 6, 7, 8, 9};
    for (size_t i = 0; i < sizeof low_families / sizeof low_families[0]; i++) {
        struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_EQ, low_families[i]);
        rc |= add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &cmp);
    }
    if (rc < 0) {
        seccomp_release(ctx);
        return 1;
    }
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(argv[1]);
        seccomp_release(ctx);
        return 1;
    }
    rc = seccomp_export_bpf(ctx, fd);
    close(fd);
    seccomp_release(ctx);
    if (rc < 0) {
        fprintf(stderr, "seccomp-filter: export failed: %s\n", strerror(-rc));
        return 1;
    }
    return write_allowlist(argv[2]);
}
