import CfgAppliers
import CfgSecure
import CfgTestSupport
import Testing

@Suite struct RedisCredentialTests {
    @Test func readsTheUserAndThePassword() throws {
        let value = try SecureJSON.object([
            ("username", Secret(copying: "airflow")), ("auth_token", Secret(copying: "pw")),
        ])
        let credential = try RedisCredential(parsing: value, passwordKey: "auth_token", usernameKey: "username")
        #expect(credential.user == "airflow")
        #expect(credential.password == Secret(copying: "pw"))
    }

    @Test func aValueWithoutAUserNameIsTheDefaultUser() throws {
        let value = try SecureJSON.object([("auth_token", Secret(copying: "pw"))])
        #expect(
            try RedisCredential(parsing: value, passwordKey: "auth_token", usernameKey: "username").user == "default"
        )
        let named = try SecureJSON.object([("username", Secret(copying: "x")), ("auth_token", Secret(copying: "pw"))])
        #expect(try RedisCredential(parsing: named, passwordKey: "auth_token", usernameKey: nil).user == "default")
    }

    @Test(
        arguments: [
            "not json", "[\"auth_token\"]", "{}", "{\"auth_token\": 1}", "{\"auth_token\": \"\"}",
            "{\"auth_token\": \"p\", \"username\": \"a b\"}", "{\"auth_token\": \"p\", \"username\": \"\"}",
            "{\"auth_token\": \"p\", \"username\": 7}",
        ]
    )
    func refusesUnusableValues(json: String) {
        #expect(throws: RedisError(.invalidValue, "")) {
            try RedisCredential(parsing: Secret(copying: json), passwordKey: "auth_token", usernameKey: "username")
        }
    }

    @Test func errorsNameTheKeysNeverTheValue() {
        let canary = Canary.make()
        var descriptions: [String] = []
        for json in ["{\"password\": \"\(canary)\"}", "{\"auth_token\": \"p\", \"username\": \"\(canary)\"}", canary] {
            do {
                _ = try RedisCredential(
                    parsing: Secret(copying: json),
                    passwordKey: "auth_token",
                    usernameKey: "username"
                )
            } catch {
                descriptions.append(error.description)
            }
        }
        #expect(descriptions.count == 3)
        Canary.assertAbsent(canary, in: descriptions)
    }
}
