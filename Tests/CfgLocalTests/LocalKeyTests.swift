import CfgBackend
import CfgLocal
import CfgSecure
import CfgTestSupport
import Foundation
import Synchronization
import Testing

/// Finding, reading and creating store keys: precedence, file modes, and errors that never show a key.
struct LocalKeyTests {
    /// Writes `text` to `path` with `mode`.
    static func writeKeyFile(_ text: String, to path: String, mode: Int = 0o600) throws {
        try AtomicFile.write(Array(text.utf8), to: path, mode: mode_t(mode))
    }

    static func base64(_ key: Secret) -> String {
        key.withUnsafeBytes { Base64Codec.encode($0, variant: .standard) }
    }

    @Test func environmentVariableWinsOverTheKeyFile() async throws {
        try await TemporaryDirectory.with { directory in
            let fileKey = SecureRandom.secret(count: 32)
            let variableKey = SecureRandom.secret(count: 32)
            let keyFile = directory + "/prod.key"
            try Self.writeKeyFile(Self.base64(fileKey) + "\n", to: keyFile)
            let loaded = try LocalKey.load(
                environmentName: "prod",
                keyFile: keyFile,
                processEnvironment: ["CFG_LOCAL_KEY": Self.base64(variableKey)]
            )
            #expect(loaded == variableKey)
            let fromFile = try LocalKey.load(environmentName: "prod", keyFile: keyFile, processEnvironment: [:])
            #expect(fromFile == fileKey)
        }
    }

