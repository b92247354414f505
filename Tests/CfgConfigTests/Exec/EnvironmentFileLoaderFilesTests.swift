import Testing

@testable import CfgConfig

/// `files:` (environment-wide and per service) and `exec.secrets_dir`.
struct EnvironmentFileLoaderFilesTests {
    private static func parse(_ yaml: String) throws(ConfigError) -> EnvironmentFile {
        try EnvironmentFileLoader.parse(
            yaml,
            file: "environments/dev.yaml",
            projectDirectory: "/project",
            defaultName: "dev"
        )
    }

    private static func position(_ line: Int, _ column: Int) -> ConfigPosition {
        ConfigPosition(file: "environments/dev.yaml", line: line, column: column)
    }

    /// Two declared secrets on lines 2-4; `files` start on line 5.
    static let head = "backend: { type: local }\nsecrets:\n  git: airflow/dev/git\n  tls: airflow/dev/tls\n"

    static let example =
        head + """
            exec:
              secrets_dir: /run/cfg/
            files:
              - { name: id_ed25519, secret: git.private_key, env: GIT_SSH_KEY_FILE }
              - { name: known_hosts, secret: git.known_hosts }
            services:
              api-server:
                files:
                  - { name: api.key, secret: tls, env: [AIRFLOW__API__SSL_KEY, SSL_KEY] }
                  - { name: api.pem, template: templates/api.pem.tmpl, env: AIRFLOW__API__SSL_CERT }
                  - { name: known_hosts, template: templates/known_hosts.tmpl }
              scheduler: {}

            """

