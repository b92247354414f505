package import CfgBackend
package import CfgSecure
import FoundationEssentials
import Synchronization

/// A backend seen through `cfg run`'s eyes: dynamic secrets are read once and then served from memory until their
/// lease ends (each read of a leased endpoint would issue new credentials, and every refresh would look like a
/// change); stored secrets are read from the backend every time.
///
/// It remembers every lease it handed out: the current ones, to renew, and the replaced ones, to revoke once the
/// command no longer uses them.
package final class LeaseKeeper: SecretBackend {
    private struct State {
        var current: [SecretRequest: SecretVersion] = [:]
        var retired: [SecretLease] = []
    }

    package let base: any SecretBackend
    private let state = Mutex(State())

    package init(_ base: any SecretBackend) {
        self.base = base
    }

    package var kind: String { base.kind }

    /// The backend's lease operations, when it has them.
    package var leasing: (any LeasingBackend)? { base as? any LeasingBackend }

    package func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
        if request.dynamic, let kept = state.withLock({ $0.current[request] }) { return kept }
        let version = try await base.fetch(request)
        if request.dynamic { keep(version, for: request) }
        return version
    }

    package func fetch(_ requests: [SecretRequest]) async -> [SecretRequest: Result<SecretVersion, BackendError>] {
        var results: [SecretRequest: Result<SecretVersion, BackendError>] = [:]
        let kept = state.withLock { $0.current }
        var missing: [SecretRequest] = []
        for request in Set(requests) {
            if request.dynamic, let version = kept[request] {
                results[request] = .success(version)
            } else {
                missing.append(request)
            }
        }
        guard !missing.isEmpty else { return results }
        for (request, result) in await base.fetch(missing) {
            if request.dynamic, case .success(let version) = result { keep(version, for: request) }
            results[request] = result
        }
        return results
    }

    private func keep(_ version: SecretVersion, for request: SecretRequest) {
        state.withLock { state in
            if let old = state.current[request]?.lease { state.retired.append(old) }
            state.current[request] = version
        }
    }

    /// The leases of the dynamic secrets in use, by path.
    package var leases: [SecretPath: SecretLease] {
        state.withLock { state in
            var result: [SecretPath: SecretLease] = [:]
            for (request, version) in state.current {
                if let lease = version.lease { result[request.path] = lease }
            }
            return result
        }
    }

    /// Forgets the dynamic secrets at `paths`: the next read issues new ones; the old leases are retired.
    package func invalidate(_ paths: Set<SecretPath>) {
        state.withLock { state in
            for request in state.current.keys where paths.contains(request.path) {
                if let lease = state.current[request]?.lease { state.retired.append(lease) }
                state.current[request] = nil
            }
        }
    }

    /// Records a renewal of the lease at `path`.
    package func update(_ lease: SecretLease, at path: SecretPath) {
        state.withLock { state in
            for (request, version) in state.current where request.path == path && version.lease?.id == lease.id {
                state.current[request]?.lease = lease
            }
        }
    }

    /// The retired leases, handed over once (to be revoked).
    package func takeRetired() -> [SecretLease] {
        state.withLock { state in
            defer { state.retired = [] }
            return state.retired
        }
    }

    /// Every lease, current and retired, handed over once (at exit, to be revoked).
    package func takeAll() -> [SecretLease] {
        state.withLock { state in
            defer {
                state.retired = []
                state.current = [:]
            }
            return state.retired + state.current.values.compactMap(\.lease)
        }
    }

    package func store(
        _ payload: Secret,
        at path: SecretPath,
        labels: Set<VersionLabel>,
        expectedCurrent: String?
    ) async throws(BackendError) -> String {
        try await base.store(payload, at: path, labels: labels, expectedCurrent: expectedCurrent)
    }

    package func moveLabel(_ label: VersionLabel, to versionID: String, at path: SecretPath) async throws(BackendError)
    {
        try await base.moveLabel(label, to: versionID, at: path)
    }

    package func removeLabel(_ label: VersionLabel, at path: SecretPath) async throws(BackendError) {
        try await base.removeLabel(label, at: path)
    }

    package func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
        try await base.fetchMetadata(path)
    }

    package func close() async {
        await base.close()
    }
}
