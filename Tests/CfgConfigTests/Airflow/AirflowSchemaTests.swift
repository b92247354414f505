import Testing

@testable import CfgConfig

@Suite struct AirflowSchemaTests {
    @Test func versionsPickTheSchemaByMajor() throws {
        #expect(try #require(AirflowSchema.forVersion("3.1")).version == "3.3.2")
        #expect(try #require(AirflowSchema.forVersion("3")).version == "3.3.2")
        #expect(try #require(AirflowSchema.forVersion("2.10.4")).version == "2.10.5")
        #expect(AirflowSchema.forVersion("1.10") == nil)
        #expect(AirflowSchema.forVersion("latest") == nil)
        #expect(AirflowSchema.forVersion("") == nil)
    }

    /// The counts of the source files: 19 + 4 Celery sections and 306 + 45 options (2.10.5), 25 + 4 and 320 + 45
    /// (3.3.2); the deprecated_options lists hold 59 and 36 entries.
    @Test func theGeneratedDataHoldsEverySectionAndOption() {
        for (schema, sections, options, moves) in [
            (AirflowSchema.airflow2, 23, 351, 59), (AirflowSchema.airflow3, 29, 365, 36),
        ] {
            #expect(schema.sections.count == sections)
            #expect(schema.sections.values.map(\.count).reduce(0, +) == options)
            #expect(schema.moves.count == moves)
        }
        #expect(AirflowSchema.airflow2.major == 2)
        #expect(AirflowSchema.airflow3.major == 3)
    }

