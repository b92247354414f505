/// The shapes of names in an environment file, checked without regular expressions (ASCII only).
enum NamePattern {
    private static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    /// `[A-Za-z_][A-Za-z0-9_]*`: secret names, usable as `secrets.NAME` in templates.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, isLetter(first) || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || $0 == "_" }
    }

    /// `[a-z0-9][a-z0-9-]*`: service names (`api-server`, `dag-processor`).
    static func isServiceName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) || isDigit(first) else {
            return false
        }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || isDigit($0) || $0 == "-" }
    }

    /// `[A-Za-z0-9][A-Za-z0-9_.-]*`: environment names (`dev`, `prod.eu-west-1`).
    static func isEnvironmentName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, isLetter(first) || isDigit(first) else { return false }
        return text.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || "_.-".unicodeScalars.contains($0) }
    }
}
