internal import CSodium
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One secure arena for the bytes of every small ``Secret`` in the process.
///
/// Giving each secret its own `sodium_malloc` region costs an `mmap`, three `mprotect`s for the guard pages and the
/// canary page, an `mlock` and a `madvise` when it is created, one more `mprotect` to make it read-only, and the same
/// again in reverse when it is freed, with page faults and TLB flushes each time. The arena packs small values into
/// chunks instead: each chunk is one `sodium_malloc` region (guard pages at both ends, a canary in front, `mlock`ed,
/// excluded from core dumps), so a value costs two `mprotect`s to write (open the chunk, seal it read-only again) and
/// two to zero when it is freed.
///
/// - A value is bump-allocated in the current chunk, 16-byte aligned. The chunk is writable only while some value in
///   it is being written (a count of writers), and sealed read-only (`sodium_mprotect_readonly`) when the last writer
///   finishes.
/// - A freed value is zeroed at once (`sodium_memzero`, the chunk opened for the call if it was sealed). A chunk whose
///   last value dies is released with `sodium_free` (which zeroes the whole region, unlocks and unmaps it) unless it
///   is still the current chunk, which is then reused from its start.
/// - Values larger than a quarter of a chunk keep their own `sodium_malloc` region (``largeThreshold``).
/// - Values in one chunk are adjacent: the guard pages and the canary protect the chunk's ends, not each value's.
enum SecretArena {
    /// The page size, read once.
    static let pageSize: Int = max(Int(sysconf(Int32(_SC_PAGESIZE))), 4096)

    /// The bytes a chunk holds: its `sodium_malloc` region is exactly four pages with the 16-byte canary in front,
    /// so the chunk's last byte sits just before the trailing guard page.
    static let chunkCapacity: Int = 4 * pageSize - canarySize

    /// Values larger than this get their own `sodium_malloc` region.
    static let largeThreshold: Int = chunkCapacity / 4

    /// libsodium's canary in front of every `sodium_malloc` region.
    static let canarySize = 16

    /// Alignment of each value in a chunk.
    static let alignment = 16

    /// Where a secret's bytes live.
    struct Slot {
        /// The first byte; `nil` for an empty value.
        let pointer: UnsafeMutableRawPointer?
        /// The chunk holding the value, or `nil` when it has its own region (or is empty).
        let chunk: Chunk?
    }

    /// A `sodium_malloc`'d region that small values are packed into.
    ///
    /// `@unchecked Sendable`: this class owns a C buffer. Invariant: the mutable fields (`used`, `live`, `writers`,
    /// `isWritable`) are read and written only while holding ``SecretArena/state``'s lock; the bytes of a value are
    /// written only by the one initialiser that reserved them (while `writers > 0` keeps the chunk writable) and are
    /// zeroed only when that value is freed, under the lock; `deinit` runs when no value and no arena reference is
    /// left, so no other thread can reach the region then.
    final class Chunk: @unchecked Sendable {
        /// The start of the chunk's bytes (the `sodium_malloc` pointer).
        let base: UnsafeMutableRawPointer
        /// Bytes handed out so far (the bump offset).
        var used = 0
        /// Values alive in the chunk.
        var live = 0
        /// Values being written right now (the chunk is writable while this is positive).
        var writers = 0
        /// Whether the chunk is currently read-write.
        var isWritable = true

        init() {
            Sodium.ensureInitialized()
            guard let base = sodium_malloc(SecretArena.chunkCapacity) else {
                fatalError("sodium_malloc could not allocate \(SecretArena.chunkCapacity) bytes for secrets")
            }
            self.base = base
        }

        deinit {
            // Zeroes the whole region, checks the canary, unlocks and unmaps it.
            sodium_free(base)
        }

        /// Makes the chunk writable if it is sealed (lock held).
        func open() {
            guard !isWritable else { return }
            _ = sodium_mprotect_readwrite(base)
            isWritable = true
        }

        /// Seals the chunk read-only (lock held).
        func seal() {
            guard isWritable else { return }
            _ = sodium_mprotect_readonly(base)
            isWritable = false
        }
    }

    /// The arena's state: the chunk new values go into.
    struct State {
        var current: Chunk?
    }

    /// The process-wide arena.
    static let state = Mutex(State())

