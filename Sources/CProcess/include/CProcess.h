#ifndef CFG_CPROCESS_H
#define CFG_CPROCESS_H

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

#endif
