import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small scripted HTTP/1.1 server on 127.0.0.1 for transport and backend tests.
///
/// It listens on a free port, serves each connection on its own thread with keep-alive, records every
/// request (method, request-target, headers, body bytes and which connection it came on) and answers with
/// what `handler` returns: a response (optionally after a delay), no answer at all (``ScriptedResponse/hang``)
/// or a closed connection (``ScriptedResponse/close``). A request line with an absolute URL, as a client sends
/// to a proxy, is recorded as such, so the server can stand in for an HTTP proxy. Request bodies must come
/// with `Content-Length` (chunked uploads are not supported); `Expect: 100-continue` is answered with an
/// interim `100 Continue` that carries an `X-Interim: 100` header.
///
/// Call ``stop()`` when done (releasing the server also stops it).
package final class ScriptedHTTPServer: Sendable {
    /// A header as received or to send.
    package struct HeaderField: Sendable, Hashable {
        /// The name as written.
        package var name: String
        /// The value, without surrounding white space.
        package var value: String

        /// Creates a header field.
        package init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One request as the server received it.
    package struct RecordedRequest: Sendable, Hashable {
        /// The method, e.g. `GET`.
        package var method: String
        /// The request-target as sent: a path with its query, or an absolute URL when the client sees the
        /// server as its proxy.
        package var path: String
        /// The headers in the order received.
        package var headers: [HeaderField]
        /// The body bytes.
        package var body: [UInt8]
        /// Which accepted connection the request came on, counting from 1.
        package var connection: Int

        /// The last value of the header `name` (case-insensitive), or `nil`.
        package func header(_ name: String) -> String? {
            headers.last { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// How the server answers one request.
    package struct ScriptedResponse: Sendable {
        /// What the server does with the connection.
        package enum Action: Sendable, Hashable {
            /// Sends the response (after ``ScriptedResponse/delay``).
            case respond
            /// Never answers; the connection stays open until the client closes it or the server stops.
            case hang
            /// Closes the connection without answering.
            case close
        }

        /// The status code.
        package var status: Int
        /// The headers, in order; `Content-Length` is added unless present.
        package var headers: [HeaderField]
        /// The body bytes.
        package var body: [UInt8]
        /// How long to wait before answering.
        package var delay: Duration?
        /// What to do.
        package var action: Action

        /// Creates a response.
        package init(
            status: Int = 200,
            headers: [HeaderField] = [],
            body: [UInt8] = [],
            delay: Duration? = nil,
            action: Action = .respond
        ) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
            self.action = action
        }

        /// A response with a UTF-8 text body.
        package static func text(_ text: String, status: Int = 200, delay: Duration? = nil) -> ScriptedResponse {
            ScriptedResponse(
                status: status,
                headers: [HeaderField("Content-Type", "text/plain")],
                body: Array(text.utf8),
                delay: delay
            )
        }

        /// No answer at all.
        package static let hang = ScriptedResponse(action: .hang)
        /// The connection is closed without an answer.
        package static let close = ScriptedResponse(action: .close)
    }

    /// Why the server could not start.
    package struct StartFailure: Error, CustomStringConvertible {
        /// The system call that failed.
        package var call: String
        /// Its `errno`.
        package var code: Int32

        /// `bind failed: Address already in use`.
        package var description: String {
            "\(call) failed: \(String(cString: strerror(code)))"
        }
    }

    /// The port the server listens on (127.0.0.1).
    package let port: Int
    private let core: Core

    /// Starts a server on 127.0.0.1 and a free port.
    ///
    /// - Parameter handler: called on the connection's thread for every request, in order per connection.
    /// - Throws: ``StartFailure`` when the socket cannot be set up.
    package init(handler: @escaping @Sendable (RecordedRequest) -> ScriptedResponse) throws {
        let (listener, port) = try ScriptedHTTPServer.openListener()
        self.port = port
        core = Core(listener: listener, handler: handler)
        let core = core
        let thread = Thread {
            Thread.current.name = "scripted-http"
            core.acceptLoop()
        }
        thread.start()
    }

    deinit {
        core.stop()
    }

    /// `http://127.0.0.1:<port>`.
    package var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The requests received so far, in arrival order.
    package var requests: [RecordedRequest] { core.state.withLock { $0.requests } }

    /// How many connections the server has accepted.
    package var connectionsAccepted: Int { core.state.withLock { $0.connectionsAccepted } }

    /// Stops accepting (connecting to ``port`` is refused once this returns), shuts every open connection down
    /// (ending hanging requests) and returns. Idempotent.
    package func stop() {
        core.stop()
    }

    /// Creates the listening socket on 127.0.0.1 and a free port.
    private static func openListener() throws(StartFailure) -> (Int32, Int) {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw StartFailure(call: "socket", code: errno) }
        var yes: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0, listen(descriptor, 128) == 0 else {
            let failure = StartFailure(call: bound == 0 ? "listen" : "bind", code: errno)
            close(descriptor)
            throw failure
        }
        var actual = sockaddr_in()
        var actualLength = length
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &actualLength) }
        }
        guard named == 0 else {
            let failure = StartFailure(call: "getsockname", code: errno)
            close(descriptor)
            throw failure
        }
        return (descriptor, Int(UInt16(bigEndian: actual.sin_port)))
    }
}

