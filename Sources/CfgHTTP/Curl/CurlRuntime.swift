internal import CCurl

/// The libcurl library this build links, initialised once per process.
///
/// ``CurlTransport`` initialises libcurl through this before its first transfer; the runtime also reports
/// what the linked libcurl can do, so that `cfg version` and the tests can check TLS support.
package enum CurlRuntime {
    /// What the linked libcurl reports about itself.
    package struct Info: Sendable, Hashable {
        /// libcurl's version string, e.g. `7.88.1`.
        package var version: String
        /// The TLS library, e.g. `OpenSSL/3.0.17`; nil when libcurl was built without TLS.
        package var tlsBackend: String?
        /// The protocols libcurl supports (`http`, `https`, …).
        package var protocols: [String]
    }

    private static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Initialises libcurl once per process (thread-safe); whether that succeeded.
    static func initialise() -> Bool {
        initialised
    }

    /// Initialises libcurl (thread-safe, once) and describes it.
    package static func info() -> Info? {
        guard initialised, let data = cfg_curl_version_info() else { return nil }
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
