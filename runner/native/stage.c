/*
 * runner-stage: compile, then run, inside one sandbox (a request without test cases pays for one sandbox,
 * not two).
 *
 *   runner-stage OUT_FD REPORT_FD N COMPILE_ARG1..COMPILE_ARGN RUN_ARGS...
 *
 * Runs the compile command (N arguments) with stdin from /dev/null and stdout and stderr on OUT_FD, waits
 * for it, and writes one line to REPORT_FD: "STATUS UTIME_US STIME_US MAXRSS_KB" (its wait status and the
 * resource usage of it and its descendants). Only if it exited with 0 does it then exec the run command,
 * which gets this process's stdin, stdout and stderr. The runner service reads the line to end the
 * compile step's limits and start the run's.
 *
 * Nothing here is a security boundary: it runs inside the sandbox, as the run's uid, under its seccomp
 * filter, cgroup and limits; a program that broke it would gain nothing the run does not already have.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static long long micros(struct timeval tv) { return (long long)tv.tv_sec * 1000000 + tv.tv_usec; }

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: runner-stage OUT_FD REPORT_FD N COMPILE_ARGS... RUN_ARGS...\n");
        return 2;
    }
    int out_fd = atoi(argv[1]);
    int report_fd = atoi(argv[2]);
    int n = atoi(argv[3]);
    if (out_fd < 3 || report_fd < 3 || n < 1 || 4 + n >= argc) {
        fprintf(stderr, "runner-stage: bad arguments\n");
        return 2;
    }
    char **compile = &argv[4];
    char **run = &argv[4 + n];
    char *saved = argv[4 + n];
    argv[4 + n] = NULL; /* terminate the compile argv (restored before the run's exec) */

    pid_t pid = fork();
    if (pid < 0) {
        perror("runner-stage: fork");
        return 1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0) _exit(126);
        close(out_fd);
        close(report_fd);
        execv(compile[0], compile);
        dprintf(2, "runner-stage: exec %s: %s\n", compile[0], strerror(errno));
        _exit(127);
    }
    close(out_fd); /* the compile output's pipe ends when the compiler and its children are done */
    int status = 0;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            perror("runner-stage: wait");
            return 1;
        }
    }
    dprintf(report_fd, "%d %lld %lld %ld\n", status, micros(ru.ru_utime), micros(ru.ru_stime), ru.ru_maxrss);
    close(report_fd);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return 0; /* the service reads the verdict from the line */
    argv[4 + n] = saved;
    execv(run[0], run);
    fprintf(stderr, "runner-stage: exec %s: %s\n", run[0], strerror(errno));
    return 127;
}
