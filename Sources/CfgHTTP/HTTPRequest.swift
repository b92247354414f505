package import CfgSecure

/// An HTTP request for an ``HTTPTransport``.
///
/// `description` and mirrors name the method and the URL without its user information, query and fragment;
/// they never include a header value or the body.
package struct HTTPRequest: Sendable, CustomStringConvertible, CustomReflectable {
    /// The method.
    package var method: HTTPMethod
    /// The absolute `http` or `https` URL.
    package var url: String
    /// The headers, sent in this order.
    package var headers: [HTTPHeader]
    /// The body, sent as-is with a `Content-Length`; `nil` sends none (`Content-Length: 0` for POST, PUT
    /// and PATCH).
    package var body: Secret?
    /// The longest the whole request may take; `nil` uses the client's ``HTTPClientOptions/totalTimeout``.
    package var timeout: Duration?
    /// The largest response body to accept, in bytes; `nil` uses the client's
    /// ``HTTPClientOptions/maxResponseBytes``. A longer answer aborts the transfer with
    /// ``HTTPError/Kind/responseTooLarge``: set it to what the API can legitimately send.
    package var maxResponseBytes: Int?

    /// Creates a request.
    package init(
        method: HTTPMethod,
        url: String,
        headers: [HTTPHeader] = [],
        body: Secret? = nil,
        timeout: Duration? = nil,
        maxResponseBytes: Int? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// `GET https://host:8200/v1/path`, without user information, query or fragment.
    package var description: String {
        "\(method.rawValue) \(HTTPRequest.redacted(url))"
    }

    /// Method, redacted URL, header names and body size only.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "method": method.rawValue, "url": HTTPRequest.redacted(url), "headerNames": headers.map(\.name),
                "body": body.map { "\($0.count) bytes \(Secret.redacted)" } ?? "none",
            ],
            displayStyle: .struct
        )
    }

    /// The URL without user information, query and fragment, which may carry credentials.
    static func redacted(_ url: String) -> String {
        var rest = Substring(url)
        var scheme = ""
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            let authority = rest.index(colon, offsetBy: 3)
            scheme = String(rest[..<authority])
            rest = rest[authority...]
        }
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<end]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            rest = rest[rest.index(after: at)...]
        }
        return scheme + rest
    }
}
