internal import CRedis
import CfgSecure

/// hiredis, loaded with dlopen (not linked) the first time a connection is opened.
package enum RedisLibrary {
    /// The Debian package that provides libhiredis.so.0.14.
    package static let debianPackage = "libhiredis0.14"

    /// Loads hiredis once per process (thread-safe); nil, or why it could not be loaded.
    private static let failure: String? = reason { error, size in cfg_redis_load(error, size) }

    /// Loads hiredis (`cfg_redis_load`: dlopen, every function resolved) once per process: nil when it is ready, or
    /// one line naming the library, the reason and the package to install. No other hiredis call may come before a
    /// nil.
    package static func load() -> String? {
        failure
    }

    /// Why hiredis's functions cannot be loaded from `soname`, or nil (the handle is closed again): the failure path
    /// of ``load()`` for tests, which cannot make libhiredis.so.0.14 itself disappear; cfg opens no other file.
    package static func loadFailure(from soname: String) -> String? {
        reason { error, size in cfg_redis_load_from(soname, error, size) }
    }

    /// nil when `load` returns 0, or the line saying why hiredis cannot be loaded.
    private static func reason(_ load: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
        LazyLibrary.failure(of: "hiredis", package: debianPackage, load)
    }

    /// hiredis's version from its header (`HIREDIS_MAJOR`, `HIREDIS_MINOR`, `HIREDIS_PATCH`), e.g. `0.14.1`: hiredis
    /// has no call that reports the version of the library loaded at run time, but its soname (`libhiredis.so.0.14`)
    /// changes with the minor version, so the loaded one has the same major and minor. Reading it loads nothing.
    package static var version: String {
        "\(HIREDIS_MAJOR).\(HIREDIS_MINOR).\(HIREDIS_PATCH)"
    }
}
