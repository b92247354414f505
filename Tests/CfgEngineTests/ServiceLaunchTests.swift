import CfgConfig
import CfgSecure
import CfgTestSupport
import Foundation
import Logging
import Testing

@testable import CfgEngine

/// Secret files: resolved by `prepare` in the settings' fetch, written by `writeFiles` into a private directory
/// in memory, and nowhere else.
struct ServiceLaunchTests {
    /// An SSH key as `ssh-keygen` writes it: the trailing newline is part of it.
    static let privateKey =
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"

    static func yaml(secretsDirectory: String, extraFile: String = "") -> String {
        """
        backend: { type: local }
        secrets:
          git: airflow/test/git
          tls: airflow/test/tls
        settings: [templates/airflow.cfg.tmpl]
        exec: { secrets_dir: \(secretsDirectory) }
        files:
          - { name: id_ed25519, secret: git, env: GIT_SSH_KEY_FILE }
          - { name: tls.key, secret: tls.key, env: TLS_KEY_FILE }\(extraFile)
        services:
          api-server:
            files:
              - { name: api.pem, template: templates/api.pem.tmpl, env: [AIRFLOW__API__SSL_CERT, CERT] }
              - { name: tls.key, secret: tls.key, env: AIRFLOW__API__SSL_KEY }
          scheduler: {}
        """
    }

    static let settings = "[core]\nexecutor = LocalExecutor\n"
    static let certificate = "-----BEGIN CERTIFICATE-----\n{{ secrets.tls.cert }}\n-----END CERTIFICATE-----\n"

    func fixture(
        _ directory: String,
        secretsDirectory: String,
        tlsKey: String = "key-\u{e9}\u{0}bytes\n",
        extraFile: String = "",
        settings: String = Self.settings
    ) async throws -> EngineFixture {
        try await EngineFixture.make(
            in: directory,
            yaml: Self.yaml(secretsDirectory: secretsDirectory, extraFile: extraFile),
            templates: ["templates/airflow.cfg.tmpl": settings, "templates/api.pem.tmpl": Self.certificate],
            secrets: [
                "airflow/test/git": Self.privateKey,
                "airflow/test/tls": try EngineFixture.json(["key": tlsKey, "cert": "MIIB"]),
            ]
        )
    }

    func prepare(_ fixture: EngineFixture, service: String?) async throws -> ServiceLaunch {
        try await ServiceLaunch.prepare(
            environment: fixture.environment,
            service: service,
            backend: fixture.backend,
            processEnvironment: ["PATH": "/usr/bin", "TLS_KEY_FILE": "inherited"],
            logger: Logger(label: "test"),
            arguments: ["true"],
            argMax: 2_097_152
        )
    }

    static func value(_ launch: ServiceLaunch, _ name: String) -> String? {
        launch.commandEnvironment.first { $0.name == name }?.value
    }

    static func bytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { Array($0) }
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    // MARK: prepare

    @Test func prepareResolvesFilesAndTheirPathVariables() async throws {
        try await TemporaryDirectory.with { directory in
            try await SecretsRoot.with { root in
                let fixture = try await fixture(directory, secretsDirectory: root + "/")
                let launch = try await prepare(fixture, service: "api-server")
                let folder = root + "/test/api-server"
                #expect(launch.secretsDirectory == folder)
                #expect(launch.files.map(\.name) == ["id_ed25519", "api.pem", "tls.key"])
                #expect(launch.files[0].content == Secret(copying: Self.privateKey))
                #expect(
                    launch.files[1].content
                        == Secret(copying: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
                )
                #expect(launch.files[2].content == Secret(copying: "key-\u{e9}\u{0}bytes\n"))
                #expect(Self.value(launch, "GIT_SSH_KEY_FILE") == folder + "/id_ed25519")
                #expect(Self.value(launch, "AIRFLOW__API__SSL_CERT") == folder + "/api.pem")
                #expect(Self.value(launch, "CERT") == folder + "/api.pem")
                #expect(Self.value(launch, "AIRFLOW__API__SSL_KEY") == folder + "/tls.key")
                // The service's tls.key replaces the environment's, and with it the environment's variable; an
                // inherited variable of that name passes through untouched.
                #expect(Self.value(launch, "TLS_KEY_FILE") == "inherited")
                #expect(Self.value(launch, "AIRFLOW__CORE__EXECUTOR") == "LocalExecutor")
                let names = launch.commandEnvironment.map(\.name)
                #expect(names == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
                // Nothing is written before writeFiles.
                #expect(!FileManager.default.fileExists(atPath: root + "/test"))

                let everywhere = try await prepare(fixture, service: nil)
                #expect(everywhere.secretsDirectory == root + "/test/_all")
                #expect(everywhere.files.map(\.name) == ["id_ed25519", "tls.key"])
                #expect(Self.value(everywhere, "TLS_KEY_FILE") == root + "/test/_all/tls.key")
            }
        }
    }

