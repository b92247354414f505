import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A private OpenBao server owned by one test: for tests that need their own instance (TLS, mutual TLS, a
/// server stopped or frozen mid-run). Tests that only read and write secrets use the shared one
/// (``TestServers/vault(processEnvironment:)``).
///
/// The server listens on a free port of 127.0.0.1, runs with an environment of its own (no `VAULT_*`/`BAO_*`
/// variables, `HOME` in its private directory) and is stopped by PID by ``stop()`` or when the value is freed.
package final class OpenBaoProcess: Sendable {
    /// `http://127.0.0.1:PORT`, or `https://…` for a TLS server.
    package let address: String
    /// The root token. A `String` because test setup sends it in requests; a throwaway value of a private
    /// test server, never printed by this type.
    package let rootToken: String
    /// The unseal key of a server started from a configuration (nil in dev mode).
    package let unsealKey: String?
    /// The CA certificate that signed the server's certificate (TLS servers only).
    package let caCertificatePath: String?
    /// The client certificate and key that ``api(_:_:body:token:timeout:)`` presents (mutual TLS only).
    package let clientCertificatePath: String?
    package let clientKeyPath: String?
    /// The server's private directory (its `HOME`, log, configuration and dev TLS files).
    package var directory: String { server.directory }
    /// The server's log (`bao server` standard output and error).
    package var logPath: String { server.logPath }
    /// The server's process ID.
    package var pid: Int32 { server.pid }

    private let server: ServerProcess

    private init(
        server: ServerProcess,
        address: String,
        rootToken: String,
        unsealKey: String?,
        tls: TLSFiles
    ) {
        self.server = server
        self.address = address
        self.rootToken = rootToken
        self.unsealKey = unsealKey
        self.caCertificatePath = tls.caCertificatePath
        self.clientCertificatePath = tls.clientCertificatePath
        self.clientKeyPath = tls.clientKeyPath
    }

    deinit {
        stop()
    }

    /// Starts `bao server -dev` (in memory, unsealed, `secret/` mounted as KV version 2) and returns once
    /// `/v1/sys/health` answers 200.
    ///
    /// - Parameters:
    ///   - token: The root token; a random one when nil. It reaches the server through
    ///     `BAO_DEV_ROOT_TOKEN_ID`, never argv.
    ///   - tls: Serve HTTPS with a generated CA (`-dev-tls`); its certificate is ``caCertificatePath``.
    ///   - extraArguments: More `bao server` flags.
    /// - Throws: ``TestServerError`` (`missingBinary`, or `startFailed` with the log's tail).
    package static func startDev(
        token: String? = nil,
        tls: Bool = false,
        extraArguments: [String] = []
    ) async throws(TestServerError) -> OpenBaoProcess {
        let binary = try requireBinary()
        let token = token ?? "cfg-test-\(randomHex())"
        var attempt = 0
        while true {
            attempt += 1
            // Dev mode listens for cluster traffic on port + 1 as well.
            let port = try TestServers.freePort(consecutive: 2)
            let directory = try makeDirectory()
            var arguments = ["server", "-dev", "-dev-no-store-token", "-dev-listen-address=127.0.0.1:\(port)"]
            var files = TLSFiles()
            if tls {
                let certificateDirectory = "\(directory)/tls"
                try makeDirectory(certificateDirectory)
                arguments += ["-dev-tls", "-dev-tls-cert-dir=\(certificateDirectory)"]
                files.caCertificatePath = "\(certificateDirectory)/vault-ca.pem"
            }
            var environment = serverEnvironment(home: directory)
            environment["BAO_DEV_ROOT_TOKEN_ID"] = token
            let server = try ServerProcess.launch(
                executable: binary,
                arguments: arguments + extraArguments,
                environment: environment,
                directory: directory
            )
            let address = "\(tls ? "https" : "http")://127.0.0.1:\(port)"
            do {
                try await waitForHealth(of: server, at: address, tls: files, accepting: [200])
                return OpenBaoProcess(server: server, address: address, rootToken: token, unsealKey: nil, tls: files)
            } catch  where attempt < 3 && server.portWasTaken {
                server.stop()
            }
        }
    }

    /// Starts `bao server -config` from `configHCL`, initialises it with one key share, unseals it and returns
    /// once `/v1/sys/health` answers 200.
    ///
    /// In `configHCL`, `{{address}}` stands for `127.0.0.1:PORT` (a free port) and `{{directory}}` for the
    /// server's private directory (for `storage "file"` or a copy of certificates). Give the listener that
    /// address, and set `disable_mlock = true`. Example, a mutual-TLS listener:
    ///
    /// ```hcl
    /// storage "inmem" {}
    /// disable_mlock = true
    /// listener "tcp" {
    ///   address = "{{address}}"
    ///   tls_cert_file = "/…/server.pem"
    ///   tls_key_file = "/…/server.key"
    ///   tls_client_ca_file = "/…/ca.pem"
    ///   tls_require_and_verify_client_cert = true
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - configHCL: The configuration, with the placeholders above.
    ///   - caCertificatePath: The CA of the listener's certificate; the server is reached over HTTPS when set,
    ///     over HTTP (write `tls_disable = true`) when nil.
    ///   - clientCertificatePath: The client certificate presented to a listener that requires one.
    ///   - clientKeyPath: Its key.
    ///   - extraArguments: More `bao server` flags.
    /// - Throws: ``TestServerError`` (`missingBinary`, or `startFailed` with the log's tail).
    package static func start(
        configHCL: String,
        caCertificatePath: String? = nil,
        clientCertificatePath: String? = nil,
        clientKeyPath: String? = nil,
        extraArguments: [String] = []
    ) async throws(TestServerError) -> OpenBaoProcess {
        let binary = try requireBinary()
        let files = TLSFiles(
            caCertificatePath: caCertificatePath,
            clientCertificatePath: clientCertificatePath,
            clientKeyPath: clientKeyPath
        )
        var attempt = 0
        while true {
            attempt += 1
            let port = try TestServers.freePort()
            let directory = try makeDirectory()
            let configuration =
                configHCL
                .replacingOccurrences(of: "{{address}}", with: "127.0.0.1:\(port)")
                .replacingOccurrences(of: "{{directory}}", with: directory)
            let configurationPath = "\(directory)/config.hcl"
            guard
                FileManager.default.createFile(
                    atPath: configurationPath,
                    contents: Data(configuration.utf8),
                    attributes: [.posixPermissions: 0o600]
                )
            else {
                throw TestServerError(.startFailed, detail: "could not write \(configurationPath)")
            }
            let server = try ServerProcess.launch(
                executable: binary,
                arguments: ["server", "-config=\(configurationPath)"] + extraArguments,
                environment: serverEnvironment(home: directory),
                directory: directory
            )
            let address = "\(caCertificatePath == nil ? "http" : "https")://127.0.0.1:\(port)"
            do {
                // 501: not initialised, 503: sealed; any answer means the listener is up.
                try await waitForHealth(of: server, at: address, tls: files, accepting: [200, 429, 472, 473, 501, 503])
                let (rootToken, unsealKey) = try await initialize(server: server, address: address, tls: files)
                try await waitForHealth(of: server, at: address, tls: files, accepting: [200])
                return OpenBaoProcess(
                    server: server,
                    address: address,
                    rootToken: rootToken,
                    unsealKey: unsealKey,
                    tls: files
                )
            } catch  where attempt < 3 && server.portWasTaken {
                server.stop()
            }
        }
    }

    /// Stops the server: SIGTERM by PID, SIGKILL after 10 seconds, then waits until it is gone and removes its
    /// directory. Idempotent; a frozen server is resumed so that it can handle the signal.
    ///
    /// Blocks the calling thread while the server shuts down (a fraction of a second).
    package func stop() {
        server.stop()
    }

    /// Suspends the server (SIGSTOP): connections are accepted by the kernel but never answered, as with a
    /// server too slow to answer.
    package func freeze() {
        server.send(SIGSTOP)
    }

    /// Resumes a frozen server (SIGCONT).
    package func thaw() {
        server.send(SIGCONT)
    }

    /// The last `lines` lines of the server's log, with the dev root token and unseal key lines removed.
    package func logTail(lines: Int = 40) -> String {
        server.logTail(lines: lines)
    }

    /// Sends one request to the server's HTTP API, for test setup (enable engines, write policies, create
    /// AppRole roles).
    ///
    /// - Parameters:
    ///   - method: `GET`, `PUT`, `POST`, `DELETE`, `LIST`.
    ///   - path: The API path, with or without the leading `/v1/` (`sys/mounts/kv`).
    ///   - body: A JSON object to send.
    ///   - token: The token to send; the root token when nil, none when empty.
    ///   - timeout: How long to wait for the whole exchange (whole seconds, at least one).
    /// - Returns: The HTTP status and the response's JSON object (nil when the body is empty or not an object).
    /// - Throws: ``TestServerError`` with code `commandFailed` when the request could not be sent.
    package func api(
        _ method: String,
        _ path: String,
        body: [String: Any]? = nil,
        token: String? = nil,
        timeout: Duration = .seconds(30)
    ) async throws(TestServerError) -> (status: Int, json: [String: Any]?) {
        let apiPath = path.hasPrefix("/v1/") ? path : "/v1/" + path.drop { $0 == "/" }
        let (status, data) = try await Self.request(
            method,
            address + apiPath,
            body: body,
            token: token ?? rootToken,
            tls: TLSFiles(
                caCertificatePath: caCertificatePath,
                clientCertificatePath: clientCertificatePath,
                clientKeyPath: clientKeyPath
            ),
            timeoutSeconds: max(1, Int(timeout.components.seconds))
        )
        let json = data.isEmpty ? nil : (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return (status, json)
    }
}

// MARK: - Certificates for mutual TLS

extension OpenBaoProcess {
    /// A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files.
    package struct Certificates: Sendable {
        package let caCertificatePath: String
        package let serverCertificatePath: String
        package let serverKeyPath: String
        package let clientCertificatePath: String
        package let clientKeyPath: String
    }

    /// Makes a CA and, signed by it, a server certificate (IP 127.0.0.1, DNS localhost) and a client
    /// certificate, with the `openssl` command, in `directory`.
    ///
    /// - Throws: ``TestServerError`` with code `commandFailed` naming the failed step.
    package static func makeCertificates(in directory: String) async throws(TestServerError) -> Certificates {
        let certificates = Certificates(
            caCertificatePath: "\(directory)/ca.pem",
            serverCertificatePath: "\(directory)/server.pem",
            serverKeyPath: "\(directory)/server.key",
            clientCertificatePath: "\(directory)/client.pem",
            clientKeyPath: "\(directory)/client.key"
        )
        let extensions = [
            "server.ext": "subjectAltName = IP:127.0.0.1, DNS:localhost\nextendedKeyUsage = serverAuth\n",
            "client.ext": "extendedKeyUsage = clientAuth\n",
        ]
        for (name, text) in extensions {
            _ = FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data(text.utf8))
        }
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        var steps: [[String]] = [
            ["openssl", "req", "-x509"] + newKey + [
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=cfg test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ]
        ]
        for name in ["server", "client"] {
            steps.append(
                ["openssl", "req"] + newKey + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"]
            )
            steps.append([
                "openssl", "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-out", "\(name).pem", "-extfile", "\(name).ext",
            ])
        }
        let environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": directory]
        for step in steps {
            let result = try await TestServers.runCommand(step, environment: environment, directory: directory)
            guard result.status == 0 else {
                throw TestServerError(
                    .commandFailed,
                    detail: "`\(step.prefix(3).joined(separator: " "))` exited \(result.status): \(result.errorOutput)"
                )
            }
        }
        return certificates
    }
}

// MARK: - Starting

extension OpenBaoProcess {
    /// The TLS files a client uses to reach a server.
    struct TLSFiles: Sendable {
        var caCertificatePath: String?
        var clientCertificatePath: String?
        var clientKeyPath: String?
    }

    static let healthTimeout: Duration = .seconds(120)

    static func requireBinary() throws(TestServerError) -> String {
        var processEnvironment = ProcessInfo.processInfo.environment
        // Starting a private server was asked for: a missing binary is an error even outside make test.
        processEnvironment["CFG_REQUIRE_SERVERS"] = "1"
        guard let binary = try TestServers.baoBinary(processEnvironment: processEnvironment) else {
            throw TestServerError(.missingBinary, variable: TestServers.baoVariable, detail: "bao")
        }
        return binary
    }

    /// The server's whole environment: nothing inherited, so no `VAULT_*`/`BAO_*` variable or proxy applies.
    static func serverEnvironment(home: String) -> [String: String] {
        ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"]
    }

    static func makeDirectory() throws(TestServerError) -> String {
        do {
            return try TemporaryDirectory.create()
        } catch {
            throw TestServerError(.startFailed, detail: "could not make a temporary directory")
        }
    }

    static func makeDirectory(_ path: String) throws(TestServerError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        } catch {
            throw TestServerError(.startFailed, detail: "could not make \(path)")
        }
    }

    static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
    }

    /// Polls `/v1/sys/health` until it answers one of `statuses`, the server exits, or ``healthTimeout`` passes
    /// (a hang guard: a loaded 2-core machine has taken over 30 s to start several servers at once).
    static func waitForHealth(
        of server: ServerProcess,
        at address: String,
        tls: TLSFiles,
        accepting statuses: Set<Int>
    ) async throws(TestServerError) {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: healthTimeout)
        var lastStatus = 0
        while clock.now < deadline {
            guard server.isRunning else {
                throw TestServerError(
                    .startFailed,
                    detail: "bao server exited while starting; the end of \(server.logPath):\n\(server.logTail())"
                )
            }
            if (tls.caCertificatePath.map { FileManager.default.fileExists(atPath: $0) } ?? true),
                let (status, _) = try? await request(
                    "GET",
                    address + "/v1/sys/health",
                    body: nil,
                    token: "",
                    tls: tls,
                    timeoutSeconds: 2
                )
            {
                lastStatus = status
                if statuses.contains(status) {
                    return
                }
            }
            do {
                try await Task.sleep(for: .milliseconds(100))
            } catch {
                throw TestServerError(.startFailed, detail: "cancelled while waiting for bao server")
            }
        }
        throw TestServerError(
            .startFailed,
            detail: "\(address)/v1/sys/health did not answer \(statuses.sorted()) within "
                + "\(healthTimeout) (last status \(lastStatus)); the end of \(server.logPath):\n\(server.logTail())"
        )
    }

    /// `PUT sys/init` with one key share, then `PUT sys/unseal` with that key.
    static func initialize(
        server: ServerProcess,
        address: String,
        tls: TLSFiles
    ) async throws(TestServerError) -> (rootToken: String, unsealKey: String) {
        let (initStatus, initData) = try await request(
            "PUT",
            address + "/v1/sys/init",
            body: ["secret_shares": 1, "secret_threshold": 1],
            token: "",
            tls: tls,
            timeoutSeconds: 30
        )
        let initialized = (try? JSONSerialization.jsonObject(with: initData)) as? [String: Any]
        guard initStatus == 200,
            let rootToken = initialized?["root_token"] as? String,
            let unsealKey = (initialized?["keys_base64"] as? [String])?.first
        else {
            throw TestServerError(
                .startFailed,
                detail:
                    "PUT /v1/sys/init answered HTTP \(initStatus); the end of \(server.logPath):\n\(server.logTail())"
            )
        }
        let (unsealStatus, unsealData) = try await request(
            "PUT",
            address + "/v1/sys/unseal",
            body: ["key": unsealKey],
            token: "",
            tls: tls,
            timeoutSeconds: 30
        )
        let unsealed = (try? JSONSerialization.jsonObject(with: unsealData)) as? [String: Any]
        guard unsealStatus == 200, unsealed?["sealed"] as? Bool == false else {
            throw TestServerError(
                .startFailed,
                detail: "PUT /v1/sys/unseal answered HTTP \(unsealStatus); the end of \(server.logPath):\n"
                    + server.logTail()
            )
        }
        return (rootToken, unsealKey)
    }

    /// One HTTP request with the `curl` command. The token and the body go through files in a private
    /// directory, never argv; `-q` ignores any `.curlrc` and `--noproxy '*'` any proxy.
    static func request(
        _ method: String,
        _ url: String,
        body: [String: Any]?,
        token: String,
        tls: TLSFiles,
        timeoutSeconds: Int
    ) async throws(TestServerError) -> (status: Int, body: Data) {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var arguments = [
            "curl", "-q", "--silent", "--show-error", "--noproxy", "*", "--max-time", "\(timeoutSeconds)",
            "--request", method, "--output", "\(directory)/response", "--write-out", "%{http_code}",
        ]
        if let path = tls.caCertificatePath {
            arguments += ["--cacert", path]
        }
        if let certificate = tls.clientCertificatePath, let key = tls.clientKeyPath {
            arguments += ["--cert", certificate, "--key", key]
        }
        if !token.isEmpty {
            try write(Data("X-Vault-Token: \(token)\n".utf8), to: "\(directory)/headers")
            arguments += ["--header", "@\(directory)/headers"]
        }
        if let body {
            guard JSONSerialization.isValidJSONObject(body),
                let data = try? JSONSerialization.data(withJSONObject: body)
            else {
                throw TestServerError(.commandFailed, detail: "the request body for \(method) is not valid JSON")
            }
            try write(data, to: "\(directory)/body")
            arguments += ["--header", "Content-Type: application/json", "--data-binary", "@\(directory)/body"]
        }
        arguments.append(url)
        let result = try await TestServers.runCommand(
            arguments,
            environment: ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": directory],
            directory: directory
        )
        guard result.status == 0, let status = Int(result.output.trimmingCharacters(in: .whitespaces)) else {
            throw TestServerError(
                .commandFailed,
                detail: "curl \(method) \(url) exited \(result.status): "
                    + result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            )
        }
        let response = FileManager.default.contents(atPath: "\(directory)/response") ?? Data()
        return (status, response)
    }

    static func write(_ data: Data, to path: String) throws(TestServerError) {
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw TestServerError(.commandFailed, detail: "could not write \(path)")
        }
    }
}

