#ifndef CFG_CFILESYSTEM_SHIM_H
#define CFG_CFILESYSTEM_SHIM_H
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
#endif
