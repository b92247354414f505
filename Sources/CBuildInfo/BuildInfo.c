#include "CBuildInfo.h"

/* The build stamp: `make build-release` (dev/build-stamp.sh) writes cfg_build_stamp.h into the release scratch
   directory, defining CFG_BUILD_VERSION and CFG_BUILD_COMMIT, and adds that directory to the include path
   (-Xcc -I). The header changes with the commit, the flag does not, so a new commit recompiles only this file. A
   build without the stamp (a plain `swift build`) takes the defaults below. */
#if defined(__has_include)
#if __has_include("cfg_build_stamp.h")
#include "cfg_build_stamp.h"
#endif
#endif

#ifndef CFG_BUILD_VERSION
#define CFG_BUILD_VERSION "0.1.0"
#endif
#ifndef CFG_BUILD_COMMIT
#define CFG_BUILD_COMMIT "unknown"
#endif

const char *cfg_build_version(void) {
    return CFG_BUILD_VERSION;
}

const char *cfg_build_commit(void) {
    return CFG_BUILD_COMMIT;
}
