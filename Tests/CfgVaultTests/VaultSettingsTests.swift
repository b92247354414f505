import CfgBackend
import CfgConfig
import CfgHTTP
import Testing

@testable import CfgVault

@Suite struct VaultSettingsTests {
    static func resolve(
        _ config: VaultBackendConfig = VaultBackendConfig(),
        _ environment: [String: String] = [:]
    ) throws(BackendError) -> VaultSettings {
        try VaultSettings.resolve(config: config, environment: environment) { "/project/" + $0 }
    }

    @Test func defaultsWithoutFileOrVariables() throws {
        let settings = try Self.resolve()
        #expect(settings.address == "https://127.0.0.1:8200")
        #expect(settings.namespace == nil)
        #expect(settings.mount == "secret" && settings.kvVersion == 2)
        #expect(settings.http.tls.verify)
        #expect(settings.maxRetries == 2)
        #expect(settings.http.totalTimeout == .seconds(60))
        #expect(settings.auth == .token(.missing))
        #expect(settings.warnings.isEmpty)
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
        let settings = try Self.resolve(VaultBackendConfig(address: "https://v:1"), ["VAULT_SKIP_VERIFY": "true"])
        #expect(!settings.http.tls.verify)
        #expect(settings.warnings.count == 1)
        #expect(settings.warnings.first?.contains("VAULT_SKIP_VERIFY") == true)
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
        let error = #expect(throws: BackendError.self) { try Self.resolve(VaultBackendConfig(), [name: value]) }
        #expect(error?.code == .invalidRequest)
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
}
