import CfgBackend
import CfgSecure
import FoundationEssentials

/// One secret version as an API response gives it.
struct SecretValue: Sendable {
    var arn: String
    var name: String
    var versionID: String
    var versionStages: [String]
    var createdDate: Date
    /// `SecretString` as UTF-8 bytes, or `SecretBinary` decoded.
    var payload: Secret
}

/// A version in `ListSecretVersionIds`.
struct SecretVersionEntry: Sendable {
    var versionID: String
    var versionStages: [String]
    var createdDate: Date
}

/// The Secrets Manager operations cfg uses, with their request and response shapes (botocore's model,
/// `secretsmanager/2017-10-17`). Failures are ``BackendError``s naming the secret, except where a caller needs the
/// service's code (``SecretsManagerFailure``).
struct SecretsManagerAPI: Sendable {
    var client: SecretsManagerClient

    /// Sends a call; a failure becomes the standard sentence.
    func send(_ call: SecretsManagerCall) async throws(BackendError) -> SecureJSON.Node {
        do {
            return try await sendRaw(call)
        } catch {
            throw .aws(error, call: call, endpoint: client.endpoint)
        }
    }

    /// Sends a call and parses the answer; a failure keeps the service's code for the caller.
    func sendRaw(_ call: SecretsManagerCall) async throws(SecretsManagerFailure) -> SecureJSON.Node {
        let body = try await client.send(call)
        do {
            let document = try SecureJSON(parsing: body)
            guard document.root.kind == .object else { throw SecretsManagerFailure.malformed("not a JSON object") }
            return document.root
        } catch let failure as SecretsManagerFailure {
            throw failure
        } catch {
            throw .malformed("the body is not JSON")
        }
    }

    func error(_ failure: SecretsManagerFailure, _ call: SecretsManagerCall) -> BackendError {
        .aws(failure, call: call, endpoint: client.endpoint)
    }

    // MARK: - Calls

    /// `GetSecretValue`, by stage or by version id (not both).
    func getSecretValueCall(_ secretID: String, versionStage: String?, versionID: String?) -> SecretsManagerCall {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("SecretId")
        writer.string(secretID)
        if let versionID {
            writer.key("VersionId")
            writer.string(versionID)
        }
        if let versionStage {
            writer.key("VersionStage")
            writer.string(versionStage)
        }
        writer.endObject()
        return SecretsManagerCall(
            operation: "GetSecretValue",
            body: writer.finish(),
            subject: "secret '\(secretID)'",
            path: SecretPath(secretID)
        )
    }

    /// `BatchGetSecretValue` for up to 20 ids (the current version of each).
    func batchGetSecretValueCall(_ secretIDs: [String], nextToken: String?) -> SecretsManagerCall {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("SecretIdList")
        writer.beginArray()
        for id in secretIDs { writer.string(id) }
        writer.endArray()
        if let nextToken {
            writer.key("NextToken")
            writer.string(nextToken)
        }
        writer.endObject()
        let subject = secretIDs.count == 1 ? "secret '\(secretIDs[0])'" : "a batch of \(secretIDs.count) secrets"
        return SecretsManagerCall(operation: "BatchGetSecretValue", body: writer.finish(), subject: subject)
    }

    /// A call whose body is `{"SecretId": id}` plus plain string fields.
    func simpleCall(_ operation: String, _ secretID: String, _ fields: [(String, String)] = []) -> SecretsManagerCall {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("SecretId")
        writer.string(secretID)
        for (key, value) in fields {
            writer.key(key)
            writer.string(value)
        }
        writer.endObject()
        return SecretsManagerCall(
            operation: operation,
            body: writer.finish(),
            subject: "secret '\(secretID)'",
            path: SecretPath(secretID)
        )
    }

