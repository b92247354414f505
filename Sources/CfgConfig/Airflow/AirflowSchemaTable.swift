/// The generated schema text (format: the docstring of `dev/gen-airflow-schema.py`), indexed in place: the byte
/// ranges of its sections, option lines and moves, each list in byte order of its names, searched by halving. An
/// option's line is read into an ``AirflowOption`` when it is looked up; indexing reads the text once and makes no
/// string (building every option as a value was 6.0 M of a 7-secret render's 78 M instructions).
///
/// The text is generated and tested, so a line this reader does not know is a generator bug: it is skipped, and
/// `AirflowSchemaTests` checks that the schema has the counts of the source files.
struct AirflowSchemaTable: Sendable {
    let version: String
    let uncheckedSections: Set<String>
    private let bytes: [UInt8]
    /// The sections in name order.
    private let sections: [Section]
    /// The `> old new since` lines, in order of their old name.
    private let moves: [Range<Int>]

    private struct Section: Sendable {
        /// The name between the brackets.
        var name: Range<Int>
        /// The option lines, in name order.
        var options: [Range<Int>]
    }

    private static let space = UInt8(ascii: " ")

    init(_ text: String) {
        let bytes = Array(text.utf8)
        var version = ""
        var unchecked: Set<String> = []
        var sections: [Section] = []
        var moves: [Range<Int>] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            let line = start..<end
            start = end + 1
            guard let first = bytes[line].first else { continue }
            let word = { (index: Int) in Self.word(index, of: line, in: bytes) }
            switch first {
            case UInt8(ascii: "["):
                guard bytes[line].last == UInt8(ascii: "]"), line.count > 2 else { continue }
                sections.append(Section(name: line.lowerBound + 1..<line.upperBound - 1, options: []))
            case UInt8(ascii: ">"):
                if word(3) != nil, word(4) == nil { moves.append(line) }
            case UInt8(ascii: "?"):
                if let name = word(1) { unchecked.insert(String(decoding: bytes[name], as: UTF8.self)) }
            default:
                if Self.starts(bytes[line], with: "version "), let value = word(1) {
                    version = String(decoding: bytes[value], as: UTF8.self)
                } else if !sections.isEmpty, word(1) != nil {
                    sections[sections.count - 1].options.append(line)
                }
            }
        }
        // Generated in this order already; sorting sorted lists only compares neighbours.
        let firstWord = { (line: Range<Int>) in Self.word(0, of: line, in: bytes) ?? line }
        let moveKey = { (line: Range<Int>) in Self.word(1, of: line, in: bytes) ?? line }
        for index in sections.indices {
            sections[index].options.sort { Self.order(bytes[firstWord($0)], bytes[firstWord($1)]) < 0 }
        }
        sections.sort { Self.order(bytes[$0.name], bytes[$1.name]) < 0 }
        moves.sort { Self.order(bytes[moveKey($0)], bytes[moveKey($1)]) < 0 }
        self.bytes = bytes
        self.version = version
        self.uncheckedSections = unchecked
        self.sections = sections
        self.moves = moves
    }

    // MARK: - Lookups

    /// The section named `name`.
    func section(_ name: String) -> Int? {
        Self.search(sections.count, for: name) { bytes[sections[$0].name] }
    }

    /// The option `key`, read from its line.
    func option(_ key: AirflowOptionKey) -> AirflowOption? {
        guard let section = section(key.section) else { return nil }
        let options = sections[section].options
        guard let index = Self.search(options.count, for: key.option, { name(0, of: options[$0]) }) else { return nil }
        let words = Self.words(of: options[index], in: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
        return Self.option(words, section: key.section)
    }

    /// The move whose old name is `key`.
    func move(from key: AirflowOptionKey) -> AirflowMove? {
        Self.search(moves.count, for: "\(key.section).\(key.option)") { name(1, of: moves[$0]) }.flatMap(move(at:))
    }

    var sectionNames: [String] {
        sections.map { String(decoding: bytes[$0.name], as: UTF8.self) }
    }

    func optionNames(in sectionName: String) -> [String] {
        guard let section = section(sectionName) else { return [] }
        return sections[section].options.map { String(decoding: name(0, of: $0), as: UTF8.self) }
    }

    var allMoves: [AirflowOptionKey: AirflowMove] {
        Dictionary(moves.indices.compactMap(move(at:)).map { ($0.from, $0) }, uniquingKeysWith: { _, last in last })
    }

    // MARK: - Reading

    /// The bytes of a line's word `index` (the option name 0, a move's old name 1).
    private func name(_ index: Int, of line: Range<Int>) -> ArraySlice<UInt8> {
        bytes[Self.word(index, of: line, in: bytes) ?? line.lowerBound..<line.lowerBound]
    }

    private func move(at index: Int) -> AirflowMove? {
        let words = Self.words(of: moves[index], in: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
        guard let from = Self.key(words[1]), let to = Self.key(words[2]) else { return nil }
        return AirflowMove(from: from, to: to, since: words[3])
    }

    /// `section.option` (sections have no dots in either schema).
    private static func key(_ text: String) -> AirflowOptionKey? {
        let parts = text.split(separator: ".", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        return AirflowOptionKey(section: String(parts[0]), option: String(parts[1]))
    }

    /// `name T[*][ +ADDED][ !DEPRECATED]`.
    private static func option(_ words: [String], section: String) -> AirflowOption? {
        guard words.count >= 2 else { return nil }
        var kind = Substring(words[1])
        let sensitive = kind.hasSuffix("*")
        if sensitive { kind = kind.dropLast() }
        let type: AirflowValueType
        switch kind {
        case "s": type = .string
        case "b": type = .boolean
        case "i": type = .integer
        case "f": type = .float
        default:
            guard kind.hasPrefix("e:") else { return nil }
            type = .enumeration(kind.dropFirst(2).split(separator: "|").map(String.init))
        }
        var option = AirflowOption(key: AirflowOptionKey(section: section, option: words[0]), type: type)
        option.isSensitive = sensitive
        for word in words.dropFirst(2) {
            if word.hasPrefix("+") { option.versionAdded = String(word.dropFirst()) }
            if word.hasPrefix("!") { option.versionDeprecated = String(word.dropFirst()) }
        }
        return option
    }

    // MARK: - Bytes

    /// The range of a line's word `index` (words are split at spaces), without making the list.
    private static func word(_ index: Int, of line: Range<Int>, in bytes: [UInt8]) -> Range<Int>? {
        var remaining = index
        var start = line.lowerBound
        for position in line.lowerBound...line.upperBound where position == line.upperBound || bytes[position] == space
        {
            if position > start {
                if remaining == 0 { return start..<position }
                remaining -= 1
            }
            start = position + 1
        }
        return nil
    }

    /// The ranges of a line's words (split at spaces).
    private static func words(of line: Range<Int>, in bytes: [UInt8]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var start = line.lowerBound
        for index in line where bytes[index] == space {
            if index > start { words.append(start..<index) }
            start = index + 1
        }
        if line.upperBound > start { words.append(start..<line.upperBound) }
        return words
    }

    private static func starts(_ line: ArraySlice<UInt8>, with prefix: StaticString) -> Bool {
        line.count >= prefix.utf8CodeUnitCount
            && zip(line, UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)).allSatisfy(==)
    }

    /// Negative, zero or positive as `left` sorts before, with or after `right`, byte by byte (the order of
    /// Unicode scalars, in which the generator sorts).
    private static func order<Left: Collection<UInt8>, Right: Collection<UInt8>>(_ left: Left, _ right: Right) -> Int {
        var rightBytes = right.makeIterator()
        for byte in left {
            guard let other = rightBytes.next() else { return 1 }
            if byte != other { return byte < other ? -1 : 1 }
        }
        return rightBytes.next() == nil ? 0 : -1
    }

    /// The index among `count` names in byte order whose name is `name`.
    private static func search(_ count: Int, for name: String, _ nameAt: (Int) -> ArraySlice<UInt8>) -> Int? {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            let order = order(nameAt(middle), name.utf8)
            if order == 0 { return middle }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}
