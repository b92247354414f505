import CfgConfig
import CfgHTTP
import CfgVault
import Testing

@testable import CfgEngine

/// The Vault half of the adapter: `backend:` and the `BAO_*`/`VAULT_*` variables to the Vault backend's settings.
@Suite struct BackendFactoryVaultTests {
    static func resolved(
        _ config: VaultBackendConfig = VaultBackendConfig(),
        _ processEnvironment: [String: String] = [:]
    ) throws(EngineError) -> (settings: VaultSettings, warnings: [String]) {
        try BackendFactory.vaultSettings(config, processEnvironment: processEnvironment) { "/project/" + $0 }
    }

    static func resolve(
        _ config: VaultBackendConfig = VaultBackendConfig(),
        _ processEnvironment: [String: String] = [:]
    ) throws(EngineError) -> VaultSettings {
        try resolved(config, processEnvironment).settings
    }

    @Test func defaultsWithoutFileOrVariables() throws {
        let (settings, warnings) = try Self.resolved()
        #expect(settings.address == "https://127.0.0.1:8200")
        #expect(settings.namespace == nil)
        #expect(settings.mount == "secret" && settings.kvVersion == 2)
        #expect(settings.http.tls.verify)
        #expect(settings.maxRetries == 2)
        #expect(settings.http.totalTimeout == .seconds(60))
        #expect(settings.auth == .token(.missing))
        #expect(warnings.isEmpty)
    }

    @Test func variablesOverrideTheFileAndBaoComesFirst() throws {
        let config = VaultBackendConfig(
            address: "https://vault.file:8200",
            namespace: "file-ns",
            tls: VaultTLSConfig(caCert: "ca.pem", serverName: "file.name")
        )
        let settings = try Self.resolve(
            config,
            [
                "VAULT_ADDR": "https://vault.env:8200/", "BAO_ADDR": "http://127.0.0.1:8300",
                "VAULT_NAMESPACE": "env-ns", "VAULT_CACERT": "/etc/ca.pem", "VAULT_TOKEN": "t",
            ]
        )
        #expect(settings.address == "http://127.0.0.1:8300")
        #expect(settings.namespace == "env-ns")
        #expect(settings.http.tls.caFile == "/etc/ca.pem")
        #expect(settings.http.tls.serverName == "file.name")
        #expect(settings.auth == .token(.variable("VAULT_TOKEN")))
    }

    @Test func anEmptyBaoVariableHidesTheVaultOne() throws {
        let settings = try Self.resolve(
            VaultBackendConfig(address: "https://file:8200"),
            ["BAO_ADDR": "", "VAULT_ADDR": "https://env:1"]
        )
        #expect(settings.address == "https://file:8200")
    }

    @Test func fileFieldsResolveAgainstTheProject() throws {
        let config = VaultBackendConfig(
            auth: .appRole(mount: "approle", roleID: .file("role"), secretID: .variable("SID")),
            tls: VaultTLSConfig(caCert: "ca.pem", clientCert: "c.pem", clientKey: "k.pem"),
            timeoutSeconds: 5,
            maxRetries: 0
        )
        let settings = try Self.resolve(config, ["HOME": "/home/u"])
        #expect(settings.http.tls.caFile == "/project/ca.pem")
        #expect(settings.http.tls.clientCertificate == "/project/c.pem")
        #expect(settings.auth == .appRole(mount: "approle", roleID: .file("/project/role"), secretID: .variable("SID")))
        #expect(settings.http.totalTimeout == .seconds(5))
        #expect(settings.maxRetries == 0)
    }

    @Test func tokenFallsBackToTheHomeTokenFile() throws {
        #expect(
            try Self.resolve(VaultBackendConfig(), ["HOME": "/home/u"]).auth
                == .token(.homeFile("/home/u/.vault-token"))
        )
        let explicit = try Self.resolve(VaultBackendConfig(auth: .token(file: "tok")), ["VAULT_TOKEN": "x"])
        #expect(explicit.auth == .token(.file("/project/tok")))
    }

    @Test func skipVerifyTurnsVerificationOffWithAWarning() throws {
        let (settings, warnings) = try Self.resolved(
            VaultBackendConfig(address: "https://v:1"),
            ["VAULT_SKIP_VERIFY": "true"]
        )
        #expect(!settings.http.tls.verify)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("VAULT_SKIP_VERIFY") == true)
        let off = try Self.resolve(
            VaultBackendConfig(tls: VaultTLSConfig(skipVerify: true)),
            ["VAULT_SKIP_VERIFY": "0"]
        )
        #expect(off.http.tls.verify)
    }

    @Test(arguments: [
        ("VAULT_ADDR", "vault.example:8200"),
        ("VAULT_ADDR", "https://vault.example:8200/v1/secret"),
        ("VAULT_ADDR", "unix:///tmp/vault.sock"),
        ("VAULT_SKIP_VERIFY", "yes"),
        ("VAULT_CLIENT_TIMEOUT", "soon"),
        ("VAULT_MAX_RETRIES", "99"),
        ("VAULT_CLIENT_CERT", "/c.pem"),
    ])
    func badVariableIsAnErrorNamingIt(name: String, value: String) throws {
        let error = #expect(throws: EngineError.self) { try Self.resolve(VaultBackendConfig(), [name: value]) }
        #expect(error?.code == .configuration)
        #expect(error?.description.contains(name) == true)
    }

    @Test func timeoutAcceptsSecondsOrADuration() throws {
        #expect(
            try Self.resolve(VaultBackendConfig(), ["VAULT_CLIENT_TIMEOUT": "15"]).http.totalTimeout == .seconds(15)
        )
        #expect(
            try Self.resolve(VaultBackendConfig(), ["VAULT_CLIENT_TIMEOUT": "2m"]).http.totalTimeout == .seconds(120)
        )
    }

    @Test func proxiesComeFromTheStandardVariables() throws {
        let settings = try Self.resolve(
            VaultBackendConfig(),
            ["HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "vault.internal"]
        )
        #expect(settings.http.proxy.https == "http://proxy:3128")
        #expect(settings.http.proxy.noProxy == "vault.internal")
    }

    @Test func aBadSettingReadsAsBefore() throws {
        let error = #expect(throws: EngineError.self) {
            try Self.resolve(VaultBackendConfig(), ["VAULT_MAX_RETRIES": "99"])
        }
        #expect(error?.description == "Vault setting VAULT_MAX_RETRIES must be a whole number from 0 to 10.")
    }

    @Test func everyAuthMethodMapsWithItsPathsResolved() throws {
        let jwt = try Self.resolve(
            VaultBackendConfig(auth: .jwt(method: "kubernetes", mount: "k8s", role: "airflow", tokenFile: "sa/token"))
        )
        #expect(jwt.auth == .jwt(mount: "k8s", role: "airflow", tokenFile: "/project/sa/token"))
        let aws = try Self.resolve(
            VaultBackendConfig(auth: .aws(mount: "aws", role: "r", region: "eu-west-1", serverID: "vault.example"))
        )
        #expect(aws.auth == .aws(mount: "aws", role: "r", region: "eu-west-1", serverID: "vault.example"))
        let literal = try Self.resolve(
            VaultBackendConfig(auth: .appRole(mount: "approle", roleID: .literal("role-id"), secretID: nil))
        )
        #expect(literal.auth == .appRole(mount: "approle", roleID: .literal("role-id"), secretID: nil))
    }
}
