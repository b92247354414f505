/// Where a Redis server listens and how long to wait for it: not secret, printed in errors and notes.
package struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// A host name or an IP address (IPv6 without brackets).
    package let host: String
    /// The TCP port.
    package let port: Int
    /// How long connecting may take.
    package let connectTimeout: Duration
    /// How long one command's send or reply may take.
    package let commandTimeout: Duration
    /// Whether the endpoint asks for TLS (`rediss://`); ``RedisTarget`` refuses it, as hiredis 0.14 has no TLS.
    package let usesTLS: Bool

    /// The default port, 6379.
    package static let defaultPort = 6379

    /// - Parameters:
    ///   - host: a host name or an IP address; not empty, no spaces or control characters.
    ///   - port: 1 to 65535.
    ///   - connectTimeout: how long connecting may take (more than zero).
    ///   - commandTimeout: how long one command may take (more than zero).
    ///   - usesTLS: whether the server must be reached over TLS.
    /// - Throws: ``RedisError`` with code `invalidEndpoint`.
    package init(
        host: String,
        port: Int = RedisEndpoint.defaultPort,
        connectTimeout: Duration = .seconds(5),
        commandTimeout: Duration = .seconds(10),
        usesTLS: Bool = false
    ) throws(RedisError) {
        let hostIsUsable =
            !host.isEmpty && host.utf8.count <= 253
            && host.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "/" && $0 != "@" }
        guard hostIsUsable else {
            throw RedisError(.invalidEndpoint, "The Redis host is empty or holds characters a host name cannot.")
        }
        guard (1...65535).contains(port) else {
            throw RedisError(.invalidEndpoint, "The Redis port \(port) is not between 1 and 65535.")
        }
        guard connectTimeout > .zero, commandTimeout > .zero else {
            throw RedisError(.invalidEndpoint, "The Redis timeouts must be longer than zero.")
        }
        self.host = host
        self.port = port
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.usesTLS = usesTLS
    }

    /// Parses `redis://HOST[:PORT][/DB]` or `rediss://…` (`[::1]` for an IPv6 address).
    ///
    /// A user name or password in the URL is refused: credentials come from the rotated secret, never from a URL
    /// that may end up in a log. The database number is accepted and ignored (ACL users are server-wide).
    ///
    /// - Throws: ``RedisError`` with code `invalidEndpoint`.
    package init(
        url: String,
        connectTimeout: Duration = .seconds(5),
        commandTimeout: Duration = .seconds(10)
    ) throws(RedisError) {
        let usesTLS: Bool
        let rest: Substring
        if url.hasPrefix("redis://") {
            usesTLS = false
            rest = url.dropFirst("redis://".count)
        } else if url.hasPrefix("rediss://") {
            usesTLS = true
            rest = url.dropFirst("rediss://".count)
        } else {
            throw RedisError(.invalidEndpoint, "A Redis URL starts with redis:// (or rediss:// for TLS).")
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        guard !authority.contains("@") else {
            throw RedisError(
                .invalidEndpoint,
                "The Redis URL holds a user name or password; give only the host and port (the credentials come "
                    + "from the rotated secret)."
            )
        }
        guard path.isEmpty || path == "/" || path.dropFirst().allSatisfy(\.isASCIIDigit) else {
            throw RedisError(.invalidEndpoint, "A Redis URL has no path other than a database number.")
        }
        let (host, port) = try Self.split(authority)
        try self.init(
            host: host,
            port: port,
            connectTimeout: connectTimeout,
            commandTimeout: commandTimeout,
            usesTLS: usesTLS
        )
    }

    /// `host:port`, with brackets around an IPv6 address.
    package var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Splits `HOST[:PORT]` or `[IPV6][:PORT]`.
    private static func split(_ authority: Substring) throws(RedisError) -> (String, Int) {
        var host = authority
        var portText: Substring = ""
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw RedisError(.invalidEndpoint, "The Redis URL's IPv6 address lacks its closing bracket.")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw RedisError(.invalidEndpoint, "The Redis URL has text after its IPv6 address.")
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !portText.isEmpty || !authority.hasSuffix(":") else {
            throw RedisError(.invalidEndpoint, "The Redis URL's port is empty.")
        }
        if portText.isEmpty {
            return (String(host), defaultPort)
        }
        guard portText.count <= 5, portText.allSatisfy(\.isASCIIDigit), let port = Int(portText) else {
            throw RedisError(.invalidEndpoint, "The Redis URL's port is not a number.")
        }
        return (String(host), port)
    }
}

extension Character {
    /// `0` to `9` only (not other Unicode digits).
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
