import CfgSecure
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The secure arena behind ``Secret``: every value readable only through its closure, read-only once written,
/// zeroed when freed, locked in memory, guarded at the chunk ends, and safe to allocate from many tasks at once.
struct SecretArenaTests {
    /// The value sizes that matter to the allocator: empty, within one alignment unit, at its edges, at the
    /// threshold between packed and own-region values, and larger than a whole chunk.
    static let sizes: [Int] = [
        0, 1, 15, 16, 17, 100,
        SecretArenaProbe.largeThreshold, SecretArenaProbe.largeThreshold + 1,
        SecretArenaProbe.chunkCapacity, SecretArenaProbe.chunkCapacity + 1, 3 * SecretArenaProbe.chunkCapacity,
    ]

    @Test(arguments: sizes)
    func valuesOfEverySizeKeepTheirBytes(count: Int) {
        let bytes = pattern(count: count, seed: UInt8(truncatingIfNeeded: count))
        let secret = Secret(bytes: bytes)
        #expect(secret.count == count)
        #expect(secret.withUnsafeBytes { Array($0) } == bytes)
        let packed = SecretArenaProbe.location(of: secret) != nil
        #expect(packed == (count > 0 && count <= SecretArenaProbe.largeThreshold))
    }

    @Test(arguments: [1, 16, 33, SecretArenaProbe.largeThreshold])
    func aFreedValueIsZeroedInItsChunk(count: Int) throws {
        let bytes = pattern(count: count, seed: 0xA5)
        let (keeper, chunk, offset) = try Self.twoValuesInOneChunk(bytes: bytes) { chunk, offset in
            #expect(SecretArenaProbe.bytes(in: chunk, offset: offset, count: count) == bytes)
        }
        #expect(SecretArenaProbe.bytes(in: chunk, offset: offset, count: count) == Array(repeating: 0, count: count))
        withExtendedLifetime(keeper) {}
    }

    @Test(arguments: [16, SecretArenaProbe.largeThreshold + 1])
    func aWrittenValueIsReadOnly(count: Int) {
        let secret = Secret(bytes: pattern(count: count, seed: 1))
        guard let address = secret.withUnsafeBytes({ $0.baseAddress.map(UnsafeMutableRawPointer.init(mutating:)) })
        else {
            Issue.record("a secret of \(count) bytes has no address")
            return
        }
        let chunk = SecretArenaProbe.location(of: secret)?.chunk
        let outcome = Self.inChild(inspecting: chunk) { address.storeBytes(of: 0, as: UInt8.self) }
        #expect(outcome == .signal(SIGSEGV))
        #expect(secret.withUnsafeBytes { Array($0) } == pattern(count: count, seed: 1))
    }

    @Test func bothEndsOfAChunkAreGuardPages() throws {
        let secret = Secret(bytes: [1, 2, 3])
        let chunk = try #require(SecretArenaProbe.location(of: secret)?.chunk)
        let base = try #require(SecretArenaProbe.baseAddress(of: chunk))
        let before = base - SecretArenaProbe.canarySize - 1
        let after = base + SecretArenaProbe.chunkCapacity
        #expect(Self.inChild(inspecting: nil) { _ = before.load(as: UInt8.self) } == .signal(SIGSEGV))
        #expect(Self.inChild(inspecting: nil) { _ = after.load(as: UInt8.self) } == .signal(SIGSEGV))
        withExtendedLifetime(secret) {}
    }

    @Test func chunksAreLockedInMemory() throws {
        let secret = Secret(bytes: [9, 9, 9])
        let chunk = try #require(SecretArenaProbe.location(of: secret)?.chunk)
        let base = try #require(SecretArenaProbe.baseAddress(of: chunk))
        let lockedKiB = try Self.lockedKiB(containing: UInt(bitPattern: base))
        #expect(lockedKiB * 1024 >= SecretArenaProbe.chunkCapacity + SecretArenaProbe.canarySize)
        withExtendedLifetime(secret) {}
    }

