import CfgBackend
import CfgLocal
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

/// The store file's envelope: wrong keys, tampering, truncation and stores moved between environments fail
/// with the right code and never yield garbage or leak a value.
struct LocalStoreFileTests {
    /// A store for environment `prod` holding a canary, and a way to open it.
    struct Fixture {
        var directory: String
        var storePath: String
        var key: Secret
        var canary: String
        var path = SecretPath("airflow/prod/db")

        init(directory: String) async throws {
            self.directory = directory
            storePath = directory + "/prod.store"
            key = SecureRandom.secret(count: 32)
            canary = Canary.make()
            try LocalBackend.create(storePath: storePath, key: key, environmentName: "prod")
            _ = try await backend().store(
                Secret(copying: #"{"password":"\#(canary)"}"#),
                at: path,
                labels: [.current],
                expectedCurrent: nil
            )
        }

        func backend(key: Secret? = nil, environmentName: String = "prod", storePath: String? = nil) -> LocalBackend {
            LocalBackend(storePath: storePath ?? self.storePath, key: key ?? self.key, environmentName: environmentName)
        }

        func content() throws -> [UInt8] {
            try SecureFile.readBytes(storePath)
        }

        func replaceContent(_ bytes: [UInt8]) throws {
            try AtomicFile.write(bytes, to: storePath, mode: 0o600)
        }

        /// The failure of reading the canary's secret, checking that its description does not leak the canary.
        func readFailure(
            _ backend: LocalBackend? = nil,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async -> BackendError? {
            do {
                _ = try await (backend ?? self.backend()).fetch(SecretRequest(path: path))
                Issue.record("the read succeeded", sourceLocation: sourceLocation)
                return nil
            } catch {
                Canary.assertAbsent(
                    canary,
                    in: [error.description, String(reflecting: error)],
                    sourceLocation: sourceLocation
                )
                return error
            }
        }
    }

    /// Magic (8) + format version (1) + key check (16).
    static let headerByteCount = 25

    @Test func fileStartsWithMagicVersionAndKeyCheck() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await Fixture(directory: directory)
            let content = try fixture.content()
            #expect(Array(content.prefix(8)) == Array("CFGSTORE".utf8))
            #expect(content[8] == 1)
            let expectedCheck = HMACSHA256.authenticate(Array("cfg-local-store key check v1".utf8), key: fixture.key)
            #expect(Array(content[9..<25]) == Array(expectedCheck.prefix(16)))
            Canary.assertAbsent(fixture.canary, in: [String(decoding: content, as: UTF8.self)])
        }
    }

    @Test func wrongKeyIsAuthenticationFailed() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await Fixture(directory: directory)
            let error = await fixture.readFailure(fixture.backend(key: SecureRandom.secret(count: 32)))
            #expect(error?.code == .authenticationFailed)
            #expect(error?.description.contains("wrong key") == true)
            #expect(error?.description.contains(fixture.storePath) == true)
        }
    }

    @Test func tamperedCiphertextByteIsCorrupt() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await Fixture(directory: directory)
            let original = try fixture.content()
            for offset in Self.headerByteCount..<original.count {
                var tampered = original
                tampered[offset] ^= 0x01
                try fixture.replaceContent(tampered)
                let error = await fixture.readFailure()
                #expect(error?.code == .corrupt, "byte \(offset)")
            }
        }
    }

    @Test func tamperedHeaderByteFailsClosed() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await Fixture(directory: directory)
            let original = try fixture.content()
            for offset in 0..<Self.headerByteCount {
                var tampered = original
                tampered[offset] ^= 0x01
                try fixture.replaceContent(tampered)
                let error = await fixture.readFailure()
                // The key check cannot tell a damaged check from a wrong key.
                let expected: BackendError.Code = offset >= 9 ? .authenticationFailed : .corrupt
                #expect(error?.code == expected, "byte \(offset)")
            }
        }
    }

    @Test(arguments: [0, 7, 8, 24, 25, 40, -1])
    func truncatedFileIsCorrupt(length: Int) async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await Fixture(directory: directory)
            let original = try fixture.content()
            try fixture.replaceContent(Array(original.prefix(length >= 0 ? length : original.count + length)))
            let error = await fixture.readFailure()
            #expect(error?.code == .corrupt)
            #expect(error?.description.contains("integrity check") == true)
        }
    }

    @Test func storeCopiedToAnotherEnvironmentDoesNotOpen() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await Fixture(directory: directory)
            let copy = directory + "/staging.store"
            try FileManager.default.copyItem(atPath: fixture.storePath, toPath: copy)
            let error = await fixture.readFailure(fixture.backend(environmentName: "staging", storePath: copy))
            #expect(error?.code == .corrupt)
        }
    }

    @Test func newerFormatVersionIsUnsupported() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await Fixture(directory: directory)
            var content = try fixture.content()
            content[8] = 2
            try fixture.replaceContent(content)
            #expect(await fixture.readFailure()?.code == .unsupported)
        }
    }

    @Test func failedWriteLeavesTheStoreUntouched() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await Fixture(directory: directory)
            let original = try fixture.content()
            await #expect(throws: BackendError(.authenticationFailed, backend: "local", message: "")) {
                _ = try await fixture.backend(key: SecureRandom.secret(count: 32)).store(
                    Secret(copying: "new"),
                    at: fixture.path,
                    labels: [.current],
                    expectedCurrent: nil
                )
            }
            #expect(try fixture.content() == original)
        }
    }
}
