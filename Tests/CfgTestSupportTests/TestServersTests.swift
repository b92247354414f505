import CfgTestSupport
import Foundation
import Testing

/// The shared servers' variables, and the shared servers themselves when `make test` started them.
struct TestServersTests {
    private let vaultVariables = [
        "CFG_TEST_VAULT_ADDR": "http://127.0.0.1:8200",
        "CFG_TEST_VAULT_TOKEN": "cfg-test-token",
    ]
    private let postgresVariables = [
        "CFG_TEST_PG_HOST": "127.0.0.1",
        "CFG_TEST_PG_PORT": "5432",
        "CFG_TEST_PG_USER": "cfgadmin",
        "CFG_TEST_PG_PASSWORD": "cfg-test-password",
        "CFG_TEST_PG_DATABASE": "airflow",
        "CFG_TEST_PG_BIN": "/usr/lib/postgresql/15/bin",
    ]

    @Test func serversAreAbsentWhenUnsetAndNotRequired() throws {
        #expect(try TestServers.vault(processEnvironment: [:]) == nil)
        #expect(try TestServers.postgres(processEnvironment: [:]) == nil)
    }

    @Test func vaultComesFromItsVariables() throws {
        let vault = try #require(try TestServers.vault(processEnvironment: vaultVariables))
        #expect(vault.address == "http://127.0.0.1:8200")
        #expect(vault.token == "cfg-test-token")
        #expect(!"\(vault)".contains("cfg-test-token"))
    }

    @Test func postgresComesFromItsVariables() throws {
        let postgres = try #require(try TestServers.postgres(processEnvironment: postgresVariables))
        #expect(postgres.host == "127.0.0.1")
        #expect(postgres.port == 5432)
        #expect(postgres.user == "cfgadmin")
        #expect(postgres.password == "cfg-test-password")
        #expect(postgres.database == "airflow")
        #expect(postgres.binDirectory == "/usr/lib/postgresql/15/bin")
        #expect(!"\(postgres)".contains("cfg-test-password"))
    }

    @Test(arguments: ["CFG_TEST_VAULT_ADDR", "CFG_TEST_VAULT_TOKEN"])
    func requiredVaultNamesTheMissingVariable(missing: String) throws {
        var processEnvironment = vaultVariables
        processEnvironment[missing] = nil
        processEnvironment["CFG_REQUIRE_SERVERS"] = "1"
        let error = #expect(throws: TestServerError(.missingVariable)) {
            try TestServers.vault(processEnvironment: processEnvironment)
        }
        #expect(error?.variable == missing)
        #expect(error?.description.contains(missing) == true)
        #expect(error?.description.contains("make test") == true)
        #expect(error?.description.contains("make servers-start") == true)
    }

    @Test func requiredPostgresFailsWhenNothingIsSet() throws {
        let error = #expect(throws: TestServerError(.missingVariable)) {
            try TestServers.postgres(processEnvironment: ["CFG_REQUIRE_SERVERS": "1"])
        }
        #expect(error?.variable == "CFG_TEST_PG_HOST")
    }

    @Test func partlySetVariablesAreAnErrorEvenWhenNotRequired() throws {
        let error = #expect(throws: TestServerError(.missingVariable)) {
            try TestServers.vault(processEnvironment: ["CFG_TEST_VAULT_ADDR": "http://127.0.0.1:8200"])
        }
        #expect(error?.variable == "CFG_TEST_VAULT_TOKEN")
    }

    @Test func malformedValuesAreRejected() throws {
        var processEnvironment = postgresVariables
        processEnvironment["CFG_TEST_PG_PORT"] = "fifty"
        #expect(throws: TestServerError(.invalidVariable)) {
            try TestServers.postgres(processEnvironment: processEnvironment)
        }
        var vault = vaultVariables
        vault["CFG_TEST_VAULT_ADDR"] = "127.0.0.1:8200"
        #expect(throws: TestServerError(.invalidVariable)) { try TestServers.vault(processEnvironment: vault) }
    }

    @Test func errorDescriptionsNeverHoldTheToken() throws {
        var processEnvironment = vaultVariables
        processEnvironment["CFG_TEST_VAULT_ADDR"] = "ftp://x"
        let error = #expect(throws: TestServerError(.invalidVariable)) {
            try TestServers.vault(processEnvironment: processEnvironment)
        }
        #expect(error?.description.contains("cfg-test-token") == false)
    }

    @Test func requiredFollowsTheVariable() {
        #expect(TestServers.required == (ProcessInfo.processInfo.environment["CFG_REQUIRE_SERVERS"] == "1"))
    }

    @Test func freePortIsBindableOnLoopback() throws {
        let port = try TestServers.freePort(consecutive: 2)
        #expect((1024...65534).contains(port))
    }

    @Test func sharedOpenBaoAnswersWithItsToken() throws {
        let vault = try TestServers.skipUnlessAvailable(try TestServers.vault(), "the shared OpenBao server")
        let output = try run(
            [
                "curl", "-q", "--silent", "--noproxy", "*", "--max-time", "10", "--header", "@-",
                "--write-out", "%{http_code}", "--output", "/dev/null", vault.address + "/v1/auth/token/lookup-self",
            ],
            input: "X-Vault-Token: \(vault.token)\n"
        )
        #expect(output == "200")
    }

    @Test func sharedPostgresAcceptsItsPassword() throws {
        let postgres = try TestServers.skipUnlessAvailable(try TestServers.postgres(), "the shared PostgreSQL server")
        let output = try run(
            [
                "\(postgres.binDirectory)/psql", "--no-psqlrc", "--tuples-only", "--no-align",
                "--host", postgres.host, "--port", "\(postgres.port)", "--username", postgres.user,
                "--dbname", postgres.database, "--command", "SELECT current_database()",
            ],
            environment: ["PGPASSWORD": postgres.password]
        )
        #expect(output == "airflow")
    }

    /// Runs a command, feeding `input` to its standard input, and returns its trimmed standard output.
    private func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"].merging(environment) { $1 }
        let standardInput = Pipe()
        let standardOutput = Pipe()
        process.standardInput = standardInput
        process.standardOutput = standardOutput
        try process.run()
        standardInput.fileHandleForWriting.write(Data(input.utf8))
        try standardInput.fileHandleForWriting.close()
        let data = standardOutput.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
