internal import CRedis

/// The hiredis cfg was built with.
package enum RedisLibrary {
    /// hiredis's version from its header (`HIREDIS_MAJOR`, `HIREDIS_MINOR`, `HIREDIS_PATCH`), e.g. `0.14.1`: hiredis
    /// has no call that reports the version of the library loaded at run time, but its soname (`libhiredis.so.0.14`)
    /// changes with the minor version, so the loaded one has the same major and minor.
    package static var version: String {
        "\(HIREDIS_MAJOR).\(HIREDIS_MINOR).\(HIREDIS_PATCH)"
    }
}
