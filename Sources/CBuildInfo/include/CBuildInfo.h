#ifndef CFG_CBUILDINFO_H
#define CFG_CBUILDINFO_H

/// cfg's version: the VERSION file at the repository root, as the build stamp recorded it (BuildInfo.c's default,
/// kept equal to that file by the tests, when the build had no stamp).
const char *cfg_build_version(void);

/// The git commit the binary was built from (40 hex digits, "-dirty" appended when tracked files differed from it),
/// or "unknown" for a build without a stamp (a plain `swift build`).
const char *cfg_build_commit(void);

#endif
