import FoundationEssentials

/// The rules every AWS client here shares for region names and endpoint URLs: the default endpoint of a service,
/// and checks that name the setting a bad value came from without echoing it.
package enum AWSEndpoint {
    /// `https://SERVICE.REGION.amazonaws.com` (`amazonaws.com.cn` in the China regions).
    package static func defaultURL(service: String, region: String) -> String {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://\(service).\(region).\(suffix)"
    }

    /// A region name goes into host names and the signature scope: lower-case letters, digits and inner `-`.
    ///
    /// - Parameter source: the variable, field or file line the value came from, for the message.
    /// - Throws: `.configuration` naming `source`.
    package static func validatedRegion(_ text: String, source: String) throws(AWSCredentialError) -> String {
        let valid =
            !text.isEmpty && text.count <= 64 && !text.hasPrefix("-") && !text.hasSuffix("-")
            && text.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "-")
            }
        guard valid else {
            throw AWSCredentialError(
                .configuration,
                "The AWS region from \(source) is not a region name; set it to one such as eu-west-1."
            )
        }
        return text
    }

    /// An `http://` or `https://` URL with a host and nothing after it but an optional `/`, which is removed; the
    /// value is not echoed (it could carry user information).
    ///
    /// - Parameter source: the variable or field the value came from, for the message.
    /// - Throws: `.configuration` naming `source`.
    package static func validated(_ text: String, source: String) throws(AWSCredentialError) -> String {
        var url = CredentialText.trimmed(text)
        while url.hasSuffix("/") { url.removeLast() }
        let lower = url.lowercased()
        let scheme = lower.hasPrefix("https://") ? "https://" : lower.hasPrefix("http://") ? "http://" : nil
        let authority = scheme.map { url.dropFirst($0.count) } ?? ""
        let valid =
            scheme != nil && !authority.isEmpty
            && !authority.contains(where: { "/?#@ ".contains($0) })
            && !host(of: url).isEmpty
        guard let scheme, valid else {
            throw AWSCredentialError(
                .configuration,
                "The endpoint in \(source) must be an http:// or https:// URL with a host and no path, "
                    + "such as https://secretsmanager.eu-west-1.amazonaws.com."
            )
        }
        return scheme + authority
    }

    /// The host of `scheme://host[:port]…`, lower-case, without brackets around an IPv6 address.
    package static func host(of url: String) -> String {
        var rest = Substring(url)
        if let range = rest.firstRange(of: "://") { rest = rest[range.upperBound...] }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return "" }
            return rest[rest.index(after: rest.startIndex)..<close].lowercased()
        }
        if let colon = rest.lastIndex(of: ":") { rest = rest[..<colon] }
        return rest.lowercased()
    }

    /// `localhost`, `127.0.0.0/8` or `::1`.
    package static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
