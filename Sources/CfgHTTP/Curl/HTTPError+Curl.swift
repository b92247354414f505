internal import CCurl

extension HTTPError {
    /// The error for a transfer that libcurl finished with `code`.
    ///
    /// - Parameters:
    ///   - code: libcurl's result.
    ///   - detail: libcurl's error buffer (which names hosts and ports, never header values or bodies).
    ///   - plan: the request, for its method and `host:port`.
    init(curlCode code: CURLcode, detail: String, plan: CurlRequestPlan) {
        let kind = HTTPError.kind(of: code, detail: detail, isHTTPS: plan.isHTTPS)
        if kind == .responseTooLarge {
            // libcurl refused a declared Content-Length above CURLOPT_MAXFILESIZE_LARGE.
            self = .responseTooLarge(
                method: plan.method,
                target: plan.target,
                endpoint: plan.endpoint,
                exceeded: HTTPError.size(plan.maxResponseBytes)
            )
            return
        }
        let text = HTTPError.oneLine(detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail)
        let request = "\(plan.method.rawValue) request to \(plan.target)"
        switch kind {
        case .unreachable:
            self.init(kind, "could not connect to \(plan.target) (\(text))")
        case .tls:
            self.init(kind, "the TLS connection to \(plan.target) failed (\(text))")
        case .timeout:
            self.init(kind, "the \(request) timed out (\(text))")
        case .proxy:
            self.init(kind, "the proxy for \(plan.target) failed (\(text))")
        case .cancelled:
            self.init(kind, "the \(request) was cancelled")
        case .invalidRequest:
            self.init(kind, "the \(request) is invalid (\(text))")
        case .transfer, .responseTooLarge:
            self.init(kind, "the \(request) failed (\(text))")
        }
    }

    /// The error for a request whose time ran out while it waited for a running request to finish.
    static func timedOutWaiting(_ plan: CurlRequestPlan) -> HTTPError {
        HTTPError(
            .timeout,
            "the \(plan.method.rawValue) request to \(plan.target) timed out waiting for one of the running requests "
                + "to finish"
        )
    }

    /// The error for a request that was cancelled, or refused because the transport shut down.
    static func cancelled(_ plan: CurlRequestPlan, shutDown: Bool = false) -> HTTPError {
        let reason = shutDown ? ": the HTTP client was shut down" : ""
        return HTTPError(.cancelled, "the \(plan.method.rawValue) request to \(plan.target) was cancelled\(reason)")
    }

    /// The kind of failure behind a libcurl result.
    ///
    /// A TLS 1.3 server that rejects the client certificate says so in an alert after the handshake, which
    /// libcurl reports as a receive error whose text names the TLS library; that counts as `tls` too.
    static func kind(of code: CURLcode, detail: String, isHTTPS: Bool) -> Kind {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST:
            return .unreachable
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout
        case CURLE_COULDNT_RESOLVE_PROXY, CURLE_PROXY:
            return .proxy
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidRequest
        case CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            let mentionsTLS = detail.contains("SSL") || detail.contains("TLS") || detail.contains("alert")
            return isHTTPS && mentionsTLS ? .tls : .transfer
        default:
            return .transfer
        }
    }

    /// `text` on one line, without surrounding white space or a final period, at most 300 characters.
    static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        var trimmed = Substring(line)
        while let last = trimmed.last, last == " " || last == "." || last == "\t" {
            trimmed = trimmed.dropLast()
        }
        while let first = trimmed.first, first == " " || first == "\t" {
            trimmed = trimmed.dropFirst()
        }
        return String(trimmed.prefix(300))
    }
}
