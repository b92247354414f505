internal import CBuildInfo
internal import CfgAppliers
internal import CfgConfig
internal import CfgHTTP
internal import CfgSecure

/// What `cfg version` prints: cfg's version, the commit it was built from, and the C libraries it runs with, one per
/// line, so that a bug report can say which build it came from. `cfg --version` prints the first two lines
/// (``build()``), which need no library opened.
///
/// ```
/// cfg 0.1.0
/// commit 1e65244c0d…
/// libcurl 7.88.1 (OpenSSL/3.0.17)
/// libsodium 1.0.18
/// libpq 15.13
/// hiredis 0.14.1
/// libyaml 0.2.5
/// ```
///
/// libcurl, libsodium, libpq and libyaml report the version of the library loaded at run time; hiredis has no such call, so
/// its line is the version cfg was built with (the soname pins the same major and minor). libcurl and libpq are opened
/// with dlopen when first needed, so the report loads them (`unknown` for one that cannot be loaded); hiredis's line
/// loads nothing.
package struct VersionReport: Sendable, Hashable {
    /// cfg's version (the VERSION file at the repository root).
    package var version: String
    /// The git commit of the build, `unknown` for a build without a stamp.
    package var commit: String
    /// The C libraries, in the order printed: name and version.
    package var libraries: [Library]

    /// One C library cfg links.
    package struct Library: Sendable, Hashable {
        /// The library's name, e.g. `libcurl`.
        package var name: String
        /// Its version, e.g. `7.88.1 (OpenSSL/3.0.17)`.
        package var version: String
    }

    /// cfg's version and commit alone: what `cfg --version` prints, without opening a library.
    package static func build() -> VersionReport {
        VersionReport(
            version: String(cString: cfg_build_version()),
            commit: String(cString: cfg_build_commit()),
            libraries: []
        )
    }

    /// The report of this binary and the libraries the process loaded.
    package static func current() -> VersionReport {
        let curl = CurlRuntime.info()
        let curlVersion =
            curl.map { info in info.tlsBackend.map { "\(info.version) (\($0))" } ?? info.version } ?? "unknown"
        var report = build()
        report.libraries = [
            Library(name: "libcurl", version: curlVersion),
            Library(name: "libsodium", version: Sodium.version),
            Library(name: "libpq", version: PostgresLibrary.version),
            Library(name: "hiredis", version: RedisLibrary.version),
            Library(name: "libyaml", version: YAMLLibrary.version),
        ]
        return report
    }

    /// The lines printed, each ending with a newline.
    package var text: String {
        var lines = ["cfg \(version)", "commit \(commit)"]
        lines += libraries.map { "\($0.name) \($0.version)" }
        return lines.map { $0 + "\n" }.joined()
    }
}
