import CfgBackend
import CfgSecure
import CfgTestSupport
import Foundation
import Testing

@testable import CfgAWS

/// Check-and-set writes against moto's Secrets Manager: atomic under concurrency, and still live after a pending
/// version was dropped or `AWSCURRENT` was moved back.
@Suite struct AWSCheckAndSetTests {
    /// Rounds of ``concurrentWritersExpectingTheSameVersionNeverBothSucceed()``, and writers a round.
    static let rounds = 25
    static let writers = 4

    /// What one writer's check-and-set came to.
    enum Outcome: Sendable, Equatable {
        case stored(versionID: String, payload: String)
        case failed(BackendError.Code)
    }

    /// `writers` backends (one transport each, as separate processes) write different values on the same expected
    /// version at once; returns each writer's outcome.
    static func race(
        _ backends: [AWSBackend],
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String,
        round: Int
    ) async -> [Outcome] {
        await withTaskGroup(of: Outcome.self) { group in
            for (index, backend) in backends.enumerated() {
                group.addTask {
                    await write(
                        "round \(round) writer \(index)",
                        with: backend,
                        at: path,
                        labels: labels,
                        expectedCurrent: expectedCurrent
                    )
                }
            }
            var outcomes: [Outcome] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
    }

    /// One check-and-set write as an ``Outcome`` (a function of its own: a typed-throws `do` inside a child task's
    /// closure is what `SecretBackend.fetch(_:)` warns against).
    static func write(
        _ payload: String,
        with backend: AWSBackend,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String
    ) async -> Outcome {
        do {
            let id = try await backend.store(
                Secret(copying: payload),
                at: path,
                labels: labels,
                expectedCurrent: expectedCurrent
            )
            return .stored(versionID: id, payload: payload)
        } catch {
            return .failed(error.code)
        }
    }

    @Test func concurrentWritersExpectingTheSameVersionNeverBothSucceed() async throws {
        var backends: [AWSBackend] = []
        for _ in 0..<Self.writers { backends.append(try AWSFixture.backend().backend) }
        let path = SecretPath(AWSFixture.unique("cfg-cas-race"))
        var current = try await backends[0].store(
            Secret(copying: "initial"),
            at: path,
            labels: [.current],
            expectedCurrent: ""
        )
        var failedRounds: [String] = []
        for round in 1...Self.rounds {
            let outcomes = await Self.race(
                backends,
                at: path,
                labels: [.current],
                expectedCurrent: current,
                round: round
            )
            let stored = outcomes.compactMap { outcome -> (versionID: String, payload: String)? in
                if case .stored(let versionID, let payload) = outcome { return (versionID, payload) }
                return nil
            }
            let conflicts = outcomes.filter { $0 == .failed(.conflict) }.count
            guard stored.count == 1, conflicts == Self.writers - 1, let winner = stored.first else {
                failedRounds.append("round \(round): \(outcomes)")
                break
            }
            let read = try await backends[0].fetch(SecretRequest(path: path))
            if read.versionID != winner.versionID || read.payload.stringValue() != winner.payload {
                failedRounds.append("round \(round): current is not the winner's write")
            }
            current = winner.versionID
        }
        for backend in backends { await backend.close() }
        #expect(failedRounds.isEmpty, "\(Self.writers) writers a round: \(failedRounds)")
    }

    @Test func aStaleExpectedVersionConflictsWithoutWriting() async throws {
        let (backend, transport) = try AWSFixture.backend()
        let path = SecretPath(AWSFixture.unique("cfg-cas-stale"))
        let first = try await backend.store(Secret(copying: "one"), at: path, labels: [.current], expectedCurrent: "")
        _ = try await backend.store(Secret(copying: "two"), at: path, labels: [.current], expectedCurrent: first)
        let before = transport.operations.count
        await #expect(throws: BackendError(.conflict, backend: "aws", message: "")) {
            try await backend.store(Secret(copying: "three"), at: path, labels: [.current], expectedCurrent: first)
        }
        #expect(Array(transport.operations.dropFirst(before)) == ["DescribeSecret"])
        await backend.close()
    }

    @Test func theTokenIsDerivedFromTheSecretAndTheExpectedVersion() throws {
        let token = AWSBackend.checkAndSetToken(secret: "arn:s", expectedCurrent: "v1", generation: 0)
        #expect(token == AWSBackend.checkAndSetToken(secret: "arn:s", expectedCurrent: "v1", generation: 0))
        #expect(token != AWSBackend.checkAndSetToken(secret: "arn:s", expectedCurrent: "v2", generation: 0))
        #expect(token != AWSBackend.checkAndSetToken(secret: "arn:t", expectedCurrent: "v1", generation: 0))
        #expect(token != AWSBackend.checkAndSetToken(secret: "arn:s", expectedCurrent: "v1", generation: 1))
        // UUID-shaped (version 8, RFC variant), within the API's 32 to 64 characters.
        let groups = token.split(separator: "-").map(\.count)
        #expect(groups == [8, 4, 4, 4, 12])
        #expect(Array(token)[14] == "8")
        #expect("89ab".contains(Array(token)[19]))
        #expect(token == token.lowercased())
    }

    @Test func aWriteAfterADroppedPendingVersionOnTheSameCurrentSucceeds() async throws {
        let (backend, _) = try AWSFixture.backend()
        let path = SecretPath(AWSFixture.unique("cfg-cas-dropped"))
        let current = try await backend.store(Secret(copying: "one"), at: path, labels: [.current], expectedCurrent: "")
        let dropped = try await backend.store(
            Secret(copying: "pending-1"),
            at: path,
            labels: [.pending],
            expectedCurrent: current
        )
        try await backend.removeLabel(.pending, at: path)
        // The first token on `current` is taken by the dropped version: the next generation is used.
        let pending = try await backend.store(
            Secret(copying: "pending-2"),
            at: path,
            labels: [.pending],
            expectedCurrent: current
        )
        #expect(pending != dropped)
        let metadata = try await backend.fetchMetadata(path)
        #expect(metadata.version(labelled: .pending)?.versionID == pending)
        #expect(metadata.version(labelled: .current)?.versionID == current)
        let read = try await backend.fetch(SecretRequest(path: path, version: .id(pending)))
        #expect(read.payload == Secret(copying: "pending-2"))
        await backend.close()
    }

    @Test func aWriteOfTheSameBytesAfterCurrentMovedBackMakesANewVersion() async throws {
        let (backend, _) = try AWSFixture.backend()
        let path = SecretPath(AWSFixture.unique("cfg-cas-back"))
        let first = try await backend.store(Secret(copying: "one"), at: path, labels: [.current], expectedCurrent: "")
        let second = try await backend.store(
            Secret(copying: "two"),
            at: path,
            labels: [.current],
            expectedCurrent: first
        )
        try await backend.moveLabel(.current, to: first, at: path)
        // Same expected version, same bytes: the first token names `second`, whose answer lacks AWSCURRENT.
        let third = try await backend.store(
            Secret(copying: "two"),
            at: path,
            labels: [.current],
            expectedCurrent: first
        )
        #expect(third != second)
        // Read by id: after a stage move, moto attaches AWSCURRENT to a new version without taking it off the version
        // it was moved to (it moves it from a stale default), so "the current version" is ambiguous there.
        let read = try await backend.fetch(SecretRequest(path: path, version: .id(third)))
        #expect(read.labels.contains(.current))
        #expect(read.payload == Secret(copying: "two"))
        await backend.close()
    }
}
