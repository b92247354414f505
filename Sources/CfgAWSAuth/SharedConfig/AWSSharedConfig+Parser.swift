package import CfgSecure

extension AWSSharedConfig {
    /// Parses one file's bytes into profiles, following Python's `configparser` as botocore uses it: `#` and `;`
    /// start comment lines (there are no inline comments), `=` or `:` separates a key from its value, white
    /// space around both is dropped, key names are case-insensitive, a line indented deeper than the key above
    /// it continues that key (this is how nested sections such as `s3 =` are written; cfg skips them), and a
    /// repeated section or a key repeated within one section is an error.
    ///
    /// - Parameters:
    ///   - contents: the file's bytes; secret values are copied from here into new ``Secret``s.
    ///   - file: the file as shown in messages.
    ///   - kind: config (`[profile NAME]`) or credentials (`[NAME]`).
    /// - Throws: `.configuration` with `file:line:` and what is wrong, never the line's text.
    package static func parse(
        _ contents: Secret,
        file: String,
        kind: FileKind
    ) throws(AWSCredentialError) -> [String: Profile] {
        try parseSections(contents, file: file, kind: kind).profiles
    }

    /// Like ``parse(_:file:kind:)``, and the `[sso-session NAME]` sections of a config file too (kept as
    /// ``Profile`` values named after the session).
    package static func parseSections(
        _ contents: Secret,
        file: String,
        kind: FileKind
    ) throws(AWSCredentialError) -> (profiles: [String: Profile], ssoSessions: [String: Profile]) {
        try contents.withUnsafeBytes { (bytes) throws(AWSCredentialError) in
            var parser = INIParser(bytes: bytes, file: file, kind: kind)
            try parser.run()
            return (parser.profiles, parser.ssoSessions)
        }
    }
}

/// The line-by-line INI reader behind ``AWSSharedConfig/parse(_:file:kind:)``, over the bytes in guarded memory.
private struct INIParser {
    /// The section being read.
    struct Section {
        /// The profile it defines, or nil for a section that is not a profile (`[sso-session x]`, `[services x]`).
        var profile: String?
        /// The `[sso-session NAME]` it defines (config file only).
        var ssoSession: String?
        /// The keys seen in this section and their lines, to report repeats.
        var keys: [String: Int] = [:]
        /// The indentation of the last key line, to recognise continuation lines.
        var lastKeyIndent: Int?
    }

    let bytes: UnsafeRawBufferPointer
    let file: String
    let kind: AWSSharedConfig.FileKind
    var profiles: [String: AWSSharedConfig.Profile] = [:]
    var ssoSessions: [String: AWSSharedConfig.Profile] = [:]
    /// Every section header seen, with its line.
    var headers: [String: Int] = [:]
    var section: Section?
    var line = 0

    init(bytes: UnsafeRawBufferPointer, file: String, kind: AWSSharedConfig.FileKind) {
        self.bytes = bytes
        self.file = file
        self.kind = kind
    }

