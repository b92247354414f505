internal import CPostgres
import CfgSecure

/// libpq, loaded with dlopen (not linked) the first time a connection is opened or its version asked.
package enum PostgresLibrary {
    /// The Debian package that provides libpq.so.5.
    package static let debianPackage = "libpq5"

    /// Loads libpq once per process (thread-safe); nil, or why it could not be loaded.
    private static let failure: String? = reason { error, size in cfg_pq_load(error, size) }

    /// Loads libpq (`cfg_pq_load`: dlopen, every function resolved) once per process: nil when it is ready, or one
    /// line naming the library, the reason and the package to install. No other libpq call may come before a nil.
    package static func load() -> String? {
        failure
    }

    /// Why libpq's functions cannot be loaded from `soname`, or nil (the handle is closed again): the failure path of
    /// ``load()`` for tests, which cannot make libpq.so.5 itself disappear; cfg opens no other file.
    package static func loadFailure(from soname: String) -> String? {
        reason { error, size in cfg_pq_load_from(soname, error, size) }
    }

    /// nil when `load` returns 0, or the line saying why libpq cannot be loaded.
    private static func reason(_ load: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
        LazyLibrary.failure(of: "libpq", package: debianPackage, load)
    }

    /// libpq's version (`PQlibVersion()`), e.g. `15.13`: major and minor from PostgreSQL 10 on (`major * 10000 +
    /// minor`), three parts before (`90605` is 9.6.5); `unknown` when libpq cannot be loaded.
    package static var version: String {
        guard load() == nil else { return "unknown" }
        return format(PQlibVersion())
    }

    /// `PQlibVersion()`'s number as PostgreSQL writes it.
    static func format(_ number: Int32) -> String {
        if number >= 100_000 {
            return "\(number / 10_000).\(number % 10_000)"
        }
        return "\(number / 10_000).\(number / 100 % 100).\(number % 100)"
    }
}
