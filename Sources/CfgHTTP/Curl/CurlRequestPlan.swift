internal import CCurl
import CfgSecure

/// A request checked and translated for libcurl.
///
/// Built on the caller's task before the request is queued, so a malformed request fails at once with
/// ``HTTPError/Kind/invalidRequest`` and the worker thread only sets options.
struct CurlRequestPlan: Sendable {
    /// The method.
    let method: HTTPMethod
    /// The URL to give libcurl: the request's, with the host replaced by the TLS server name if one is set.
    let url: String
    /// Whether the scheme is `https`.
    let isHTTPS: Bool
    /// `host:port` as the request addressed it, for messages.
    let target: String
    /// `serverName:port:host:port` for `CURLOPT_CONNECT_TO` when a TLS server name overrides the host.
    let connectTo: String?
    /// NUL-terminated `Name: value` lines (`Name;` for an empty value) for `CURLOPT_HTTPHEADER`.
    let headerLines: [Secret]
    /// The body, streamed to libcurl by its read callback.
    let body: Secret?
    /// Whether to send a body (possibly empty) with `Content-Length`.
    let sendsBody: Bool
    /// The total-time limit, counted from when the request was queued (the worker shortens it by the time the
    /// request waited for room).
    var timeout: Duration
    /// The largest response body accepted.
    let maxResponseBytes: Int
    /// The most bytes and lines of response headers accepted.
    let maxHeaderBytes: Int
    let maxHeaderLines: Int
    /// The URL as the request gave it.
    private let requestURL: String
    /// Scheme, host, port and path of the URL, for the message of a response that is too large (made only then).
    var endpoint: String { HTTPRequest.redacted(requestURL) }
    /// The proxy for this URL's scheme; empty for none.
    ///
    /// Note: a proxy URL may carry credentials in this `String`, which cannot be zeroed.
    let proxy: String
    /// Hosts that bypass the proxy; empty for none.
    let noProxy: String

    /// Checks `request` and prepares it with the client's `options`.
    ///
    /// - Throws: ``HTTPError/Kind/invalidRequest`` for a bad method, URL or header.
    init(
        _ request: HTTPRequest,
        options: HTTPClientOptions,
        headerLines cache: HeaderLineCache = HeaderLineCache()
    ) throws(HTTPError) {
        guard HTTPSyntax.isToken(request.method.rawValue) else {
            throw HTTPError(.invalidRequest, "invalid HTTP request: the method is not a valid HTTP token")
        }
        if request.method == .head, request.body != nil {
            throw HTTPError(.invalidRequest, "invalid HTTP request: a HEAD request cannot have a body")
        }
        let address = try CurlRequestPlan.parse(request.url, serverName: options.tls.serverName)
        if let limit = request.maxResponseBytes, limit < 1 {
            throw HTTPError(.invalidRequest, "invalid HTTP request: maxResponseBytes must be at least 1")
        }
        method = request.method
        url = address.url
        isHTTPS = address.isHTTPS
        target = address.target
        connectTo = address.connectTo
        var lines: [Secret] = []
        var setsExpect = false
        for header in request.headers {
            lines.append(try cache.line(for: header, compose: CurlRequestPlan.line(for:)))
            setsExpect = setsExpect || header.name.lowercased() == "expect"
        }
        if !setsExpect {
            // An empty `Expect:` stops libcurl from waiting for `100 Continue` before sending a body.
            lines.append(CurlRequestPlan.emptyExpect)
        }
        headerLines = lines
        body = request.body
        sendsBody = request.body != nil || [.post, .put, .patch].contains(request.method)
        timeout = request.timeout ?? options.totalTimeout
        maxResponseBytes = request.maxResponseBytes ?? options.maxResponseBytes
        maxHeaderBytes = options.maxResponseHeaderBytes
        maxHeaderLines = options.maxResponseHeaderLines
        requestURL = request.url
        proxy = (address.isHTTPS ? options.proxy.https : options.proxy.http) ?? ""
        noProxy = options.proxy.noProxy ?? ""
    }

