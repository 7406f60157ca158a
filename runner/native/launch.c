/*
 * runner-launch: starts one sandbox (bwrap) with rlimits set, waits for it and reports how it ended.
 *
 *   runner-launch -u UID -f REPORT_FD [-c CGROUP_FILE]... [-g CGROUP2_DIR] [-r NAME=SOFT[:HARD]]... -- PROGRAM ARGS...
 *
 * The runner service (root) starts this; while still root it writes "0" (itself) into each -c file (the
 * run's group in every hierarchy: `tasks` in cgroup v1, `cgroup.procs` in v2), so the whole tree it starts
 * is counted and capped by the kernel from its first instruction; a failure there ends it before anything
 * runs. In v1 it joins through `tasks`: moving the calling thread alone skips the kernel's global
 * threadgroup lock, whose write side waits for an RCU grace period (10 to 20 ms on a loaded machine, and
 * it slows every fork on the host meanwhile); this process has one thread, so that thread is all of it.
 * In cgroup v2 (-g, the run's group directory) nothing moves at all: the child that execs PROGRAM is
 * created inside the group (clone3 with CLONE_INTO_CGROUP, done as root, which the kernel requires), so
 * the whole tree is in it from its first instruction and this process stays outside, waiting.
 * It then drops to UID (also the gid, no supplementary groups) at once, so the service can spawn it with
 * vfork (a fork of the big service process would cost milliseconds).
 * It forks; the child sets the rlimits (cpu, as, data, nproc, fsize, nofile, stack, core) and execs
 * PROGRAM. The parent is the subreaper of everything
 * below it and waits for every descendant, then writes one line to REPORT_FD:
 * "STATUS UTIME_US STIME_US MAXRSS_KB", PROGRAM's wait status and the resource usage of PROGRAM and all
 * its descendants. Starting PROGRAM from this small process keeps the service's own memory out of the
 * peak-memory figure (a forked child inherits its parent's RSS high-water mark).
 *
 * If the service dies, this process gets SIGKILL (PR_SET_PDEATHSIG), and bwrap --die-with-parent takes
 * the sandbox down with it.
 *
 *   runner-launch -u UID -k
 *
 * kills every process of UID (kill(-1, SIGKILL) as UID): the service's last sweep after a stopped run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LIMITS 16
#define MAX_CGROUPS 8

struct limit {
    int resource;
    struct rlimit value;
};

static int resource_by_name(const char *name, size_t len) {
    static const struct {
        const char *name;
        int resource;
    } names[] = {
        {"cpu", RLIMIT_CPU},     {"as", RLIMIT_AS},         {"data", RLIMIT_DATA},   {"nproc", RLIMIT_NPROC},
        {"fsize", RLIMIT_FSIZE}, {"nofile", RLIMIT_NOFILE}, {"stack", RLIMIT_STACK}, {"core", RLIMIT_CORE},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == len && strncmp(names[i].name, name, len) == 0) return names[i].resource;
    return -1;
}

static int parse_limit(const char *spec, struct limit *out) {
    const char *eq = strchr(spec, '=');
    if (!eq) return -1;
    out->resource = resource_by_name(spec, (size_t)(eq - spec));
    if (out->resource < 0) return -1;
    char *end;
    errno = 0;
    unsigned long long soft = strtoull(eq + 1, &end, 10);
    unsigned long long hard = soft;
    if (errno || end == eq + 1) return -1;
    if (*end == ':') {
        const char *h = end + 1;
        hard = strtoull(h, &end, 10);
        if (errno || end == h) return -1;
    }
    if (*end != '\0' || soft > hard) return -1;
    out->value.rlim_cur = (rlim_t)soft;
    out->value.rlim_max = (rlim_t)hard;
    return 0;
}

static void usage(void) {
    fprintf(stderr, "usage: runner-launch -u UID -f REPORT_FD [-c CGROUP_FILE]... [-g CGROUP2_DIR] [-r NAME=SOFT[:HARD]]... -- PROGRAM ARGS...\n"
                    "       runner-launch -u UID -k\n");
    exit(2);
}

static long long micros(struct timeval tv) { return (long long)tv.tv_sec * 1000000 + tv.tv_usec; }

static int drop_privileges(long uid) {
    return setgroups(0, NULL) != 0 || setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) != 0 ||
           setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0;
}

/* A child created inside the cgroup2 group open at `group_fd` (no migration, so no global lock). */
static pid_t fork_into(int group_fd) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)group_fd;
    return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

