import CfgBackend
import CfgSecure
import FoundationEssentials
import Synchronization
import Testing

/// The default batch read (`SecretBackend.fetch(_: [SecretRequest])`): every distinct request read once, each answer
/// given to its own request, and never more than `parallelReads` reads at once.
struct BatchFetchTests {
    /// A backend whose reads take a moment, counting how many run at once; paths starting with `missing/` fail.
    final class CountingBackend: SecretBackend, Sendable {
        struct Counts {
            var running = 0
            var most = 0
            var calls: [String] = []
        }
        let counts = Mutex(Counts())

        var kind: String { "counting" }

        func fetch(_ request: SecretRequest) async throws(BackendError) -> SecretVersion {
            counts.withLock { counts in
                counts.running += 1
                counts.most = max(counts.most, counts.running)
                counts.calls.append(request.path.rawValue)
            }
            try? await Task.sleep(for: .milliseconds(5))
            counts.withLock { $0.running -= 1 }
            if request.path.rawValue.hasPrefix("missing/") {
                throw BackendError(.notFound, backend: kind, path: request.path, message: "no such secret")
            }
            return SecretVersion(
                path: request.path,
                versionID: "1",
                labels: [.current],
                createdAt: Date(timeIntervalSince1970: 0),
                payload: Secret(copying: "value of \(request.path.rawValue)")
            )
        }

        func store(
            _: Secret,
            at _: SecretPath,
            labels _: Set<VersionLabel>,
            expectedCurrent _: String?
        )
            async throws(BackendError) -> String
        { throw BackendError(.unsupported, backend: kind, message: "read-only") }

        func moveLabel(_: VersionLabel, to _: String, at _: SecretPath) async throws(BackendError) {}

        func removeLabel(_: VersionLabel, at _: SecretPath) async throws(BackendError) {}

        func fetchMetadata(_ path: SecretPath) async throws(BackendError) -> SecretMetadata {
            SecretMetadata(path: path, versions: [])
        }
    }

    @Test(arguments: [0, 1, 15, 16, 17, 200])
    func everyRequestIsAnsweredByItsOwnReadAndAtMostParallelReadsRunAtOnce(count: Int) async {
        let backend = CountingBackend()
        let requests = (0..<count).map {
            SecretRequest(path: SecretPath(($0 % 7 == 3 ? "missing/" : "app/") + "\($0)"))
        }

        let results = await backend.fetch(requests + requests.prefix(5))

        #expect(results.count == count)
        for request in requests {
            switch results[request] {
            case .success(let version):
                #expect(!request.path.rawValue.hasPrefix("missing/"))
                #expect(version.path == request.path)
                #expect(version.payload.stringValue() == "value of \(request.path.rawValue)")
            case .failure(let error):
                #expect(request.path.rawValue.hasPrefix("missing/"))
                #expect(error.code == .notFound)
                #expect(error.path == request.path)
            case nil:
                Issue.record("no answer for \(request.path)")
            }
        }
        let counts = backend.counts.withLock { $0 }
        #expect(counts.calls.sorted() == requests.map(\.path.rawValue).sorted(), "each distinct request read once")
        #expect(counts.most <= CountingBackend.parallelReads)
        if count > CountingBackend.parallelReads {
            #expect(counts.most > 1, "the reads did not overlap")
        }
    }
}
