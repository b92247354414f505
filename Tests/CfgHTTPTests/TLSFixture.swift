import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Certificates made with the `openssl` CLI in a fresh directory, for the TLS tests.
///
/// A test CA signs a server certificate for 127.0.0.1 and localhost, one that names only `vault.test`, and a
/// client certificate; a second CA signs nothing. All keys are P-256 so that generation is fast.
struct TLSFixture {
    /// Why the fixture could not be built.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Whether the servers the TLS tests need must be present (`CFG_REQUIRE_SERVERS=1`): then missing tools
    /// fail the tests instead of skipping them.
    static let serversRequired = ProcessInfo.processInfo.environment["CFG_REQUIRE_SERVERS"] == "1"

    /// Whether `openssl` and `python3` are on `PATH`.
    static let toolsAvailable = executable("openssl") != nil && executable("python3") != nil

    /// The directory holding every file below; removed by ``remove()``.
    let directory: String

    var caCertificate: String { "\(directory)/ca.pem" }
    var otherCACertificate: String { "\(directory)/other-ca.pem" }
    /// A `c_rehash`-style directory holding the test CA.
    var caDirectory: String { "\(directory)/ca-dir" }
    var serverCertificate: String { "\(directory)/server.pem" }
    var serverKey: String { "\(directory)/server.key" }
    var vaultCertificate: String { "\(directory)/vault.pem" }
    var vaultKey: String { "\(directory)/vault.key" }
    var clientCertificate: String { "\(directory)/client.pem" }
    var clientKey: String { "\(directory)/client.key" }

    /// Generates every certificate in a new temporary directory.
    ///
    /// - Throws: ``Failure`` naming the tool or the `openssl` step that failed.
    init() throws {
        guard TLSFixture.toolsAvailable else {
            throw Failure(
                description:
                    "CFG_REQUIRE_SERVERS=1 but openssl or python3 is not on PATH; install both to run the TLS tests."
            )
        }
        var template = Array("\(NSTemporaryDirectory())/cfg-http-tls-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw Failure(description: "could not create a temporary directory")
        }
        directory = String(cString: created)
        do {
            try makeAuthority("ca", name: "cfg test CA")
            try makeAuthority("other-ca", name: "cfg other CA")
            try makeLeaf(
                "server",
                signer: "ca",
                extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth"
            )
            try makeLeaf(
                "vault",
                signer: "ca",
                extensions: "subjectAltName=DNS:vault.test\nextendedKeyUsage=serverAuth"
            )
            try makeLeaf("client", signer: "ca", extensions: "extendedKeyUsage=clientAuth")
            try FileManager.default.createDirectory(atPath: caDirectory, withIntermediateDirectories: false)
            try FileManager.default.copyItem(atPath: caCertificate, toPath: "\(caDirectory)/ca.pem")
            try TLSFixture.run("openssl", ["rehash", caDirectory])
        } catch {
            remove()
            throw error
        }
    }

    /// Deletes the directory.
    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func makeAuthority(_ name: String, name commonName: String) throws {
        let config = """
            [req]
            distinguished_name = dn
            x509_extensions = ca
            prompt = no
            [dn]
            CN = \(commonName)
            [ca]
            basicConstraints = critical, CA:TRUE
            keyUsage = critical, keyCertSign, cRLSign
            subjectKeyIdentifier = hash
            """
        try config.write(toFile: "\(directory)/\(name).cnf", atomically: true, encoding: .utf8)
        try TLSFixture.run(
            "openssl",
            [
                "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-config", "\(directory)/\(name).cnf", "-keyout", "\(directory)/\(name).key", "-out",
                "\(directory)/\(name).pem",
            ]
        )
    }

    private func makeLeaf(_ name: String, signer: String, extensions: String) throws {
        try "basicConstraints=CA:FALSE\n\(extensions)\n".write(
            toFile: "\(directory)/\(name).ext",
            atomically: true,
            encoding: .utf8
        )
        try TLSFixture.run(
            "openssl",
            [
                "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                "/CN=cfg test \(name)", "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr",
            ]
        )
        try TLSFixture.run(
            "openssl",
            [
                "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", "\(directory)/\(signer).pem", "-CAkey",
                "\(directory)/\(signer).key", "-set_serial", "\(Int.random(in: 1...Int(Int32.max)))", "-days", "2",
                "-extfile", "\(directory)/\(name).ext", "-out", "\(directory)/\(name).pem",
            ]
        )
    }

    /// Runs a tool from `PATH` and waits for it.
    static func run(_ tool: String, _ arguments: [String]) throws {
        guard let path = executable(tool) else { throw Failure(description: "\(tool) is not on PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self)
            throw Failure(description: "\(tool) \(arguments.first ?? "") failed: \(text)")
        }
    }

    /// The full path of `tool` on `PATH`, if any.
    static func executable(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
