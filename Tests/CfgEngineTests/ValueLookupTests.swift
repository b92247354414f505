import CfgConfig
import CfgEngine
import CfgTestSupport
import Logging
import Testing

struct ValueLookupTests {
    static let yaml = """
        backend: { type: local }
        secrets:
          db: airflow/test/db
          git: airflow/test/git
          gone: airflow/test/gone
        """

    func lookup(_ directory: String) async throws -> ValueLookup {
        let fixture = try await EngineFixture.make(
            in: directory,
            yaml: Self.yaml,
            templates: [:],
            secrets: [
                "airflow/test/db":
                    #"{"password":"p\u00e9","port":5432,"whole":5432.0,"ratio":1.5,"tls":true,"opts":{}}"#,
                "airflow/test/git": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n",
            ]
        )
        return ValueLookup(
            environment: fixture.environment,
            backend: fixture.backend,
            processEnvironment: [:],
            logger: Logger(label: "test")
        )
    }

    @Test func aKeyReadsAsTemplatesSeeIt() async throws {
        try await TemporaryDirectory.with { directory in
            let lookup = try await lookup(directory)
            #expect(try await lookup.value(of: "db.password", service: nil) == "pé")
            #expect(try await lookup.value(of: "db.port", service: nil) == "5432")
            #expect(try await lookup.value(of: "db.whole", service: nil) == "5432")
            #expect(try await lookup.value(of: "db.ratio", service: nil) == "1.5")
            #expect(try await lookup.value(of: "secrets.db.tls", service: nil) == "true")
            let error = try await #require(throws: EngineError.self) {
                try await lookup.value(of: "db.opts", service: nil)
            }
            #expect(error.code == .validation)
            #expect(error.description == "secret 'db' key 'opts' is not a scalar; print the whole secret")
        }
    }

    @Test func aWholeSecretIsItsPayloadAsStored() async throws {
        try await TemporaryDirectory.with { directory in
            let lookup = try await lookup(directory)
            #expect(try await lookup.value(of: "git", service: nil) == "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")
            #expect(try await lookup.value(of: "db", service: nil).hasPrefix(#"{"password":"p\u00e9","#))
        }
    }

    @Test func missingSecretsAndKeysAreUnresolved() async throws {
        try await TemporaryDirectory.with { directory in
            let lookup = try await lookup(directory)
            let missing = try await #require(throws: EngineError.self) {
                try await lookup.value(of: "gone", service: nil)
            }
            #expect(missing.code == .unresolved)
            #expect(missing.description == "secret 'gone' (airflow/test/gone) was not found in the local backend")
            let key = try await #require(throws: EngineError.self) {
                try await lookup.value(of: "git.key", service: nil)
            }
            #expect(key.code == .unresolved)
            #expect(key.description == "secret 'git' (airflow/test/git) has no key 'key'")
            let undeclared = try await #require(throws: EngineError.self) {
                try await lookup.value(of: "nope.key", service: nil)
            }
            #expect(undeclared.code == .unresolved)
            #expect(undeclared.description.hasSuffix("no secret named 'nope'"))
        }
    }
}
