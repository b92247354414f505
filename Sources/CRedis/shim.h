#ifndef CFG_CREDIS_SHIM_H
#define CFG_CREDIS_SHIM_H
#include <hiredis.h>
#include <stddef.h>

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