    /// `CreateSecret` (with a fresh idempotency token and `creation`'s description, KMS key and tags) or
    /// `PutSecretValue` with explicit stages.
    func writeCall(
        _ operation: String,
        _ secretID: String,
        payload: Secret,
        clientRequestToken: String,
        versionStages: [String]?,
        creation: SecretCreationOptions? = nil
    ) -> SecretsManagerCall {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key(operation == "CreateSecret" ? "Name" : "SecretId")
        writer.string(secretID)
        writer.key("ClientRequestToken")
        writer.string(clientRequestToken)
        Self.writePayload(payload, to: writer)
        if let creation {
            if let description = creation.secretDescription {
                writer.key("Description")
                writer.string(description)
            }
            if let kmsKeyID = creation.kmsKeyID {
                writer.key("KmsKeyId")
                writer.string(kmsKeyID)
            }
            if !creation.tags.isEmpty {
                writer.key("Tags")
                writer.beginArray()
                for tag in creation.tags {
                    writer.beginObject()
                    writer.key("Key")
                    writer.string(tag.key)
                    writer.key("Value")
                    writer.string(tag.value)
                    writer.endObject()
                }
                writer.endArray()
            }
        }
        if let versionStages {
            writer.key("VersionStages")
            writer.beginArray()
            for stage in versionStages { writer.string(stage) }
            writer.endArray()
        }
        writer.endObject()
        return SecretsManagerCall(
            operation: operation,
            body: writer.finish(),
            subject: "secret '\(secretID)'",
            path: SecretPath(secretID)
        )
    }

    /// UTF-8 text goes in `SecretString` (as the console and every SDK store it); other bytes in `SecretBinary`.
    static func writePayload(_ payload: Secret, to writer: SecureJSONWriter) {
        if SecureJSON.isValidUTF8(payload) {
            writer.key("SecretString")
        } else {
            writer.key("SecretBinary")
        }
        let value = SecureJSON.isValidUTF8(payload) ? payload : Base64Codec.encode(payload, variant: .standard)
        // Both are valid UTF-8 by now, so the writer cannot refuse them.
        try? writer.string(value)
    }

    // MARK: - Operations

    /// Sends a `GetSecretValue` call (built by ``getSecretValueCall(_:versionStage:versionID:)``, which the caller
    /// keeps for its error message) and reads the version.
    func getSecretValue(_ call: SecretsManagerCall) async throws(SecretsManagerFailure) -> SecretValue {
        try Self.secretValue(try await sendRaw(call))
    }

    /// A `SecretValues[]` entry or a `GetSecretValue` answer.
    static func secretValue(_ node: SecureJSON.Node) throws(SecretsManagerFailure) -> SecretValue {
        guard let arn = node["ARN"]?.text(), let versionID = node["VersionId"]?.text() else {
            throw .malformed("a secret value without ARN or VersionId")
        }
        let payload: Secret
        if let string = node["SecretString"], let text = string.secretString() {
            payload = text
        } else if let binary = node["SecretBinary"]?.secretString() {
            do {
                payload = try Base64Codec.decode(binary, variant: .standard)
            } catch {
                throw .malformed("SecretBinary is not base64")
            }
        } else {
            throw .malformed("a secret value with neither SecretString nor SecretBinary")
        }
        return SecretValue(
            arn: arn,
            name: node["Name"]?.text() ?? "",
            versionID: versionID,
            versionStages: node["VersionStages"]?.elements.compactMap { $0.text() } ?? [],
            createdDate: Date(timeIntervalSince1970: node["CreatedDate"]?.double() ?? 0),
            payload: payload
        )
    }

    /// The most pages a `BatchGetSecretValue` for `count` secrets may take: one per secret, and one more.
    static func maxBatchPages(for count: Int) -> Int { count + 1 }

    /// The most pages `ListSecretVersionIds` may take: 100 pages of 100 versions, far past the service's quota of
    /// versions per secret.
    static let maxListPages = 100

