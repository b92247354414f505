import CfgBackend
import CfgHTTP
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgVault

/// JWT login with a key pair the test makes, and dynamic database credentials from a real PostgreSQL through
/// OpenBao's database secrets engine.
@Suite struct VaultLoginAndLeaseTests {
    /// Runs a command; returns its standard output, failing the test on a non-zero exit.
    @discardableResult
    static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        input: Data? = nil
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let standardInput = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = standardInput
        try process.run()
        if let input { standardInput.fileHandleForWriting.write(input) }
        try standardInput.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A JWT signed RS256 with the private key at `keyPath`.
    static func jwt(claims: [String: Any], keyPath: String) throws -> String {
        let header = try JSONSerialization.data(withJSONObject: ["alg": "RS256", "typ": "JWT"])
        let payload = try JSONSerialization.data(withJSONObject: claims)
        let input = base64URL(header) + "." + base64URL(payload)
        let inputFile = try VaultFixture.file(input, name: "signing-input")
        let signatureFile = inputFile + ".sig"
        let result = try run(["openssl", "dgst", "-sha256", "-sign", keyPath, "-out", signatureFile, inputFile])
        try #require(result.status == 0)
        let signature = try Data(contentsOf: URL(fileURLWithPath: signatureFile))
        return input + "." + base64URL(signature)
    }

    /// An RSA key pair in a fresh directory: (private key path, public key PEM).
    static func keyPair() throws -> (privateKey: String, publicKey: String) {
        let privateKey = try VaultFixture.file("", name: "jwt-key.pem")
        try #require(try run(["openssl", "genrsa", "-out", privateKey, "2048"]).status == 0)
        let publicKey = try run(["openssl", "rsa", "-in", privateKey, "-pubout"])
        try #require(publicKey.status == 0)
        return (privateKey, publicKey.output)
    }

    @Test func jwtLoginWithAProjectedTokenFile() async throws {
        let server = try VaultFixture.shared()
        let admin = try VaultFixture.admin()
        let mount = VaultFixture.unique("jwt")
        let prefix = VaultFixture.unique("jwt-secrets")
        let (privateKey, publicKey) = try Self.keyPair()
        try await admin.enable("jwt", auth: true, at: mount)
        try await admin.call(
            .post,
            "auth/\(mount)/config",
            ["jwt_validation_pubkeys": [publicKey], "bound_issuer": "cfg-test"]
        )
        let policy = VaultFixture.unique("jwt-read")
        try await admin.policy(policy, "path \"secret/data/\(prefix)/*\" { capabilities = [\"read\"] }")
        try await admin.call(
            .post,
            "auth/\(mount)/role/airflow",
            [
                "role_type": "jwt", "user_claim": "sub", "bound_audiences": ["vault"], "token_policies": [policy],
                "token_ttl": "5m",
            ]
        )
        try await admin.writeKV("\(prefix)/db", ["password": "from-jwt"])
        let now = Int(Date().timeIntervalSince1970)
        let claims: [String: Any] = [
            "iss": "cfg-test", "sub": "system:serviceaccount:airflow:scheduler", "aud": "vault", "iat": now,
            "nbf": now - 5, "exp": now + 300,
        ]
        let tokenFile = try VaultFixture.file(try Self.jwt(claims: claims, keyPath: privateKey) + "\n", name: "token")
        let settings = VaultSettings(auth: .jwt(mount: mount, role: "airflow", tokenFile: tokenFile))
        let (backend, recording, _) = try VaultFixture.backend(
            address: server.address,
            settings: settings,
            processEnvironment: [:]
        )
        let read = try await backend.fetch(SecretRequest(path: SecretPath("\(prefix)/db")))
        #expect(read.payload == Secret(copying: "{\"password\":\"from-jwt\"}"))
        #expect(recording.entries.map(\.path) == ["/v1/auth/\(mount)/login", "/v1/secret/data/\(prefix)/db"])
        await backend.close()

        // A token signed by another key is refused at login.
        let (otherKey, _) = try Self.keyPair()
        let forged = try VaultFixture.file(try Self.jwt(claims: claims, keyPath: otherKey), name: "token")
        let forgedSettings = VaultSettings(auth: .jwt(mount: mount, role: "airflow", tokenFile: forged))
        let (refused, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: forgedSettings,
            processEnvironment: [:]
        )
        let error = await #expect(throws: BackendError.self) {
            try await refused.fetch(SecretRequest(path: SecretPath("\(prefix)/db")))
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.description.contains("auth/\(mount)") == true)
        await refused.close()

