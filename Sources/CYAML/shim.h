#ifndef CFG_CYAML_SHIM_H
#define CFG_CYAML_SHIM_H
#include <yaml.h>
#endif