    /// Reserves `count` writable bytes; ``finishWriting(_:)`` (or ``release(_:count:)`` on failure) must follow.
    static func allocate(_ count: Int) -> Slot {
        guard count > 0 else { return Slot(pointer: nil, chunk: nil) }
        if count > largeThreshold {
            Sodium.ensureInitialized()
            guard let pointer = sodium_malloc(count) else {
                fatalError("sodium_malloc could not allocate \(count) bytes for a secret")
            }
            return Slot(pointer: pointer, chunk: nil)
        }
        let size = (count + alignment - 1) / alignment * alignment
        return state.withLock { state in
            let chunk: Chunk
            if let current = state.current, current.used + size <= chunkCapacity {
                chunk = current
            } else {
                chunk = Chunk()
                state.current = chunk
            }
            chunk.open()
            let pointer = chunk.base + chunk.used
            chunk.used += size
            chunk.live += 1
            chunk.writers += 1
            return Slot(pointer: pointer, chunk: chunk)
        }
    }

    /// Ends the write window of a value: its region becomes read-only (a chunk once its last writer finishes).
    static func finishWriting(_ slot: Slot) {
        guard let pointer = slot.pointer else { return }
        guard let chunk = slot.chunk else {
            _ = sodium_mprotect_readonly(pointer)
            return
        }
        state.withLock { _ in
            chunk.writers -= 1
            if chunk.writers == 0 {
                chunk.seal()
            }
        }
    }

    /// Zeroes and frees a value; `writing` is true when its write window is still open (the initialiser failed).
    static func release(_ slot: Slot, count: Int, writing: Bool = false) {
        guard let pointer = slot.pointer else { return }
        guard let chunk = slot.chunk else {
            sodium_free(pointer)  // zeroes the region first
            return
        }
        state.withLock { state in
            if writing {
                chunk.writers -= 1
            }
            chunk.live -= 1
            let wasWritable = chunk.isWritable
            chunk.open()
            sodium_memzero(pointer, count)
            if chunk.live == 0 && state.current !== chunk {
                // A retired chunk with no value left: it goes with its last reference (`sodium_free`), and holds
                // nothing but zeroes until then.
                return
            }
            if chunk.live == 0 {
                chunk.used = 0  // every value in it has been zeroed
            }
            if !wasWritable || chunk.writers == 0 {
                chunk.seal()
            }
        }
    }
}

/// Test hooks: where a secret lives, and the raw bytes of a chunk (read under the arena's lock).
package enum SecretArenaProbe {
    /// The arena's chunk size in bytes.
    package static var chunkCapacity: Int { SecretArena.chunkCapacity }
    /// The size above which a value has its own region.
    package static var largeThreshold: Int { SecretArena.largeThreshold }
    /// The bytes of libsodium's canary in front of a chunk.
    package static var canarySize: Int { SecretArena.canarySize }

    /// The chunk holding `secret` and the value's offset in it; `nil` for an empty or large value.
    package static func location(of secret: Secret) -> (chunk: AnyObject, offset: Int)? {
        guard let chunk = secret.slot.chunk, let pointer = secret.slot.pointer else { return nil }
        return (chunk, pointer - UnsafeMutableRawPointer(chunk.base))
    }

    /// The start address of a chunk returned by ``location(of:)``.
    package static func baseAddress(of chunk: AnyObject) -> UnsafeMutableRawPointer? {
        (chunk as? SecretArena.Chunk)?.base
    }

    /// A copy of `count` bytes at `offset` in `chunk` (kept alive by the caller's reference).
    package static func bytes(in chunk: AnyObject, offset: Int, count: Int) -> [UInt8] {
        guard let chunk = chunk as? SecretArena.Chunk else { return [] }
        return SecretArena.state.withLock { _ in
            Array(UnsafeRawBufferPointer(start: chunk.base + offset, count: count))
        }
    }

    /// Runs `body` holding the arena's lock, so no chunk is opened or sealed meanwhile (for a test that forks);
    /// `sealed` tells whether `chunk` (`nil`: a value with its own region) is read-only with no write open.
    package static func withLockHeld<R>(inspecting chunk: AnyObject?, _ body: (_ sealed: Bool) -> R) -> R {
        let chunk = chunk as? SecretArena.Chunk
        return SecretArena.state.withLock { _ in
            body(chunk.map { !$0.isWritable && $0.writers == 0 } ?? true)
        }
    }
}
