internal import CSodium

/// A growable byte buffer in libsodium-guarded memory, for assembling or receiving secret bytes (an HTTP
/// response body, a JSON request body) without a copy in ordinary memory.
///
/// Every buffer it outgrows is zeroed and freed (`sodium_free`), and so is the last one when the value is
/// released. ``finish()`` hands the bytes over as a ``Secret``.
///
/// Not `Sendable`: one owner appends at a time.
package final class SecureBuffer {
    private var pointer: UnsafeMutableRawPointer?
    private var capacity: Int
    /// The number of bytes appended so far.
    package private(set) var count: Int = 0

    /// Creates an empty buffer that can take `capacity` bytes before it grows.
    package init(capacity: Int = 256) {
        self.capacity = 0
        reserve(max(capacity, 16))
    }

    deinit {
        if let pointer {
            sodium_free(pointer)
        }
    }

    /// Whether nothing has been appended.
    package var isEmpty: Bool { count == 0 }

    /// Appends bytes from a buffer.
    package func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0, let source = bytes.baseAddress else { return }
        reserve(count + bytes.count)
        guard let pointer else { return }
        (pointer + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// Appends one byte.
    package func append(byte: UInt8) {
        Swift.withUnsafeBytes(of: byte) { append($0) }
    }

    /// Appends a secret's bytes.
    package func append(_ secret: Secret) {
        secret.withUnsafeBytes { append($0) }
    }

    /// Appends the UTF-8 bytes of non-secret text (JSON punctuation, keys, numbers).
    package func append(text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// Calls `body` with the bytes appended so far; the buffer must not escape.
    package func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The bytes as a ``Secret``; the buffer is emptied (and its memory zeroed).
    package func finish() -> Secret {
        let secret = withUnsafeBytes { bytes in
            Secret(count: bytes.count) { output in
                if let base = bytes.baseAddress, bytes.count > 0 {
                    output.copyMemory(from: UnsafeRawBufferPointer(start: base, count: bytes.count))
                }
            }
        }
        if let pointer {
            sodium_memzero(pointer, count)
        }
        count = 0
        return secret
    }

    /// Makes room for `needed` bytes, doubling; the old buffer is zeroed and freed.
    private func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        // `sodium_malloc` maps whole pages (the canary included) whatever the size asked for, so the buffer takes
        // every byte of them: a response body of a few KiB fits the first region instead of growing into a
        // second and a third, each a new mapping with its own guard pages.
        let canary = SecretArena.canarySize
        var newCapacity = max(capacity, SecretArena.pageSize - canary)
        while newCapacity < needed { newCapacity = (newCapacity + canary) * 2 - canary }
        Sodium.ensureInitialized()
        guard let newPointer = sodium_malloc(newCapacity) else {
            fatalError("sodium_malloc could not allocate \(newCapacity) bytes for a secure buffer")
        }
        if let pointer {
            newPointer.copyMemory(from: pointer, byteCount: count)
            sodium_free(pointer)
        }
        pointer = newPointer
        capacity = newCapacity
    }
}

extension SecureBuffer: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always `<REDACTED>`.
    package var description: String { Secret.redacted }
    /// Always `<REDACTED>`.
    package var debugDescription: String { Secret.redacted }
    /// Hides the bytes from `dump` and debuggers.
    package var customMirror: Mirror { Mirror(self, children: ["value": Secret.redacted], displayStyle: .struct) }
}