// MARK: - The process

/// A long-running server child process, logged to a file in its private directory and stopped by PID.
final class ServerProcess: Sendable {
    let pid: Int32
    let directory: String
    let logPath: String
    /// The Foundation process, which reaps the child when it exits. Guarded because `stop()` may run from
    /// any thread (deinit included).
    private let process: Mutex<Process?>

    private init(pid: Int32, directory: String, logPath: String, process: sending Process) {
        self.pid = pid
        self.directory = directory
        self.logPath = logPath
        self.process = Mutex(process)
    }

    deinit {
        stop()
    }

    /// Starts `executable` with exactly `environment`, in `directory`, its output appended to
    /// `directory/bao.log` (0600).
    static func launch(
        executable: String,
        arguments: [String],
        environment: [String: String],
        directory: String
    ) throws(TestServerError) -> ServerProcess {
        let logPath = "\(directory)/bao.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        let process = Process()
        do {
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            defer { try? log.close() }
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = log
            process.standardError = log
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw TestServerError(.startFailed, detail: "could not run \(executable): \(error)")
        }
        let server = ServerProcess(
            pid: process.processIdentifier,
            directory: directory,
            logPath: logPath,
            process: process
        )
        server.record()
        return server
    }

    var isRunning: Bool {
        process.withLock { $0?.isRunning ?? false }
    }

