package import CfgBackend
package import CfgConfig
package import CfgSecure
import CfgSuggestion
package import Logging

/// `cfg set ENV NAME[.KEY]`: stores a value you already have (a webhook, a managed password) as the new current
/// version of a declared secret, with check-and-set.
///
/// - `NAME.KEY` sets one key of a JSON secret: the current version is read, the key is replaced where it stands
///   (or added at the end), every other member is copied byte for byte, and the result is stored only if that
///   version is still current. A secret that does not exist yet becomes `{"KEY": value}`. When the environment
///   file declares the secret's `keys`, only those keys can be set.
/// - `NAME` sets the whole secret, stored only if the version current when it was looked at still is (or, for a
///   new secret, if nobody created it meanwhile). With `json`, the value must be a JSON object (stored as written,
///   without surrounding white space); a secret that declares `keys` can only be set that way or key by key.
///
/// Dynamic secrets (issued by the backend) and secrets pinned to a `version:` cannot be set. The value stays in
/// ``Secret`` memory throughout; errors and logs name the secret, its path and keys, never a byte of the value.
package struct SecretSetter: Sendable {
    package var environment: EnvironmentFile
    package var backend: any SecretBackend
    package var logger: Logger

    package init(environment: EnvironmentFile, backend: any SecretBackend, logger: Logger) {
        self.environment = environment
        self.backend = backend
        self.logger = logger
    }

    /// How the value is taken.
    package struct Options: Sendable, Hashable {
        /// The value is a whole secret given as a JSON object.
        package var json: Bool
        /// An empty value is stored rather than refused (an empty value is usually a mistake: an unset variable).
        package var allowEmpty: Bool

        package init(json: Bool = false, allowEmpty: Bool = false) {
            self.json = json
            self.allowEmpty = allowEmpty
        }
    }

    /// What was stored, for the success line (names and a version id only).
    package struct Outcome: Sendable, Hashable {
        package var target: SecretTarget
        package var path: SecretPath
        /// The new current version.
        package var versionID: String
        /// Whether the secret did not exist before.
        package var created: Bool
    }

    /// Stores `value` as `target`'s new current version.
    ///
    /// - Throws: `EngineError`: `.unresolved` for an undeclared secret or key; `.usage` for a dynamic or pinned
    ///   secret, `NAME` for a secret set key by key, `--json` with a key; `.configuration` for an empty value
    ///   (unless allowed), a key value that is not UTF-8, a `--json` value that is not an object, or a current
    ///   value that is not a JSON object; `.conflict` when another writer changed the secret meanwhile;
    ///   `.backend` for any other backend failure.
    package func set(_ target: SecretTarget, to value: Secret, options: Options) async throws(EngineError) -> Outcome {
        let declaration = try Self.validate(target, options: options, in: environment)
        let declaredKeys = Self.declaredKeys(declaration)
        if value.isEmpty && !options.allowEmpty {
            throw EngineError(
                .configuration,
                "the value for '\(target)' is empty (nothing on standard input, or an empty file); nothing was "
                    + "stored. Pass --allow-empty to store an empty value."
            )
        }
        let path = SecretPath(declaration.path)
        let (payload, expected): (Secret, String)
        if let key = target.key {
            (payload, expected) = try await settingKey(key, of: target, at: path, to: value)
        } else {
            payload = options.json ? try Self.object(value, target: target, declaredKeys: declaredKeys) : value
            expected = try await currentVersion(of: target, at: path)
        }
        let versionID: String
        do {
            versionID = try await backend.store(payload, at: path, labels: [.current], expectedCurrent: expected)
        } catch  where error.code == .conflict {
            throw EngineError(
                .conflict,
                "secret '\(target.name)' (\(path)) changed while cfg set ran (check-and-set failed): nothing was "
                    + "stored. Run cfg set again."
            )
        } catch {
            throw EngineError(.backend, error.description)
        }
        logger.info(
            "set secret",
            metadata: ["name": "\(target)", "path": "\(path)", "version": "\(versionID)", "backend": "\(backend.kind)"]
        )
        return Outcome(target: target, path: path, versionID: versionID, created: expected.isEmpty)
    }

    /// Checks, from the environment file alone, that `target` can be set with `options`: the refusals of
    /// ``set(_:to:options:)`` that need no value and no backend, so a command can make them before reading a value.
    ///
    /// - Returns: the secret's declaration.
    /// - Throws: `EngineError` `.unresolved` (an undeclared secret or key) or `.usage`.
    @discardableResult
    package static func validate(
        _ target: SecretTarget,
        options: Options,
        in environment: EnvironmentFile
    ) throws(EngineError) -> SecretDeclaration {
        let declaration = try declaration(for: target, in: environment)
        try check(target, declaration: declaration, declaredKeys: declaredKeys(declaration), options: options)
        return declaration
    }

    /// The declaration of `target`'s secret, or an unresolved error with a did-you-mean.
    private static func declaration(
        for target: SecretTarget,
        in environment: EnvironmentFile
    ) throws(EngineError) -> SecretDeclaration {
        if let declaration = environment.secret(named: target.name) { return declaration }
        let names = environment.secrets.map(\.name)
        let hint = Suggestion.closest(to: target.name, among: names).map { " (did you mean '\($0)'?)" } ?? ""
        let known = names.isEmpty ? "it declares no secrets" : "its secrets: \(names.joined(separator: ", "))"
        throw EngineError(.unresolved, "\(environment.file): no secret named '\(target.name)'\(hint); \(known)")
    }

    /// The keys the environment file declares for a JSON secret (empty when it declares none).
    static func declaredKeys(_ declaration: SecretDeclaration) -> [String] {
        guard case .keys(let keys)? = declaration.generation else { return [] }
        return keys.map(\.key)
    }

    /// Refuses what cannot be set: a dynamic or pinned secret, an undeclared key, the wrong form for the secret.
    private static func check(
        _ target: SecretTarget,
        declaration: SecretDeclaration,
        declaredKeys: [String],
        options: Options
    ) throws(EngineError) {
        let name = target.name
        if declaration.dynamic {
            throw EngineError(
                .usage,
                "secret '\(name)' is dynamic: the backend issues new credentials on every read, so it cannot be set"
            )
        }
        if let version = declaration.version {
            throw EngineError(
                .usage,
                "secret '\(name)' is pinned to version '\(version)' (\(declaration.position)): cfg set writes a new "
                    + "current version, which this environment does not read. Remove 'version:' to set it."
            )
        }
        if let key = target.key {
            if options.json {
                throw EngineError(
                    .usage,
                    "--json sets a whole secret from a JSON object: use 'cfg set ENV \(name) --json', or set the "
                        + "key '\(key)' without --json"
                )
            }
            try checkDeclared([key], of: name, declaredKeys: declaredKeys)
        } else if !declaredKeys.isEmpty && !options.json {
            throw EngineError(
                .usage,
                "secret '\(name)' is a JSON secret with the keys \(declaredKeys.joined(separator: ", ")): set one "
                    + "key with 'cfg set ENV \(name).KEY', or the whole object with --json"
            )
        }
    }

    /// Refuses keys the declaration does not list (when it lists any), with a did-you-mean.
    static func checkDeclared(_ keys: [String], of name: String, declaredKeys: [String]) throws(EngineError) {
        guard !declaredKeys.isEmpty else { return }
        for key in keys where !declaredKeys.contains(key) {
            let hint = Suggestion.closest(to: key, among: declaredKeys).map { " (did you mean '\($0)'?)" } ?? ""
            throw EngineError(
                .unresolved,
                "secret '\(name)' declares no key '\(key)'\(hint); its keys: \(declaredKeys.joined(separator: ", "))"
            )
        }
    }

    /// A `--json` value as stored: a JSON object, as written without the white space around it.
    static func object(_ value: Secret, target: SecretTarget, declaredKeys: [String]) throws(EngineError) -> Secret {
        let document: SecureJSON
        do {
            document = try SecureJSON(parsing: value, maxDepth: SecretResolver.maximumDepth)
        } catch {
            throw EngineError(.configuration, "the value for '\(target)' is not a JSON object: \(error.description)")
        }
        guard document.root.kind == .object else {
            throw EngineError(
                .configuration,
                "the value for '\(target)' is JSON but not an object ({\"KEY\": \"value\", …}): --json sets a "
                    + "secret's keys"
            )
        }
        try checkDeclared(document.root.members.map(\.key), of: target.name, declaredKeys: declaredKeys)
        return document.root.rawBytes()
    }

    /// The current version's id, or "" when the secret does not exist yet.
    private func currentVersion(of target: SecretTarget, at path: SecretPath) async throws(EngineError) -> String {
        do {
            return try await backend.fetchMetadata(path).version(labelled: .current)?.versionID ?? ""
        } catch  where error.code == .notFound {
            return ""
        } catch {
            throw EngineError(.backend, error.description)
        }
    }

    /// The secret with `key` set to `value` and the version it was built from ("" for a new secret).
    private func settingKey(
        _ key: String,
        of target: SecretTarget,
        at path: SecretPath,
        to value: Secret
    ) async throws(EngineError) -> (Secret, String) {
        if !SecureJSON.isValidUTF8(value) {
            throw EngineError(
                .configuration,
                "the value for '\(target)' is not valid UTF-8 text, so it cannot be a key of a JSON secret; "
                    + "encode it (base64) or set a whole secret without a key"
            )
        }
        let current: SecretVersion?
        do {
            current = try await backend.fetch(SecretRequest(path: path))
        } catch  where error.code == .notFound {
            current = nil
        } catch {
            throw EngineError(.backend, error.description)
        }
        guard let current else {
            return (try Self.settingString(key, in: nil, to: value), "")
        }
        guard let document = try? SecureJSON(parsing: current.payload, maxDepth: SecretResolver.maximumDepth),
            document.root.kind == .object
        else {
            throw EngineError(
                .configuration,
                "secret '\(target.name)' (\(path)) holds a value that is not a JSON object, so its key '\(key)' "
                    + "cannot be set; set the whole secret instead ('cfg set ENV \(target.name)', with --json for "
                    + "an object)"
            )
        }
        return (try Self.settingString(key, in: document, to: value), current.versionID)
    }

    /// `document`'s object (or an empty one) with `key` set to `value`.
    static func settingString(_ key: String, in document: SecureJSON?, to value: Secret) throws(EngineError) -> Secret {
        do {
            if let document { return try document.root.settingString(key, to: value) }
            return try SecureJSON.object([(key, value)])
        } catch {
            // Not reached for a value checked to be UTF-8; the error holds an offset, no byte of the value.
            throw EngineError(.configuration, "the value for '\(key)' cannot be a JSON string: \(error.description)")
        }
    }
}
