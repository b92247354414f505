import CfgBackend
import CfgConfig
import CfgEngine
import CfgLocal
import CfgSecure
import CfgTestSupport
import Foundation
import Logging
import Testing

struct SecretSetterTests {
    static let yaml = """
        backend: { type: local }
        secrets:
          db:
            path: airflow/test/db
            keys:
              username: { value: airflow }
              password: {}
          slack: airflow/test/slack
          leased: { path: database/creds/airflow, dynamic: true }
          pinned: { path: airflow/test/db, version: "1" }
        """

    /// A fixture whose `db` secret holds `db` (JSON text) when given.
    func fixture(_ directory: String, db: String? = nil) async throws -> EngineFixture {
        try await EngineFixture.make(
            in: directory,
            yaml: Self.yaml,
            templates: [:],
            secrets: db.map { ["airflow/test/db": $0] } ?? [:]
        )
    }

    func setter(_ fixture: EngineFixture, backend: (any SecretBackend)? = nil) -> SecretSetter {
        SecretSetter(environment: fixture.environment, backend: backend ?? fixture.backend, logger: Logger(label: "t"))
    }

    func payload(_ fixture: EngineFixture, _ path: String) async throws -> String {
        let version = try await fixture.backend.fetch(SecretRequest(path: SecretPath(path)))
        return try #require(version.payload.stringValue())
    }

    func target(_ reference: String) throws -> SecretTarget {
        try #require(SecretTarget(reference: reference))
    }

