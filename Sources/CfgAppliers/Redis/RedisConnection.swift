internal import CRedis
package import CfgSecure
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One connection to a Redis server over hiredis: connect with a timeout, send commands in argv form, read bounded
/// replies. Its calls block: run them off the cooperative pool (``RedisThread``).
///
/// hiredis connects (`redisConnectWithTimeout`, then `redisSetTimeout` for each command's send and reply), formats
/// each command from an argv (`redisFormatCommandArgv`: length-prefixed arguments, nothing is ever formatted into a
/// command string). The bytes go over the socket here rather than through `redisCommandArgv`, and replies are read by
/// ``RESPParser`` rather than hiredis's reader, for two reasons: hiredis copies a command into the context's output
/// buffer and frees that buffer without zeroing it, leaving a password in freed memory, and hiredis 0.14's reader
/// has no limit on a reply's size or on the element count an array announces (it allocates the table first). So
/// every argument is assembled in secure memory, the formatted command is zeroed before it is freed, and the
/// received bytes (at most ``maxReplyBytes``) are zeroed once the reply is read.
///
/// After a failed send or read, the connection is broken: later commands fail as `unreachable` without I/O.
package final class RedisConnection: Sendable {
    /// The server.
    package let endpoint: RedisEndpoint
    /// The hiredis context, nil once closed. The lock serialises commands: a command is one send and one reply.
    private let state: Mutex<State>

    /// The most a single reply may take on the wire. The target's replies are tens of bytes (`ACL GETUSER`: a few
    /// hundred); a larger one is a misbehaving server or not Redis at all.
    package static let maxReplyBytes = 64 * 1024

    /// `@unchecked Sendable`: owns the hiredis context. Invariant: the context is used only inside the lock of
    /// ``state`` (one command or the close at a time) and freed once, by ``close()``.
    private struct State: @unchecked Sendable {
        var context: UnsafeMutablePointer<redisContext>?
        var broken = false
    }

    private init(endpoint: RedisEndpoint, context: UnsafeMutablePointer<redisContext>) {
        self.endpoint = endpoint
        self.state = Mutex(State(context: context))
    }

    deinit {
        close()
    }

    /// Connects to `endpoint` within its connect timeout and sets its command timeout.
    ///
    /// - Throws: ``RedisError`` with code `tlsUnsupported` for a TLS endpoint, `unreachable` when no connection is
    ///   made in time.
    package static func connect(to endpoint: RedisEndpoint) throws(RedisError) -> RedisConnection {
        guard !endpoint.usesTLS else {
            throw RedisError.tlsUnsupported(endpoint)
        }
        if let failure = RedisLibrary.load() {
            throw RedisError(.libraryUnavailable, "Cannot connect to Redis at \(endpoint): \(failure).")
        }
        guard
            let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), timeval(endpoint.connectTimeout))
        else {
            throw RedisError.unreachable(endpoint, "connecting", "out of memory")
        }
        guard context.pointee.err == 0 else {
            let reason = withUnsafeBytes(of: context.pointee.errstr) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            redisFree(context)
            throw RedisError.unreachable(endpoint, "connecting", reason.isEmpty ? "no reason given" : reason)
        }
        guard redisSetTimeout(context, timeval(endpoint.commandTimeout)) == REDIS_OK else {
            redisFree(context)
            throw RedisError.unreachable(endpoint, "connecting", "could not set the command timeout")
        }
        return RedisConnection(endpoint: endpoint, context: context)
    }

    /// Sends one command and returns its reply.
    ///
    /// - Parameter arguments: the command's argv; the first one or two are its name (`PING`, `ACL SETUSER`).
    /// - Throws: ``RedisError``: `unreachable` (send or read failed, timed out, connection closed), `malformedReply`
    ///   (not RESP, or larger than ``maxReplyBytes``), or for an error reply, a code from its first word
    ///   (`authenticationFailed`, `permissionDenied`, `commandFailed`).
    package func command(_ arguments: [RedisArgument]) throws(RedisError) -> RedisReply {
        let name = Self.name(of: arguments)
        let endpoint = endpoint
        let reply = try state.withLock { (state) throws(RedisError) -> RedisReply in
            guard let context = state.context, !state.broken else {
                throw RedisError.unreachable(endpoint, "sending \(name)", "the connection is closed")
            }
            do throws(RedisError) {
                try Self.send(arguments, over: context, name: name, endpoint: endpoint)
                return try Self.receive(from: context, name: name, endpoint: endpoint)
            } catch {
                state.broken = true
                throw error
            }
        }
        if case .error(let code) = reply {
            throw RedisError.reply(code, to: name, at: endpoint)
        }
        return reply
    }

    /// `AUTH user password`.
    ///
    /// - Throws: ``RedisError`` (`authenticationFailed` for a refused login).
    package func authenticate(user: String, password: Secret) throws(RedisError) {
        try expectOK(command([.text("AUTH"), .text(user), .secret(password)]), from: "AUTH")
    }

    /// `PING`, expecting `PONG`.
    package func ping() throws(RedisError) {
        let reply = try command([.text("PING")])
        guard reply == .status("PONG") else {
            throw RedisError(.malformedReply, "Redis at \(endpoint) did not answer PING with PONG.")
        }
    }

    /// Throws unless `reply` is `+OK`.
    package func expectOK(_ reply: RedisReply, from command: String) throws(RedisError) {
        guard reply == .status("OK") else {
            throw RedisError(.malformedReply, "Redis at \(endpoint) did not answer \(command) with OK.")
        }
    }

    /// Closes the connection (zeroing hiredis's reader buffer first, though cfg never feeds it). Idempotent.
    package func close() {
        state.withLock { state in
            if let context = state.context {
                cfg_redis_wipe_reader(context)
                redisFree(context)
                state.context = nil
            }
        }
    }

    // MARK: - I/O

    /// `PING`, `ACL SETUSER`, `CONFIG GET`: the first argument, with the second for the container commands.
    static func name(of arguments: [RedisArgument]) -> String {
        var words: [String] = []
        for argument in arguments.prefix(2) {
            guard case .text(let word) = argument else { break }
            words.append(word.uppercased())
            if !["ACL", "CONFIG", "CLIENT"].contains(words[0]) {
                break
            }
        }
        return words.isEmpty ? "a command" : words.joined(separator: " ")
    }

    /// Assembles the arguments in secure memory, formats them with hiredis and writes the command; the formatted
    /// copy is zeroed before it is freed.
    private static func send(
        _ arguments: [RedisArgument],
        over context: UnsafeMutablePointer<redisContext>,
        name: String,
        endpoint: RedisEndpoint
    ) throws(RedisError) {
        let buffer = SecureBuffer(capacity: 128)
        var ranges: [Range<Int>] = []
        for argument in arguments {
            let start = buffer.count
            switch argument {
            case .text(let text): buffer.append(text: text)
            case .secret(let secret): buffer.append(secret)
            }
            ranges.append(start..<buffer.count)
        }
        try buffer.withUnsafeBytes { (bytes) throws(RedisError) in
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else {
                throw RedisError(.commandFailed, "The Redis command \(name) could not be assembled.")
            }
            var argv: [UnsafePointer<CChar>?] = ranges.map { UnsafePointer(base + $0.lowerBound) }
            let lengths: [Int] = ranges.map(\.count)
            var formatted: UnsafeMutablePointer<CChar>?
            let length = redisFormatCommandArgv(&formatted, Int32(argv.count), &argv, lengths)
            guard length >= 0, let formatted else {
                throw RedisError(.commandFailed, "The Redis command \(name) could not be formatted.")
            }
            defer {
                cfg_redis_wipe(formatted, Int(length))
                redisFreeCommand(formatted)
            }
            try writeAll(UnsafeRawPointer(formatted), count: Int(length), to: context.pointee.fd) {
                (reason) throws(RedisError) in
                throw RedisError.unreachable(endpoint, "sending \(name)", reason)
            }
        }
    }

    /// Writes all bytes (`MSG_NOSIGNAL`: a closed peer is an error, not a SIGPIPE); the socket's send timeout
    /// bounds each write.
    private static func writeAll(
        _ bytes: UnsafeRawPointer,
        count: Int,
        to descriptor: Int32,
        failure: (String) throws(RedisError) -> Never
    ) throws(RedisError) {
        var written = 0
        while written < count {
            let result = Glibc.send(descriptor, bytes + written, count - written, Int32(MSG_NOSIGNAL))
            if result > 0 {
                written += result
                continue
            }
            let code = errno
            if result < 0 && code == EINTR {
                continue
            }
            try failure(result < 0 ? reason(for: code) : "nothing was written")
        }
    }

    /// Reads until ``RESPParser`` has one whole reply or ``maxReplyBytes`` have arrived. The bytes are zeroed when
    /// the reply is read.
    private static func receive(
        from context: UnsafeMutablePointer<redisContext>,
        name: String,
        endpoint: RedisEndpoint
    ) throws(RedisError) -> RedisReply {
        let capacity = maxReplyBytes
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 1)
        var received = 0
        defer {
            cfg_redis_wipe(buffer.baseAddress, capacity)
            buffer.deallocate()
        }
        while true {
            if received > 0 {
                let parsed: (reply: RedisReply, consumed: Int)?
                do {
                    parsed = try RESPParser.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<received]))
                } catch {
                    throw RedisError(
                        .malformedReply,
                        "Redis at \(endpoint) answered \(name) with \(error.description)."
                    )
                }
                if let parsed { return parsed.reply }
            }
            guard received < capacity, let base = buffer.baseAddress else {
                throw RedisError(
                    .malformedReply,
                    "Redis at \(endpoint) answered \(name) with more than \(maxReplyBytes) bytes."
                )
            }
            let count = recv(context.pointee.fd, base + received, capacity - received, 0)
            if count < 0 && errno == EINTR {
                continue
            }
            guard count > 0 else {
                let reason = count == 0 ? "the server closed the connection" : reason(for: errno)
                throw RedisError.unreachable(endpoint, "waiting for the reply to \(name)", reason)
            }
            received += count
        }
    }

    /// Decodes one reply from `bytes` as ``command(_:)`` does from the socket (the same reader and limits); nil when
    /// `bytes` hold only part of a reply. For the fuzz target: a server's reply is untrusted.
    ///
    /// - Throws: `RedisError` `.malformedReply` for bytes that are not RESP2, past a bound, or larger than
    ///   ``maxReplyBytes``.
    package static func decode(_ bytes: UnsafeRawBufferPointer) throws(RedisError) -> RedisReply? {
        guard bytes.count <= maxReplyBytes else {
            throw RedisError(.malformedReply, "a reply of more than \(maxReplyBytes) bytes")
        }
        return try RESPParser.parse(bytes)?.reply
    }

    /// A fixed phrase for a socket error: a timeout, or the system's text for `code` (never the server's words).
    private static func reason(for code: Int32) -> String {
        if code == EAGAIN || code == EWOULDBLOCK {
            return "timed out"
        }
        return String(cString: strerror(code))
    }
}

/// A `timeval` for a duration (whole microseconds).
private func timeval(_ duration: Duration) -> timeval {
    let (seconds, attoseconds) = duration.components
    return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
}

extension RedisError {
    /// The error for a `rediss://` endpoint.
    static func tlsUnsupported(_ endpoint: RedisEndpoint) -> RedisError {
        RedisError(
            .tlsUnsupported,
            "Redis at \(endpoint) is a TLS endpoint (rediss://), but the hiredis this build uses (0.14) has no TLS "
                + "support. Use a redis:// endpoint on a trusted network, or rotate this secret with a command hook."
        )
    }
}