    @Test func noValueIsReadableAfterItsChunkIsFreed() async throws {
        let bytes = pattern(count: 48, seed: 0x3C)
        weak var freed: AnyObject?
        var address: UnsafeRawPointer?
        do {
            // Fill more than one chunk so the first one is retired, then drop every value in it.
            var values: [Secret] = []
            for _ in 0..<(2 * SecretArenaProbe.chunkCapacity / 48) {
                values.append(Secret(bytes: bytes))
            }
            let first = try #require(values.first)
            freed = SecretArenaProbe.location(of: first)?.chunk
            address = first.withUnsafeBytes { $0.baseAddress }
        }
        // Other tests running in parallel may hold a value in the same chunk for a moment.
        for _ in 0..<500 where freed != nil {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(freed == nil)
        let target = try #require(address)
        let outcome = Self.inChild(inspecting: nil) {
            // Unmapped: the read faults. Mapped again by someone else: it must not hold the value. (No allocation
            // here: the child of a multi-threaded process may only touch memory and make system calls.)
            var same = true
            for index in 0..<bytes.count where target.load(fromByteOffset: index, as: UInt8.self) != bytes[index] {
                same = false
            }
            if same { _exit(1) }
        }
        #expect(outcome == .signal(SIGSEGV) || outcome == .exit(0))
    }

    @Test func manyTasksAllocateAtOnce() async {
        let results = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var values: [(Secret, [UInt8])] = []
                    for index in 0..<400 {
                        let bytes = pattern(count: 1 + (index * 37 + task) % 700, seed: UInt8(task))
                        values.append((Secret(bytes: bytes), bytes))
                        if index % 3 == 0 { values.removeFirst() }
                    }
                    return values.allSatisfy { secret, bytes in secret.withUnsafeBytes { Array($0) } == bytes }
                }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results == Array(repeating: true, count: 16))
    }

    // MARK: helpers

    enum Outcome: Equatable {
        case exit(Int32)
        case signal(Int32)
    }

    /// Runs `body` in a forked child (holding the arena's lock across the fork, so no write window opens or
    /// closes meanwhile) and returns how the child ended. When `chunk` has a write window open for another
    /// test's value at that moment, the fork is retried.
    static func inChild(inspecting chunk: AnyObject?, _ body: () -> Void) -> Outcome {
        for _ in 0..<200 {
            let pid: pid_t = SecretArenaProbe.withLockHeld(inspecting: chunk) { sealed in
                guard sealed else { return -2 }
                let pid = fork()
                if pid == 0 {
                    // The child never returns into the lock's scope (its owner is the parent's thread).
                    signal(SIGSEGV, SIG_DFL)
                    signal(SIGBUS, SIG_DFL)
                    body()
                    _exit(0)
                }
                return pid
            }
            if pid == -2 {
                usleep(5_000)
                continue
            }
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            if status & 0x7f == 0 { return .exit((status >> 8) & 0xff) }
            return .signal(status & 0x7f)
        }
        return .exit(-1)
    }

    /// Allocates a keeper and a target in the same chunk, lets `inspect` see the target, frees the target and
    /// returns the keeper (which keeps the chunk from being reused from its start) and the target's location.
    static func twoValuesInOneChunk(
        bytes: [UInt8],
        inspect: (AnyObject, Int) -> Void
    ) throws -> (Secret, AnyObject, Int) {
        for _ in 0..<100 {
            let keeper = Secret(bytes: [0xEE])
            var target: Secret? = Secret(bytes: bytes)
            guard let kept = SecretArenaProbe.location(of: keeper),
                let placed = target.flatMap({ SecretArenaProbe.location(of: $0) }),
                kept.chunk === placed.chunk
            else { continue }
            inspect(placed.chunk, placed.offset)
            target = nil
            return (keeper, placed.chunk, placed.offset)
        }
        throw ArenaTestError.noSharedChunk
    }

    enum ArenaTestError: Error { case noSharedChunk, noMapping }

    /// The `Locked:` figure (KiB) of the mapping in /proc/self/smaps that contains `address`.
    static func lockedKiB(containing address: UInt) throws -> Int {
        // /proc files report a size of 0, so read to the end rather than trusting stat.
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps"))
        defer { try? handle.close() }
        let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        var inside = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let range = fields.first, range.contains("-"), !range.hasSuffix(":") {
                let bounds = range.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= address && address < bounds[1]
            } else if inside, fields.first == "Locked:", fields.count >= 2, let kib = Int(fields[1]) {
                return kib
            }
        }
        throw ArenaTestError.noMapping
    }
}

/// `count` bytes, none of them zero, that differ with `seed`.
private func pattern(count: Int, seed: UInt8) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) | 1 }
}