    @Test func withoutFilesThereIsNoDirectoryAndWritingDoesNothing() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await EngineFixture.make(
                in: directory,
                yaml: "backend: { type: local }\nexec: { secrets_dir: /nonexistent/cfg }\nservices: [scheduler]\n",
                templates: [:],
                secrets: [:]
            )
            let launch = try await prepare(fixture, service: "scheduler")
            #expect(launch.secretsDirectory == nil && launch.files.isEmpty)
            try launch.writeFiles()
            launch.removeFiles()
            #expect(!FileManager.default.fileExists(atPath: "/nonexistent/cfg"))
        }
    }

    @Test func aMissingKeyIsUnresolvedAtTheFilesPositionAndWritesNothing() async throws {
        try await TemporaryDirectory.with { directory in
            try await SecretsRoot.with { root in
                let canary = Canary.make()
                let fixture = try await fixture(
                    directory,
                    secretsDirectory: root,
                    tlsKey: canary,
                    extraFile: "\n  - { name: missing, secret: tls.nokey }"
                )
                let error = await #expect(throws: EngineError.self) {
                    _ = try await prepare(fixture, service: "scheduler")
                }
                #expect(error?.code == .unresolved)
                #expect(
                    error?.problems == ["environments/test.yaml:10:30: file 'missing': secret 'tls' has no key 'nokey'"]
                )
                Canary.assertAbsent(canary, in: [error?.description ?? ""])
                #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
            }
        }
    }

    @Test func aKeyOfASecretThatIsNotJSONIsUnresolved() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(
                directory,
                secretsDirectory: "/dev/shm/unused",
                extraFile: "\n  - { name: part, secret: git.key }"
            )
            let error = await #expect(throws: EngineError.self) { _ = try await prepare(fixture, service: nil) }
            #expect(error?.code == .unresolved)
            #expect(error?.description.contains("secret 'git' is not a JSON object, so it has no key 'key'") == true)
            #expect(error?.description.contains("BEGIN OPENSSH") == false)
        }
    }

    @Test func aSecretMissingFromTheBackendIsUnresolvedAtTheFilesPosition() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await EngineFixture.make(
                in: directory,
                yaml: """
                    backend: { type: local }
                    secrets: { gone: airflow/test/gone }
                    files: [{ name: f, secret: gone }]
                    """,
                templates: [:],
                secrets: [:]
            )
            let error = await #expect(throws: EngineError.self) { _ = try await prepare(fixture, service: nil) }
            #expect(error?.code == .unresolved)
            #expect(error?.description.hasPrefix("environments/test.yaml:3:28: file 'f': secret 'gone'") == true)
        }
    }

    @Test func aVariableSetByAFileAndBySettingsNamesBothPositions() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let fixture = try await fixture(
                directory,
                secretsDirectory: "/dev/shm/unused",
                tlsKey: canary,
                settings: "[env]\nGIT_SSH_KEY_FILE = {{ secrets.tls.key }}\n"
            )
            let error = await #expect(throws: EngineError.self) { _ = try await prepare(fixture, service: nil) }
            #expect(error?.code == .configuration)
            #expect(
                error?.problems == [
                    "environments/test.yaml:8:43: GIT_SSH_KEY_FILE gets the path of file 'id_ed25519' and is also set "
                        + "by the settings at templates/airflow.cfg.tmpl:2:1; set it in one place."
                ]
            )
            Canary.assertAbsent(canary, in: [error?.description ?? ""])
        }
    }

    @Test func aVariableOfAnEnvironmentFileAndOfAServiceFileIsAConflict() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await EngineFixture.make(
                in: directory,
                yaml: """
                    backend: { type: local }
                    secrets: { a: airflow/test/a }
                    files: [{ name: one, secret: a, env: KEY_FILE }]
                    services:
                      scheduler:
                        files: [{ name: two, secret: a, env: KEY_FILE }]
                    """,
                templates: [:],
                secrets: ["airflow/test/a": "x"]
            )
            let error = await #expect(throws: EngineError.self) { _ = try await prepare(fixture, service: "scheduler") }
            #expect(error?.code == .configuration)
            #expect(
                error?.description
                    == "environments/test.yaml:6:42: KEY_FILE gets the path of file 'two' and of file 'one' at "
                    + "environments/test.yaml:3:38; give each its own variable."
            )
        }
    }

    @Test func sameContentComparesFilesAndTheirDirectory() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory, secretsDirectory: "/dev/shm/unused")
            let first = try await prepare(fixture, service: "api-server")
            let again = try await prepare(fixture, service: "api-server")
            #expect(first.hasSameContent(as: again))
            var changed = again
            changed.files[0].content = Secret(copying: "other")
            #expect(!first.hasSameContent(as: changed))
            var moved = again
            moved.location = SecretFileLocation(root: "/run/cfg", environmentName: "test", service: "api-server")
            #expect(!first.hasSameContent(as: moved))
        }
    }

    // MARK: writeFiles

    @Test func writeFilesCreatesAPrivateDirectoryOfReadOnlyFilesWithTheExactBytes() async throws {
        try await TemporaryDirectory.with { directory in
            try await SecretsRoot.with { root in
                let fixture = try await fixture(directory, secretsDirectory: root)
                let launch = try await prepare(fixture, service: "api-server")
                try launch.writeFiles()
                let folder = try #require(launch.secretsDirectory)
                for path in [root, root + "/test", folder] {
                    #expect(try Self.mode(path) == 0o700, "\(path)")
                }
                #expect(
                    try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == [
                        "api.pem", "id_ed25519", "tls.key",
                    ]
                )
                for file in launch.files {
                    let path = folder + "/" + file.name
                    #expect(try Self.mode(path) == 0o400)
                    let expected = file.content.withUnsafeBytes { Array($0) }
                    #expect(Self.bytes(path) == expected)
                }
                #expect(Self.bytes(folder + "/id_ed25519") == Array(Self.privateKey.utf8))
                // Nothing else anywhere below the root.
                #expect(
                    try FileManager.default.subpathsOfDirectory(atPath: root).sorted() == [
                        "test", "test/api-server", "test/api-server/api.pem", "test/api-server/id_ed25519",
                        "test/api-server/tls.key",
                    ]
                )
                // Writing again replaces the read-only files.
                try launch.writeFiles()
                #expect(Self.bytes(folder + "/tls.key") == Array("key-\u{e9}\u{0}bytes\n".utf8))

                launch.removeFiles()
                #expect(!FileManager.default.fileExists(atPath: folder))
                #expect(FileManager.default.fileExists(atPath: root + "/test"))
            }
        }
    }

    @Test func staleFilesAndLeftoverTemporaryFilesAreRemoved() async throws {
        try await TemporaryDirectory.with { directory in
            try await SecretsRoot.with { root in
                let fixture = try await fixture(directory, secretsDirectory: root)
                let launch = try await prepare(fixture, service: "scheduler")
                let folder = try #require(launch.secretsDirectory)
                try FileManager.default.createDirectory(
                    atPath: folder,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
                // A symbolic link where a file goes is replaced, never followed.
                let outside = root + "/outside"
                #expect(FileManager.default.createFile(atPath: outside, contents: Data("untouched".utf8)))
                try FileManager.default.createSymbolicLink(atPath: folder + "/id_ed25519", withDestinationPath: outside)
                for name in ["old.key", ".id_ed25519.tmp-0123456789abcdef"] {
                    #expect(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data("old".utf8)))
                }
                try launch.writeFiles()
                #expect(
                    try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["id_ed25519", "tls.key"]
                )
                #expect(Self.bytes(outside) == Array("untouched".utf8))
                #expect(Self.bytes(folder + "/id_ed25519") == Array(Self.privateKey.utf8))
                let type =
                    try FileManager.default.attributesOfItem(atPath: folder + "/id_ed25519")[.type]
                    as? FileAttributeType
                #expect(type == .typeRegular)
            }
        }
    }

    @Test(
        .enabled(
            if: SecretDirectory.isInMemory(NSTemporaryDirectory()) == false,
            "the temporary directory is on tmpfs here, so it cannot stand for a directory on disk"
        )
    )
    func aDirectoryOnDiskIsRefusedBeforeAnythingIsCreated() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let onDisk = directory + "/secrets/deeper"
            let fixture = try await fixture(directory, secretsDirectory: onDisk, tlsKey: canary)
            let launch = try await prepare(fixture, service: "api-server")
            let error = #expect(throws: EngineError.self) { try launch.writeFiles() }
            #expect(error?.code == .configuration)
            #expect(error?.problems.count == 1)
            #expect(error?.description.contains("\"\(onDisk)\"") == true)
            #expect(error?.description.contains("secrets are not written to disk") == true)
            Canary.assertAbsent(canary, in: [error?.description ?? ""])
            #expect(!FileManager.default.fileExists(atPath: directory + "/secrets"))
        }
    }

    @Test func aSymbolicLinkInPlaceOfTheDirectoryIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            try await SecretsRoot.with { root in
                let canary = Canary.make()
                let fixture = try await fixture(directory, secretsDirectory: root, tlsKey: canary)
                let launch = try await prepare(fixture, service: "scheduler")
                let elsewhere = root + "/elsewhere"
                try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
                try FileManager.default.createDirectory(atPath: root + "/test", withIntermediateDirectories: false)
                try FileManager.default.createSymbolicLink(
                    atPath: root + "/test/scheduler",
                    withDestinationPath: elsewhere
                )
                let error = #expect(throws: EngineError.self) { try launch.writeFiles() }
                #expect(error?.code == .configuration)
                #expect(error?.description.contains("symbolic link") == true)
                Canary.assertAbsent(canary, in: [error?.description ?? ""])
                #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)

                // The environment's directory as a link is refused too.
                try FileManager.default.removeItem(atPath: root + "/test")
                try FileManager.default.createSymbolicLink(atPath: root + "/test", withDestinationPath: elsewhere)
                #expect(throws: EngineError(.configuration, "")) { try launch.writeFiles() }
                #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
            }
        }
    }

    @Test func aDirectoryOpenToGroupOrOthersOrOwnedByAnotherUserIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            try await SecretsRoot.with { root in
                let fixture = try await fixture(directory, secretsDirectory: root)
                let launch = try await prepare(fixture, service: "scheduler")
                let folder = try #require(launch.secretsDirectory)
                try FileManager.default.createDirectory(
                    atPath: folder,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o750]
                )
                let error = #expect(throws: EngineError.self) { try launch.writeFiles() }
                #expect(error?.code == .configuration)
                #expect(error?.description.contains("mode 0750") == true)
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)

                // A world-writable directory above it (without the sticky bit) is refused as well.
                try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
                try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: root + "/test")
                #expect(throws: EngineError(.configuration, "")) { try launch.writeFiles() }
                try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: root + "/test")
                try launch.writeFiles()

                // Only root can give a directory away; others skip this part (their chown fails).
                if geteuid() == 0, chown(folder, 65534, 65534) == 0 {
                    let other = #expect(throws: EngineError.self) { try launch.writeFiles() }
                    #expect(other?.description.contains("but it belongs to uid 65534 with mode 0700") == true)
                }
            }
        }
    }
}

/// A fresh, unique directory under /dev/shm for one test, removed with everything in it afterwards.
enum SecretsRoot {
    static func with<T>(_ body: (String) async throws -> T) async throws -> T {
        var template = Array("/dev/shm/cfg-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        let path = try #require(created.map { String(cString: $0) })
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }
}
