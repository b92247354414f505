import CfgConfig
import CfgEngine
package import CfgRotation
package import CfgSecure

/// Makes a rotation's new value from the current one, in secure memory.
///
/// - A whole secret gets a fresh value from the policy's generator; a Fernet secret gets `new,old,…`
///   (``FernetKeyList``: old keys are never dropped here, only by a confirmed prune).
/// - A key of a JSON secret is replaced in place: every other member is copied byte for byte, the key's declared
///   `prefix` is kept, and a missing key is added at the end. With `strategy: alternate` the `username` member
///   switches to the other role.
package enum PendingValue {
    /// The runner's generator for `planned`.
    package static func generator(for planned: PlannedRotation) -> RotationRunner.Generator {
        let policy = planned.policy
        let prefix = prefix(of: planned)
        let switchRoles: [String]? =
            if case .postgres(let postgres) = policy.apply, postgres.strategy == .alternate { postgres.roles } else {
                nil
            }
        return { current in
            guard let key = policy.key else {
                return try newValue(replacing: current, generator: policy.generator, keep: policy.keep, prefix: "")
            }
            return try replacing(key, in: current, roles: switchRoles) { old in
                try newValue(
                    replacing: old ?? Secret(copying: ""),
                    generator: policy.generator,
                    keep: policy.keep,
                    prefix: prefix
                )
            }
        }
    }

    /// The new value of one field (or of a whole secret).
    static func newValue(replacing old: Secret, generator: GeneratorSpec, keep: Int, prefix: String) throws -> Secret {
        let fresh = try generator.generate()
        if generator == .fernet {
            return try FernetKeyList.compose(newKey: fresh, current: old, keep: keep, pruneConfirmed: false).value
        }
        guard !prefix.isEmpty else { return fresh }
        let head = Array(prefix.utf8)
        return Secret(count: head.count + fresh.count) { output in
            output.copyBytes(from: head)
            fresh.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: output[head.count...]).copyMemory(from: bytes)
            }
        }
    }

    /// `current` (a JSON object) with `key` replaced by `make(old value)`, and `username` switched between `roles`.
    ///
    /// - Throws: ``PendingValueError`` when `current` is not a JSON object or a replaced member is not a string.
    static func replacing(
        _ key: String,
        in current: Secret,
        roles: [String]?,
        make: (Secret?) throws -> Secret
    ) throws -> Secret {
        let document: SecureJSON
        do {
            document = try SecureJSON(parsing: current)
        } catch {
            throw PendingValueError("the current value is not a JSON object, so its key '\(key)' cannot be replaced")
        }
        guard document.root.kind == .object else {
            throw PendingValueError("the current value is not a JSON object, so its key '\(key)' cannot be replaced")
        }
        let old = document.root[key]
        if let old, old.kind != .string, !old.isNull {
            throw PendingValueError("the key '\(key)' of the current value is not a string")
        }
        let value = try make(old?.secretString())
        return try document.root.settingString(key, to: value) { name, member in
            guard name == "username", let roles, roles.count == 2 else { return nil }
            return member.text() == roles[0] ? roles[1] : roles[0]
        }
    }

    /// The `prefix:` the secret's declaration gives the rotated key (`flower:` for Flower's basic auth).
    static func prefix(of planned: PlannedRotation) -> String {
        guard let key = planned.key, case .keys(let keys)? = planned.declaration.generation else { return "" }
        return keys.first { $0.key == key }?.prefix ?? ""
    }
}

/// Why a pending value could not be made: a sentence naming keys, never a value.
package struct PendingValueError: Error, CustomStringConvertible, Sendable {
    package let description: String

    init(_ description: String) { self.description = description }
}
