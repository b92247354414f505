import Testing

@testable import CfgConfig

@Suite struct SettingsCheckTests {
    static let three = SettingsCheck(schema: .airflow3, declaredVersion: "3.1")
    static let two = SettingsCheck(schema: .airflow2, declaredVersion: "2.10")

    static func literal(_ section: String, _ option: String, _ value: String) -> CheckedSetting {
        CheckedSetting(section: section, option: option, value: .literal(value), label: "t.tmpl:1:1")
    }

    static func secret(_ section: String, _ option: String, _ text: String? = nil) -> CheckedSetting {
        CheckedSetting(section: section, option: option, value: .secret(text: text), label: "t.tmpl:2:1")
    }

    static func codes(_ findings: [SettingsFinding]) -> [SettingsFinding.Code] { findings.map(\.code) }

    @Test func aMisspeltOptionSuggestsTheRealOne() throws {
        let findings = Self.three.check([Self.literal("core", "paralelism", "256")])
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.code == .unknownOption)
        #expect(finding.severity == .error)
        #expect(finding.suggestion == "parallelism")
        #expect(finding.message.contains("did you mean [core] parallelism?"))
        #expect(finding.label == "t.tmpl:1:1")
        #expect(!finding.message.contains("256"))
    }

    @Test func aMisspeltSectionSuggestsTheRealOne() throws {
        let finding = try #require(Self.three.check([Self.literal("schedular", "parsing_processes", "2")]).first)
        #expect(finding.code == .unknownSection)
        #expect(finding.suggestion == "scheduler")
    }

    @Test func anOptionUnderTheWrongSectionNamesItsSection() throws {
        let finding = try #require(Self.three.check([Self.literal("core", "remote_logging", "True")]).first)
        #expect(finding.code == .unknownOption)
        #expect(finding.suggestion == "[logging] remote_logging")
    }

    @Test func anOptionOfTheOtherLineSaysSo() throws {
        let finding = try #require(Self.three.check([Self.literal("smtp", "smtp_password_typo", "x")]).first)
        #expect(finding.code == .unknownOption)
        let gone = try #require(Self.three.check([Self.secret("smtp", "smtp_password")]).first)
        #expect(gone.code == .unknownOption)
        #expect(gone.message.contains("It exists in Airflow 2.10.5"))
    }

    /// FACTS §6: each line's moves, with its replacement and version.
    @Test(arguments: [
        (3, "core", "sql_alchemy_conn", "[database] sql_alchemy_conn"),
        (3, "webserver", "secret_key", "[api] secret_key"),
        (3, "scheduler", "dag_dir_list_interval", "[dag_processor] refresh_interval"),
        (3, "webserver", "web_server_port", "[api] port"),
        (3, "workers", "execution_api_server_url", "[core] execution_api_server_url"),
        (2, "core", "sql_alchemy_conn", "[database] sql_alchemy_conn"),
        (2, "core", "base_log_folder", "[logging] base_log_folder"),
    ])
    func movedOptionsWarnWithTheirReplacement(_ major: Int, _ section: String, _ option: String, _ new: String) throws {
        let check = major == 3 ? Self.three : Self.two
        let findings = check.check([Self.secret(section, option)])
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.code == .movedOption)
        #expect(finding.severity == .warning)
        #expect(finding.suggestion == new)
        #expect(finding.message.contains(new))
    }

    @Test func movesDependOnTheLine() throws {
        // webserver.secret_key is the current name on 2.x, and the new one is unknown there.
        #expect(Self.two.check([Self.secret("webserver", "secret_key")]).isEmpty)
        #expect(Self.codes(Self.two.check([Self.secret("api", "secret_key")])) == [.unknownOption])
        #expect(Self.codes(Self.two.check([Self.literal("scheduler", "dag_dir_list_interval", "300")])).isEmpty)
        // On 3.x the moved [core] base_log_folder of 2.0 is no longer read at all.
        #expect(Self.codes(Self.three.check([Self.literal("core", "base_log_folder", "/x")])) == [.unknownOption])
    }

    @Test func aMovedOptionsValueIsCheckedAsItsReplacement() {
        let findings = Self.three.check([Self.literal("webserver", "web_server_worker_timeout", "eighty")])
        #expect(Self.codes(findings) == [.movedOption, .invalidInteger])
    }

    @Test func providerSectionsOutsideTheSchemaAreNotChecked() {
        #expect(Self.codes(Self.three.check([Self.literal("fab", "navbar_color", "#fff")])) == [.uncheckedSection])
    }

    @Test func deprecatedAndNewerOptionsWarn() {
        #expect(Self.codes(Self.three.check([Self.literal("metrics", "otel_host", "h")])) == [.deprecatedOption])
        // [core] mp_start_method is version_added 3.3.0 in core 3.3.2's config.yml; declared 3.1.
        #expect(
            Self.codes(Self.three.check([Self.literal("core", "mp_start_method", "spawn")])) == [.optionNotYetAvailable]
        )
        let newer = SettingsCheck(schema: .airflow3, declaredVersion: "3.3")
        #expect(newer.check([Self.literal("core", "mp_start_method", "spawn")]).isEmpty)
    }

    @Test func sensitiveOptionsFromLiteralTextWarn() throws {
        let finding = try #require(Self.three.check([Self.literal("api", "secret_key", "not-so-secret")]).first)
        #expect(finding.code == .sensitiveLiteral)
        #expect(finding.severity == .warning)
        #expect(!finding.message.contains("not-so-secret"))
        #expect(Self.three.check([Self.secret("api", "secret_key")]).isEmpty)
        let expression = CheckedSetting(
            section: "api",
            option: "secret_key",
            value: .expression("from-values"),
            label: "t:3:1"
        )
        #expect(Self.codes(Self.three.check([expression])) == [.sensitiveLiteral])
        let plain = CheckedSetting(section: "core", option: "parallelism", value: .expression("32"), label: "t:4:1")
        #expect(Self.three.check([plain]).isEmpty)
        #expect(Self.three.check([Self.literal("api", "secret_key", "")]).isEmpty)
        #expect(
            Self.codes(Self.three.check([Self.literal("celery", "broker_url", "redis://r:6379/0")])) == [
                .sensitiveLiteral
            ]
        )
    }

    @Test(
        arguments: [
            ("core", "lazy_load_plugins", "False", nil), ("core", "lazy_load_plugins", "yes", .invalidBoolean),
            ("core", "parallelism", "32", nil), ("core", "parallelism", "32.5", .invalidInteger),
            ("core", "parallelism", "32.0", nil),
            ("core", "killed_task_cleanup_time", "60", nil),
            ("scheduler", "parsing_cleanup_interval", "x", .invalidInteger),
            ("celery", "operation_timeout", "1.5", nil), ("celery", "operation_timeout", "1,5", .invalidFloat),
            ("logging", "logging_level", "INFO", nil), ("logging", "logging_level", "info", .invalidEnumeration),
            ("core", "executor", "CeleryExecutor", nil),
        ] as [(String, String, String, SettingsFinding.Code?)]
    )
    func typedValues(_ section: String, _ option: String, _ value: String, _ code: SettingsFinding.Code?) {
        let findings = Self.three.check([Self.literal(section, option, value)])
        #expect(Self.codes(findings) == (code.map { [$0] } ?? []))
        #expect(findings.allSatisfy { !$0.message.contains(value) || value == "INFO" })
    }

    /// A value from `values:` is known once rendered, offline too: it is typed and checked for expansion as a literal.
    @Test func aValueFromValuesIsCheckedLikeALiteral() {
        func expression(_ option: String, _ text: String, section: String = "core") -> CheckedSetting {
            CheckedSetting(section: section, option: option, value: .expression(text), label: "t:5:1")
        }
        #expect(Self.codes(Self.three.check([expression("parallelism", "many")])) == [.invalidInteger])
        #expect(Self.codes(Self.three.check([expression("lazy_load_plugins", "yes")])) == [.invalidBoolean])
        #expect(Self.codes(Self.three.check([expression("dags_folder", "$HOME/dags")])) == [.expandedValue])
        #expect(Self.three.check([expression("parallelism", "64"), expression("dags_folder", "/dags")]).isEmpty)
    }

    @Test func fernetKeysMustDecodeTo32Bytes() {
        let good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
        #expect(Self.three.check([Self.secret("core", "fernet_key", good)]).isEmpty)
        #expect(Self.three.check([Self.secret("core", "fernet_key", good + "," + good)]).isEmpty)
        let bad = Self.three.check([Self.secret("core", "fernet_key", "c2hvcnQ=")])
        #expect(Self.codes(bad) == [.invalidFernetKey])
        #expect(!bad[0].message.contains("c2hvcnQ="))
        #expect(Self.three.check([Self.secret("core", "fernet_key")]).isEmpty)
    }

    @Test(arguments: ["pa$word", "${HOME}/x", "~/dags", "~root"])
    func valuesAirflowWouldExpandAreErrors(_ value: String) throws {
        let findings = Self.three.check([Self.secret("database", "sql_alchemy_conn", value)])
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.code == .expandedValue)
        #expect(finding.severity == .error)
        #expect(finding.message.contains("[database] sql_alchemy_conn"))
        #expect(!finding.message.contains(value))
    }

    @Test(arguments: ["pa$-word", "$", "a~/b", "${}", "cost: 5$"])
    func valuesAirflowLeavesAloneAreFine(_ value: String) {
        #expect(Self.three.check([Self.secret("database", "sql_alchemy_conn", value)]).isEmpty)
    }

    @Test func commandVariantsOnlyForSensitiveOptions() throws {
        #expect(Self.three.check([Self.literal("core", "fernet_key_cmd", "cat /run/key")]).isEmpty)
        #expect(Self.three.check([Self.literal("database", "sql_alchemy_conn_secret", "db/conn")]).isEmpty)
        #expect(Self.three.check([Self.literal("webserver", "secret_key_cmd", "cat /k")]).isEmpty)
        let finding = try #require(Self.three.check([Self.literal("core", "parallelism_cmd", "echo 32")]).first)
        #expect(finding.code == .variantNotAllowed)
        #expect(finding.severity == .error)
        #expect(finding.suggestion == "[core] parallelism")
        #expect(Self.codes(Self.three.check([Self.literal("core", "dags_folder_secret", "p")])) == [.variantNotAllowed])
        #expect(Self.codes(Self.three.check([Self.literal("core", "nothing_cmd", "p")])) == [.unknownOption])
        // A real option whose name ends like a variant is just that option.
        #expect(Self.three.check([Self.secret("api_auth", "jwt_secret")]).isEmpty)
    }

    @Test func everySettingIsCheckedInOneRound() {
        let findings = Self.three.check([
            Self.literal("core", "paralelism", "1"), Self.literal("core", "lazy_load_plugins", "nope"),
            Self.secret("webserver", "secret_key"), Self.literal("core", "executor", "CeleryExecutor"),
        ])
        #expect(Self.codes(findings) == [.unknownOption, .invalidBoolean, .movedOption])
    }

    @Test func unsupportedVersionsHaveNoCheckAndAFinding() {
        #expect(SettingsCheck(airflowVersion: "1.10.15") == nil)
        #expect(SettingsCheck(airflowVersion: "3.1")?.schema.version == "3.3.2")
        let finding = SettingsCheck.unsupportedVersion("hunter2", label: "env.yaml:5:18")
        #expect(finding.code == .unsupportedAirflowVersion)
        #expect(!finding.message.contains("hunter2"))
    }
}