    /// Whether the server failed because its port was taken between choosing and binding it.
    var portWasTaken: Bool {
        logTail(lines: 100).contains("address already in use")
    }

    func send(_ signal: Int32) {
        if isRunning {
            kill(pid, signal)
        }
    }

    func stop() {
        let wasRunning = isRunning
        if wasRunning {
            kill(pid, SIGTERM)
            // A stopped (frozen) process handles SIGTERM only once it is resumed.
            kill(pid, SIGCONT)
            if !waitForExit(seconds: 10) {
                kill(pid, SIGKILL)
                _ = waitForExit(seconds: 10)
            }
        }
        process.withLock { $0 = nil }
        try? FileManager.default.removeItem(atPath: directory)
        if let recordPath {
            try? FileManager.default.removeItem(atPath: recordPath)
        }
    }

    /// Under `make test`, the file that tells `dev/test-servers.py stop` about this server, so that a test
    /// process that crashes before `stop()` leaves no server behind: `$CFG_TEST_SERVERS_DIR/private/PID`.
    private var recordPath: String? {
        ProcessInfo.processInfo.environment["CFG_TEST_SERVERS_DIR"].map { "\($0)/private/\(pid)" }
    }

    /// Writes the record: the process's start time (field 22 of `/proc/PID/stat`), which tells this process
    /// from a later one that reuses its PID.
    private func record() {
        guard let recordPath,
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.range(of: ")", options: .backwards)
        else {
            return
        }
        let fields = stat[end.upperBound...].split(separator: " ")
        guard fields.count > 19 else {
            return
        }
        let directory = (recordPath as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: recordPath, contents: Data("\(fields[19])\n".utf8))
    }

    /// Polls until Foundation has reaped the child; false on timeout.
    private func waitForExit(seconds: Int) -> Bool {
        for _ in 0..<(seconds * 50) {
            if !isRunning {
                return true
            }
            usleep(20_000)
        }
        return !isRunning
    }

    /// The last `lines` lines of the log, without the lines where dev mode prints its root token and unseal
    /// key.
    func logTail(lines: Int = 40) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return
            text
            .split(separator: "\n", omittingEmptySubsequences: false)
            .suffix(lines)
            .map { $0.contains("Root Token:") || $0.contains("Unseal Key:") ? "<line with a secret removed>" : $0 }
            .joined(separator: "\n")
    }
}
