import Foundation

// Redis: the shared server dev/test-servers.py starts (its `CFG_TEST_REDIS_*` variables).
extension TestServers {
    /// The shared Redis server (the user `default` with an admin password, users in an ACL file), or nil when its
    /// variables are unset and the servers are not required.
    ///
    /// - Throws: ``TestServerError`` naming the missing or malformed variable.
    package static func redis(
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TestServerError) -> RedisServer? {
        let names = ["CFG_TEST_REDIS_HOST", "CFG_TEST_REDIS_PORT", "CFG_TEST_REDIS_PASSWORD", "CFG_TEST_REDIS_ACLFILE"]
        guard let values = try lookUp(names, in: processEnvironment) else {
            return nil
        }
        guard let port = Int(values[1]), (1...65535).contains(port) else {
            throw TestServerError(.invalidVariable, variable: names[1], detail: "not a port number")
        }
        return RedisServer(host: values[0], port: port, password: values[2], aclFile: values[3])
    }

    /// The path of `redis-server`: `CFG_TEST_REDIS_BIN`, else `/usr/bin/redis-server` (Debian's); nil when there is
    /// none and the servers are not required.
    ///
    /// - Throws: ``TestServerError`` with code `missingBinary` when required and not found.
    package static func redisBinary(
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TestServerError) -> String? {
        let variable = "CFG_TEST_REDIS_BIN"
        let candidate = processEnvironment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/redis-server"
        if FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        if isRequired(in: processEnvironment) {
            throw TestServerError(.missingBinary, variable: variable, detail: "redis-server")
        }
        return nil
    }

    /// Where the shared Redis server listens and the `default` user's password.
    package struct RedisServer: Sendable, CustomStringConvertible {
        /// Always `127.0.0.1`.
        package let host: String
        package let port: Int
        /// The `default` user's password (all commands). A `String` because it goes into test requests; a
        /// throwaway value of a test server, never printed (see `description`).
        package let password: String
        /// The server's ACL file (`aclfile`): `ACL SAVE` writes the users there, passwords as SHA-256 only.
        package let aclFile: String

        package var description: String {
            "RedisServer(\(host):\(port), password: <REDACTED>, aclfile: \(aclFile))"
        }
    }
}
