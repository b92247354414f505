/// How the `bytes` generator writes its random bytes (`encoding:`).
package enum ByteEncoding: String, Sendable, Hashable, CaseIterable {
    case hex
    case base64
    case base64url
}
