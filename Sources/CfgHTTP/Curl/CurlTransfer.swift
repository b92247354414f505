internal import CCurl
import CfgSecure

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a request's task waits on.
typealias CurlContinuation = CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>

/// One request on a libcurl easy handle: its options, its callbacks and the response they collect.
///
/// Not `Sendable`: it lives on the transport's worker thread, where libcurl calls its callbacks with the
/// transfer as their context pointer while the worker's table keeps it alive. The worker resets the easy
/// handle (dropping every pointer libcurl holds into this object) before the transfer is released.
final class CurlTransfer {
    /// The request's number, for cancellation.
    let id: UInt64
    /// The request.
    let plan: CurlRequestPlan
    /// The waiting task.
    let continuation: CurlContinuation
    /// The easy handle, owned by the worker's pool.
    let easy: UnsafeMutableRawPointer

    /// The request headers; they may hold a token, so they are zeroed before they are freed.
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// The `CURLOPT_CONNECT_TO` entry for a TLS server name.
    private var connectToList: UnsafeMutablePointer<curl_slist>?
    /// libcurl's `CURLOPT_ERRORBUFFER`.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// How many body bytes libcurl has read.
    private var uploaded = 0
    /// The response body, in guarded memory.
    ///
    /// Note: libcurl's own receive buffer, which the bytes pass through, is ordinary memory.
    private let received = SecureBuffer()
    /// The headers of the latest response (interim and proxy responses are replaced by the final one).
    private var responseHeaders: [String: String] = [:]
    /// Bytes and lines of response headers received so far, over every response of the transfer.
    private var headerBytes = 0
    private var headerLines = 0
    /// Whether the final response's header section ended (its blank line arrived).
    private var headersComplete = false
    /// The limit a callback found passed (`1 MiB`, `64 KiB of headers`), after which it aborted the transfer.
    private var exceeded: String?

    init(id: UInt64, plan: CurlRequestPlan, continuation: CurlContinuation, easy: UnsafeMutableRawPointer) {
        self.id = id
        self.plan = plan
        self.continuation = continuation
        self.easy = easy
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        CurlTransfer.freeZeroed(headerList)
        curl_slist_free_all(connectToList)
        errorBuffer.deallocate()
    }

