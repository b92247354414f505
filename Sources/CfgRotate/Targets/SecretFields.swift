import CfgBackend
import CfgEngine
import CfgSecure

/// The non-secret fields of a secret's current value that say where its target is (`host`, `port`, `dbname`).
struct SecretFields {
    private let document: SecureJSON?

    /// Reads the current version of `path`; a value that is not a JSON object has no fields.
    static func read(_ path: SecretPath, backend: any SecretBackend) async throws(EngineError) -> SecretFields {
        let payload: Secret
        do {
            payload = try await backend.fetch(SecretRequest(path: path)).payload
        } catch {
            throw EngineError(.backend, error.description)
        }
        return SecretFields(document: try? SecureJSON(parsing: payload))
    }

    /// A string field (`"host": "db.internal"`).
    func text(_ key: String) -> String? {
        document?.root.at(key)?.text()
    }

    /// An integer field, written as a number or as a string of digits (`"port": "5432"`).
    func int(_ key: String) -> Int? {
        guard let node = document?.root.at(key) else { return nil }
        return node.int() ?? node.text().flatMap { Int($0) }
    }
}
