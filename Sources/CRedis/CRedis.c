/* hiredis through dlopen: see include/CRedis.h. The functions below are defined with hidden visibility (CFG_HIDDEN),
   so they stay inside cfg's binary and never interpose on hiredis's own calls (it is opened RTLD_LOCAL besides). */
#include "CRedis.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* Not exported from cfg's binary, whatever the link (--export-dynamic included). */
#define CFG_HIDDEN __attribute__((visibility("hidden")))

/* The soname cfg opens (dev/runtime_packages.py lists it: IntegrationTests/test_install.py checks the two agree). */
#define CFG_REDIS_SONAME "libhiredis.so.0.14"

/* Every hiredis function cfg calls. */
#define CFG_REDIS_FUNCTIONS(X)                                                                                         \
    X(redisConnectWithTimeout)                                                                                         \
    X(redisSetTimeout)                                                                                                 \
    X(redisFormatCommandArgv)                                                                                          \
    X(redisFreeCommand)                                                                                                \
    X(redisFree)

struct cfg_redis_table {
#define CFG_FIELD(name) __typeof__(&name) fn_##name;
    CFG_REDIS_FUNCTIONS(CFG_FIELD)
#undef CFG_FIELD
};

/* Opens `soname` and resolves every function into `table`; the handle, or NULL with the reason in `error`. */
static void *cfg_redis_resolve(const char *soname, struct cfg_redis_table *table, char *error, size_t size) {
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        snprintf(error, size, "%s", reason != NULL ? reason : soname);
        return NULL;
    }
#define CFG_RESOLVE(name)                                                                                              \
    *(void **)&table->fn_##name = dlsym(handle, #name);                                                                \
    if (table->fn_##name == NULL) {                                                                                    \
        snprintf(error, size, "%s: no symbol %s", soname, #name);                                                      \
        dlclose(handle);                                                                                               \
        return NULL;                                                                                                   \
    }
    CFG_REDIS_FUNCTIONS(CFG_RESOLVE)
#undef CFG_RESOLVE
    return handle;
}

static struct cfg_redis_table cfg_redis;
static pthread_once_t cfg_redis_once = PTHREAD_ONCE_INIT;
static int cfg_redis_status = -1;
static char cfg_redis_error[512];

static void cfg_redis_open(void) {
    if (cfg_redis_resolve(CFG_REDIS_SONAME, &cfg_redis, cfg_redis_error, sizeof cfg_redis_error) != NULL) {
        cfg_redis_status = 0;
    }
}

CFG_HIDDEN int cfg_redis_load(char *error, size_t size) {
    pthread_once(&cfg_redis_once, cfg_redis_open);
    if (cfg_redis_status != 0 && error != NULL && size > 0) {
        snprintf(error, size, "%s", cfg_redis_error);
    }
    return cfg_redis_status;
}

CFG_HIDDEN int cfg_redis_load_from(const char *soname, char *error, size_t size) {
    struct cfg_redis_table table;
    void *handle = cfg_redis_resolve(soname, &table, error, size);
    if (handle == NULL) {
        return -1;
    }
    dlclose(handle);
    return 0;
}

/* The table, loaded; a call before a successful cfg_redis_load is a bug in cfg: it ends the process with one line
   rather than jumping through a null pointer. */
static inline const struct cfg_redis_table *cfg_redis_functions(void) {
    if (__builtin_expect(cfg_redis_load(NULL, 0) != 0, 0)) {
        fprintf(stderr, "cfg: hiredis called before it was loaded (%s)\n", cfg_redis_error);
        abort();
    }
    return &cfg_redis;
}

#define CFG_CALL(name) (cfg_redis_functions()->fn_##name)

CFG_HIDDEN redisContext *redisConnectWithTimeout(const char *ip, int port, const struct timeval tv) {
    return CFG_CALL(redisConnectWithTimeout)(ip, port, tv);
}
CFG_HIDDEN int redisSetTimeout(redisContext *c, const struct timeval tv) {
    return CFG_CALL(redisSetTimeout)(c, tv);
}
CFG_HIDDEN int redisFormatCommandArgv(char **target, int argc, const char **argv, const size_t *argvlen) {
    return CFG_CALL(redisFormatCommandArgv)(target, argc, argv, argvlen);
}
CFG_HIDDEN void redisFreeCommand(char *cmd) {
    CFG_CALL(redisFreeCommand)(cmd);
}
CFG_HIDDEN void redisFree(redisContext *c) {
    CFG_CALL(redisFree)(c);
}