    @Test(arguments: ["CANARY-not-base64!", "AAECAwQFBgcICQoLDA0ODw=="])
    func malformedEnvironmentVariableNamesTheVariableNotTheValue(value: String) throws {
        let error = #expect(throws: BackendError.self) {
            try LocalKey.load(environmentName: "prod", keyFile: nil, processEnvironment: ["CFG_LOCAL_KEY": value])
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.description.contains("CFG_LOCAL_KEY") == true)
        #expect(error?.description.contains(value) == false)
    }

    @Test func groupReadableKeyFileIsRejected() async throws {
        try await TemporaryDirectory.with { directory in
            let keyFile = directory + "/prod.key"
            try Self.writeKeyFile(Self.base64(SecureRandom.secret(count: 32)), to: keyFile, mode: 0o644)
            let error = #expect(throws: BackendError.self) {
                try LocalKey.load(environmentName: "prod", keyFile: keyFile, processEnvironment: [:])
            }
            #expect(error?.code == .authenticationFailed)
            #expect(error?.description.contains("chmod 600") == true)
        }
    }

    @Test func malformedKeyFileNamesTheFileNotTheContent() async throws {
        try await TemporaryDirectory.with { directory in
            let keyFile = directory + "/prod.key"
            let canary = Canary.make()
            try Self.writeKeyFile(canary + "\n", to: keyFile)
            let error = #expect(throws: BackendError.self) {
                try LocalKey.load(environmentName: "prod", keyFile: keyFile, processEnvironment: [:])
            }
            #expect(error?.code == .authenticationFailed)
            #expect(error?.description.contains(keyFile) == true)
            Canary.assertAbsent(canary, in: [error?.description ?? "", String(reflecting: error)])
        }
    }

    @Test func missingKeyFileSaysHowToCreateOne() async throws {
        try await TemporaryDirectory.with { directory in
            let error = #expect(throws: BackendError.self) {
                try LocalKey.load(environmentName: "prod", keyFile: nil, processEnvironment: ["HOME": directory])
            }
            #expect(error?.code == .authenticationFailed)
            #expect(error?.description.contains("cfg init prod") == true)
        }
    }

    @Test func createWritesAPrivateKeyFileThatLoads() async throws {
        try await TemporaryDirectory.with { directory in
            let processEnvironment = ["HOME": directory]
            let (key, path) = try LocalKey.create(
                environmentName: "prod",
                keyFile: nil,
                processEnvironment: processEnvironment
            )
            #expect(path == directory + "/.config/cfg/keys/prod.key")
            #expect(try SecureFile.permissions(path) == 0o600)
            #expect(try SecureFile.permissions(directory + "/.config/cfg/keys") == 0o700)
            let content = try SecureFile.read(path)
            #expect(content.stringValue() == Self.base64(key) + "\n")
            #expect(
                try LocalKey.load(environmentName: "prod", keyFile: nil, processEnvironment: processEnvironment) == key
            )
        }
    }

    @Test func createRefusesToOverwriteAKeyFile() async throws {
        try await TemporaryDirectory.with { directory in
            let keyFile = directory + "/prod.key"
            let (key, _) = try LocalKey.create(environmentName: "prod", keyFile: keyFile, processEnvironment: [:])
            #expect(throws: BackendError(.conflict, backend: "local", message: "")) {
                try LocalKey.create(environmentName: "prod", keyFile: keyFile, processEnvironment: [:])
            }
            #expect(try LocalKey.load(environmentName: "prod", keyFile: keyFile, processEnvironment: [:]) == key)
        }
    }

    @Test func keyFileWithCRLFOrNoNewlineLoads() async throws {
        try await TemporaryDirectory.with { directory in
            let key = SecureRandom.secret(count: 32)
            for (index, ending) in ["", "\r\n"].enumerated() {
                let keyFile = directory + "/key-\(index)"
                try Self.writeKeyFile(Self.base64(key) + ending, to: keyFile)
                #expect(try LocalKey.load(environmentName: "prod", keyFile: keyFile, processEnvironment: [:]) == key)
            }
        }
    }

    @Test func tildeInTheKeyFilePathExpandsToHome() async throws {
        try await TemporaryDirectory.with { directory in
            let key = SecureRandom.secret(count: 32)
            try Self.writeKeyFile(Self.base64(key), to: directory + "/my.key")
            let loaded = try LocalKey.load(
                environmentName: "prod",
                keyFile: "~/my.key",
                processEnvironment: ["HOME": directory]
            )
            #expect(loaded == key)
        }
    }

    @Test func defaultKeyPathPrefersXDGConfigHome() {
        #expect(
            LocalKey.defaultKeyPath(
                environmentName: "prod",
                processEnvironment: ["HOME": "/home/a", "XDG_CONFIG_HOME": "/xdg"]
            )
                == "/xdg/cfg/keys/prod.key"
        )
        #expect(
            LocalKey.defaultKeyPath(environmentName: "prod", processEnvironment: ["HOME": "/home/a"])
                == "/home/a/.config/cfg/keys/prod.key"
        )
    }

    @Test(arguments: ["../prod", "a/b", ".hidden", ""])
    func environmentNameThatIsNotAFileNameIsRejected(name: String) {
        #expect(throws: BackendError(.invalidRequest, backend: "local", message: "")) {
            try LocalKey.load(environmentName: name, keyFile: nil, processEnvironment: ["HOME": "/nonexistent"])
        }
    }

    // MARK: Hostile key files and directories (issue 11, defects 1, 9, 12)

    /// The refusal of a key load: one line naming `fragments`, never the key file's content.
    static func expectRefusal(keyFile: String, _ fragments: [String], content: String? = nil) {
        let error = #expect(throws: BackendError.self) {
            _ = try LocalKey.load(environmentName: "prod", keyFile: keyFile, processEnvironment: [:])
        }
        #expect(error?.code == .authenticationFailed)
        for fragment in fragments {
            #expect(error?.description.contains(fragment) == true, "\(fragment)")
        }
        if let content { #expect(error?.description.contains(content) == false) }
        #expect(error?.description.contains("\n") == false)
    }

    @Test func keyFileOwnedByAnotherUserIsRefused() async throws {
        // chown needs root: the tests run as root in CI and in the development container.
        try await TemporaryDirectory.with { directory in
            let keyFile = directory + "/prod.key"
            let text = Self.base64(SecureRandom.secret(count: 32))
            try Self.writeKeyFile(text + "\n", to: keyFile)
            #expect(chown(keyFile, 65534, gid_t.max) == 0)
            Self.expectRefusal(keyFile: keyFile, [keyFile, "uid 65534", "chown"], content: text)
        }
    }

    @Test(arguments: [0o777, 0o770, 0o722, 0o1777])
    func keyDirectoryWritableByOthersIsRefused(mode: Int) async throws {
        try await TemporaryDirectory.with { directory in
            let keyDirectory = directory + "/keys"
            try AtomicFile.createDirectory(keyDirectory, mode: 0o700)
            let keyFile = keyDirectory + "/prod.key"
            try Self.writeKeyFile(Self.base64(SecureRandom.secret(count: 32)), to: keyFile)
            #expect(chmod(keyDirectory, mode_t(mode)) == 0)
            Self.expectRefusal(keyFile: keyFile, ["chmod 700 \(keyDirectory)", String(mode, radix: 8)])
            let error = #expect(throws: BackendError.self) {
                _ = try LocalKey.create(
                    environmentName: "other",
                    keyFile: keyDirectory + "/other.key",
                    processEnvironment: [:]
                )
            }
            #expect(error?.description.contains("chmod 700 \(keyDirectory)") == true)
            #expect(!FileManager.default.fileExists(atPath: keyDirectory + "/other.key"))
        }
    }

    @Test func keyDirectoryOwnedByAnotherUserIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            let keyDirectory = directory + "/keys"
            try AtomicFile.createDirectory(keyDirectory, mode: 0o700)
            let keyFile = keyDirectory + "/prod.key"
            try Self.writeKeyFile(Self.base64(SecureRandom.secret(count: 32)), to: keyFile)
            #expect(chown(keyDirectory, 65534, gid_t.max) == 0)
            Self.expectRefusal(keyFile: keyFile, [keyDirectory, "uid 65534"])
        }
    }

    @Test func keyFileThatIsAFIFOIsRefusedWithoutWaiting() async throws {
        try await TemporaryDirectory.with { directory in
            let keyFile = directory + "/prod.key"
            #expect(mkfifo(keyFile, 0o600) == 0)
            Self.expectRefusal(keyFile: keyFile, [keyFile, "FIFO", "not a regular file"])
        }
    }

    @Test func keyFileThatIsADeviceIsRefused() {
        Self.expectRefusal(keyFile: "/dev/zero", ["\"/dev/zero\": it is a character device"])
    }

    @Test func keyFileAtTheSizeLimitIsReadAndOneBytePastIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            let keyFile = directory + "/prod.key"
            let filler = String(repeating: "A", count: LocalKey.maximumFileSize)
            try Self.writeKeyFile(filler, to: keyFile)
            // At the limit the file is read, and refused as not being a key.
            Self.expectRefusal(keyFile: keyFile, ["does not hold a local store key"])
            try Self.writeKeyFile(filler + "A", to: keyFile)
            Self.expectRefusal(keyFile: keyFile, [keyFile, "1 KiB (1024 bytes)"])
        }
    }

    @Test func racingCreatesMakeOneKeyFileThatIsNeverReplaced() async throws {
        try await TemporaryDirectory.with { directory in
            let keyFile = directory + "/keys/prod.key"
            let created = Mutex<[Secret]>([])
            let conflicts = Mutex(0)
            DispatchQueue.concurrentPerform(iterations: 16) { _ in
                do throws(BackendError) {
                    let key = try LocalKey.create(environmentName: "prod", keyFile: keyFile, processEnvironment: [:])
                        .key
                    created.withLock { $0.append(key) }
                } catch {
                    if error.code == .conflict { conflicts.withLock { $0 += 1 } }
                }
            }
            let winners = created.withLock { $0 }
            let losers = conflicts.withLock { $0 }
            #expect(winners.count == 1)
            #expect(losers == 15)
            let onDisk = try LocalKey.load(environmentName: "prod", keyFile: keyFile, processEnvironment: [:])
            #expect(winners.first == onDisk)
            let entries = try FileManager.default.contentsOfDirectory(atPath: directory + "/keys").sorted()
            #expect(entries == ["prod.key", "prod.key.lock"])
        }
    }
}
