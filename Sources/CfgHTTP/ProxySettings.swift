/// Which proxies a client uses, set explicitly so libcurl never reads the process environment itself.
///
/// Note: a proxy URL may carry credentials (`http://user:password@proxy:3128`) in these `String`s, which
/// cannot be zeroed; they are never put into a description or an error.
package struct ProxySettings: Sendable, Hashable {
    /// The proxy for `http` URLs.
    package var http: String?
    /// The proxy for `https` URLs.
    package var https: String?
    /// Hosts reached directly, in curl's `NO_PROXY` syntax (comma-separated names, domains, IPs, `*`).
    package var noProxy: String?

    /// Creates settings.
    package init(http: String? = nil, https: String? = nil, noProxy: String? = nil) {
        self.http = http
        self.https = https
        self.noProxy = noProxy
    }

    /// No proxy at all.
    package static let none = ProxySettings()

    /// The settings curl's command-line tool would take from `processEnvironment`.
    ///
    /// `http_proxy` is read in lower case only (an upper-case `HTTP_PROXY` can be set by a CGI client
    /// through the `Proxy:` header); `https_proxy` before `HTTPS_PROXY`; `all_proxy`/`ALL_PROXY` as the
    /// fallback for both; `no_proxy` before `NO_PROXY`. Empty values count as unset.
    package static func fromEnvironment(_ processEnvironment: [String: String]) -> ProxySettings {
        func value(_ names: String...) -> String? {
            for name in names {
                if let value = processEnvironment[name], !value.isEmpty {
                    return value
                }
            }
            return nil
        }
        let fallback = value("all_proxy", "ALL_PROXY")
        return ProxySettings(
            http: value("http_proxy") ?? fallback,
            https: value("https_proxy", "HTTPS_PROXY") ?? fallback,
            noProxy: value("no_proxy", "NO_PROXY")
        )
    }
}
