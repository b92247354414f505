package import CfgBackend
package import CfgSecure
package import FoundationEssentials

/// Performs one `RotationMachine`'s actions over a `SecretBackend` for one secret path: the thin, I/O-doing half of
/// the staged protocol.
///
/// The machine decides; the runner reads and writes the backend, calls the target and reports each answer back. The
/// lock and the rotation record are secrets beside the rotated one (``RotationLockRecord``, ``RotationRecord``),
/// written with `store(_:at:labels:expectedCurrent:)` check-and-set, so the runner needs nothing from a backend
/// beyond the `SecretBackend` protocol. The new value comes from `generate`, so the runner knows no generator specs;
/// time comes from `now` and waits go through `sleep`, so tests drive it with an injected clock.
///
/// How the machine's actions map onto the backend:
/// - observe: `fetchMetadata` (labels) and the rotation record; the last rotation is the record's, else the current
///   version's creation time. A promotion cut short after its label move (pending and current on one version) is
///   observed as it was before the move (current = the version labelled previous), so it finishes unchanged.
/// - generateAndStorePending: `generate(current value)`, then `store(new, labels: [.pending], expectedCurrent:)`.
/// - promote: `moveLabel(.current → pending)` (which moves previous), the rotation record, then `removeLabel(.pending)`:
///   the pending label goes last so a crash before it leaves the promotion visible and the next run finishes it.
/// - dropPending: `removeLabel(.pending)`; retire: the target's `retire` (store-only: nothing), then the record.
package struct RotationRunner: Sendable {
    /// Makes the new value from the current one (a Fernet rotation prepends a key with ``FernetKeyList``; a secret
    /// key or password ignores it). Its errors are reported by kind only: their descriptions may hold anything.
    package typealias Generator = @Sendable (_ current: Secret) throws -> Secret

    package let backend: any SecretBackend
    package let path: SecretPath
    package let policy: RotationMachine.Policy
    /// This run's identity in the lock record.
    package let owner: String
    let target: (any RotationTarget)?
    let generate: Generator
    let now: @Sendable () -> Date
    let sleep: @Sendable (Date) async -> Void
    let onAction: (@Sendable (String) -> Void)?
    let holderIsGone: @Sendable (String) -> Bool

    /// - Parameters:
    ///   - backend: the store holding the secret, its lock record and its rotation record.
    ///   - path: the rotated secret.
    ///   - policy: the rotation's policy; one that applies to a target needs `target`.
    ///   - owner: this run's non-secret identity (``makeOwner()``).
    ///   - target: what takes the value; nil for store-only rotations.
    ///   - generate: the new value.
    ///   - now: the clock.
    ///   - sleep: waits until a date (the default sleeps the task).
    ///   - holderIsGone: whether the run named in another lock record is certainly gone (its lock then counts as
    ///     expired); the default asks ``LockHolderProbe``.
    ///   - onAction: called with each action's name (``RotationReport/actions``) before it is performed: progress.
    package init(
        backend: any SecretBackend,
        path: SecretPath,
        policy: RotationMachine.Policy,
        owner: String = RotationRunner.makeOwner(),
        target: (any RotationTarget)? = nil,
        generate: @escaping Generator,
        now: @escaping @Sendable () -> Date = Date.init,
        sleep: @escaping @Sendable (Date) async -> Void = RotationRunner.sleepUntil,
        holderIsGone: @escaping @Sendable (String) -> Bool = LockHolderProbe.isGone,
        onAction: (@Sendable (String) -> Void)? = nil
    ) {
        precondition(!policy.appliesToTarget || target != nil, "a rotation that applies to a target needs one")
        self.backend = backend
        self.path = path
        self.policy = policy
        self.owner = owner
        self.target = target
        self.generate = generate
        self.now = now
        self.sleep = sleep
        self.onAction = onAction
        self.holderIsGone = holderIsGone
    }

    /// `host/pid/random/pidns`: tells runs apart in a lock record and in the `lockBusy` report, and lets a later run
    /// on the same machine see that the holder is gone (``LockHolderProbe``).
    package static func makeOwner() -> String {
        LockHolderProbe.owner(random: Hex.encode(SecureRandom.bytes(count: 4)))
    }

    /// Sleeps the current task until `date` (returns early when the task is cancelled).
    package static let sleepUntil: @Sendable (Date) async -> Void = { date in
        let seconds = date.timeIntervalSinceNow
        guard seconds > 0 else { return }
        try? await Task.sleep(for: .seconds(seconds))
    }

    /// Runs the rotation to its end.
    package func run(_ mode: RotationMachine.Mode) async -> RotationReport {
        var machine = RotationMachine(owner: owner, policy: policy)
        var session = Session()
        var events: [RotationMachine.Event] = [.started(mode)]
        while !events.isEmpty {
            let event = events.removeFirst()
            for action in machine.handle(event, now: now()) {
                if case .finish(let outcome) = action {
                    return RotationReport(
                        path: path,
                        outcome: outcome,
                        actions: session.actions,
                        failure: session.failure
                    )
                }
                session.actions.append(Self.name(of: action))
                onAction?(Self.name(of: action))
                guard let answer = await perform(action, &session) else { continue }
                events.append(answer)
                // A failed renewal drops the rest of the answer: the lock may be another run's now.
                if case .renewLock = action { break }
            }
        }
        // The machine always ends with `.finish`; reaching here is a bug in the runner.
        return RotationReport(
            path: path,
            outcome: .needsAttention(.unexpectedEvent(.lock)),
            actions: session.actions,
            failure: session.failure
        )
    }

    /// What one run keeps between actions.
    struct Session {
        /// The version of the lock record this run wrote last (nil when it holds none).
        var lockVersion: String?
        /// The version of the rotation record observed or written last ("" when there is none).
        var recordVersion = ""
        var record = RotationRecord()
        /// The backend state as the machine sees it.
        var state = RotationState(current: nil)
        var actions: [String] = []
        var failure: String?
    }

    // MARK: Actions

    /// Performs one action; returns its answer (nil for actions without one).
    private func perform(_ action: RotationMachine.Action, _ session: inout Session) async -> RotationMachine.Event? {
        switch action {
        case .acquireLock(let lock):
            return await acquire(lock, takingOver: false, &session)
        case .takeOverLock(_, let lock):
            return await acquire(lock, takingOver: true, &session)
        case .renewLock(let lock):
            guard await writeLock(RotationLockRecord(lock: lock), &session) else { return .lockLost }
            return nil
        case .releaseLock:
            let record = RotationLockRecord(lock: RotationLock(owner: owner, expiresAt: now()), released: true)
            // A release that fails leaves a record that expires by itself.
            _ = await writeLock(record, &session)
            session.lockVersion = nil
            return nil
        case .wait(let until):
            await sleep(until)
            return .waitEnded
        case .observe:
            return await observe(&session)
        case .generateAndStorePending(let expectedCurrent):
            return await generateAndStorePending(expectedCurrent: expectedCurrent, &session)
        case .tryLogin(let label):
            guard let target, let versionID = version(labelled: label, in: session.state) else {
                return .loginResult(.rejected)
            }
            guard let value = await value(of: versionID, &session) else { return .backendFailed }
            return .loginResult(await target.tryLogin(with: value))
        case .apply(let from):
            guard let target, let pendingID = session.state.pending,
                let credentialID = version(labelled: from, in: session.state)
            else { return .applyResult(.rejected) }
            guard let pending = await value(of: pendingID, &session),
                let credential = await value(of: credentialID, &session)
            else { return .backendFailed }
            return .applyResult(await target.apply(pending, loggedInWith: credential))
        case .test:
            guard let target, let pendingID = session.state.pending else { return .testResult(.rejected) }
            guard let pending = await value(of: pendingID, &session) else { return .backendFailed }
            return .testResult(await target.test(pending))
        case .promote(let pendingVersionID, let expectedCurrent, let retireAfter):
            return await promote(pendingVersionID, expectedCurrent: expectedCurrent, retireAfter: retireAfter, &session)
        case .dropPending(let versionID):
            return await dropPending(versionID, &session)
        case .retire(let versionID):
            return await retire(versionID, &session)
        case .finish:
            return nil
        }
    }

    /// Writes our lock record over no record, a released one, or (when taking over) an expired one; reports another
    /// run's live record as `.lockHeld`.
    private func acquire(
        _ lock: RotationLock,
        takingOver: Bool,
        _ session: inout Session
    ) async -> RotationMachine.Event {
        // A conflict means another run wrote the record between our read and our write: read it again, which finds
        // that run's lock (held: wait) or its release (take it). A few rounds cover runs that take and give back the
        // lock in between.
        let attempts = 5
        for attempt in 0..<attempts {
            let found: (record: RotationLockRecord, versionID: String)?
            do {
                found = try await readLock()
            } catch {
                session.failure = error.description
                return .backendFailed
            }
            var expected = ""
            if let found {
                var held = found.record.lock
                // A holder that died on this machine holds nothing: its lock counts as expired now.
                if !found.record.released, !held.hasExpired(at: now()), holderIsGone(held.owner) {
                    held.expiresAt = now()
                }
                let expired = held.hasExpired(at: now())
                guard found.record.released || (takingOver && expired) else { return .lockHeld(held) }
                expected = found.versionID
            }
            do {
                session.lockVersion = try await backend.store(
                    RotationLockRecord(lock: lock).encoded(),
                    at: RotationLockRecord.path(for: path),
                    labels: [.current],
                    expectedCurrent: expected
                )
                return .lockAcquired
            } catch  where error.code == .conflict && attempt < attempts - 1 {
                continue
            } catch {
                session.failure = error.description
                return .backendFailed
            }
        }
        session.failure =
            "The lock record at \"\(RotationLockRecord.path(for: path))\" kept changing while this run "
            + "tried to take it; run the rotation again."
        return .backendFailed
    }

    /// Replaces our own lock record (check-and-set on the version we wrote); false when it is no longer ours.
    private func writeLock(_ record: RotationLockRecord, _ session: inout Session) async -> Bool {
        guard let ours = session.lockVersion else { return false }
        do {
            session.lockVersion = try await backend.store(
                record.encoded(),
                at: RotationLockRecord.path(for: path),
                labels: [.current],
                expectedCurrent: ours
            )
            return true
        } catch {
            session.failure = error.description
            return false
        }
    }

    /// The current lock record and its version; nil when there is none.
    func readLock() async throws(BackendError) -> (record: RotationLockRecord, versionID: String)? {
        let lockPath = RotationLockRecord.path(for: path)
        let version: SecretVersion
        do {
            version = try await backend.fetch(SecretRequest(path: lockPath))
        } catch  where error.code == .notFound {
            return nil
        }
        guard let record = RotationLockRecord(parsing: version.payload) else {
            throw BackendError(
                .corrupt,
                backend: backend.kind,
                path: lockPath,
                message: "The rotation lock record at \"\(lockPath)\" is not one cfg wrote; remove that secret, "
                    + "then run the rotation again."
            )
        }
        return (record, version.versionID)
    }

    private func observe(_ session: inout Session) async -> RotationMachine.Event {
        do {
            let observed = try await observedState()
            session.record = observed.record
            session.recordVersion = observed.recordVersion
            session.state = observed.state
            return .observed(observed.state)
        } catch {
            session.failure = error.description
            return .backendFailed
        }
    }

    /// The backend's labels and the rotation record, as the machine sees them.
    func observedState() async throws(BackendError) -> (
        state: RotationState, record: RotationRecord, recordVersion: String
    ) {
        let metadata: SecretMetadata
        do {
            metadata = try await backend.fetchMetadata(path)
        } catch  where error.code == .notFound {
            return (RotationState(current: nil), RotationRecord(), "")
        }
        let recordPath = RotationRecord.path(for: path)
        var record = RotationRecord()
        var recordVersion = ""
        do throws(BackendError) {
            let version = try await backend.fetch(SecretRequest(path: recordPath))
            guard let parsed = RotationRecord(parsing: version.payload) else {
                throw BackendError(
                    .corrupt,
                    backend: backend.kind,
                    path: recordPath,
                    message: "The rotation record at \"\(recordPath)\" is not one cfg wrote; remove that "
                        + "secret (the next rotation is then due by the current version's age) and run again."
                )
            }
            record = parsed
            recordVersion = version.versionID
        } catch  where error.code == .notFound {
            // Never rotated by cfg: the current version's age decides.
        }
        let current = metadata.version(labelled: .current)
        var state = RotationState(
            current: current?.versionID,
            previous: metadata.version(labelled: .previous)?.versionID,
            pending: metadata.version(labelled: .pending)?.versionID,
            lastRotation: record.lastRotation ?? current?.createdAt,
            retirement: record.retirement
        )
        if let pending = state.pending, pending == state.current {
            // A promotion stopped after moving `current`: the version it moved to `previous` was current before it.
            state.current = state.previous
            state.previous = nil
        }
        return (state, record, recordVersion)
    }

    private func generateAndStorePending(
        expectedCurrent: String,
        _ session: inout Session
    ) async -> RotationMachine.Event {
        guard let current = await value(of: expectedCurrent, &session) else { return .backendFailed }
        let pending: Secret
        do {
            pending = try generate(current)
        } catch let error as RotationError {
            session.failure = error.description
            return .backendFailed
        } catch {
            // Any other error's description may hold anything, a value included: name its type only.
            session.failure = "The generator for \"\(path)\" failed (\(type(of: error))); nothing was stored."
            return .backendFailed
        }
        do {
            let versionID = try await backend.store(
                pending,
                at: path,
                labels: [.pending],
                expectedCurrent: expectedCurrent
            )
            session.state.pending = versionID
            return .pendingStored(versionID: versionID)
        } catch {
            session.failure = error.description
            return .backendFailed
        }
    }

    private func promote(
        _ pendingID: String,
        expectedCurrent: String,
        retireAfter: Date?,
        _ session: inout Session
    ) async -> RotationMachine.Event {
        do {
            let labels = try await backend.fetchMetadata(path)
            let current = labels.version(labelled: .current)?.versionID
            guard labels.version(labelled: .pending)?.versionID == pendingID,
                current == expectedCurrent || current == pendingID
            else {
                session.failure =
                    "The labels of \"\(path)\" changed during the rotation (another writer?); check "
                    + "its versions, then run the rotation again."
                return .backendFailed
            }
            if current != pendingID {
                try await backend.moveLabel(.current, to: pendingID, at: path)
            }
            var record = session.record
            record.lastRotation = now()
            record.retirement = retireAfter.map { RotationState.Retirement(versionID: expectedCurrent, notBefore: $0) }
            try await writeRecord(record, &session)
            try await backend.removeLabel(.pending, at: path)
            session.state.previous = expectedCurrent
            session.state.current = pendingID
            session.state.pending = nil
            return .promoted
        } catch {
            session.failure = error.description
            return .backendFailed
        }
    }

    private func dropPending(_ versionID: String, _ session: inout Session) async -> RotationMachine.Event {
        do {
            let labels = try await backend.fetchMetadata(path)
            guard labels.version(labelled: .pending)?.versionID == versionID else {
                session.failure =
                    "The pending version of \"\(path)\" changed during the rotation; check its "
                    + "versions, then run the rotation again."
                return .backendFailed
            }
            try await backend.removeLabel(.pending, at: path)
            session.state.pending = nil
            return .pendingDropped
        } catch {
            session.failure = error.description
            return .backendFailed
        }
    }

    /// Store-only rotations have nothing but the record to update; others first remove the old value from the target.
    private func retire(_ versionID: String, _ session: inout Session) async -> RotationMachine.Event {
        if policy.appliesToTarget, let target {
            guard let old = await value(of: versionID, &session) else { return .backendFailed }
            let result = await target.retire(old)
            guard result == .succeeded else {
                session.failure =
                    "The target did not retire the value of version \(versionID) of \"\(path)\" "
                    + "(\(result)); the next run tries again."
                return .backendFailed
            }
        }
        do {
            var record = session.record
            record.retirement = nil
            try await writeRecord(record, &session)
            return .retired
        } catch {
            session.failure = error.description
            return .backendFailed
        }
    }

    // MARK: Helpers

    /// Writes the rotation record with check-and-set on the version observed (or written) last.
    private func writeRecord(_ record: RotationRecord, _ session: inout Session) async throws(BackendError) {
        session.recordVersion = try await backend.store(
            record.encoded(),
            at: RotationRecord.path(for: path),
            labels: [.current],
            expectedCurrent: session.recordVersion
        )
        session.record = record
    }

    /// The value of one version of the rotated secret; nil (with the failure noted) when it cannot be read.
    private func value(of versionID: String, _ session: inout Session) async -> Secret? {
        do {
            return try await backend.fetch(SecretRequest(path: path, version: .id(versionID))).payload
        } catch {
            session.failure = error.description
            return nil
        }
    }

    private func version(labelled label: VersionLabel, in state: RotationState) -> String? {
        switch label {
        case .current: state.current
        case .previous: state.previous
        case .pending: state.pending
        }
    }

    /// An action's name for the report (its version ids and dates are in the outcome).
    static func name(of action: RotationMachine.Action) -> String {
        switch action {
        case .acquireLock: "acquireLock"
        case .takeOverLock: "takeOverLock"
        case .renewLock: "renewLock"
        case .releaseLock: "releaseLock"
        case .wait: "wait"
        case .observe: "observe"
        case .generateAndStorePending: "generateAndStorePending"
        case .tryLogin(let label): "tryLogin(\(label))"
        case .apply(let from): "apply(from: \(from))"
        case .test: "test"
        case .promote: "promote"
        case .dropPending: "dropPending"
        case .retire: "retire"
        case .finish: "finish"
        }
    }
}
