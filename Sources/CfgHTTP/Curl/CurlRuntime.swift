internal import CCurl
import CfgSecure

/// libcurl, loaded (dlopen, not linked) and initialised once per process.
///
/// ``CurlTransport`` loads and initialises libcurl through this before its first call; the runtime also reports
/// what the loaded libcurl can do, so that `cfg version` and the tests can check TLS support.
package enum CurlRuntime {
    /// What the loaded libcurl reports about itself.
    package struct Info: Sendable, Hashable {
        /// libcurl's version string, e.g. `7.88.1`.
        package var version: String
        /// The TLS library, e.g. `OpenSSL/3.0.17`; nil when libcurl was built without TLS.
        package var tlsBackend: String?
        /// The protocols libcurl supports (`http`, `https`, …).
        package var protocols: [String]
    }

    /// The Debian package that provides libcurl.so.4, which cfg opens with dlopen rather than links.
    package static let debianPackage = "libcurl4"

    /// Loads libcurl (`cfg_curl_load`: dlopen, every function resolved) and initialises it, once per process; nil, or
    /// why that failed, as one line.
    private static let failure: String? = {
        if let reason = reason({ error, size in cfg_curl_load(error, size) }) {
            return reason
        }
        guard curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK else {
            return "libcurl could not be initialised"
        }
        return nil
    }()

    /// Why libcurl's functions cannot be loaded from `soname`, or nil (the handle is closed again): the failure path
    /// of ``initialise()`` for tests, which cannot make libcurl.so.4 itself disappear; cfg opens no other file.
    package static func loadFailure(from soname: String) -> String? {
        reason { error, size in cfg_curl_load_from(soname, error, size) }
    }

    /// nil when `load` returns 0, or the line saying why libcurl cannot be loaded.
    private static func reason(_ load: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> String? {
        LazyLibrary.failure(of: "libcurl", package: debianPackage, load)
    }

    /// Loads and initialises libcurl once per process (thread-safe): nil when it is ready, or why it is not (one
    /// line naming the library and the package to install). No other libcurl call may come before a nil.
    static func initialise() -> String? {
        failure
    }

    /// Loads and initialises libcurl (thread-safe, once) and describes it; nil when it cannot be loaded.
    package static func info() -> Info? {
        guard failure == nil, let data = cfg_curl_version_info() else { return nil }
        let details = data.pointee
        let version = details.version.map { String(cString: $0) } ?? "unknown"
        let tls = details.ssl_version.map { String(cString: $0) }
        var protocols: [String] = []
        if var cursor = details.protocols {
            while let name = cursor.pointee {
                protocols.append(String(cString: name))
                cursor += 1
            }
        }
        return Info(version: version, tlsBackend: tls, protocols: protocols)
    }
}
