#define _GNU_SOURCE
#include "CProcess.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

// MARK: What a crash may reveal

static struct rlimit startup_core_limit;
static int startup_core_limit_saved = 0;
static volatile sig_atomic_t fatal_signal_seen = 0;
/// The main thread's alternate stack: a stack overflow can still run the handler.
static char fatal_stack[64 * 1024];

static void on_fatal_signal(int number) {
    // Only async-signal-safe calls: write, sigaction, raise, pthread_sigmask, _exit.
    if (!fatal_signal_seen) {
        fatal_signal_seen = 1;
        char line[] = "cfg: stopped by signal   \n";
        size_t length = sizeof line - 1;
        // "cfg: stopped by signal " is 23 characters; the number follows, at most two digits.
        if (number >= 10) {
            line[23] = (char)('0' + number / 10);
            line[24] = (char)('0' + number % 10);
            line[25] = '\n';
            length = 26;
        } else {
            line[23] = (char)('0' + number);
            line[24] = '\n';
            length = 25;
        }
        ssize_t written = write(STDERR_FILENO, line, length);
        (void)written;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(number, &action, NULL);
    // The signal is blocked while its handler runs: raise it, then unblock it, and the default action ends the
    // process (without a core file: the limit is 0 and the process is not dumpable).
    raise(number);
    sigset_t unblock;
    sigemptyset(&unblock);
    sigaddset(&unblock, number);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    // Still here: PID 1 of a PID namespace ignores a default-action signal it sends itself.
    _exit(128 + number);
}

int cfg_limit_core_dumps(void) {
    if (getrlimit(RLIMIT_CORE, &startup_core_limit) != 0) return -1;
    startup_core_limit_saved = 1;
    struct rlimit none = startup_core_limit;
    none.rlim_cur = 0;
    return setrlimit(RLIMIT_CORE, &none);
}

int cfg_protect_process(void) {
    int result = cfg_limit_core_dumps();
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) result = -1;
    stack_t alternate;
    memset(&alternate, 0, sizeof alternate);
    alternate.ss_sp = fatal_stack;
    alternate.ss_size = sizeof fatal_stack;
    if (sigaltstack(&alternate, NULL) != 0) result = -1;
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_fatal_signal;
        action.sa_flags = SA_ONSTACK;
        sigfillset(&action.sa_mask);
        if (sigaction(fatal[i], &action, NULL) != 0) result = -1;
    }
    return result;
}

void cfg_restore_core_limit(void) {
    if (startup_core_limit_saved) setrlimit(RLIMIT_CORE, &startup_core_limit);
}

void cfg_forbid_core_dumps(void) {
    struct rlimit none;
    if (getrlimit(RLIMIT_CORE, &none) != 0) return;
    none.rlim_cur = 0;
    setrlimit(RLIMIT_CORE, &none);
}

/// Sets every handled signal back to its default: the child must run none of cfg's handlers (async-signal-safe).
static void reset_caught_signals(void) {
    for (int number = 1; number < NSIG; number++) {
        struct sigaction current;
        if (sigaction(number, NULL, &current) != 0) continue;
        int caught = (current.sa_flags & SA_SIGINFO)
            || (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN);
        if (!caught) continue;
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = SIG_DFL;
        sigemptyset(&action.sa_mask);
        sigaction(number, &action, NULL);
    }
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/// Marks every descriptor from `first` on close-on-exec (async-signal-safe): close_range(2) with
/// CLOSE_RANGE_CLOEXEC (Linux 5.11), called through syscall(2) so no glibc version is required; on an older kernel,
/// fcntl on each descriptor below the RLIMIT_NOFILE soft limit (at most 2^20). Close-on-exec rather than closed, so
/// the pipe that reports a failed execve still works until execve.
static void close_on_exec_from(int first) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned int)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
    struct rlimit limit;
    long last = 1L << 20;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < (rlim_t)last) {
        last = (long)limit.rlim_cur;
    }
    for (long fd = first; fd < last; fd++) fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

