import CfgRender
import CfgTemplate
import Testing

struct SettingsParserTests {
    @Test func readsSectionsKeysAndVariables() throws {
        let text = TemplateBuilder.literal(
            """
            # a comment
            ; another comment

            [core]
            executor = CeleryExecutor
            Parallelism=32
            [Celery_Broker_Transport_Options.x]
            visibility_timeout = 21600
            [env]
            AIRFLOW_CONN_METADATA = postgres://h/db
            _AIRFLOW_WWW_USER_PASSWORD = x
            """
        )
        let settings = try SettingsParser.parse(text)
        #expect(
            settings.map(\.variable) == [
                "AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__PARALLELISM",
                "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS_X__VISIBILITY_TIMEOUT",
                "AIRFLOW_CONN_METADATA", "_AIRFLOW_WWW_USER_PASSWORD",
            ]
        )
        #expect(settings.map(\.section) == ["core", "core", "celery_broker_transport_options.x", nil, nil])
        #expect(settings[1].key == "parallelism")
        #expect(settings[1].value.text == "32")
        #expect(settings[3].key == "AIRFLOW_CONN_METADATA")
        #expect(settings[3].value.text == "postgres://h/db")
        #expect(settings[0].position == SourcePosition(file: "templates/airflow.cfg", line: 5, column: 1))
    }

    @Test func trimsOnlyLiteralWhitespaceAroundTheValue() throws {
        var builder = TemplateBuilder()
        builder.literal("[core]\nkey   =   ")
        builder.expression("values.padded", value: "  padded  ")
        builder.literal("  \nother = \t a b \t \n")
        let settings = try SettingsParser.parse(builder.text)
        #expect(settings[0].value.text == "  padded  ")
        #expect(settings[0].value.segments.count == 1)
        #expect(settings[1].value.text == "a b")
        #expect(settings[1].value.segments.first?.position.column == 11)
    }

    @Test func secretValueWithStructureCharactersDoesNotBreakTheStructure() throws {
        var builder = TemplateBuilder()
        builder.literal("[database]\nsql_alchemy_conn = ")
        builder.expression(
            "secrets.db.password",
            value: "x\n[env]\nEVIL = 1\n# c = d",
            secret: true,
            origin: SecretOrigin(secret: "db", key: "password")
        )
        builder.literal("\n[core]\nexecutor = ")
        builder.expression("values.executor", value: "a = b # c")
        builder.literal("\n")
        let settings = try SettingsParser.parse(builder.text)
        #expect(settings.map(\.variable) == ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__EXECUTOR"])
        #expect(settings[0].value.soleOrigin == SecretOrigin(secret: "db", key: "password"))
        #expect(settings[0].value.containsSecret)
        #expect(settings[1].value.text == "a = b # c")
    }

    @Test func keyMayComeFromANonSecretExpression() throws {
        var builder = TemplateBuilder()
        builder.literal("[env]\nAIRFLOW_VAR_")
        builder.expression("values.name", value: "REGION")
        builder.literal(" = eu-west-1\n")
        let settings = try SettingsParser.parse(builder.text)
        #expect(settings.map(\.variable) == ["AIRFLOW_VAR_REGION"])
    }

    @Test func acceptsWindowsLineEndings() throws {
        let settings = try SettingsParser.parse(TemplateBuilder.literal("[core]\r\na = 1\r\nb = 2\r\n"))
        #expect(settings.map(\.value.text) == ["1", "2"])
    }

    @Test func reportsEveryProblemWithLineAndColumn() {
        var builder = TemplateBuilder()
        builder.literal("orphan = 1\n[core]\n  no equals here\n[bad name]\nx = 1\n[core]\nbad-key = 1\n")
        builder.expression("secrets.k", value: Canary.secret, secret: true)
        builder.literal(" = 2\na = 1\nA = 2\n[env]\n1BAD = 3\n")
        #expect {
            try SettingsParser.parse(builder.text)
        } throws: { error in
            guard let errors = error as? RenderErrors else { return false }
            let expected: [(RenderError.Code, Int, Int)] = [
                (.invalidSetting, 1, 1), (.invalidSetting, 3, 3), (.invalidSetting, 4, 1),
                (.invalidSetting, 7, 1), (.invalidSetting, 8, 1), (.duplicateKey, 10, 1), (.invalidSetting, 12, 1),
            ]
            #expect(errors.errors.count == expected.count)
            for (error, (code, line, column)) in zip(errors.errors, expected) {
                #expect(error.code == code)
                #expect(error.position?.line == line)
                #expect(error.position?.column == column)
            }
            #expect(
                errors.description.contains("templates/airflow.cfg:10:1: AIRFLOW__CORE__A is already set at line 9")
            )
            #expect(errors.description.contains("orphan"))
            #expect(!errors.description.contains(Canary.secret))
            return true
        }
    }

    @Test func sectionHeaderMustBeLiteral() {
        var builder = TemplateBuilder()
        builder.literal("[")
        builder.expression("values.section", value: "core")
        builder.literal("]\n")
        #expect(throws: RenderErrors.self) { try SettingsParser.parse(builder.text) }
    }

    @Test func sameVariableThroughDifferentSpellingsIsADuplicate() {
        let text = TemplateBuilder.literal("[a.b]\nc = 1\n[a_b]\nc = 2\n")
        #expect {
            try SettingsParser.parse(text)
        } throws: { error in
            (error as? RenderErrors)?.codes == [.duplicateKey]
        }
    }

    @Test func valueSegmentsKeepTheirWhitespaceAndEmptyValueIsAllowed() throws {
        let settings = try SettingsParser.parse(TemplateBuilder.literal("[core]\nempty =\nspaces =    \n"))
        #expect(settings.map(\.value.text) == ["", ""])
        #expect(settings[0].value.segments.isEmpty)
    }
}