    mutating func run() throws(AWSCredentialError) {
        var index = 0
        // A UTF-8 byte order mark, which some editors write.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        while index < bytes.count {
            var end = index
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            line += 1
            var lineEnd = end
            if lineEnd > index, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            try readLine(index..<lineEnd)
            index = end + 1
        }
    }

    private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0B }

    /// `range` without leading and trailing white space.
    private func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private func error(_ message: String) -> AWSCredentialError {
        AWSCredentialError(.configuration, "\(file):\(line): \(message); fix the file.")
    }

    private mutating func readLine(_ range: Range<Int>) throws(AWSCredentialError) {
        var start = range.lowerBound
        while start < range.upperBound, isSpace(bytes[start]) { start += 1 }
        let indent = start - range.lowerBound
        guard start < range.upperBound else { return }
        let first = bytes[start]
        if first == UInt8(ascii: "#") || first == UInt8(ascii: ";") { return }
        if indent > 0, let keyIndent = section?.lastKeyIndent, indent > keyIndent { return }
        if first == UInt8(ascii: "[") {
            try readHeader(start..<range.upperBound)
        } else {
            try readKey(start..<range.upperBound, indent: indent)
        }
    }

    private mutating func readHeader(_ range: Range<Int>) throws(AWSCredentialError) {
        guard let close = range.last(where: { bytes[$0] == UInt8(ascii: "]") }) else {
            throw error("a section header must end with ]")
        }
        let after = trimmed(close + 1..<range.upperBound)
        if !after.isEmpty, bytes[after.lowerBound] != UInt8(ascii: "#"), bytes[after.lowerBound] != UInt8(ascii: ";") {
            throw error("unexpected text after the section header")
        }
        let header = text(trimmed(range.lowerBound + 1..<close))
        guard !header.isEmpty else { throw error("the section header is empty") }
        if let previous = headers[header] {
            throw error("the section [\(header)] is already on line \(previous)")
        }
        headers[header] = line
        let name = profileName(header)
        let session = ssoSessionName(header)
        section = Section(profile: name, ssoSession: session)
        if let name, profiles[name] == nil {
            var profile = AWSSharedConfig.Profile(name: name)
            profile.files = [file]
            profiles[name] = profile
        }
        if let session {
            var profile = AWSSharedConfig.Profile(name: session)
            profile.files = [file]
            ssoSessions[session] = profile
        }
    }

    /// The session a `[sso-session NAME]` header of a config file defines, or nil.
    private func ssoSessionName(_ header: String) -> String? {
        guard kind == .config, header.hasPrefix("sso-session"), let next = header.dropFirst(11).first,
            next == " " || next == "\t"
        else { return nil }
        let name = header.dropFirst(11).drop { $0 == " " || $0 == "\t" }
        return name.isEmpty ? nil : String(name)
    }

    /// The profile a section header defines in this kind of file, or nil.
    private func profileName(_ header: String) -> String? {
        switch kind {
        case .credentials:
            return header
        case .config:
            if header == "default" { return "default" }
            guard header.hasPrefix("profile"), let next = header.dropFirst(7).first, next == " " || next == "\t"
            else { return nil }
            let name = header.dropFirst(7).drop { $0 == " " || $0 == "\t" }
            return name.isEmpty ? nil : String(name)
        }
    }

    private mutating func readKey(_ range: Range<Int>, indent: Int) throws(AWSCredentialError) {
        guard let separator = range.first(where: { bytes[$0] == UInt8(ascii: "=") || bytes[$0] == UInt8(ascii: ":") })
        else {
            throw error("expected `key = value`, a [section] header or a comment")
        }
        let key = text(trimmed(range.lowerBound..<separator)).lowercased()
        guard !key.isEmpty else { throw error("a key name is missing before =") }
        guard var current = section else {
            throw error("the key `\(key)` is outside any [section]")
        }
        if let previous = current.keys[key] {
            throw error("the key `\(key)` is already set on line \(previous) of this section")
        }
        current.keys[key] = line
        current.lastKeyIndent = indent
        section = current
        let valueRange = trimmed(separator + 1..<range.upperBound)
        let location = AWSSharedConfig.Location(file: file, line: line)
        if let session = current.ssoSession, var entry = ssoSessions[session] {
            // An sso-session section holds no secret; only the keys cfg reads keep their values.
            if AWSSharedConfig.readKeys.contains(key) {
                entry.values[key] = AWSSharedConfig.Value(text: text(valueRange), location: location)
            } else {
                entry.otherKeys[key] = location
            }
            ssoSessions[session] = entry
            return
        }
        guard let name = current.profile, var profile = profiles[name] else { return }
        if AWSSharedConfig.secretKeys.contains(key) {
            // Straight from the file's guarded bytes into a new guarded buffer; never a String.
            let secret = Secret(count: valueRange.count) { output in
                output.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[valueRange]))
            }
            profile.secrets[key] = AWSSharedConfig.SecretValue(secret: secret, location: location)
        } else if AWSSharedConfig.readKeys.contains(key) {
            profile.values[key] = AWSSharedConfig.Value(text: text(valueRange), location: location)
        } else {
            profile.otherKeys[key] = location
        }
        profiles[name] = profile
    }
}