        let missing = VaultSettings(auth: .jwt(mount: mount, role: "airflow", tokenFile: "/nonexistent/token"))
        let (absent, _, _) = try VaultFixture.backend(
            address: server.address,
            settings: missing,
            processEnvironment: [:]
        )
        let noFile = await #expect(throws: BackendError.self) {
            try await absent.fetch(SecretRequest(path: SecretPath("x")))
        }
        #expect(noFile?.code == .authenticationFailed)
        #expect(noFile?.description.contains("/nonexistent/token") == true)
        await absent.close()
    }

    @Test func dynamicDatabaseCredentialsWorkInPostgresAndTheirLeaseRenewsAndRevokes() async throws {
        let server = try VaultFixture.shared()
        let postgres = try TestServers.skipUnlessAvailable(try TestServers.postgres(), "the test PostgreSQL server")
        let admin = try VaultFixture.admin()
        let mount = VaultFixture.unique("database")
        try await admin.enable("database", auth: false, at: mount)
        try await admin.call(
            .post,
            "\(mount)/config/airflow-pg",
            [
                "plugin_name": "postgresql-database-plugin",
                "connection_url":
                    "postgresql://{{username}}:{{password}}@\(postgres.host):\(postgres.port)/\(postgres.database)?sslmode=disable",
                "username": postgres.user, "password": postgres.password, "allowed_roles": ["airflow"],
                "verify_connection": true,
            ]
        )
        try await admin.call(
            .post,
            "\(mount)/roles/airflow",
            [
                "db_name": "airflow-pg",
                "creation_statements": [
                    "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';"
                        + " GRANT CONNECT ON DATABASE \(postgres.database) TO \"{{name}}\";"
                ],
                "default_ttl": "2m", "max_ttl": "10m",
            ]
        )
        let backend = try VaultFixture.rootBackend()
        let issued = try await backend.fetch(SecretRequest(path: SecretPath("\(mount)/creds/airflow"), dynamic: true))
        let lease = try #require(issued.lease)
        #expect(lease.id.hasPrefix("\(mount)/creds/airflow/"))
        #expect(lease.renewable)
        #expect(lease.duration == .seconds(120))
        let credentials = try #require(
            try issued.payload.withUnsafeBytes { try JSONSerialization.jsonObject(with: Data($0)) } as? [String: String]
        )
        let username = try #require(credentials["username"])
        let password = try #require(credentials["password"])

        func login() throws -> (status: Int32, output: String) {
            try Self.run(
                [
                    "\(postgres.binDirectory)/psql", "-h", postgres.host, "-p", "\(postgres.port)", "-U", username,
                    "-d",
                    postgres.database, "-tAc", "select current_user",
                ],
                environment: ["PGPASSWORD": password, "PGCONNECT_TIMEOUT": "5"]
            )
        }
        let connected = try login()
        #expect(connected.status == 0)
        #expect(connected.output.trimmingCharacters(in: .whitespacesAndNewlines) == username)

        let renewed = try await backend.renew(lease, increment: .seconds(300))
        #expect(renewed.id == lease.id)
        #expect(renewed.duration > .seconds(120))

        try await backend.revoke(lease)
        #expect(try login().status != 0, "revoked credentials no longer log in")
        await backend.close()
    }
}
