import Testing

@testable import CfgConfig

/// IntegrationTests/test_airflow_connections.py shows Airflow refusing or never finding what these findings name.
struct AirflowVariableCheckTests {
    private func codes(_ variable: String, _ literal: String?) -> [SettingsFinding.Code] {
        AirflowVariableCheck.check(variable: variable, literal: literal, label: "t.tmpl:3:1").map(\.code)
    }

    @Test(arguments: [
        ("AIRFLOW_CONN_smtp_default", "AIRFLOW_CONN_SMTP_DEFAULT", SettingsFinding.Code.connectionNameNotUpperCase),
        ("AIRFLOW_CONN__team___Id", "AIRFLOW_CONN__TEAM___ID", .connectionNameNotUpperCase),
        ("AIRFLOW_VAR_alert_Email", "AIRFLOW_VAR_ALERT_EMAIL", .variableNameNotUpperCase),
    ])
    func aNameWithALowerCaseLetterIsAnErrorWithTheUpperCaseName(
        variable: String,
        upper: String,
        code: SettingsFinding.Code
    )
        throws
    {
        let findings = AirflowVariableCheck.check(variable: variable, literal: nil, label: "t.tmpl:3:1")
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.code == code && finding.severity == .error)
        #expect(finding.suggestion == upper)
        #expect(finding.message.contains("write \(upper)."))
        #expect(finding.label == "t.tmpl:3:1")
    }

    @Test(arguments: [
        "AIRFLOW_CONN_SMTP_DEFAULT", "AIRFLOW_VAR_X", "AIRFLOW__CORE__PARALLELISM", "MY_conn", "airflow_conn_x",
        "AIRFLOW_CONN_X1_2",
    ])
    func otherNamesAndUpperCaseNamesAreFine(variable: String) {
        #expect(codes(variable, nil).isEmpty)
    }

    @Test(arguments: [
        ("http://a://b://c", [SettingsFinding.Code.invalidConnectionURI]),
        ("http://us@er://host", [.invalidConnectionURI]),
        ("http://u:p@https://host", [.invalidConnectionURI]),
        (" {\"conn_type\": ", [.invalidConnectionJSON]),
        ("{\"conn_type\": \"x\"} trailing", [.invalidConnectionJSON]),
        (
            "{\"conn_type\": \"x\", \"hots\": \"h\", \"pasword\": \"p\"}",
            [.invalidConnectionJSON, .invalidConnectionJSON]
        ),
        ("http://https://host:443/x?a=b", []),
        ("smtp://u%40x:p%3A%2F@smtp.example.com:587", []),
        ("{\"conn_type\": \"x\", \"port\": 5, \"extra\": {\"k\": [1, {\"n\": null}]}}", []),
        ("[1, 2]", []),
    ])
    func literalConnectionsAreReadAsAirflowReadsThem(value: String, expected: [SettingsFinding.Code]) {
        #expect(codes("AIRFLOW_CONN_X", value) == expected)
        // Variables and values from expressions are not connections to parse.
        #expect(codes("AIRFLOW_VAR_X", value).isEmpty)
        #expect(codes("AIRFLOW_CONN_X", nil).isEmpty)
    }

    @Test func anUnknownJSONFieldSuggestsTheClosestOne() throws {
        let finding = try #require(
            AirflowVariableCheck.check(
                variable: "AIRFLOW_CONN_X",
                literal: #"{"conn_type": "x", "pasword": "CANARY-s3cr3t"}"#,
                label: "t"
            ).first
        )
        #expect(finding.suggestion == "password")
        #expect(finding.message.contains("did you mean 'password'?"))
        #expect(!finding.message.contains("CANARY"))
    }

    @Test func messagesNeverHoldTheValue() {
        let canary = "CANARY-s3cr3t"
        let values = [
            "http://\(canary)://b://c", "{\"conn_type\": \"\(canary)", "{\"\(canary)\": 1}", "h://\(canary)@://x",
        ]
        for value in values {
            let findings = AirflowVariableCheck.check(variable: "AIRFLOW_CONN_x", literal: value, label: "t")
            #expect(findings.count == 2)
            #expect(findings.allSatisfy { !$0.description.contains(canary) })
        }
    }
}
