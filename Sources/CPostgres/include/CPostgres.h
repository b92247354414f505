#ifndef CFG_CPOSTGRES_H
#define CFG_CPOSTGRES_H

/* libpq, loaded with dlopen the first time a rotation applier connects to PostgreSQL (or `cfg version` asks its
   version), never linked: other commands do not pay for loading libpq and its tree (Kerberos, LDAP, OpenSSL, …).

   The header gives the types; CPostgres.c defines the functions cfg calls, under their libpq names, as trampolines
   through pointers resolved once from libpq.so.5. Call cfg_pq_load first: until it has returned 0, no other function
   of this module may be called. */
#if __has_include(<postgresql/libpq-fe.h>)
#include <postgresql/libpq-fe.h>
#else
#include <libpq-fe.h>
#endif
#include <stddef.h>
#include <string.h>

/* Loads libpq.so.5 (a fixed soname: no environment variable chooses the file) and resolves every function cfg calls,
   once per process (thread-safe). Returns 0, or -1 with a one-line reason (dlerror's: the file or the missing symbol)
   in `error`. */
int cfg_pq_load(char *error, size_t size);

/* For tests: the same loading from another soname, into a table that is discarded (the handle is closed again).
   Returns 0 or -1 as cfg_pq_load. */
int cfg_pq_load_from(const char *soname, char *error, size_t size);

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