extension ScriptedHTTPServer {
    /// The state and threads of a server, apart from its public face so that the threads do not keep the
    /// server itself alive.
    private final class Core: Sendable {
        struct State: Sendable {
            var requests: [RecordedRequest] = []
            var connectionsAccepted = 0
            /// Connection descriptors that are open; a connection's thread removes its own before closing it,
            /// so ``stop()`` never shuts down a reused descriptor number.
            var openConnections: Set<Int32> = []
            var stopped = false
        }

        let listener: Int32
        let handler: @Sendable (RecordedRequest) -> ScriptedResponse
        let state = Mutex(State())

        init(listener: Int32, handler: @escaping @Sendable (RecordedRequest) -> ScriptedResponse) {
            self.listener = listener
            self.handler = handler
        }

        var isStopped: Bool { state.withLock { $0.stopped } }

        func stop() {
            state.withLock { state in
                guard !state.stopped else { return }
                state.stopped = true
                // Refuses new connections at once; the accept thread closes the descriptor when it notices.
                _ = shutdown(listener, Int32(SHUT_RDWR))
                for descriptor in state.openConnections {
                    _ = shutdown(descriptor, Int32(SHUT_RDWR))
                }
            }
        }

        /// Accepts connections until stopped, each served on its own thread; then closes the listener.
        func acceptLoop() {
            defer { close(listener) }
            while !isStopped {
                var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 50) > 0 else { continue }
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { continue }
                let number: Int? = state.withLock { state in
                    guard !state.stopped else { return nil }
                    state.connectionsAccepted += 1
                    state.openConnections.insert(connection)
                    return state.connectionsAccepted
                }
                guard let number else {
                    close(connection)
                    return
                }
                let thread = Thread {
                    Thread.current.name = "scripted-http-\(number)"
                    self.serve(connection, number: number)
                }
                thread.start()
            }
        }

        /// Serves requests on one connection until either side closes it.
        private func serve(_ connection: Int32, number: Int) {
            defer {
                state.withLock { _ = $0.openConnections.remove(connection) }
                close(connection)
            }
            var pending: [UInt8] = []
            while let request = readRequest(connection, number: number, pending: &pending) {
                state.withLock { $0.requests.append(request) }
                let response = handler(request)
                switch response.action {
                case .close:
                    return
                case .hang:
                    var scratch = [UInt8](repeating: 0, count: 4096)
                    while read(connection, &scratch, scratch.count) > 0 {}
                    return
                case .respond:
                    if let delay = response.delay, !wait(delay) {
                        return
                    }
                    let closes =
                        request.header("Connection")?.lowercased() == "close"
                        || response.headers.contains {
                            $0.name.lowercased() == "connection" && $0.value.lowercased() == "close"
                        }
                    let head = request.method == "HEAD"
                    guard writeAll(connection, encode(response, omitBody: head, closes: closes)), !closes else {
                        return
                    }
                }
            }
        }