    @Test func oneKeyIsReplacedInPlaceAndEveryOtherMemberKeptByteForByte() async throws {
        try await TemporaryDirectory.with { directory in
            let current = #"{ "port" : 5.50e1, "password":"old", "note": "caf\u00e9 \"x\"", "list": [1, {}] }"#
            let fixture = try await fixture(directory, db: current)
            let before = try await fixture.backend.fetch(SecretRequest(path: SecretPath("airflow/test/db")))
            let outcome = try await setter(fixture).set(
                try target("db.password"),
                to: Secret(copying: "n\"ew"),
                options: .init()
            )
            #expect(!outcome.created)
            #expect(outcome.versionID != before.versionID)
            #expect(
                try await payload(fixture, "airflow/test/db")
                    == #"{"port":5.50e1,"password":"n\"ew","note":"caf\u00e9 \"x\"","list":[1, {}]}"#
            )
        }
    }

    @Test func aMissingKeyIsAddedAtTheEnd() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory, db: #"{"username":"airflow"}"#)
            _ = try await setter(fixture).set(try target("db.password"), to: Secret(copying: "p"), options: .init())
            #expect(try await payload(fixture, "airflow/test/db") == #"{"username":"airflow","password":"p"}"#)
        }
    }

    @Test func aSecretThatDoesNotExistBecomesAnObjectWithTheKey() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory)
            let outcome = try await setter(fixture).set(
                try target("secrets.db.password"),
                to: Secret(copying: "p"),
                options: .init()
            )
            #expect(outcome.created && outcome.target.description == "db.password")
            #expect(try await payload(fixture, "airflow/test/db") == #"{"password":"p"}"#)
        }
    }

    static let hostileValues = [
        #"it's "quoted""#, "$HOME ${X} `id`", #"back\slash\\"#, "  spaces  ", "line one\nline two\r\n", "é 🔑 ü",
        "tab\tand\u{1}control", "=#?&+@:/%",
    ]

    @Test(arguments: hostileValues)
    func hostileValuesRoundTripThroughCfgGet(value: String) async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory)
            _ = try await setter(fixture).set(try target("db.password"), to: Secret(copying: value), options: .init())
            _ = try await setter(fixture).set(try target("slack"), to: Secret(copying: value), options: .init())
            let lookup = ValueLookup(
                environment: fixture.environment,
                backend: fixture.backend,
                processEnvironment: [:],
                logger: Logger(label: "t")
            )
            #expect(try await lookup.value(of: "db.password", service: nil) == value)
            #expect(try await lookup.value(of: "slack", service: nil) == value)
        }
    }

    @Test func anEmptyValueIsRefusedUnlessAllowed() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory)
            let error = await #expect(throws: EngineError.self) {
                _ = try await setter(fixture).set(try target("slack"), to: Secret(copying: ""), options: .init())
            }
            #expect(error?.code == .configuration)
            #expect(error?.description.contains("--allow-empty") == true)
            _ = try await setter(fixture).set(
                try target("db.password"),
                to: Secret(copying: ""),
                options: .init(allowEmpty: true)
            )
            #expect(try await payload(fixture, "airflow/test/db") == #"{"password":""}"#)
        }
    }

    @Test(arguments: [
        ("nope.key", false, EngineError.Code.unresolved, "no secret named 'nope'"),
        ("sleck", false, .unresolved, "did you mean 'slack'"),
        ("db.pasword", false, .unresolved, "did you mean 'password'"),
        ("db", false, .usage, "'cfg set ENV db.KEY', or the whole object with --json"),
        ("db.password", true, .usage, "--json sets a whole secret"),
        ("leased", false, .usage, "dynamic"),
        ("pinned", false, .usage, "Remove 'version:'"),
    ])
    func whatCannotBeSetIsRefusedBeforeAnyValueIsRead(
        reference: String,
        json: Bool,
        code: EngineError.Code,
        message: String
    ) async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory)
            let error = #expect(throws: EngineError.self) {
                try SecretSetter.validate(try target(reference), options: .init(json: json), in: fixture.environment)
            }
            #expect(error?.code == code)
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
        }
    }

    @Test func jsonSetsAWholeObjectAsWrittenWithoutSurroundingWhiteSpace() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory, db: #"{"password":"old"}"#)
            _ = try await setter(fixture).set(
                try target("db"),
                to: Secret(copying: " \n{ \"username\": \"a\",\n \"password\": \"b\\u00e9\" }\n\t"),
                options: .init(json: true)
            )
            #expect(
                try await payload(fixture, "airflow/test/db") == "{ \"username\": \"a\",\n \"password\": \"b\\u00e9\" }"
            )
        }
    }

    @Test(arguments: [
        (#"[CANARY]"#, EngineError.Code.configuration), (#"{"password": CANARY"#, .configuration),
        (#"CANARY"#, .configuration), (#"{"pasword": CANARY}"#, .unresolved),
    ])
    func jsonThatIsNotAnObjectOfDeclaredKeysIsRefusedWithoutItsValue(
        text: String,
        code: EngineError.Code
    ) async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory, db: #"{"password":"old"}"#)
            let canary = Canary.make()
            let quoted = String(decoding: try JSONEncoder().encode(canary), as: UTF8.self)
            let value = Secret(copying: text.replacingOccurrences(of: "CANARY", with: quoted))
            let error = await #expect(throws: EngineError.self) {
                _ = try await setter(fixture).set(try target("db"), to: value, options: .init(json: true))
            }
            #expect(error?.code == code)
            Canary.assertAbsent(canary, in: [error?.description ?? ""])
            #expect(try await payload(fixture, "airflow/test/db") == #"{"password":"old"}"#)
        }
    }

    @Test func aKeyOfASecretThatIsNotAJSONObjectIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let fixture = try await fixture(directory, db: canary)
            let error = await #expect(throws: EngineError.self) {
                _ = try await setter(fixture).set(try target("db.password"), to: Secret(copying: "x"), options: .init())
            }
            #expect(error?.code == .configuration)
            Canary.assertAbsent(canary, in: [error?.description ?? ""])
        }
    }

    @Test func aKeyValueMustBeUTF8() async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory)
            let error = await #expect(throws: EngineError.self) {
                _ = try await setter(fixture).set(
                    try target("db.password"),
                    to: Secret(bytes: [0xff, 0x41]),
                    options: .init()
                )
            }
            #expect(error?.code == .configuration)
            // A whole secret takes any bytes.
            _ = try await setter(fixture).set(try target("slack"), to: Secret(bytes: [0xff, 0x41]), options: .init())
        }
    }

    @Test(arguments: ["db.password", "slack"])
    func aWriteBetweenTheReadAndTheStoreIsAConflictAndKeepsTheOtherValue(reference: String) async throws {
        try await TemporaryDirectory.with { directory in
            let fixture = try await fixture(directory, db: #"{"password":"old"}"#)
            let path = reference == "slack" ? "airflow/test/slack" : "airflow/test/db"
            let interloper = InterleavingBackend(inner: fixture.backend, path: SecretPath(path))
            let canary = Canary.make()
            let error = await #expect(throws: EngineError.self) {
                _ = try await setter(fixture, backend: interloper).set(
                    try target(reference),
                    to: Secret(copying: canary),
                    options: .init()
                )
            }
            #expect(error?.code == .conflict)
            #expect(error?.description.contains("Run cfg set again") == true)
            Canary.assertAbsent(canary, in: [error?.description ?? ""])
            #expect(try await payload(fixture, path) == InterleavingBackend.value)
        }
    }

    @Test(arguments: [("x\n", "x"), ("x", "x"), ("x\n\n", "x\n"), ("\n", ""), ("", ""), ("x\r\n", "x\r")])
    func standardInputLosesExactlyOneTrailingNewline(input: String, stored: String) throws {
        #expect(SecretInput.droppingOneTrailingNewline(Secret(copying: input)) == Secret(copying: stored))
    }

    @Test func standardInputIsBoundedAndAFileIsReadExactly() async throws {
        try await TemporaryDirectory.with { directory in
            var fds: [Int32] = [0, 0]
            #expect(pipe(&fds) == 0)
            let input = Array(repeating: UInt8(ascii: "a"), count: 100) + [UInt8(ascii: "\n")]
            #expect(input.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == input.count)
            close(fds[1])
            let error = #expect(throws: EngineError.self) {
                _ = try SecretInput.standardInput(descriptor: fds[0], limit: 99)
            }
            #expect(error?.description.contains("larger than 99 bytes") == true)
            close(fds[0])
            #expect(pipe(&fds) == 0)
            #expect(input.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } == input.count)
            close(fds[1])
            #expect(try SecretInput.standardInput(descriptor: fds[0], limit: 100) == Secret(bytes: input.dropLast()))
            close(fds[0])

            try Data(input).write(to: URL(fileURLWithPath: directory + "/value"))
            #expect(try SecretInput.file(directory + "/value") == Secret(bytes: input))
            #expect(throws: EngineError.self) { _ = try SecretInput.file(directory + "/value", limit: 100) }
            #expect(throws: EngineError.self) { _ = try SecretInput.file(directory) }
        }
    }
}

/// The local store, with another writer's value stored at `path` just before every write (a lost check-and-set).
struct InterleavingBackend: SecretBackend {
    static let value = "the other writer's value"
    var inner: LocalBackend
    var path: SecretPath
    var kind: String { inner.kind }

    func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        try await inner.fetch(request)
    }

    func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        _ = try await inner.store(Secret(copying: Self.value), at: self.path, labels: [.current], expectedCurrent: nil)
        return try await inner.store(payload, at: path, labels: labels, expectedCurrent: expectedCurrent)
    }

    func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError) {
        try await inner.moveLabel(label, to: versionID, at: path)
    }

    func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        try await inner.removeLabel(label, at: path)
    }

    func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        try await inner.fetchMetadata(path)
    }
}
