#ifndef CFG_CREDIS_H
#define CFG_CREDIS_H

/* hiredis, loaded with dlopen the first time a rotation applier connects to Redis, never linked.

   The header gives the types; CRedis.c defines the functions cfg calls, under their hiredis names, as trampolines
   through pointers resolved once from libhiredis.so.0.14. Call cfg_redis_load first: until it has returned 0, no
   other hiredis function of this module may be called (the cfg_redis_wipe functions call none). */
#if __has_include(<hiredis/hiredis.h>)
#include <hiredis/hiredis.h>
#else
#include <hiredis.h>
#endif
#include <stddef.h>

/* Loads libhiredis.so.0.14 (a fixed soname: no environment variable chooses the file) and resolves every function
   cfg calls, once per process (thread-safe). Returns 0, or -1 with a one-line reason (dlerror's: the file or the
   missing symbol) in `error`. */
int cfg_redis_load(char *error, size_t size);

/* For tests: the same loading from another soname, into a table that is discarded (the handle is closed again).
   Returns 0 or -1 as cfg_redis_load. */
int cfg_redis_load_from(const char *soname, char *error, size_t size);

/* Zeroes `count` bytes at `pointer` through a volatile pointer, so the compiler cannot drop the stores as dead
   (the buffers wiped here held, or may have held, a password). */
static inline void cfg_redis_wipe(void *pointer, size_t count) {
    volatile unsigned char *byte = (volatile unsigned char *)pointer;
    while (count > 0) {
        *byte++ = 0;
        count--;
    }
}

/* Zeroes the whole allocation of a context's reply reader buffer (consumed bytes included), before redisFree. */
static inline void cfg_redis_wipe_reader(redisContext *context) {
    if (context != NULL && context->reader != NULL && context->reader->buf != NULL) {
        cfg_redis_wipe(context->reader->buf, sdsalloc(context->reader->buf));
    }
}

/* Zeroes every string of a reply tree (an error reply can echo a command's argument), before freeReplyObject. */
static inline void cfg_redis_wipe_reply(redisReply *reply) {
    if (reply == NULL) {
        return;
    }
    if (reply->str != NULL) {
        cfg_redis_wipe(reply->str, reply->len);
    }
    if (reply->type == REDIS_REPLY_ARRAY && reply->element != NULL) {
        for (size_t index = 0; index < reply->elements; index++) {
            cfg_redis_wipe_reply(reply->element[index]);
        }
    }
}

#endif
