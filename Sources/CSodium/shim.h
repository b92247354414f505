#ifndef CFG_CSODIUM_SHIM_H
#define CFG_CSODIUM_SHIM_H
#include <sodium.h>
#endif
