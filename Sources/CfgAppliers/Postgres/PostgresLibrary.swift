internal import CPostgres

/// The libpq the process runs with.
package enum PostgresLibrary {
    /// libpq's version (`PQlibVersion()`), e.g. `15.13`: major and minor from PostgreSQL 10 on (`major * 10000 +
    /// minor`), three parts before (`90605` is 9.6.5).
    package static var version: String {
        format(PQlibVersion())
    }

    /// `PQlibVersion()`'s number as PostgreSQL writes it.
    static func format(_ number: Int32) -> String {
        if number >= 100_000 {
            return "\(number / 10_000).\(number % 10_000)"
        }
        return "\(number / 10_000).\(number / 100 % 100).\(number % 100)"
    }
}
