import CfgSecure
import FoundationEssentials

/// Small text helpers of the credential providers: trimming, error codes fit for messages and tokens read from
/// files.
enum CredentialText {
    /// Without leading and trailing spaces and tabs.
    static func trimmed(_ text: String) -> String {
        var slice = Substring(text)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }

    /// An error code from a response (`AccessDenied`), if it looks like one: letters, digits and `._:-`, at most
    /// 64 characters. Anything else is not repeated in a message, since it might be a reflected token.
    static func errorCode(_ text: String?) -> String? {
        guard let text, !text.isEmpty, text.count <= 64,
            text.unicodeScalars.allSatisfy({
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._:-".unicodeScalars.contains($0))
            })
        else { return nil }
        return text
    }

    /// A secret's bytes without leading and trailing white space (files usually end with a newline).
    static func trimmed(_ secret: Secret) -> Secret {
        secret.withUnsafeBytes { bytes in
            var lower = 0
            var upper = bytes.count
            while lower < upper, isWhiteSpace(bytes[lower]) { lower += 1 }
            while upper > lower, isWhiteSpace(bytes[upper - 1]) { upper -= 1 }
            return Secret(count: upper - lower) { output in
                output.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[lower..<upper]))
            }
        }
    }

    /// Whether a secret contains CR or LF (which would split an HTTP header).
    static func containsLineBreak(_ secret: Secret) -> Bool {
        secret.withUnsafeBytes { $0.contains(0x0A) || $0.contains(0x0D) }
    }

    private static func isWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Reads a token file into guarded memory, trimmed; the error names the file and the setting that names it.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - what: what the token is, for messages (`web identity token`).
    ///   - setting: where the path was written (`AWS_WEB_IDENTITY_TOKEN_FILE`, `~/.aws/config:4`).
    static func readToken(_ path: String, what: String, setting: String) throws(AWSCredentialError) -> Secret {
        let contents: Secret
        do {
            contents = try SecureFile.readCredentialFile(path)
        } catch {
            let reason =
                switch error.code {
                case .notFound: "does not exist"
                case .permissionDenied: "is not readable (permission denied)"
                default: "cannot be read"
                }
            throw AWSCredentialError(
                .configuration,
                "The \(what) file \(path) (\(setting)) \(reason); check the path and that the token is mounted."
            )
        }
        let token = trimmed(contents)
        guard !token.isEmpty else {
            throw AWSCredentialError(
                .configuration,
                "The \(what) file \(path) (\(setting)) is empty; check that the token is mounted."
            )
        }
        return token
    }
}
