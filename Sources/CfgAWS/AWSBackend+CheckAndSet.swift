import CfgBackend
import CfgSecure

/// Check-and-set writes (`expectedCurrent` = a version id), made atomic with deterministic `ClientRequestToken`s.
///
/// Secrets Manager has no conditional write, but a version id is taken at most once: the `ClientRequestToken` of
/// `PutSecretValue` becomes the new version's `VersionId`, and AWS documents that if a version with that token
/// already exists with other `SecretString`/`SecretBinary`, the request fails (versions cannot change), while the same
/// token with the same value is ignored (idempotent) — AWS API reference, `PutSecretValueRequest.ClientRequestToken`
/// (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/secretsmanager/aws.sdk.kotlin.services.secretsmanager.model/-put-secret-value-request/client-request-token.html).
/// So every writer that expects version `V` sends the token ``checkAndSetToken(secret:expectedCurrent:generation:)``
/// derived from (the secret's ARN, `V`): of writers that all saw `V` current, the first creates that version and the
/// others get `ResourceExistsException`, mapped to `.conflict` like a failed check-and-set on the other backends.
///
/// The write is: `DescribeSecret` (the current version must be `V`, else `.conflict` at once), then `PutSecretValue`
/// with the token. When the token is already taken and `V` is still current, an earlier write based on `V` took it
/// (a pending version later dropped, or `AWSCURRENT` moved back to `V`): the next *generation* of the token is used
/// (`ListSecretVersionIds` tells which are taken), again after a `DescribeSecret`, so liveness holds and the race stays
/// closed — a writer moves to a later generation only after seeing the earlier one taken and `V` still current.
/// The same token with the same bytes is "ignored": AWS returns the existing version; when that version lacks the
/// requested stages (an old version), it counts as taken too. Two writers storing byte-identical values on `V` both
/// succeed with the same single version (one write; nothing is lost). A retried request (lost answer) repeats its
/// token and bytes: a no-op.
///
/// moto (5.2.1, verified on its server) rejects a reused token with other bytes (`ResourceExistsException`), except
/// when the existing version carries `AWSPENDING`: then it replaces that version's value (it emulates the token that
/// `RotateSecret` reserves; `moto/secretsmanager/models.py`, `_check_with_existing_secrets_and_versions`). Writes that
/// attach `current` (the rotation lock and record) are atomic on moto and AWS; two *pending* writes on one `V` are
/// atomic on AWS only, and the rotation lock keeps runs from making them concurrently.
extension AWSBackend {
    /// At most this many `PutSecretValue` attempts for one check-and-set write (each after a taken token).
    static let checkAndSetAttempts = 8

    /// A check-and-set `PutSecretValue`: `stages` go on the new version only if `expectedCurrent` is current.
    func storeChecked(
        _ payload: Secret,
        at path: SecretPath,
        stages: [String],
        expectedCurrent: String
    ) async throws(BackendError) -> String {
        var generation = 0
        var taken: Set<String>?
        for _ in 0..<Self.checkAndSetAttempts {
            let secret = try await describeForCheck(path)
            guard secret.current == expectedCurrent else { throw Self.changedMeanwhile(path) }
            // The ARN names the secret the same way for every writer, whether it was given a name or an ARN.
            let name = secret.arn.isEmpty ? path.rawValue : secret.arn
            func token(_ generation: Int) -> String {
                Self.checkAndSetToken(secret: name, expectedCurrent: expectedCurrent, generation: generation)
            }
            if let versionID = try await put(payload, at: path, token: token(generation), stages: stages) {
                return versionID
            }
            // The token is taken: go on with the next generation nobody has used, after checking `V` again.
            let used: Set<String>
            if let taken {
                used = taken
            } else {
                used = Set(try await api.listSecretVersionIDs(path.rawValue).map(\.versionID))
                taken = used
            }
            generation += 1
            while used.contains(token(generation)) { generation += 1 }
        }
        throw BackendError(
            .conflict,
            backend: kind,
            path: path,
            message: "Secret '\(path)' kept changing while this change was written (\(Self.checkAndSetAttempts) "
                + "attempts). Run again."
        )
    }

    /// One `PutSecretValue` with `token`: the new version's id, or nil when the token is taken (another version has
    /// it: `ResourceExistsException`, or an old version with the same bytes that lacks `stages`).
    private func put(
        _ payload: Secret,
        at path: SecretPath,
        token: String,
        stages: [String]
    ) async throws(BackendError) -> String? {
        let call = api.writeCall(
            "PutSecretValue",
            path.rawValue,
            payload: payload,
            clientRequestToken: token,
            versionStages: stages
        )
        let root: SecureJSON.Node
        do {
            root = try await api.sendRaw(call)
        } catch .service(code: "ResourceExistsException", _, _, _) {
            return nil
        } catch .service(code: "ResourceNotFoundException", _, _, _) {
            throw Self.vanished(path)
        } catch {
            throw api.error(error, call)
        }
        guard let versionID = root["VersionId"]?.text() else {
            throw api.error(.malformed("PutSecretValue returned no VersionId"), call)
        }
        // AWS answers an ignored duplicate with the existing version's own stages.
        if let attached = root["VersionStages"]?.elements.compactMap({ $0.text() }),
            !Set(stages).isSubset(of: attached)
        {
            return nil
        }
        return versionID
    }

    /// `DescribeSecret`: the secret's ARN and the id of the version carrying `AWSCURRENT`. A missing secret is a
    /// conflict (the change expected a current version).
    private func describeForCheck(_ path: SecretPath) async throws(BackendError) -> (arn: String, current: String?) {
        do {
            let secret = try await api.describeSecret(path.rawValue)
            return (secret.arn, secret.stages.first { $0.value.contains("AWSCURRENT") }?.key)
        } catch let error where error.code == .notFound {
            throw Self.vanished(path)
        }
    }

    /// The `ClientRequestToken` every check-and-set writer on `secret` expecting `expectedCurrent` sends: the first
    /// 16 bytes of SHA-256 over a domain tag, the secret's ARN, the expected version id and the generation
    /// (NUL-separated), shaped as a UUID (version 8, RFC 9562's custom layout): 36 characters, within the API's 32–64.
    static func checkAndSetToken(secret: String, expectedCurrent: String, generation: Int) -> String {
        var input = Array("cfg check-and-set v1".utf8)
        for part in [secret, expectedCurrent, String(generation)] {
            input.append(0)
            input.append(contentsOf: part.utf8)
        }
        var bytes = Array(SHA256.hash(input).prefix(16))
        bytes[6] = (bytes[6] & 0x0f) | 0x80
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = Array(Hex.encode(bytes))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
    }

    /// The current version is not the one the change was based on.
    static func changedMeanwhile(_ path: SecretPath) -> BackendError {
        BackendError(
            .conflict,
            backend: BackendError.awsKind,
            path: path,
            message: "Secret '\(path)' changed meanwhile: its AWSCURRENT version is not the one this change was "
                + "based on. Run again."
        )
    }

    /// The secret is gone although the change expected a current version.
    static func vanished(_ path: SecretPath) -> BackendError {
        BackendError(
            .conflict,
            backend: BackendError.awsKind,
            path: path,
            message: "Secret '\(path)' does not exist, but this change expected a current version."
        )
    }
}
