package import CfgSecure

/// The value of Airflow's `[core] fernet_key` during a rotation: `new,k1,k2,…`, composed from secret bytes without a
/// `String` copy.
///
/// Airflow splits the value on commas and builds a MultiFernet: the first key encrypts, every key decrypts, spaces
/// around a key are tolerated, and an empty entry (a trailing or double comma) fails every process. So the new key goes
/// first, the old ones keep their order, entries are written without spaces and never empty, and keys beyond `keep`
/// are dropped only once the user's confirmation (`airflow rotate-fernet-key` re-encrypted everything with the new
/// key) has succeeded; without it nothing is ever dropped.
package enum FernetKeyList {
    /// The composed value and what happened to the old keys.
    package struct Composition: Sendable {
        /// `new,k1,…`: the bytes to store as the pending `fernet_key`.
        package var value: Secret
        /// How many keys `value` holds.
        package var keyCount: Int
        /// How many old keys were dropped (only with a confirmed prune).
        package var dropped: Int
        /// More keys than `keep` remain because no prune was confirmed: the report says what to run.
        package var overLimit: Bool
    }

    /// The length of a Fernet key in its text form (32 bytes in URL-safe Base64 with padding).
    static let keyLength = 44

    /// Puts `newKey` in front of the keys of `current`.
    ///
    /// - Parameters:
    ///   - newKey: one Fernet key (44 characters of URL-safe Base64).
    ///   - current: the stored `fernet_key`: keys separated by commas, spaces around them tolerated; empty when the
    ///     secret holds no key yet.
    ///   - keep: the most keys the result holds once pruning is confirmed (at least 1).
    ///   - pruneConfirmed: whether the user's confirmation succeeded after the newest current key became current; only
    ///     then are keys beyond `keep` dropped.
    /// - Throws: `RotationError` `.invalidFernetKey`, `.malformedFernetKeyList` (naming the entry's position, never its
    ///   text) or `.invalidKeep`.
    package static func compose(
        newKey: Secret,
        current: Secret,
        keep: Int,
        pruneConfirmed: Bool
    ) throws(RotationError) -> Composition {
        guard keep >= 1 else {
            throw RotationError(.invalidKeep, "A Fernet rotation must keep at least 1 key (keep: \(keep)).")
        }
        let newIsKey = newKey.withUnsafeBytes { isFernetKey($0[...]) }
        guard newIsKey else {
            throw RotationError(
                .invalidFernetKey,
                "The new Fernet key is not 32 bytes in URL-safe Base64 (44 characters); check the policy's generator."
            )
        }
        // Ranges of the old keys inside `current` (offsets only: the bytes stay in the secret's memory).
        let entries = try current.withUnsafeBytes { bytes throws(RotationError) in try keyRanges(in: bytes) }
        let kept = pruneConfirmed ? Array(entries.prefix(keep - 1)) : entries
        let length = keyLength + kept.reduce(0) { $0 + 1 + $1.count }
        let value = Secret(count: length) { output in
            newKey.withUnsafeBytes { new in
                current.withUnsafeBytes { old in
                    var offset = 0
                    func append(_ bytes: UnsafeRawBufferPointer.SubSequence) {
                        for byte in bytes {
                            output[offset] = byte
                            offset += 1
                        }
                    }
                    append(new[...])
                    for range in kept {
                        output[offset] = UInt8(ascii: ",")
                        offset += 1
                        append(old[range])
                    }
                }
            }
        }
        return Composition(
            value: value,
            keyCount: 1 + kept.count,
            dropped: entries.count - kept.count,
            overLimit: 1 + kept.count > keep
        )
    }

    /// How many keys a stored `fernet_key` holds.
    ///
    /// - Throws: `RotationError` `.malformedFernetKeyList` (naming the entry's position, never its text).
    package static func keyCount(of current: Secret) throws(RotationError) -> Int {
        try current.withUnsafeBytes { bytes throws(RotationError) in try keyRanges(in: bytes) }.count
    }

    /// `current` with only its first `keep` keys (the newest): the prune that follows a confirmation.
    ///
    /// - Throws: `RotationError` `.malformedFernetKeyList` or `.invalidKeep`.
    package static func pruned(_ current: Secret, keep: Int) throws(RotationError) -> Composition {
        guard keep >= 1 else {
            throw RotationError(.invalidKeep, "A Fernet rotation must keep at least 1 key (keep: \(keep)).")
        }
        let entries = try current.withUnsafeBytes { bytes throws(RotationError) in try keyRanges(in: bytes) }
        let kept = Array(entries.prefix(keep))
        let length = max(0, kept.reduce(0) { $0 + 1 + $1.count } - 1)
        let value = Secret(count: length) { output in
            current.withUnsafeBytes { old in
                var offset = 0
                for (index, range) in kept.enumerated() {
                    if index > 0 {
                        output[offset] = UInt8(ascii: ",")
                        offset += 1
                    }
                    for byte in old[range] {
                        output[offset] = byte
                        offset += 1
                    }
                }
            }
        }
        return Composition(value: value, keyCount: kept.count, dropped: entries.count - kept.count, overLimit: false)
    }

    /// The byte ranges of the keys in a stored `fernet_key`, spaces around them trimmed; empty for an empty or
    /// blank value.
    static func keyRanges(in bytes: UnsafeRawBufferPointer) throws(RotationError) -> [Range<Int>] {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard bytes.contains(where: { !isSpace($0) }) else { return [] }
        var ranges: [Range<Int>] = []
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: ",") {
            var lower = start
            var upper = index
            while lower < upper, isSpace(bytes[lower]) { lower += 1 }
            while upper > lower, isSpace(bytes[upper - 1]) { upper -= 1 }
            let position = ranges.count + 1
            guard lower < upper else {
                throw RotationError(
                    .malformedFernetKeyList,
                    "The stored fernet_key has an empty entry at position \(position) (a trailing or double comma), "
                        + "which Airflow rejects; store the keys separated by single commas, then rotate again."
                )
            }
            guard isFernetKey(bytes[lower..<upper]) else {
                throw RotationError(
                    .malformedFernetKeyList,
                    "Entry \(position) of the stored fernet_key is not a Fernet key (44 characters of URL-safe "
                        + "Base64); correct the stored value, then rotate again."
                )
            }
            ranges.append(lower..<upper)
            start = index + 1
        }
        return ranges
    }

    /// Whether the bytes are a Fernet key's text: 43 URL-safe Base64 characters and `=`.
    static func isFernetKey(_ bytes: UnsafeRawBufferPointer.SubSequence) -> Bool {
        guard bytes.count == keyLength, bytes.last == UInt8(ascii: "=") else { return false }
        return bytes.dropLast().allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
    }
}
