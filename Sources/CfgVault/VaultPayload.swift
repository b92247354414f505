import CfgBackend
import CfgSecure

/// How a secret's bytes are kept in Vault, whose KV engines store a JSON object per version.
///
/// A payload that is a JSON object is stored as that object, so `vault kv get` shows its keys and secrets written
/// by other tools read as they are. Any other payload (plain text, binary) is stored as
/// `{"cfg_payload_base64": "<standard base64>"}`, and read back to the same bytes. A JSON object comes back as an
/// equal object, re-encoded by Vault (sorted keys, `<>&` escaped as `\u003c…`).
enum VaultPayload {
    static let base64Key = "cfg_payload_base64"

    /// The `data` object to store for a payload.
    static func dataObject(for payload: Secret) -> Secret {
        if SecureJSON.isObject(payload) { return payload }
        let writer = SecureJSONWriter()
        writer.beginObject()
        writer.key(base64Key)
        // Base64 output is ASCII, so writing it as a JSON string cannot fail.
        try? writer.string(Base64Codec.encode(payload, variant: .standard))
        writer.endObject()
        return writer.finish()
    }

    /// The payload a stored `data` object stands for.
    static func payload(from data: SecureJSON.Node, call: VaultCall) throws(BackendError) -> Secret {
        guard data.kind == .object else {
            throw .vaultMalformedAnswer(call, detail: "the secret's data is not an object")
        }
        let members = data.members
        if members.count == 1, members[0].key == base64Key, let encoded = members[0].value.secretString() {
            do {
                return try Base64Codec.decode(encoded, variant: .standard)
            } catch {
                throw .vaultMalformedAnswer(call, detail: "\(base64Key) is not base64")
            }
        }
        return data.rawBytes()
    }
}
