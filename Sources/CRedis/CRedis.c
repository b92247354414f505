/* hiredis through dlopen: see include/CRedis.h. The functions below are defined with hidden visibility (CFG_HIDDEN),
   so they stay inside cfg's binary and never interpose on hiredis's own calls (it is opened RTLD_LOCAL besides). */
#include "CRedis.h"

#include <CLazyLibrary.h>

/* The soname cfg opens (dev/runtime_packages.py lists it: IntegrationTests/test_install.py checks the two agree). */
#define CFG_REDIS_SONAME "libhiredis.so.0.14"

/* Every hiredis function cfg calls. */
#define CFG_REDIS_FUNCTIONS(X)                                                                                         \
    X(redisConnectWithTimeout)                                                                                         \
    X(redisSetTimeout)                                                                                                 \
    X(redisFormatCommandArgv)                                                                                          \
    X(redisFreeCommand)                                                                                                \
    X(redisFree)

CFG_LAZY_LIBRARY(redis, "hiredis", CFG_REDIS_SONAME, CFG_REDIS_FUNCTIONS)

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
