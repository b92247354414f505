#ifndef CFG_CLAZYLIBRARY_H
#define CFG_CLAZYLIBRARY_H
/* One loader for the C libraries cfg opens with dlopen the first time a command needs them (CCurl, CPostgres,
   CRedis). CFG_LAZY_LIBRARY(prefix, label, soname, FUNCTIONS) defines, for FUNCTIONS(X) listing every function cfg
   calls:
     - cfg_<prefix>_load(error, size): opens `soname` once (RTLD_NOW | RTLD_LOCAL, every function resolved at once,
       under pthread_once); 0, or -1 with dlerror()'s reason in `error` (a file name, never a secret);
     - cfg_<prefix>_load_from(soname, error, size): the same for another file, closed again (for tests only);
     - CFG_CALL(name): the resolved function `name`; a call before a successful load is a bug in cfg, which ends
       the process with one line rather than jumping through a null pointer.
   The file names are fixed: no environment variable changes which library is loaded. Everything is hidden, so it
   stays inside cfg's binary and never interposes on the libraries' own calls. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* Not exported from cfg's binary, whatever the link (--export-dynamic included). */
#define CFG_HIDDEN __attribute__((visibility("hidden")))

#define CFG_LAZY_FIELD(name) __typeof__(&name) fn_##name;
#define CFG_LAZY_RESOLVE(name)                                                                                         \
    *(void **)&table->fn_##name = dlsym(handle, #name);                                                                \
    if (table->fn_##name == NULL) {                                                                                    \
        snprintf(error, size, "%s: no symbol %s", soname, #name);                                                      \
        dlclose(handle);                                                                                               \
        return NULL;                                                                                                   \
    }

#define CFG_LAZY_LIBRARY(prefix, label, soname_, FUNCTIONS)                                                            \
    struct cfg_##prefix##_table {                                                                                      \
        FUNCTIONS(CFG_LAZY_FIELD)                                                                                      \
    };                                                                                                                 \
                                                                                                                       \
    static void *cfg_##prefix##_resolve(const char *soname, struct cfg_##prefix##_table *table, char *error,          \
                                        size_t size) {                                                                 \
        void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);                                                          \
        if (handle == NULL) {                                                                                          \
            const char *reason = dlerror();                                                                            \
            snprintf(error, size, "%s", reason != NULL ? reason : soname);                                             \
            return NULL;                                                                                               \
        }                                                                                                              \
        FUNCTIONS(CFG_LAZY_RESOLVE)                                                                                    \
        return handle;                                                                                                 \
    }                                                                                                                  \
                                                                                                                       \
    static struct cfg_##prefix##_table cfg_##prefix;                                                                   \
    static pthread_once_t cfg_##prefix##_once = PTHREAD_ONCE_INIT;                                                     \
    static int cfg_##prefix##_status = -1;                                                                             \
    static char cfg_##prefix##_error[512];                                                                             \
                                                                                                                       \
    static void cfg_##prefix##_open(void) {                                                                            \
        if (cfg_##prefix##_resolve(soname_, &cfg_##prefix, cfg_##prefix##_error, sizeof cfg_##prefix##_error) !=      \
            NULL) {                                                                                                    \
            cfg_##prefix##_status = 0;                                                                                 \
        }                                                                                                              \
    }                                                                                                                  \
                                                                                                                       \
    CFG_HIDDEN int cfg_##prefix##_load(char *error, size_t size) {                                                     \
        pthread_once(&cfg_##prefix##_once, cfg_##prefix##_open);                                                       \
        if (cfg_##prefix##_status != 0 && error != NULL && size > 0) {                                                 \
            snprintf(error, size, "%s", cfg_##prefix##_error);                                                         \
        }                                                                                                              \
        return cfg_##prefix##_status;                                                                                  \
    }                                                                                                                  \
                                                                                                                       \
    CFG_HIDDEN int cfg_##prefix##_load_from(const char *soname, char *error, size_t size) {                            \
        struct cfg_##prefix##_table table;                                                                             \
        void *handle = cfg_##prefix##_resolve(soname, &table, error, size);                                            \
        if (handle == NULL) {                                                                                          \
            return -1;                                                                                                 \
        }                                                                                                              \
        dlclose(handle);                                                                                               \
        return 0;                                                                                                      \
    }                                                                                                                  \
                                                                                                                       \
    static inline const struct cfg_##prefix##_table *cfg_##prefix##_functions(void) {                                 \
        if (__builtin_expect(cfg_##prefix##_load(NULL, 0) != 0, 0)) {                                                  \
            fprintf(stderr, "cfg: " label " called before it was loaded (%s)\n", cfg_##prefix##_error);               \
            abort();                                                                                                   \
        }                                                                                                              \
        return &cfg_##prefix;                                                                                          \
    }

#endif
