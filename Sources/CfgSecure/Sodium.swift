internal import CSodium

/// The one place that makes sure libsodium is initialised before any other call into it.
///
/// `sodium_init()` must run once before anything else in libsodium is used. A global `let` is
/// initialised lazily and exactly once by the Swift runtime (`swift_once`), which gives the
/// thread-safe "once" without a lock of our own.
package enum Sodium {
    /// Initialises libsodium if that has not happened yet. Cheap after the first call.
    static func ensureInitialized() {
        precondition(sodiumInitialized, "libsodium could not be initialised (sodium_init failed)")
    }
}

/// `sodium_init()` returns 0 on first success, 1 if already initialised, -1 on failure.
private let sodiumInitialized: Bool = sodium_init() >= 0

/// Calls `body` with a contiguous view of `bytes`, copying into a temporary array only when the
/// collection has no contiguous storage.
///
/// The temporary copy is zeroed before it is released, because the bytes may be secret.
func withContiguousBytes<C: Collection<UInt8>, R, E: Error>(
    _ bytes: C,
    _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
    let direct: Result<R, E>? = bytes.withContiguousStorageIfAvailable { buffer in
        do throws(E) {
            return .success(try body(UnsafeRawBufferPointer(buffer)))
        } catch {
            return .failure(error)
        }
    }
    if let direct {
        return try direct.get()
    }
    var copy = Array(bytes)
    defer {
        copy.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) }
    }
    let result: Result<R, E> = copy.withUnsafeBytes { buffer in
        do throws(E) {
            return .success(try body(buffer))
        } catch {
            return .failure(error)
        }
    }
    return try result.get()
}

/// A valid address handed to C for empty buffers, whose `baseAddress` is `nil`.
///
/// libsodium declares its pointer parameters non-null even when the length is 0; with a length of
/// 0 it never reads or writes through them. Never written, so sharing it is safe.
nonisolated(unsafe) private let placeholderByte: UnsafeMutablePointer<UInt8> = {
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
}()

extension UnsafeRawBufferPointer {
    /// The start as a byte pointer for C, never `nil` (a placeholder for an empty buffer).
    var bytePointer: UnsafePointer<UInt8> {
        baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(placeholderByte)
    }

    /// The start as a `char` pointer for C, never `nil`.
    var charPointer: UnsafePointer<CChar> {
        UnsafeRawPointer(bytePointer).assumingMemoryBound(to: CChar.self)
    }
}

extension UnsafeMutableRawBufferPointer {
    /// The start as a byte pointer for C, never `nil` (a placeholder for an empty buffer).
    var bytePointer: UnsafeMutablePointer<UInt8> {
        baseAddress?.assumingMemoryBound(to: UInt8.self) ?? placeholderByte
    }

    /// The start as a `char` pointer for C, never `nil`.
    var charPointer: UnsafeMutablePointer<CChar> {
        UnsafeMutableRawPointer(bytePointer).assumingMemoryBound(to: CChar.self)
    }
}