    /// Sets every option of the easy handle for this request.
    ///
    /// - Throws: ``HTTPError/Kind/transfer`` when libcurl rejects an option (for example a TLS option in a
    ///   build without TLS).
    func configure(_ options: HTTPClientOptions) throws(HTTPError) {
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_URL, plan.url)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 0)
        try set(CURLOPT_CONNECTTIMEOUT_MS, options.connectTimeout.curlMilliseconds)
        try set(CURLOPT_TIMEOUT_MS, plan.timeout.curlMilliseconds)
        // A declared Content-Length above the limit is refused before any of the body is read; the write
        // callback enforces the same limit on bodies of undeclared (chunked) or understated length.
        try check(cfg_curl_setopt_offset(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(plan.maxResponseBytes)))
        // Always set, so that libcurl never reads proxy variables from the environment itself.
        try set(CURLOPT_PROXY, plan.proxy)
        try set(CURLOPT_NOPROXY, plan.noProxy)
        try configureTLS(options.tls)
        try configureHeaders()
        try configureMethod()
        try configureResponse()
    }

    /// The response, or the error libcurl finished with.
    func result(for code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        if exceeded == nil, code == CURLE_OUT_OF_MEMORY, !headersComplete {
            // libcurl refuses one header line longer than CURL_MAX_HTTP_HEADER (100 KiB) this way.
            exceeded = "100 KiB in one header line"
        }
        if let exceeded {
            return .failure(
                .responseTooLarge(
                    method: plan.method,
                    target: plan.target,
                    endpoint: plan.endpoint,
                    exceeded: exceeded
                )
            )
        }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            return .failure(HTTPError(curlCode: code, detail: detail, plan: plan))
        }
        var status = 0
        _ = cfg_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: responseHeaders, body: received.finish()))
    }

    /// The connections this transfer opened (rather than reused).
    var connectionsOpened: Int {
        var count = 0
        _ = cfg_curl_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &count)
        return count
    }

    // MARK: - Options

    private func configureTLS(_ tls: TLSOptions) throws(HTTPError) {
        try set(CURLOPT_SSL_VERIFYPEER, tls.verify ? 1 : 0)
        try set(CURLOPT_SSL_VERIFYHOST, tls.verify ? 2 : 0)
        if tls.caFile != nil || tls.caPath != nil {
            // A configured CA replaces the system's: the built-in default file or directory is switched off.
            try set(CURLOPT_CAINFO, tls.caFile)
            try set(CURLOPT_CAPATH, tls.caPath)
        }
        if let certificate = tls.clientCertificate {
            try set(CURLOPT_SSLCERT, certificate)
            try set(CURLOPT_SSLCERTTYPE, "PEM")
        }
        if let key = tls.clientKey {
            try set(CURLOPT_SSLKEY, key)
            try set(CURLOPT_SSLKEYTYPE, "PEM")
        }
    }

    private func configureHeaders() throws(HTTPError) {
        for line in plan.headerLines {
            let appended = line.withUnsafeBytes { bytes in
                curl_slist_append(headerList, bytes.baseAddress?.assumingMemoryBound(to: CChar.self))
            }
            guard let appended else { throw optionError("the header list") }
            headerList = appended
        }
        try set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(headerList))
        if let connectTo = plan.connectTo {
            guard let list = curl_slist_append(nil, connectTo) else { throw optionError("the connect-to list") }
            connectToList = list
            try set(CURLOPT_CONNECT_TO, pointer: UnsafeMutableRawPointer(list))
        }
    }

    private func configureMethod() throws(HTTPError) {
        if plan.method == .head {
            try set(CURLOPT_NOBODY, 1)
        } else if plan.sendsBody {
            // An upload streams the body from the Secret through the read callback: libcurl keeps no copy
            // of the whole body, and does not add a form Content-Type the way CURLOPT_POST would.
            try set(CURLOPT_UPLOAD, 1)
            try check(cfg_curl_setopt_offset(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(plan.body?.count ?? 0)))
            try set(CURLOPT_READDATA, pointer: context)
            try check(
                cfg_curl_setopt_data_callback(easy, CURLOPT_READFUNCTION) { buffer, size, count, context in
                    guard let context else { return Int(CURL_READFUNC_ABORT) }
                    return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                        .sendBody(into: buffer, capacity: size * count)
                }
            )
            // libcurl rewinds the body when it retries a request on a fresh connection.
            try set(CURLOPT_SEEKDATA, pointer: context)
            try check(
                cfg_curl_setopt_seek_callback(easy, CURLOPT_SEEKFUNCTION) { context, offset, origin in
                    guard let context else { return CURL_SEEKFUNC_FAIL }
                    return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                        .rewindBody(to: offset, origin: origin)
                }
            )
            if plan.method != .put {
                try set(CURLOPT_CUSTOMREQUEST, plan.method.rawValue)
            }
        } else if plan.method == .get {
            try set(CURLOPT_HTTPGET, 1)
        } else {
            try set(CURLOPT_CUSTOMREQUEST, plan.method.rawValue)
        }
    }

    private func configureResponse() throws(HTTPError) {
        try set(CURLOPT_WRITEDATA, pointer: context)
        try check(
            cfg_curl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                guard let context else { return 0 }
                return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                    .receiveBody(data, length: size * count)
            }
        )
        try set(CURLOPT_HEADERDATA, pointer: context)
        try check(
            cfg_curl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                guard let context else { return 0 }
                return Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                    .receiveHeader(data, length: size * count)
            }
        )
    }

    /// This transfer as the callbacks' context pointer (not retained: the worker's table keeps it alive).
    private var context: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPError) {
        try check(cfg_curl_setopt_long(easy, option, value))
    }

    private func set(_ option: CURLoption, _ value: String?) throws(HTTPError) {
        // libcurl copies string options.
        try check(cfg_curl_setopt_string(easy, option, value))
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(HTTPError) {
        try check(cfg_curl_setopt_pointer(easy, option, pointer))
    }

    private func check(_ code: CURLcode) throws(HTTPError) {
        guard code == CURLE_OK else {
            throw optionError(String(cString: curl_easy_strerror(code)))
        }
    }

    private func optionError(_ detail: String) -> HTTPError {
        HTTPError(
            .transfer,
            "libcurl could not prepare the \(plan.method.rawValue) request to \(plan.target) (\(detail))"
        )
    }

    // MARK: - Callbacks

    /// `CURLOPT_READFUNCTION`: copies the next body bytes into libcurl's upload buffer.
    ///
    /// Note: that buffer is libcurl's ordinary memory; it holds at most one chunk of the body at a time.
    private func sendBody(into buffer: UnsafeMutablePointer<CChar>?, capacity: Int) -> Int {
        guard let buffer, let body = plan.body else { return 0 }
        return body.withUnsafeBytes { bytes in
            let count = min(capacity, bytes.count - uploaded)
            guard count > 0, let base = bytes.baseAddress else { return 0 }
            UnsafeMutableRawPointer(buffer).copyMemory(from: base + uploaded, byteCount: count)
            uploaded += count
            return count
        }
    }

    /// `CURLOPT_SEEKFUNCTION`: moves the body's read position back for a retry.
    private func rewindBody(to offset: curl_off_t, origin: Int32) -> Int32 {
        let length = plan.body?.count ?? 0
        guard origin == SEEK_SET, offset >= 0, offset <= length else { return CURL_SEEKFUNC_CANTSEEK }
        uploaded = Int(offset)
        return CURL_SEEKFUNC_OK
    }

    /// `CURLOPT_WRITEFUNCTION`: appends body bytes to the guarded buffer, or aborts the transfer (by returning
    /// less than `length`) when they would take the body past its limit.
    private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, length: Int) -> Int {
        guard received.count + length <= plan.maxResponseBytes else {
            exceeded = HTTPError.size(plan.maxResponseBytes)
            return 0
        }
        received.append(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : length))
        return length
    }

    /// `CURLOPT_HEADERFUNCTION`: records one header line; a status line starts a new response. Aborts the
    /// transfer when the headers pass their limits in bytes or lines.
    private func receiveHeader(_ data: UnsafeMutablePointer<CChar>?, length: Int) -> Int {
        guard let data, length > 0 else { return length }
        headerBytes += length
        let isBlank = length <= 2 && (data[0] == 0x0D || data[0] == 0x0A)
        if !isBlank {
            headerLines += 1
        }
        guard headerBytes <= plan.maxHeaderBytes else {
            exceeded = "\(HTTPError.size(plan.maxHeaderBytes)) of headers"
            return 0
        }
        guard headerLines <= plan.maxHeaderLines else {
            exceeded = "\(plan.maxHeaderLines) header lines"
            return 0
        }
        // Bytes, not characters: the header callback runs for every line of every response.
        let line = UnsafeRawBufferPointer(start: data, count: length)
        if isBlank {
            headersComplete = true
        } else if line.starts(with: "HTTP/".utf8) {
            headersComplete = false
            responseHeaders = [:]
        } else if let colon = line.firstIndex(of: UInt8(ascii: ":")), line[0] != 0x20, line[0] != 0x09 {
            let name = CurlTransfer.trimmed(line[..<colon]).map { $0 &- 0x41 < 26 ? $0 | 0x20 : $0 }  // ASCII lower
            let value = CurlTransfer.trimmed(line[(colon + 1)...])
            if !name.isEmpty {
                responseHeaders[String(decoding: name, as: UTF8.self)] = String(decoding: value, as: UTF8.self)
            }
        }
        return length
    }

    /// A space, tab or line break.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// `bytes` without leading and trailing spaces, tabs and line breaks.
    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var bytes = bytes
        while let first = bytes.first, isSpace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isSpace(last) { bytes = bytes.dropLast() }
        return bytes
    }

    /// Zeroes every string of `list`, then frees it.
    private static func freeZeroed(_ list: UnsafeMutablePointer<curl_slist>?) {
        var node = list
        while let current = node {
            if let data = current.pointee.data {
                explicit_bzero(data, strlen(data))
            }
            node = current.pointee.next
        }
        curl_slist_free_all(list)
    }
}

extension Duration {
    /// Whole milliseconds for a libcurl timeout, rounded up and at least 1 (0 would mean "no limit").
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1000 - 1 else { return Int.max }
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int(max(1, milliseconds))
    }
}