    @Test func typesComeFromConfigYmlAndEnumerationsFromAirflowsCode() throws {
        let schema = AirflowSchema.airflow3
        #expect(schema.option(AirflowOptionKey(section: "core", option: "parallelism"))?.type == .integer)
        #expect(
            schema.option(AirflowOptionKey(section: "core", option: "dags_are_paused_at_creation"))?.type == .string
        )
        // config.yml types some options Airflow reads with getboolean as strings; cfg follows config.yml.
        #expect(schema.option(AirflowOptionKey(section: "core", option: "lazy_load_plugins"))?.type == .boolean)
        #expect(schema.option(AirflowOptionKey(section: "core", option: "executor"))?.type == .string)
        let level = try #require(schema.option(AirflowOptionKey(section: "logging", option: "logging_level")))
        #expect(level.type == .enumeration(["CRITICAL", "FATAL", "ERROR", "WARN", "WARNING", "INFO", "DEBUG"]))
        #expect(schema.option(AirflowOptionKey(section: "CORE", option: "Parallelism")) != nil)
    }

    /// FACTS §6: the sensitive options of each line (and the Celery provider's), and their old names.
    @Test func sensitiveOptionsAllowCommandVariants() {
        let three = AirflowSchema.airflow3
        for name in [
            "core.fernet_key", "database.sql_alchemy_conn", "api.secret_key", "api_auth.jwt_secret",
            "celery.broker_url", "celery.result_backend", "celery.flower_basic_auth",
            "core.sql_alchemy_conn", "webserver.secret_key",
        ] {
            #expect(three.allowsCommandVariants(Self.key(name)), "\(name)")
        }
        #expect(!three.allowsCommandVariants(Self.key("core.parallelism")))
        #expect(!three.allowsCommandVariants(Self.key("smtp.smtp_password")))  // gone in 3.x
        #expect(AirflowSchema.airflow2.allowsCommandVariants(Self.key("smtp.smtp_password")))
        #expect(AirflowSchema.airflow2.allowsCommandVariants(Self.key("core.sql_alchemy_conn")))
        #expect(!AirflowSchema.airflow2.allowsCommandVariants(Self.key("api.secret_key")))
    }

    @Test func movesNameTheLastReplacementAndTheirVersion() throws {
        let three = AirflowSchema.airflow3
        let secret = try #require(three.moves[Self.key("webserver.secret_key")])
        #expect(secret.to == Self.key("api.secret_key"))
        #expect(secret.since == "3.0.2")
        #expect(
            three.moves[Self.key("scheduler.dag_dir_list_interval")]?.to == Self.key("dag_processor.refresh_interval")
        )
        #expect(three.moves[Self.key("webserver.access_logfile")]?.to == Self.key("api.log_config"))
        #expect(AirflowSchema.airflow2.moves[Self.key("core.sql_alchemy_conn")]?.since == "2.3.0")
        #expect(AirflowSchema.airflow2.moves[Self.key("webserver.secret_key")] == nil)
        #expect(three.uncheckedSections == ["fab"])
    }

    @Test func versionComparisonUsesTheDeclaredPrecision() {
        #expect(AirflowVersion.isLater("3.2.0", than: "3.1"))
        #expect(!AirflowVersion.isLater("3.1.7", than: "3.1"))
        #expect(!AirflowVersion.isLater("2.3.0", than: "3.1"))
        #expect(AirflowVersion.isLater("3.1.7", than: "3.1.3"))
        #expect(!AirflowVersion.isLater("3.0", than: "x"))
        #expect(AirflowVersion.shown("3.1") == "3.1")
        #expect(AirflowVersion.shown("s3cr3t") == "(as declared)")
    }

    @Test func variablesMapToOptions() {
        #expect(AirflowOptionKey(variable: "AIRFLOW__CORE__PARALLELISM") == Self.key("core.parallelism"))
        #expect(AirflowOptionKey(variable: "AIRFLOW__CORE__FERNET_KEY_CMD") == Self.key("core.fernet_key_cmd"))
        #expect(AirflowOptionKey(variable: "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL")?.section == "dag_processor")
        for other in ["AIRFLOW_CONN_X", "AIRFLOW__CORE", "AIRFLOW____X", "AIRFLOW__CORE__", "PATH"] {
            #expect(AirflowOptionKey(variable: other) == nil, "\(other)")
        }
    }

    /// The index finds what a plain reading of the generated text finds, line by line: every option with its type
    /// word's sensitivity and versions, every move, every section; and nothing for a name one letter off.
    @Test(arguments: [
        (AirflowSchema.airflow2, AirflowSchema.airflow2Data), (AirflowSchema.airflow3, AirflowSchema.airflow3Data),
    ])
    func theIndexFindsWhatAPlainReadingOfTheTextFinds(schema: AirflowSchema, text: String) throws {
        var section = ""
        var options = 0
        var moves = 0
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            if line.hasPrefix("[") {
                section = String(line.dropFirst().dropLast())
                #expect(schema.hasSection(section))
                #expect(!schema.hasSection(section + "x"))
                #expect(schema.option(AirflowOptionKey(section: section, option: "")) == nil)
            } else if words[0] == ">" {
                moves += 1
                let move = try #require(schema.move(from: Self.key(words[1])), "\(line)")
                #expect(move.to == Self.key(words[2]) && move.since == words[3])
                #expect(schema.move(from: Self.key(words[1] + "x")) == nil)
            } else if words[0] != "version" && words[0] != "?" {
                options += 1
                let option = try #require(
                    schema.option(AirflowOptionKey(section: section, option: words[0])),
                    "\(line)"
                )
                #expect(option.key == AirflowOptionKey(section: section, option: words[0]))
                #expect(option.isSensitive == words[1].hasSuffix("*"), "\(line)")
                #expect(option.versionAdded == words.first { $0.hasPrefix("+") }.map { String($0.dropFirst()) })
                #expect(option.versionDeprecated == words.first { $0.hasPrefix("!") }.map { String($0.dropFirst()) })
                #expect(schema.option(AirflowOptionKey(section: section, option: words[0] + "x")) == nil)
                #expect(schema.option(AirflowOptionKey(section: section, option: String(words[0].dropLast()))) == nil)
                #expect(schema.optionNames(in: section).contains(words[0]))
            }
        }
        #expect(schema.sections.values.map(\.count).reduce(0, +) == options)
        #expect(schema.moves.count == moves)
        #expect(schema.sectionNames == schema.sectionNames.sorted())
    }

    static func key(_ dotted: String) -> AirflowOptionKey {
        let parts = dotted.split(separator: ".", maxSplits: 1).map(String.init)
        return AirflowOptionKey(section: parts[0], option: parts.count > 1 ? parts[1] : "")
    }
}
