internal import CSodium

/// Comparisons whose running time does not depend on the bytes compared.
package enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes, compared with `sodium_memcmp`.
    ///
    /// Collections of different lengths are unequal; only the contents are compared in constant
    /// time, the lengths are not secret.
    package static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        withContiguousBytes(a) { left in
            withContiguousBytes(b) { right in
                equals(left, right)
            }
        }
    }

    /// ``equals(_:_:)`` for two arrays, without the generic path (the credentials check compares every secret
    /// leaf with every decoded URI part).
    package static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { left in b.withUnsafeBytes { right in equals(left, right) } }
    }

    /// Whether two raw buffers hold the same bytes, in constant time for equal lengths.
    static func equals(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
        guard left.count == right.count else { return false }
        guard left.count > 0, let l = left.baseAddress, let r = right.baseAddress else { return true }
        Sodium.ensureInitialized()
        return sodium_memcmp(l, r, left.count) == 0
    }
}

/// Whether `a` and `b` hold the same bytes, in constant time (see ``ConstantTime/equals(_:_:)``).
package func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    ConstantTime.equals(a, b)
}

/// ``constantTimeEquals(_:_:)`` for two arrays.
package func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    ConstantTime.equals(a, b)
}