        /// Sleeps for `delay` in short steps; `false` if the server stopped meanwhile.
        private func wait(_ delay: Duration) -> Bool {
            let clock = ContinuousClock()
            let deadline = clock.now + delay
            while clock.now < deadline {
                if isStopped { return false }
                Thread.sleep(forTimeInterval: 0.005)
            }
            return !isStopped
        }

        /// Reads one request; `nil` at end of stream or on malformed input.
        private func readRequest(_ connection: Int32, number: Int, pending: inout [UInt8]) -> RecordedRequest? {
            let terminator: [UInt8] = Array("\r\n\r\n".utf8)
            var headEnd: Int?
            while true {
                headEnd = Core.find(terminator, in: pending)
                if headEnd != nil { break }
                guard pending.count < 1 << 20, readMore(connection, into: &pending) else { return nil }
            }
            guard let headEnd else { return nil }
            let head = String(decoding: pending[..<headEnd], as: UTF8.self)
            var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true)
            guard requestLine.count == 3 else { return nil }
            var headers: [HeaderField] = []
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { return nil }
                let name = String(line[..<colon])
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headers.append(HeaderField(name, value))
            }
            var request = RecordedRequest(
                method: String(requestLine[0]),
                path: String(requestLine[1]),
                headers: headers,
                body: [],
                connection: number
            )
            pending.removeFirst(headEnd + terminator.count)
            if request.header("Transfer-Encoding") != nil { return nil }
            let length = Int(request.header("Content-Length") ?? "0") ?? -1
            guard length >= 0 else { return nil }
            if length > 0, request.header("Expect")?.lowercased() == "100-continue" {
                guard writeAll(connection, Array("HTTP/1.1 100 Continue\r\nX-Interim: 100\r\n\r\n".utf8)) else {
                    return nil
                }
            }
            while pending.count < length {
                guard readMore(connection, into: &pending) else { return nil }
            }
            request.body = Array(pending[..<length])
            pending.removeFirst(length)
            return request
        }

        private func encode(_ response: ScriptedResponse, omitBody: Bool, closes: Bool) -> [UInt8] {
            var head = "HTTP/1.1 \(response.status) \(Core.reason(response.status))\r\n"
            for header in response.headers {
                head += "\(header.name): \(header.value)\r\n"
            }
            if !response.headers.contains(where: { $0.name.lowercased() == "content-length" }) {
                head += "Content-Length: \(response.body.count)\r\n"
            }
            if closes, !response.headers.contains(where: { $0.name.lowercased() == "connection" }) {
                head += "Connection: close\r\n"
            }
            head += "\r\n"
            return Array(head.utf8) + (omitBody ? [] : response.body)
        }

        private func readMore(_ connection: Int32, into pending: inout [UInt8]) -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(connection, &chunk, chunk.count)
                if count > 0 {
                    pending.append(contentsOf: chunk[..<count])
                    return true
                }
                if count < 0, errno == EINTR { continue }
                return false
            }
        }

        private func writeAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { buffer in
                    send(connection, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
                }
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }

        private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
            guard haystack.count >= needle.count else { return nil }
            for start in 0...(haystack.count - needle.count)
            where haystack[start..<start + needle.count].elementsEqual(needle) {
                return start
            }
            return nil
        }

        private static func reason(_ status: Int) -> String {
            switch status {
            case 200: "OK"
            case 201: "Created"
            case 204: "No Content"
            case 400: "Bad Request"
            case 403: "Forbidden"
            case 404: "Not Found"
            case 429: "Too Many Requests"
            case 500: "Internal Server Error"
            case 503: "Service Unavailable"
            default: "Status"
            }
        }
    }
}
