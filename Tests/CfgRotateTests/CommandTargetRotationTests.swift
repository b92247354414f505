import CfgBackend
import CfgLocal
import CfgProcess
import CfgRotation
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgRotate

/// Whole rotations through `RotationRunner` over a local store, with a fake target made of hooks
/// (``HookScript/target``): the target's credential lives in a scratch file the hooks read and replace.
struct CommandTargetRotationTests {
    static let path = SecretPath("airflow/test/admin_password")
    static let policy = RotationMachine.Policy(
        every: .seconds(86_400),
        appliesToTarget: true,
        maxAttempts: 2,
        retryDelay: .milliseconds(10)
    )

    /// A local store holding `initial` as the secret's current version, and the fake target holding `initial` too.
    static func store(in directory: String, initial: String) async throws -> LocalBackend {
        let storePath = directory + "/test.store"
        let key = SecureRandom.secret(count: 32)
        try LocalBackend.create(storePath: storePath, key: key, environmentName: "test")
        let backend = LocalBackend(storePath: storePath, key: key, environmentName: "test")
        _ = try await backend.store(Secret(copying: initial), at: path, labels: [.current], expectedCurrent: "")
        try Data(initial.utf8).write(to: URL(fileURLWithPath: directory + "/target"))
        return backend
    }

    static func runner(_ backend: LocalBackend, target: CommandTarget, value: String) -> RotationRunner {
        RotationRunner(
            backend: backend,
            path: path,
            policy: policy,
            target: target,
            generate: { _ in Secret(copying: value) },
            sleep: { _ in }
        )
    }

    /// The fake target's commands: apply always, test when `withTest`.
    static func target(_ directory: String, withTest: Bool) -> CommandTarget {
        let command = HookScript.command(HookScript.target, [directory])
        return CommandTarget(secret: path.description, apply: command, test: withTest ? command : nil)
    }

    @Test(arguments: [true, false])
    func rotationAppliesTheNewValueThroughTheHooks(withTest: Bool) async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let backend = try await Self.store(in: directory, initial: "old-value")
            let report = await Self.runner(backend, target: Self.target(directory, withTest: withTest), value: canary)
                .run(.now)
            #expect(report.outcome == .rotated(versionID: "2"))
            #expect(HookScript.read(directory, "target") == canary)
            let current = try await backend.fetch(SecretRequest(path: Self.path, version: .label(.current))).payload
            #expect(current == Secret(copying: canary))
            // With a test command: the pending value is tried (refused), then the current one, then applied and
            // tested. Without: the apply command alone.
            let log = HookScript.read(directory, "log")
            #expect(log == (withTest ? "test\ntest\napply\ntest\n" : "apply\n"))
            Canary.assertAbsent(canary, in: [report.description, String(describing: report.outcome)] + report.actions)
        }
    }

    /// A target that refuses the change (the apply hook exits 1): the pending value is dropped, and the target and
    /// the store keep the old value.
    @Test func refusedChangeIsRolledBack() async throws {
        try await TemporaryDirectory.with { directory in
            let backend = try await Self.store(in: directory, initial: "old-value")
            // The fake target holds something else: apply's `current` never matches, so it refuses.
            try Data("changed-elsewhere".utf8).write(to: URL(fileURLWithPath: directory + "/target"))
            let command = HookScript.command(HookScript.target, [directory])
            let target = CommandTarget(secret: Self.path.description, apply: command)
            let report = await Self.runner(backend, target: target, value: "new-value").run(.now)
            #expect(report.outcome == .rolledBack(.targetRejected(attempts: 2)))
            #expect(HookScript.read(directory, "target") == "changed-elsewhere")
            #expect(HookScript.read(directory, "log") == "apply\napply\n")
        }
    }
}
