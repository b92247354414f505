#ifndef CFG_CFILESYSTEM_SHIM_H
#define CFG_CFILESYSTEM_SHIM_H
#include <sys/prctl.h>
#include <sys/vfs.h>

/* Swift's Glibc module leaves out <sys/vfs.h>: statfs(2) is reached through these two wrappers, which return
   only the file system's type (statfs.f_type), -1 with errno on failure. */
static inline int cfg_fstatfs_type(int fd, unsigned long *type) {
    struct statfs info;
    if (fstatfs(fd, &info) != 0) return -1;
    *type = (unsigned long)info.f_type;
    return 0;
}
static inline int cfg_statfs_type(const char *path, unsigned long *type) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    *type = (unsigned long)info.f_type;
    return 0;
}
/* prctl(2) is variadic, which Swift cannot call: names the calling thread (the kernel keeps 15 bytes). */
static inline void cfg_thread_set_name(const char *name) {
    (void)prctl(PR_SET_NAME, name, 0, 0, 0);
}
#endif
