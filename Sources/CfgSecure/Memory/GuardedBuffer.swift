internal import CSodium

/// A growable, writable scratch buffer in guarded memory, for building a ``Secret`` whose final
/// size is not known in advance (reading a pipe, for example).
///
/// `~Copyable` so exactly one owner frees it; every buffer it lets go of is zeroed by
/// `sodium_free`.
struct GuardedBuffer: ~Copyable {
    private var pointer: UnsafeMutableRawPointer
    private(set) var capacity: Int

    /// Allocates `capacity` (at least 1) writable bytes.
    init(capacity: Int) {
        Sodium.ensureInitialized()
        // `sodium_malloc` maps whole pages (its canary included), so the buffer takes every byte of them.
        let page = SecretArena.pageSize
        let canary = SecretArena.canarySize
        let capacity = (max(capacity, 1) + canary + page - 1) / page * page - canary
        guard let pointer = sodium_malloc(capacity) else {
            fatalError("sodium_malloc could not allocate \(capacity) bytes for a secret")
        }
        self.pointer = pointer
        self.capacity = capacity
    }

    deinit {
        sodium_free(pointer)
    }

    /// Doubles the capacity, keeping the first `used` bytes.
    mutating func grow(keeping used: Int) {
        let newCapacity = (capacity + SecretArena.canarySize) * 2 - SecretArena.canarySize
        guard let newPointer = sodium_malloc(newCapacity) else {
            fatalError("sodium_malloc could not allocate \(newCapacity) bytes for a secret")
        }
        newPointer.copyMemory(from: pointer, byteCount: min(used, capacity))
        sodium_free(pointer)
        pointer = newPointer
        capacity = newCapacity
    }

    /// The writable bytes from `offset` to the end.
    func tail(from offset: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: pointer + offset, count: capacity - offset)
    }

    /// A ``Secret`` holding a copy of the first `count` bytes.
    func secret(count: Int) -> Secret {
        Secret(count: count) { output in
            if count > 0 {
                output.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: count))
            }
        }
    }
}
