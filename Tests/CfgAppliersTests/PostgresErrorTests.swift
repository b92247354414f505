import CfgRotation
import CfgSecure
import Testing

@testable import CfgAppliers

/// The error type and the SQLSTATE parsing, without a server.
struct PostgresErrorTests {
    static let endpoint = PostgresEndpoint(host: "db", port: 5432, database: "airflow", sslMode: .verifyFull)

    @Test(arguments: [
        (PostgresError.Code.invalidValue, RotationMachine.TargetResult.rejected),
        (.authenticationFailed, .rejected),
        (.passwordNotChecked, .rejected),
        (.loginRefused, .rejected),
        (.statementFailed, .rejected),
        (.unreachable, .unreachable),
        (.connectTimeout, .unreachable),
        (.connectionLost, .unreachable),
    ])
    func eachCodeMapsToOneTargetResult(code: PostgresError.Code, result: RotationMachine.TargetResult) {
        let error = PostgresError(code, endpoint: Self.endpoint, sqlState: "28P01")
        #expect(error.targetResult == result)
        #expect(error.description.contains("db:5432/airflow"))
    }

    @Test(arguments: [
        ("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  28P01\n", "28P01"),
        ("FATAL:  3D000\n", "3D000"),
        ("FATAL:  28000", "28000"),
        ("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n", nil),
        ("FATAL:  password authentication failed for user \"x\"\n", nil),
        ("", nil),
    ])
    func theSQLStateIsReadFromASQLStateOnlyMessage(message: String, expected: String?) {
        #expect(message.withCString { PostgresStatement.sqlState(inMessage: $0) } == expected)
    }

    @Test func durationsBecomeMilliseconds() {
        #expect(PostgresLogin.milliseconds(.seconds(30)) == 30_000)
        #expect(PostgresLogin.milliseconds(.milliseconds(1500)) == 1500)
        #expect(PostgresLogin.milliseconds(.seconds(-1)) == -1000)
    }

    @Test func theLoginSetsEveryKeywordExplicitly() {
        var endpoint = Self.endpoint
        endpoint.sslRootCert = "/etc/ssl/ca.pem"
        let login = PostgresLogin(
            endpoint: endpoint,
            credential: PostgresCredential(username: "airflow", password: .init(copying: "x"))
        )
        let keywords = Dictionary(uniqueKeysWithValues: login.keywords())
        #expect(keywords["passfile"] == "/dev/null")
        #expect(keywords["sslmode"] == "verify-full")
        #expect(keywords["sslrootcert"] == "/etc/ssl/ca.pem")
        #expect(keywords["application_name"] == "cfg-rotate")
        #expect(keywords["options"] == "-c statement_timeout=30000")
        #expect(keywords["connect_timeout"] == "10")
        #expect(keywords["user"] == "airflow")
        #expect(keywords["password"] == nil)
    }

    @Test func descriptionsNameNoPassword() throws {
        let credential = PostgresCredential(username: "airflow", password: .init(copying: "hunter2"))
        #expect(!credential.description.contains("hunter2"))
        let strategy = PostgresTarget.Strategy.alternate(admin: .init(copying: "hunter2"), group: "app")
        #expect(!String(describing: strategy).contains("hunter2"))
    }
}
