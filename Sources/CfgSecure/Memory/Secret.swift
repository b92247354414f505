/// Secret bytes held in libsodium-guarded memory that is zeroed when the value is released.
///
/// The bytes live in libsodium-guarded memory (``SecretArena``: small values packed into `sodium_malloc`'d chunks
/// with guard pages, a canary and `mlock` where allowed; large values in a region of their own) that is read-only
/// except while the value is being written, and zeroed when the value is released. They
/// are reachable only inside ``withUnsafeBytes(_:)``; every textual form (`description`,
/// `debugDescription`, mirrors, string interpolation) is `<REDACTED>`. `==` runs in constant time.
///
/// There is deliberately no `Codable` and no `ExpressibleByStringLiteral` conformance: a secret must
/// never be serialised by accident or be written into source code.
///
/// `@unchecked Sendable`: this class owns a C buffer. Invariant: the bytes are written only inside
/// the initialiser, are read-only (`sodium_mprotect_readonly`) afterwards and are zeroed and freed only
/// in `deinit`, so concurrent reads from any thread are safe.
package final class Secret: @unchecked Sendable {
    /// Where the bytes live; no pointer when `count == 0` (nothing to protect).
    let slot: SecretArena.Slot
    /// The number of secret bytes.
    package let count: Int

    /// Creates a secret of `count` bytes and lets `body` fill them in place.
    ///
    /// Use this to produce secret bytes (decryption, decoding, reading a file) without an
    /// intermediate copy in ordinary memory. If `body` throws, the buffer is zeroed and freed.
    ///
    /// - Parameters:
    ///   - count: the number of bytes; must not be negative.
    ///   - body: fills the whole buffer.
    package init<E: Error>(
        count: Int,
        initializingWith body: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        precondition(count >= 0, "Secret byte count must not be negative")
        let slot = SecretArena.allocate(count)
        do throws(E) {
            try body(UnsafeMutableRawBufferPointer(start: slot.pointer, count: count))
        } catch {
            SecretArena.release(slot, count: count, writing: true)
            throw error
        }
        SecretArena.finishWriting(slot)
        self.slot = slot
        self.count = count
    }

    /// Creates a secret holding a copy of `bytes`.
    ///
    /// The caller remains responsible for the source collection, which this type cannot zero.
    package convenience init(bytes: some Collection<UInt8>) {
        self.init(count: bytes.count) { buffer in
            _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
        }
    }

    /// Creates a secret holding the UTF-8 bytes of `string`.
    ///
    /// Note: the `String` itself is ordinary Swift memory and cannot be zeroed; prefer the
    /// byte-producing initialisers (files, decryption, generators) where possible.
    package convenience init(copying string: String) {
        self.init(bytes: string.utf8)
    }

    deinit {
        SecretArena.release(slot, count: count)
    }

    /// Whether the secret has no bytes.
    package var isEmpty: Bool { count == 0 }

    /// Calls `body` with read-only access to the secret bytes.
    ///
    /// The buffer is valid only during the call; do not let it escape. Copies made inside `body`
    /// are ordinary memory that this type cannot zero.
    package func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: slot.pointer, count: count))
    }

    /// The bytes decoded as UTF-8, or `nil` if they are not valid UTF-8.
    ///
    /// Note: the returned `String` is a copy in ordinary memory that cannot be zeroed. Use it only
    /// at the edge where a `String` is unavoidable (an environment variable, a rendered file).
    package func stringValue() -> String? {
        withUnsafeBytes { buffer in
            String(validating: buffer.bindMemory(to: UInt8.self), as: UTF8.self)
        }
    }
}

extension Secret: Equatable {
    /// Constant-time comparison of the bytes (`sodium_memcmp`); secrets of different lengths are
    /// unequal (the length itself is not treated as secret).
    package static func == (lhs: Secret, rhs: Secret) -> Bool {
        lhs.withUnsafeBytes { left in
            rhs.withUnsafeBytes { right in
                ConstantTime.equals(left, right)
            }
        }
    }
}

extension Secret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The marker shown instead of the value.
    package static let redacted = "<REDACTED>"

    /// Always `<REDACTED>`.
    package var description: String { Secret.redacted }

    /// Always `<REDACTED>`.
    package var debugDescription: String { Secret.redacted }

    /// A mirror whose only child is `<REDACTED>`, so `dump` and debuggers never see the bytes.
    package var customMirror: Mirror {
        Mirror(self, children: ["value": Secret.redacted], displayStyle: .struct)
    }
}

extension Secret {
    /// A new secret holding the first `length` bytes (used to trim scratch buffers).
    func prefix(_ length: Int) -> Secret {
        withUnsafeBytes { buffer in
            Secret(count: min(length, buffer.count)) { output in
                if let base = buffer.baseAddress, output.count > 0 {
                    output.copyMemory(from: UnsafeRawBufferPointer(start: base, count: output.count))
                }
            }
        }
    }
}
