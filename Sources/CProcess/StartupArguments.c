#include "CProcess.h"

#include <stddef.h>

static int startup_count = 0;
static char *const *startup_arguments = NULL;

#if defined(__linux__) && defined(__GLIBC__)
/* The Swift runtime's hook for the arguments `CommandLine` reports (stdlib/public/stubs/CommandLine.cpp). Weak: a
   runtime without it leaves the pointer NULL, and cfg still parses the arguments captured here. */
extern void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc) __attribute__((weak));

/* Run by glibc before main with the process's own argc and argv (the kernel's copy on the stack, valid for the life
   of the process), so they are known without /proc. */
static void capture_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc <= 0 || argv == NULL) return;
    startup_count = argc;
    startup_arguments = argv;
    if (_swift_stdlib_overrideUnsafeArgvArgc != NULL) {
        _swift_stdlib_overrideUnsafeArgvArgc(argv, argc);
    }
}

__attribute__((used, section(".init_array"))) static void (*const capture_arguments_entry)(int, char **, char **) =
    capture_arguments;
#endif

char *const *cfg_startup_arguments(int *count) {
    *count = startup_count;
    return startup_arguments;
}
