#define _GNU_SOURCE
#include "CProcess.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int cfg_become_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

static int signal_pipe[2] = {-1, -1};

static void on_signal(int number, siginfo_t *info, void *context) {
    (void)context;
    int saved = errno;
    int record[2] = {number, info ? info->si_code : 0};
    // Non-blocking: a full pipe drops the record rather than stalling the interrupted thread.
    ssize_t written = write(signal_pipe[1], record, sizeof record);
    (void)written;
    errno = saved;
}

int cfg_signal_install(const int *signals, int count) {
    if (signal_pipe[0] < 0 && pipe2(signal_pipe, O_CLOEXEC) != 0) return -1;
    int flags = fcntl(signal_pipe[1], F_GETFL);
    if (flags < 0 || fcntl(signal_pipe[1], F_SETFL, flags | O_NONBLOCK) != 0) return -1;
    for (int i = 0; i < count; i++) {
        struct sigaction current;
        if (sigaction(signals[i], NULL, &current) != 0) return -1;
        // SIGCHLD is taken even when ignored: an ignored SIGCHLD would have the kernel reap the command unseen.
        if (current.sa_handler == SIG_IGN && signals[i] != SIGCHLD) continue;
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_sigaction = on_signal;
        action.sa_flags = SA_RESTART | SA_SIGINFO | (signals[i] == SIGCHLD ? SA_NOCLDSTOP : 0);
        sigfillset(&action.sa_mask);
        if (sigaction(signals[i], &action, NULL) != 0) return -1;
    }
    return 0;
}

int cfg_signal_read(int *code) {
    int record[2];
    size_t have = 0;
    while (have < sizeof record) {
        ssize_t got = read(signal_pipe[0], (char *)record + have, sizeof record - have);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        have += (size_t)got;
    }
    *code = record[1];
    return record[0];
}
