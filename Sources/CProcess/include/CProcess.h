#ifndef CFG_CPROCESS_H
#define CFG_CPROCESS_H

#include <signal.h>
#include <sys/types.h>

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to the caller, which reaps them.
/// prctl is variadic, so Swift cannot call it directly. Returns 0, or -1 with errno set.
int cfg_become_child_subreaper(void);

/// Installs one handler for each of `signals` (SA_RESTART | SA_SIGINFO, SA_NOCLDSTOP for SIGCHLD) that writes the
/// signal's number and si_code to a pipe; cfg_signal_read takes them out on an ordinary thread. A handler that
/// only calls write(2) is async-signal-safe, which Swift code cannot promise. Signals whose disposition is
/// SIG_IGN are left ignored (as `nohup` meant), except SIGCHLD, which cfg needs to learn that a child ended. Returns 0, or -1 with errno set.
int cfg_signal_install(const int *signals, int count);

/// Blocks until a signal arrives; returns its number and stores its si_code in `code`. Returns -1 on error.
int cfg_signal_read(int *code);

/// Saves the soft RLIMIT_CORE the process was started with (what cfg_restore_core_limit and cfg_spawn give back)
/// and sets it to 0: a core file would hold every secret fetched. Returns 0, or -1 with errno set.
int cfg_limit_core_dumps(void);

/// What a crash of cfg may reveal, closed first thing in main: cfg_limit_core_dumps, then marks the process
/// non-dumpable (no core even where the limit is ignored, and other processes of the same user can no longer read
/// its memory through /proc or ptrace), and installs
/// handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT and SIGTRAP that write one fixed line,
/// "cfg: stopped by signal N", and end the process by that signal (the Swift runtime's backtracer would print
/// about a hundred lines of cfg's internals and, for a signal sent with kill, let cfg carry on). Returns 0, or -1
/// with errno set when a step failed (the others are still done).
int cfg_protect_process(void);

/// Gives the process back the soft core limit it was started with: `cfg exec` calls it right before execve, so the
/// command gets the limit it would have had without cfg. (execve also makes the command dumpable again.)
void cfg_restore_core_limit(void);

/// Sets the soft core limit to 0 again (after a failed execve).
void cfg_forbid_core_dumps(void);

/// Starts `path` as a child (fork, then execve in the child), for `cfg run`. The child runs no handler of cfg's
/// (every caught signal is set to its default before anything else), gets the core limit cfg was started with
/// and the signal `mask`, then executes `path`. All signals are blocked in the calling thread around fork, so no
/// handler runs in the child before they are reset. Returns the child's PID; or -1 with the errno of the failed
/// fork or execve in `error` (a child whose execve failed has been reaped).
pid_t cfg_spawn(const char *path, char *const argv[], char *const envp[], const sigset_t *mask, int *error);

/// Starts `path` as a command hook of `cfg rotate`: what cfg_spawn does (fork, then in the child the default action
/// for every caught signal, the original core limit, the signal `mask`, execve), and besides, in the child:
/// - a new process group led by the child (so a timeout can stop the hook and whatever it started: kill(-pid));
/// - stdin is the read end of a new pipe, whose write end (close-on-exec, O_NONBLOCK) is stored in `input`;
/// - stdout is cfg's stderr (cfg's stdout carries its report), stderr is cfg's stderr;
/// - every other descriptor is closed on execve (close_range(CLOSE_RANGE_CLOEXEC), or fcntl on each one), whether
///   or not cfg opened it close-on-exec, so no descriptor of cfg's (a secret file, a backend connection) reaches the
///   hook.
/// Returns the child's PID; or -1 with the errno of the failed pipe, fork, redirection or execve in `error` (a child
/// whose start failed has been reaped, and no descriptor is left open).
pid_t cfg_spawn_hook(
    const char *path, char *const argv[], char *const envp[], const sigset_t *mask, int *input, int *error);

/// write(2) that never raises SIGPIPE in the process, whatever its disposition: SIGPIPE is blocked in the calling
/// thread around the call, and the one the write raised (with EPIPE) is taken out with sigtimedwait before it is
/// unblocked. A write to a pipe nobody reads fails with EPIPE instead of ending cfg. Returns what write returns, with
/// its errno.
ssize_t cfg_write_without_sigpipe(int fd, const void *bytes, size_t count);

/// Whether the child `pid` has ended, without reaping it (waitid with WNOWAIT): while it is an unreaped zombie its PID,
/// and so its process group's ID, cannot be reused, and signals sent to the group reach only what is left of it.
/// Returns 1 when it has ended, 0 when it runs, -1 with errno set (ECHILD: no such child).
int cfg_child_ended(pid_t pid);

#endif
