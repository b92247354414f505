#ifndef CFG_CLibYAML_SHIM_H
#define CFG_CLibYAML_SHIM_H
#include <yaml.h>
#endif
