import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private `redis-server` owned by one test: for tests that change the `default` user's passwords (which the
/// shared server's admin password is) or need a server without an ACL file or without a config file. Other tests
/// use the shared one (``TestServers/redis(processEnvironment:)``).
///
/// The server listens on a free port of 127.0.0.1 with `protected-mode yes`, writes nothing to disk but its ACL or
/// config file (`save ""`, `appendonly no`), starts with the `default` user passwordless (reachable from loopback
/// only), and is stopped by PID by ``stop()`` or when the value is freed.
package final class RedisProcess: Sendable {
    /// How the server keeps its users.
    package enum Persistence: Sendable {
        /// A config file with `aclfile` set: `ACL SAVE` persists.
        case aclFile
        /// A config file without `aclfile`: `CONFIG REWRITE` persists.
        case configFile
        /// Arguments only: neither persists.
        case none
    }

    /// Always `127.0.0.1`.
    package let host = "127.0.0.1"
    package let port: Int
    /// The ACL file (``Persistence/aclFile`` only).
    package let aclFilePath: String?
    /// The config file (``Persistence/aclFile`` and ``Persistence/configFile``).
    package let configFilePath: String?
    /// The server's process ID.
    package var pid: Int32 { server.pid }

    private let server: ServerProcess

    private init(server: ServerProcess, port: Int, aclFilePath: String?, configFilePath: String?) {
        self.server = server
        self.port = port
        self.aclFilePath = aclFilePath
        self.configFilePath = configFilePath
    }

    deinit {
        stop()
    }

    /// Starts the server and returns once its log says it accepts connections.
    ///
    /// - Throws: ``TestServerError`` (`missingBinary`, or `startFailed` with the log's tail).
    package static func start(persistence: Persistence) async throws(TestServerError) -> RedisProcess {
        var processEnvironment = ProcessInfo.processInfo.environment
        // Starting a private server was asked for: a missing binary is an error even outside make test.
        processEnvironment["CFG_REQUIRE_SERVERS"] = "1"
        guard let binary = try TestServers.redisBinary(processEnvironment: processEnvironment) else {
            throw TestServerError(.missingBinary, variable: "CFG_TEST_REDIS_BIN", detail: "redis-server")
        }
        var attempt = 0
        while true {
            attempt += 1
            let port = try TestServers.freePort()
            let directory = try OpenBaoProcess.makeDirectory()
            let settings = [
                "bind 127.0.0.1", "port \(port)", "protected-mode yes", "daemonize no", "dir \"\(directory)\"",
                "save \"\"", "appendonly no", "logfile \"\"",
            ]
            var arguments: [String] = []
            var aclFilePath: String?
            var configFilePath: String?
            switch persistence {
            case .aclFile, .configFile:
                var lines = settings
                if persistence == .aclFile {
                    let path = "\(directory)/users.acl"
                    try OpenBaoProcess.write(Data(), to: path)
                    lines.append("aclfile \"\(path)\"")
                    aclFilePath = path
                }
                let path = "\(directory)/redis.conf"
                try OpenBaoProcess.write(Data(lines.map { "\($0)\n" }.joined().utf8), to: path)
                configFilePath = path
                arguments = [path]
            case .none:
                arguments = [
                    "--bind", "127.0.0.1", "--port", "\(port)", "--protected-mode", "yes", "--daemonize", "no",
                    "--dir", directory, "--save", "", "--appendonly", "no", "--logfile", "",
                ]
            }
            let server = try ServerProcess.launch(
                executable: binary,
                arguments: arguments,
                environment: OpenBaoProcess.serverEnvironment(home: directory),
                directory: directory
            )
            if await waitUntilReady(server) {
                return RedisProcess(
                    server: server,
                    port: port,
                    aclFilePath: aclFilePath,
                    configFilePath: configFilePath
                )
            }
            let tail = server.logTail()
            server.stop()
            if attempt < 3 && tail.lowercased().contains("address already in use") {
                continue
            }
            throw TestServerError(.startFailed, detail: "redis-server did not start; its log ends:\n\(tail)")
        }
    }

    /// Stops the server by PID with SIGKILL and removes its directory. Idempotent.
    ///
    /// Not SIGTERM: a child started from a Dispatch (cooperative pool) thread inherits that thread's signal mask,
    /// where SIGTERM is blocked, and redis-server does not unblock it, so SIGTERM would wait out the 10 seconds
    /// before ``ServerProcess`` sends SIGKILL anyway. The server keeps nothing worth a clean shutdown.
    package func stop() {
        server.send(SIGKILL)
        server.stop()
    }

    /// Suspends the server (SIGSTOP): the kernel still accepts connections, but nothing answers, as with a server
    /// too slow to answer.
    package func freeze() {
        server.send(SIGSTOP)
    }

    /// Resumes a frozen server.
    package func thaw() {
        server.send(SIGCONT)
    }

    /// Polls the log for "Ready to accept connections" until the server exits or ``OpenBaoProcess/healthTimeout``
    /// passes.
    private static func waitUntilReady(_ server: ServerProcess) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + OpenBaoProcess.healthTimeout
        while clock.now < deadline && server.isRunning {
            if server.logTail(lines: 200).contains("Ready to accept connections") {
                return true
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
