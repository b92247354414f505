import CfgSecure
package import Testing

/// Canary secrets for leak tests: a unique value that must never show up in output, logs or errors.
package enum Canary {
    /// A fresh canary: a unique `CANARY-<hex>` token followed by every character that breaks a naive renderer
    /// (`@ : / % # ? & + ' " =`, a space, `$ \ ! * ( )` and non-ASCII).
    package static func make() -> String {
        "\(tokenPrefix)\(Hex.encode(SecureRandom.bytes(count: tokenByteCount)))-p@ss:/w%rd#?&+'\"= $\\!*()é"
    }

    /// Expects that neither the canary nor its unique token (which survives JSON escaping and percent-encoding)
    /// occurs in any of `texts`.
    ///
    /// Failures name the index of the offending text, never the text itself.
    package static func assertAbsent(
        _ canary: String,
        in texts: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let token = self.token(of: canary)
        for (index, text) in texts.enumerated() {
            let leaked = text.contains(canary) || text.contains(token)
            #expect(!leaked, "text #\(index) contains the canary", sourceLocation: sourceLocation)
        }
    }

    /// The start of every canary.
    static let tokenPrefix = "CANARY-"
    /// The random bytes in a canary's token (hex-encoded).
    static let tokenByteCount = 8

    /// The unique `CANARY-<hex>` part of a canary.
    static func token(of canary: String) -> String {
        String(canary.prefix(tokenPrefix.count + 2 * tokenByteCount))
    }
}
