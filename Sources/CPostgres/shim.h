#ifndef CFG_CPOSTGRES_SHIM_H
#define CFG_CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#include <stddef.h>
#include <string.h>

/* Zeroes `count` bytes through a volatile pointer, so the compiler cannot drop the stores as dead (the memory is
   freed right after). Portable where explicit_bzero / memset_s are not both available. */
static inline void cfg_pq_zero(void *pointer, size_t count) {
    volatile unsigned char *byte = (volatile unsigned char *)pointer;
    while (count > 0) {
        *byte++ = 0;
        count--;
    }
}

/* Zeroes a NUL-terminated string that libpq allocated (PQencryptPasswordConn, PQescapeLiteral, PQescapeIdentifier)
   and releases it with PQfreemem. NULL is ignored. */
static inline void cfg_pq_freemem_zeroed(char *string) {
    if (string != NULL) {
        cfg_pq_zero(string, strlen(string));
        PQfreemem(string);
    }
}
#endif
