/* libpq through dlopen: see include/CPostgres.h. The functions below are defined with hidden visibility (CFG_HIDDEN),
   so they stay inside cfg's binary and never interpose on libpq's own calls (it is opened RTLD_LOCAL besides). */
#include "CPostgres.h"

#include <CLazyLibrary.h>

/* The soname cfg opens (dev/runtime_packages.py lists it: IntegrationTests/test_install.py checks the two agree). */
#define CFG_PQ_SONAME "libpq.so.5"

/* Every libpq function cfg calls. */
#define CFG_PQ_FUNCTIONS(X)                                                                                            \
    X(PQlibVersion)                                                                                                    \
    X(PQconnectStartParams)                                                                                            \
    X(PQconnectPoll)                                                                                                   \
    X(PQconnectionNeedsPassword)                                                                                       \
    X(PQconnectionUsedPassword)                                                                                        \
    X(PQstatus)                                                                                                        \
    X(PQsocket)                                                                                                        \
    X(PQerrorMessage)                                                                                                  \
    X(PQsetErrorVerbosity)                                                                                             \
    X(PQfinish)                                                                                                        \
    X(PQexec)                                                                                                          \
    X(PQexecParams)                                                                                                    \
    X(PQresultStatus)                                                                                                  \
    X(PQresultErrorField)                                                                                              \
    X(PQntuples)                                                                                                       \
    X(PQnfields)                                                                                                       \
    X(PQgetvalue)                                                                                                      \
    X(PQgetisnull)                                                                                                     \
    X(PQclear)                                                                                                         \
    X(PQencryptPasswordConn)                                                                                           \
    X(PQescapeLiteral)                                                                                                 \
    X(PQescapeIdentifier)                                                                                              \
    X(PQfreemem)

CFG_LAZY_LIBRARY(pq, "libpq", CFG_PQ_SONAME, CFG_PQ_FUNCTIONS)

#define CFG_CALL(name) (cfg_pq_functions()->fn_##name)

CFG_HIDDEN int PQlibVersion(void) {
    return CFG_CALL(PQlibVersion)();
}
CFG_HIDDEN PGconn *PQconnectStartParams(const char *const *keywords, const char *const *values, int expand_dbname) {
    return CFG_CALL(PQconnectStartParams)(keywords, values, expand_dbname);
}
CFG_HIDDEN PostgresPollingStatusType PQconnectPoll(PGconn *conn) {
    return CFG_CALL(PQconnectPoll)(conn);
}
CFG_HIDDEN int PQconnectionNeedsPassword(const PGconn *conn) {
    return CFG_CALL(PQconnectionNeedsPassword)(conn);
}
CFG_HIDDEN int PQconnectionUsedPassword(const PGconn *conn) {
    return CFG_CALL(PQconnectionUsedPassword)(conn);
}
CFG_HIDDEN ConnStatusType PQstatus(const PGconn *conn) {
    return CFG_CALL(PQstatus)(conn);
}
CFG_HIDDEN int PQsocket(const PGconn *conn) {
    return CFG_CALL(PQsocket)(conn);
}
CFG_HIDDEN char *PQerrorMessage(const PGconn *conn) {
    return CFG_CALL(PQerrorMessage)(conn);
}
CFG_HIDDEN PGVerbosity PQsetErrorVerbosity(PGconn *conn, PGVerbosity verbosity) {
    return CFG_CALL(PQsetErrorVerbosity)(conn, verbosity);
}
CFG_HIDDEN void PQfinish(PGconn *conn) {
    CFG_CALL(PQfinish)(conn);
}
CFG_HIDDEN PGresult *PQexec(PGconn *conn, const char *query) {
    return CFG_CALL(PQexec)(conn, query);
}
CFG_HIDDEN PGresult *PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
                       const char *const *paramValues, const int *paramLengths, const int *paramFormats,
                       int resultFormat) {
    return CFG_CALL(PQexecParams)(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats,
                                  resultFormat);
}
CFG_HIDDEN ExecStatusType PQresultStatus(const PGresult *res) {
    return CFG_CALL(PQresultStatus)(res);
}
CFG_HIDDEN char *PQresultErrorField(const PGresult *res, int fieldcode) {
    return CFG_CALL(PQresultErrorField)(res, fieldcode);
}
CFG_HIDDEN int PQntuples(const PGresult *res) {
    return CFG_CALL(PQntuples)(res);
}
CFG_HIDDEN int PQnfields(const PGresult *res) {
    return CFG_CALL(PQnfields)(res);
}
CFG_HIDDEN char *PQgetvalue(const PGresult *res, int tup_num, int field_num) {
    return CFG_CALL(PQgetvalue)(res, tup_num, field_num);
}
CFG_HIDDEN int PQgetisnull(const PGresult *res, int tup_num, int field_num) {
    return CFG_CALL(PQgetisnull)(res, tup_num, field_num);
}
CFG_HIDDEN void PQclear(PGresult *res) {
    CFG_CALL(PQclear)(res);
}
CFG_HIDDEN char *PQencryptPasswordConn(PGconn *conn, const char *passwd, const char *user, const char *algorithm) {
    return CFG_CALL(PQencryptPasswordConn)(conn, passwd, user, algorithm);
}
CFG_HIDDEN char *PQescapeLiteral(PGconn *conn, const char *str, size_t len) {
    return CFG_CALL(PQescapeLiteral)(conn, str, len);
}
CFG_HIDDEN char *PQescapeIdentifier(PGconn *conn, const char *str, size_t len) {
    return CFG_CALL(PQescapeIdentifier)(conn, str, len);
}
CFG_HIDDEN void PQfreemem(void *ptr) {
    CFG_CALL(PQfreemem)(ptr);
}
