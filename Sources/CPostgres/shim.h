#ifndef CFG_CPOSTGRES_SHIM_H
#define CFG_CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#endif