    /// `Expect:` with no value, made once: the line holds no secret, but the header lines are all ``Secret``s.
    private static let emptyExpect = Secret(bytes: Array("Expect:".utf8) + [0])

    /// The parts of a URL the plan needs.
    private struct Address {
        var url: String
        var isHTTPS: Bool
        var target: String
        var connectTo: String?
    }

    /// Parses `url` with libcurl's own parser and applies the TLS server name.
    private static func parse(_ url: String, serverName: String?) throws(HTTPError) -> Address {
        let invalid = HTTPError(
            .invalidRequest,
            "invalid HTTP request: the URL is not a valid absolute http or https URL"
        )
        guard let handle = curl_url() else {
            throw HTTPError(.transfer, "libcurl could not allocate a URL handle")
        }
        defer { curl_url_cleanup(handle) }
        guard curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK else { throw invalid }
        func part(_ what: CURLUPart, _ flags: Int32 = 0) -> String? {
            var value: UnsafeMutablePointer<CChar>?
            guard curl_url_get(handle, what, &value, UInt32(flags)) == CURLUE_OK, let value else { return nil }
            defer { curl_free(value) }
            return String(cString: value)
        }
        guard let scheme = part(CURLUPART_SCHEME)?.lowercased(), scheme == "http" || scheme == "https",
            let host = part(CURLUPART_HOST), !host.isEmpty,
            let port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT)
        else { throw invalid }
        var address = Address(url: url, isHTTPS: scheme == "https", target: "\(host):\(port)")
        if let serverName, serverName != host {
            guard curl_url_set(handle, CURLUPART_HOST, serverName, 0) == CURLUE_OK, let rewritten = part(CURLUPART_URL)
            else {
                throw HTTPError(.invalidRequest, "invalid HTTP options: the TLS server name is not a valid host name")
            }
            address.url = rewritten
            address.connectTo = "\(serverName):\(port):\(host):\(port)"
        }
        return address
    }

    /// The NUL-terminated header line for `header`, assembled in guarded memory.
    private static func line(for header: HTTPHeader) throws(HTTPError) -> Secret {
        guard HTTPSyntax.isToken(header.name) else {
            throw HTTPError(.invalidRequest, "invalid HTTP request: a header name is not a valid HTTP token")
        }
        let lowered = header.name.lowercased()
        guard lowered != "content-length", lowered != "transfer-encoding" else {
            throw HTTPError(
                .invalidRequest,
                "invalid HTTP request: the header \(header.name) is set by the transport, not by the request"
            )
        }
        let valid = header.value.withUnsafeBytes { bytes in
            !bytes.contains { $0 == 0 || $0 == 0x0A || $0 == 0x0D }
        }
        guard valid else {
            throw HTTPError(
                .invalidRequest,
                "invalid HTTP request: the value of header \(header.name) contains a line break or a NUL byte"
            )
        }
        let name = Array(header.name.utf8)
        // libcurl sends `Name;` as an empty header; `Name:` would remove the header instead.
        let separator: [UInt8] = header.value.isEmpty ? [UInt8(ascii: ";")] : [UInt8(ascii: ":"), UInt8(ascii: " ")]
        return header.value.withUnsafeBytes { value in
            Secret(count: name.count + separator.count + value.count + 1) { line in
                var offset = 0
                for byte in name + separator {
                    line[offset] = byte
                    offset += 1
                }
                UnsafeMutableRawBufferPointer(rebasing: line[offset..<offset + value.count]).copyMemory(from: value)
                line[line.count - 1] = 0
            }
        }
    }
}

/// Lexical rules of HTTP/1.1 (RFC 9110).
enum HTTPSyntax {
    /// Whether `text` is a non-empty `token` (method and header-name syntax).
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(isTokenCharacter)
    }

    /// Whether the DNS name `text` can be a TLS server name.
    static func isHostName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 253
            && text.utf8.allSatisfy { byte in
                isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "_")
            }
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
