import FoundationEssentials

/// The shape of `[core] fernet_key`: one or more comma-separated keys (Airflow builds a `MultiFernet`, the first
/// key encrypting), each the URL-safe base64 of 32 bytes as `Fernet.generate_key()` writes it (44 characters
/// ending in `=`). Airflow's `get_fernet` splits on `,` without trimming, and `Fernet(key)` rejects a key that
/// does not decode to 32 bytes (FACTS §6, §7). What else `Fernet(key)` takes depends on the `cryptography`
/// version (42, with Airflow 2.10.5: the standard alphabet, skipped characters, extra `=`; 51, with Airflow 3.3.2:
/// a missing `=`); this form is the one every version takes (IntegrationTests/test_airflow_verdicts.py).
package enum FernetKeyText {
    /// Whether every comma-separated part is a valid key. An empty value (Airflow then stores values
    /// unencrypted) is not valid here.
    ///
    /// Stricter than Python's non-validating base64 in one respect: characters outside the URL-safe alphabet
    /// (which Python would skip) make the key invalid.
    package static func isValid(_ value: String) -> Bool {
        guard !value.isEmpty else { return false }
        return value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy(isValidKey)
    }

    /// One key: 44 URL-safe base64 characters (the last `=`) decoding to 32 bytes.
    private static func isValidKey(_ key: Substring) -> Bool {
        let scalars = Array(key.unicodeScalars)
        guard scalars.count == 44, scalars[43] == "=" else { return false }
        let alphabet = scalars[..<43].allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "_"
        }
        guard alphabet else { return false }
        let standard = String(key).replacing("-", with: "+").replacing("_", with: "/")
        return Data(base64Encoded: standard)?.count == 32
    }
}
