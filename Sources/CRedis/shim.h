#ifndef CFG_CREDIS_SHIM_H
#define CFG_CREDIS_SHIM_H
#include <hiredis.h>
#endif
