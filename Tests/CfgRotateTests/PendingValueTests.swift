import CfgConfig
import CfgRotate
import CfgRotation
import CfgSecure
import Foundation
import Testing

@testable import CfgRotate

/// The pending value: a key replaced in place, the others byte for byte; alternate roles switch; no value in errors.
struct PendingValueTests {
    static let position = ConfigPosition(file: "test.yaml", line: 1, column: 1)

    static func planned(
        key: String?,
        generator: GeneratorSpec = .password(PasswordPolicy()),
        apply: RotationApply = .none,
        prefix: String = ""
    ) -> PlannedRotation {
        let generation: SecretGeneration? =
            key.map { .keys([KeyGeneration(key: $0, source: .generate(generator), prefix: prefix)]) }
        let declaration = SecretDeclaration(
            name: "db",
            path: "airflow/test/db",
            version: nil,
            dynamic: false,
            generation: generation,
            position: position
        )
        let policy = RotationPolicy(
            secret: "db",
            key: key,
            generator: generator,
            every: 86_400,
            keep: 2,
            apply: apply,
            position: position
        )
        return PlannedRotation(
            policy: policy,
            declaration: declaration,
            machinePolicy: RotationPlanner.machinePolicy(for: policy, refresh: 300)
        )
    }

    static func object(_ secret: Secret) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data((secret.stringValue() ?? "").utf8)) as? [String: Any] ?? [:]
    }

    @Test func onlyTheKeyChangesAndTheOtherMembersKeepTheirBytes() throws {
        let current = Secret(copying: #"{"host":"db.internal","port":5432,"password":"old","extra":{"a":[1,2.50]}}"#)
        let next = try PendingValue.generator(for: Self.planned(key: "password"))(current)
        let text = next.stringValue() ?? ""
        #expect(text.hasPrefix(#"{"host":"db.internal","port":5432,"password":""#))
        #expect(text.hasSuffix(#"","extra":{"a":[1,2.50]}}"#))
        let password = try Self.object(next)["password"] as? String
        #expect(password != "old" && password?.count == 32)
    }

    @Test func aMissingKeyIsAddedAndThePrefixKept() throws {
        let planned = Self.planned(key: "basic_auth", prefix: "flower:")
        let next = try PendingValue.generator(for: planned)(Secret(copying: #"{"port":5555}"#))
        let auth = try Self.object(next)["basic_auth"] as? String
        #expect(auth?.hasPrefix("flower:") == true && auth?.count == 39)
    }

    @Test func alternateSwitchesTheUsernameBothWays() throws {
        let apply = RotationApply.postgres(PostgresApply(strategy: .alternate, roles: ["blue", "green"], admin: "a"))
        let generate = PendingValue.generator(for: Self.planned(key: "password", apply: apply))
        let green = try generate(Secret(copying: #"{"username":"blue","password":"x"}"#))
        #expect(try Self.object(green)["username"] as? String == "green")
        let blue = try generate(green)
        #expect(try Self.object(blue)["username"] as? String == "blue")
    }

    @Test func aValueThatIsNotAnObjectFailsWithoutShowingIt() throws {
        let canary = "CANARY-not-json-\(UUID().uuidString)"
        do {
            _ = try PendingValue.generator(for: Self.planned(key: "password"))(Secret(copying: canary))
            Issue.record("expected an error")
        } catch {
            #expect(!String(describing: error).contains(canary))
            #expect(String(describing: error).contains("not a JSON object"))
        }
    }

    @Test func overlapsFollowTheApplier() {
        #expect(Self.planned(key: "p").machinePolicy.overlap == nil)
        #expect(Self.planned(key: "p", apply: .redis(RedisApply())).machinePolicy.overlap == .seconds(3_600))
        #expect(RotationPlanner.defaultOverlap(refresh: 3_600) == 7_200)
        let hooks = RotationApply.command(CommandApply(apply: ["a"], retire: ["r"]))
        #expect(Self.planned(key: "p", apply: hooks).machinePolicy.overlap == .seconds(3_600))
        #expect(!Self.planned(key: "p").machinePolicy.appliesToTarget)
    }
}