/// Forks and executes `path` (see cfg_spawn). With `input` >= 0 (a hook or a captured command, see cfg_spawn_hook
/// and cfg_spawn_captured) the child also leads a new process group, takes `input` as its stdin and `output` as its
/// stdout (cfg's stderr when `output` is -1), and every other descriptor is closed on execve.
static pid_t spawn_child(
    const char *path, char *const argv[], char *const envp[], const sigset_t *mask, int input, int output, int *error
) {
    // The child reports a failed execve through this pipe; a successful one closes it (O_CLOEXEC).
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        *error = errno;
        return -1;
    }
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = fork();
    if (pid == 0) {
        // The child of a threaded process: async-signal-safe calls only until execve.
        close(report[0]);
        reset_caught_signals();
        int failure = 0;
        if (input >= 0) {
            // `input`, `output` and `report` are above 2 (the callers make sure), so no dup2 closes them.
            int stdout_source = output >= 0 ? output : STDERR_FILENO;
            if (setpgid(0, 0) != 0 || dup2(input, STDIN_FILENO) < 0 || dup2(stdout_source, STDOUT_FILENO) < 0) {
                failure = errno;
            }
            close_on_exec_from(STDERR_FILENO + 1);
        }
        if (failure == 0) {
            if (startup_core_limit_saved) setrlimit(RLIMIT_CORE, &startup_core_limit);
            pthread_sigmask(SIG_SETMASK, mask, NULL);
            execve(path, argv, envp);
            failure = errno;
        }
        ssize_t written = write(report[1], &failure, sizeof failure);
        (void)written;
        _exit(127);
    }
    int forkError = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        *error = forkError;
        return -1;
    }
    int failure = 0;
    ssize_t got;
    do {
        got = read(report[0], &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    close(report[0]);
    if (got == (ssize_t)sizeof failure) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error = failure;
        return -1;
    }
    return pid;
}

pid_t cfg_spawn(const char *path, char *const argv[], char *const envp[], const sigset_t *mask, int *error) {
    return spawn_child(path, argv, envp, mask, -1, -1, error);
}

/// Moves `*fd` to a descriptor above 2 (close-on-exec) when it is 0, 1 or 2 (cfg started with one of its standard
/// descriptors closed): the child's dup2 onto 0 and 1 must not overwrite it. Returns 0, or -1 with errno set.
static int above_standard_descriptors(int *fd) {
    if (*fd > STDERR_FILENO) return 0;
    int moved = fcntl(*fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (moved < 0) return -1;
    close(*fd);
    *fd = moved;
    return 0;
}

pid_t cfg_spawn_hook(
    const char *path, char *const argv[], char *const envp[], const sigset_t *mask, int *input, int *error
) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        *error = errno;
        return -1;
    }
    if (above_standard_descriptors(&fds[0]) != 0 || above_standard_descriptors(&fds[1]) != 0) {
        *error = errno;
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    int flags = fcntl(fds[1], F_GETFL);
    if (flags < 0 || fcntl(fds[1], F_SETFL, flags | O_NONBLOCK) != 0) {
        *error = errno;
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    pid_t pid = spawn_child(path, argv, envp, mask, fds[0], -1, error);
    close(fds[0]);
    if (pid < 0) {
        close(fds[1]);
        return -1;
    }
    *input = fds[1];
    return pid;
}

pid_t cfg_spawn_captured(
    const char *path, char *const argv[], char *const envp[], const sigset_t *mask, int *output, int *error
) {
    int null_input = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_input < 0) {
        *error = errno;
        return -1;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        *error = errno;
        close(null_input);
        return -1;
    }
    int flags = 0;
    if (above_standard_descriptors(&null_input) != 0 || above_standard_descriptors(&fds[0]) != 0
        || above_standard_descriptors(&fds[1]) != 0 || (flags = fcntl(fds[0], F_GETFL)) < 0
        || fcntl(fds[0], F_SETFL, flags | O_NONBLOCK) != 0) {
        *error = errno;
        close(null_input);
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    pid_t pid = spawn_child(path, argv, envp, mask, null_input, fds[1], error);
    close(null_input);
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    *output = fds[0];
    return pid;
}

ssize_t cfg_write_without_sigpipe(int fd, const void *bytes, size_t count) {
    sigset_t pipe_only, previous, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    // A SIGPIPE already pending (sent by someone else) is left for its owner.
    sigemptyset(&pending);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
    ssize_t written = write(fd, bytes, count);
    int saved = errno;
    if (written < 0 && saved == EPIPE && !was_pending) {
        // The write raised SIGPIPE at this thread, where it is blocked: take it out before unblocking.
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &zero) < 0 && errno == EINTR) {}
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    errno = saved;
    return written;
}

int cfg_child_ended(pid_t pid) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int result;
    do {
        result = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
    } while (result < 0 && errno == EINTR);
    if (result < 0) return -1;
    return info.si_pid == pid ? 1 : 0;
}
