internal import CSodium

extension Sodium {
    /// The version of the libsodium the process runs with (`sodium_version_string()`, e.g. `1.0.18`), for
    /// `cfg version`.
    package static var version: String {
        String(cString: sodium_version_string())
    }
}