int main(int argc, char **argv) {
    int report_fd = -1;
    long uid = -1;
    int kill_all = 0;
    struct limit limits[MAX_LIMITS];
    int nlimits = 0;
    const char *cgroups[MAX_CGROUPS];
    int ncgroups = 0;
    const char *group2 = NULL;
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "-f") == 0 && i + 1 < argc) {
            report_fd = atoi(argv[++i]);
        } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc && ncgroups < MAX_CGROUPS) {
            cgroups[ncgroups++] = argv[++i];
        } else if (strcmp(argv[i], "-g") == 0 && i + 1 < argc) {
            group2 = argv[++i];
        } else if (strcmp(argv[i], "-k") == 0) {
            kill_all = 1;
        } else if (strcmp(argv[i], "-u") == 0 && i + 1 < argc) {
            uid = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc && nlimits < MAX_LIMITS) {
            if (parse_limit(argv[++i], &limits[nlimits]) != 0) {
                fprintf(stderr, "runner-launch: bad limit %s\n", argv[i]);
                return 2;
            }
            nlimits++;
        } else {
            usage();
        }
    }
    if (uid <= 0 || (!kill_all && (report_fd < 0 || i >= argc))) usage();

    /* Join the run's cgroups while still root (the files belong to root). Fail closed: no group, no run. */
    for (int k = 0; k < ncgroups; k++) {
        FILE *f = fopen(cgroups[k], "w");
        if (!f || fputs("0\n", f) < 0 || fclose(f) != 0) {
            fprintf(stderr, "runner-launch: joining cgroup %s: %s\n", cgroups[k], strerror(errno));
            return 1;
        }
    }
    if (kill_all) {
        if (drop_privileges(uid) != 0) {
            perror("runner-launch: dropping privileges");
            return 1;
        }
        /* Every process this uid may signal, i.e. every process of the uid but this one. */
        for (int round = 0; round < 3 && kill(-1, SIGKILL) == 0; round++) {
        }
        return 0;
    }
    /* bwrap's outer process can exit before the sandbox's pid 1 is reaped (it learns the exit status
     * through an eventfd); as subreaper this process adopts it, so every descendant's usage is counted. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        perror("runner-launch: subreaper");
        return 1;
    }
    pid_t parent = getppid();
    pid_t pid = -1;
    if (group2) {
        /* cgroup v2: the child is created in the group, as root; it drops its own privileges below. */
        int group_fd = open(group2, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (group_fd < 0 || (pid = fork_into(group_fd)) < 0) {
            fprintf(stderr, "runner-launch: starting in cgroup %s: %s\n", group2, strerror(errno));
            return 1;
        }
        if (pid == 0 && drop_privileges(uid) != 0) _exit(126);
        if (pid > 0) close(group_fd);
    }
    if (pid != 0) {
        /* Credentials first: changing them clears the parent-death signal, which is set just after. */
        if (drop_privileges(uid) != 0) {
            perror("runner-launch: dropping privileges");
            if (pid > 0) kill(pid, SIGKILL);
            return 1;
        }
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
            /* The service is gone: the child (if any) must not run unwatched. It may still be root for a
             * moment, until it drops to this uid: then the kill succeeds. */
            while (pid > 0 && kill(pid, SIGKILL) != 0 && errno == EPERM) sched_yield();
            return 1;
        }
    }
    if (pid < 0) pid = fork();
    if (pid < 0) {
        perror("runner-launch: fork");
        return 1;
    }
    if (pid == 0) {
        close(report_fd);
        for (int k = 0; k < nlimits; k++) {
            if (setrlimit(limits[k].resource, &limits[k].value) != 0) {
                perror("runner-launch: setrlimit");
                _exit(126);
            }
        }
        execv(argv[i], &argv[i]);
        fprintf(stderr, "runner-launch: exec %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }

    int status = 0;
    long long utime_us = 0, stime_us = 0;
    long maxrss = 0;
    for (;;) {
        int st;
        struct rusage ru;
        pid_t done = wait4(-1, &st, 0, &ru);
        if (done < 0) {
            if (errno == EINTR) continue;
            break; /* ECHILD: every descendant is reaped */
        }
        if (done == pid) status = st;
        utime_us += micros(ru.ru_utime);
        stime_us += micros(ru.ru_stime);
        if (ru.ru_maxrss > maxrss) maxrss = ru.ru_maxrss;
    }
    dprintf(report_fd, "%d %lld %lld %ld\n", status, utime_us, stime_us, maxrss);
    return 0;
}