    @Test func filesAreReadWithTheirSourcesVariablesAndPositions() throws {
        let environment = try Self.parse(Self.example)
        #expect(environment.exec.secretsDirectory == "/run/cfg/")
        #expect(
            environment.files == [
                FileDeclaration(
                    name: "id_ed25519",
                    source: .secret(name: "git", key: "private_key"),
                    variables: [FileVariable(name: "GIT_SSH_KEY_FILE", position: Self.position(8, 55))],
                    position: Self.position(8, 5),
                    sourcePosition: Self.position(8, 33)
                ),
                FileDeclaration(
                    name: "known_hosts",
                    source: .secret(name: "git", key: "known_hosts"),
                    position: Self.position(9, 5),
                    sourcePosition: Self.position(9, 34)
                ),
            ]
        )
        let api = try #require(environment.service(named: "api-server"))
        #expect(api.files.map(\.name) == ["api.key", "api.pem", "known_hosts"])
        #expect(api.files[0].source == .secret(name: "tls", key: nil))
        #expect(api.files[0].variables.map(\.name) == ["AIRFLOW__API__SSL_KEY", "SSL_KEY"])
        #expect(
            api.files[1].source
                == .template(TemplateFile(path: "templates/api.pem.tmpl", position: Self.position(14, 36)))
        )
    }

    @Test func aServiceGetsTheEnvironmentsFilesAndItsOwnWhichReplaceSameNames() throws {
        let environment = try Self.parse(Self.example)
        #expect(environment.files(service: nil).map(\.name) == ["id_ed25519", "known_hosts"])
        #expect(environment.files(service: "scheduler").map(\.name) == ["id_ed25519", "known_hosts"])
        let api = environment.files(service: "api-server")
        #expect(api.map(\.name) == ["id_ed25519", "api.key", "api.pem", "known_hosts"])
        #expect(
            api.last?.source
                == .template(TemplateFile(path: "templates/known_hosts.tmpl", position: Self.position(15, 40)))
        )
    }

    @Test func withoutFilesTheDefaultsHold() throws {
        let environment = try Self.parse(Self.head)
        #expect(environment.files.isEmpty)
        #expect(environment.exec.secretsDirectory == "/dev/shm/cfg")
        #expect(environment.files(service: "scheduler").isEmpty)
    }

    /// A file that must fail, the error's code, and where.
    struct Failure: Sendable, CustomTestStringConvertible {
        var label: String
        var yaml: String
        var code: ConfigError.Code
        var line: Int
        var column: Int
        var testDescription: String { label }
    }

    static let failures: [Failure] = [
        Failure(
            label: "unknown field",
            yaml: head + "files:\n  - { name: a, secret: git, mode: 400 }\n",
            code: .unknownField,
            line: 6,
            column: 29
        ),
        Failure(
            label: "both secret and template",
            yaml: head + "files:\n  - { name: a, secret: git, template: t.tmpl }\n",
            code: .invalidValue,
            line: 6,
            column: 29
        ),
        Failure(
            label: "neither secret nor template",
            yaml: head + "files:\n  - { name: a, env: X }\n",
            code: .missingField,
            line: 6,
            column: 5
        ),
        Failure(
            label: "no name",
            yaml: head + "files:\n  - { secret: git }\n",
            code: .missingField,
            line: 6,
            column: 5
        ),
        Failure(
            label: "a name with a slash",
            yaml: head + "files:\n  - { name: a/b, secret: git }\n",
            code: .invalidValue,
            line: 6,
            column: 13
        ),
        Failure(
            label: "the name ..",
            yaml: head + "files:\n  - { name: \"..\", secret: git }\n",
            code: .invalidValue,
            line: 6,
            column: 13
        ),
        Failure(
            label: "the name .",
            yaml: head + "files:\n  - { name: ., secret: git }\n",
            code: .invalidValue,
            line: 6,
            column: 13
        ),
        Failure(
            label: "a NUL in the name",
            yaml: head + "files:\n  - { name: \"a\\0b\", secret: git }\n",
            code: .invalidValue,
            line: 6,
            column: 13
        ),
        Failure(
            label: "a name too long",
            yaml: head + "files:\n  - { name: \(String(repeating: "n", count: 201)), secret: git }\n",
            code: .invalidValue,
            line: 6,
            column: 13
        ),
        Failure(
            label: "a duplicate name",
            yaml: head + "files:\n  - { name: a, secret: git }\n  - { name: a, secret: tls }\n",
            code: .duplicate,
            line: 7,
            column: 13
        ),
        Failure(
            label: "an undeclared secret",
            yaml: head + "files:\n  - { name: a, secret: nope.key }\n",
            code: .unknownReference,
            line: 6,
            column: 24
        ),
        Failure(
            label: "an empty key",
            yaml: head + "files:\n  - { name: a, secret: git. }\n",
            code: .invalidValue,
            line: 6,
            column: 24
        ),
        Failure(
            label: "an empty template",
            yaml: head + "files:\n  - { name: a, template: \"\" }\n",
            code: .invalidValue,
            line: 6,
            column: 26
        ),
        Failure(
            label: "a bad variable name",
            yaml: head + "files:\n  - { name: a, secret: git, env: [1X] }\n",
            code: .invalidValue,
            line: 6,
            column: 35
        ),
        Failure(
            label: "a variable given to two files",
            yaml: head + "files:\n  - { name: a, secret: git, env: X }\n  - { name: b, secret: tls, env: X }\n",
            code: .duplicate,
            line: 7,
            column: 34
        ),
        Failure(
            label: "files not a list",
            yaml: head + "files: { name: a }\n",
            code: .invalidValue,
            line: 5,
            column: 8
        ),
        Failure(
            label: "unknown field in a service's file",
            yaml: head + "services:\n  scheduler:\n    files:\n      - { name: a, secret: git, mod: 1 }\n",
            code: .unknownField,
            line: 8,
            column: 33
        ),
        Failure(
            label: "an undeclared secret in a service's file",
            yaml: head + "services:\n  scheduler:\n    files:\n      - { name: a, secret: gti }\n",
            code: .unknownReference,
            line: 8,
            column: 28
        ),
        Failure(
            label: "a relative secrets_dir",
            yaml: head + "exec: { secrets_dir: shm/cfg }\n",
            code: .invalidValue,
            line: 5,
            column: 22
        ),
        Failure(
            label: "unknown field in exec",
            yaml: head + "exec: { secret_dir: /dev/shm/cfg }\n",
            code: .unknownField,
            line: 5,
            column: 9
        ),
    ]

    @Test(arguments: failures)
    func invalidFilesFailWithCodeAndPosition(_ failure: Failure) {
        let error = #expect(throws: ConfigError(failure.code, "", at: nil)) { try Self.parse(failure.yaml) }
        #expect(error?.position == Self.position(failure.line, failure.column))
        #expect(error?.description.contains("\n") == false)
    }

    @Test func messagesNameTheFieldAndWhatToDo() {
        let both = #expect(throws: ConfigError.self) {
            try Self.parse(Self.head + "files:\n  - { name: a, secret: git, template: t.tmpl }\n")
        }
        #expect(
            both?.message
                == "'secret' and 'template' in 'files[0]' are mutually exclusive: a file holds one or the other"
        )
        let duplicate = #expect(throws: ConfigError.self) {
            try Self.parse(Self.head + "files:\n  - { name: a, secret: git }\n  - { name: a, secret: tls }\n")
        }
        #expect(
            duplicate?.description
                == "environments/dev.yaml:7:13: file 'a' in 'files' is already declared at environments/dev.yaml:6:5"
        )
        let undeclared = #expect(throws: ConfigError.self) {
            try Self.parse(Self.head + "files:\n  - { name: a, secret: nope }\n")
        }
        #expect(
            undeclared?.message
                == "secret 'nope' in 'files[0].secret' is not declared in 'secrets' (declared: git, tls)"
        )
    }
}