    /// `BatchGetSecretValue`: the values and, per secret, the error code of those that failed.
    func batchGetSecretValue(
        _ secretIDs: [String]
    ) async throws(SecretsManagerFailure) -> (values: [SecretValue], errors: [(secretID: String, code: String)]) {
        var values: [SecretValue] = []
        var errors: [(secretID: String, code: String)] = []
        var nextToken: String?
        var pages = 0
        repeat {
            // Each page answers at least one of the secrets asked for: a server that keeps sending a NextToken
            // past that is not Secrets Manager, and would otherwise be asked forever.
            pages += 1
            guard pages <= Self.maxBatchPages(for: secretIDs.count) else {
                throw .malformed("a NextToken after \(pages - 1) pages for \(secretIDs.count) secrets")
            }
            let root = try await sendRaw(batchGetSecretValueCall(secretIDs, nextToken: nextToken))
            for node in root["SecretValues"]?.elements ?? [] {
                values.append(try Self.secretValue(node))
            }
            for node in root["Errors"]?.elements ?? [] {
                guard let id = node["SecretId"]?.text() else { continue }
                let code = node["ErrorCode"]?.text().flatMap(SecretsManagerClient.plausibleCode)
                errors.append((id, code ?? "UnknownError"))
            }
            nextToken = root["NextToken"]?.text().flatMap { $0.isEmpty ? nil : $0 }
        } while nextToken != nil
        return (values, errors)
    }

    /// `DescribeSecret`: the ARN and which stages each version carries.
    func describeSecret(_ secretID: String) async throws(BackendError) -> (arn: String, stages: [String: [String]]) {
        let root = try await send(simpleCall("DescribeSecret", secretID))
        var stages: [String: [String]] = [:]
        for (versionID, labels) in root["VersionIdsToStages"]?.members ?? [] {
            stages[versionID] = labels.elements.compactMap { $0.text() }
        }
        return (root["ARN"]?.text() ?? "", stages)
    }

    /// `ListSecretVersionIds` with deprecated (unlabelled) versions, every page.
    func listSecretVersionIDs(_ secretID: String) async throws(BackendError) -> [SecretVersionEntry] {
        var entries: [SecretVersionEntry] = []
        var nextToken: String?
        var pages = 0
        repeat {
            pages += 1
            guard pages <= Self.maxListPages else {
                let call = listCall(secretID, nextToken: nextToken)
                throw .aws(
                    .malformed("a NextToken after \(Self.maxListPages) pages of 100 versions"),
                    call: call,
                    endpoint: client.endpoint
                )
            }
            let root = try await send(listCall(secretID, nextToken: nextToken))
            for node in root["Versions"]?.elements ?? [] {
                guard let id = node["VersionId"]?.text() else { continue }
                entries.append(
                    SecretVersionEntry(
                        versionID: id,
                        versionStages: node["VersionStages"]?.elements.compactMap { $0.text() } ?? [],
                        createdDate: Date(timeIntervalSince1970: node["CreatedDate"]?.double() ?? 0)
                    )
                )
            }
            nextToken = root["NextToken"]?.text().flatMap { $0.isEmpty ? nil : $0 }
        } while nextToken != nil
        return entries
    }

    private func listCall(_ secretID: String, nextToken: String?) -> SecretsManagerCall {
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key("SecretId")
        writer.string(secretID)
        writer.key("IncludeDeprecated")
        writer.bool(true)
        writer.key("MaxResults")
        writer.number(100)
        if let nextToken {
            writer.key("NextToken")
            writer.string(nextToken)
        }
        writer.endObject()
        return SecretsManagerCall(
            operation: "ListSecretVersionIds",
            body: writer.finish(),
            subject: "secret '\(secretID)'",
            path: SecretPath(secretID)
        )
    }

    /// `UpdateSecretVersionStage`: moves `stage` to `moveTo` (nil: only removes it) from `removeFrom`.
    func updateSecretVersionStage(
        _ secretID: String,
        stage: String,
        moveTo: String?,
        removeFrom: String?
    ) async throws(SecretsManagerFailure) {
        var fields = [("VersionStage", stage)]
        if let moveTo { fields.append(("MoveToVersionId", moveTo)) }
        if let removeFrom { fields.append(("RemoveFromVersionId", removeFrom)) }
        _ = try await sendRaw(simpleCall("UpdateSecretVersionStage", secretID, fields))
    }
}
