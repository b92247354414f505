import CfgVersion

/// The commands a container start and a pipeline run most (`render`, `exec`, `run`, `keygen`, `--version`, `version`)
/// read from their arguments without ArgumentParser, whose reflection of a command's options and the runtime's
/// first protocol-conformance scans it triggers cost about 7.7 M of `cfg keygen fernet`'s 11.4 M instructions.
///
/// It understands only the plain forms: long options as `--name value` or `--name=value` (not empty), `-C dir`, flags, the one
/// environment, each option at most once, and a value that does not start with `-` (other than `-` itself). For
/// anything else — help, a usage error, an unknown or repeated option, a combination `validate()` refuses — it
/// returns nil, and ArgumentParser parses the arguments (and words its message) as before. Where it returns a
/// request, it is the request ArgumentParser's value gives: `QuickParseTests` compares the two over every form.
enum QuickParse {
    /// A command read from its arguments (the words after `cfg`).
    enum Command: Equatable, Sendable {
        case render(RenderRequest)
        case exec(LaunchRequest)
        case run(LaunchRequest)
        case keygen(KeygenRequest)
        /// `cfg --version` (`full` false: version and commit) or `cfg version` (true: and the C libraries).
        case version(full: Bool)

        /// Runs the command; `exec` returns only by throwing, `run` exits with its command's status.
        func run() async throws {
            switch self {
            case .render(let request): try await request.run()
            case .exec(let request): try await request.exec()
            case .run(let request): try await request.supervise()
            case .keygen(let request): try request.run()
            case .version(let full): Terminal.output((full ? VersionReport.current() : VersionReport.build()).text)
            }
        }
    }

    /// The command `arguments` ask for, or nil for ArgumentParser to parse them.
    static func command(_ arguments: [String]) -> Command? {
        guard let name = arguments.first else { return nil }
        let rest = arguments.dropFirst()
        switch name {
        case "--version": return rest.isEmpty ? .version(full: false) : nil
        case "version": return rest.isEmpty ? .version(full: true) : nil
        case "render": return render(rest).map(Command.render)
        case "exec": return launch(rest, for: name).map(Command.exec)
        case "run": return launch(rest, for: name).map(Command.run)
        case "keygen": return keygen(rest).map(Command.keygen)
        default: return nil
        }
    }

    private static func render(_ arguments: ArraySlice<String>) -> RenderRequest? {
        guard
            var scan = Scan(arguments, values: ["out", "format", "service", "output"], flags: ["check", "diff"]),
            scan.stopped == nil, scan.positionals.count == 1,
            let format = scan.take("format").map(RenderRequest.Format.init(rawValue:)) ?? .text
        else { return nil }
        let request = RenderRequest(
            project: ProjectPath(directory: scan.take("C") ?? ".", environment: scan.positionals[0]),
            out: scan.take("out"),
            check: scan.flags.contains("check"),
            diff: scan.flags.contains("diff"),
            format: format,
            service: scan.take("service"),
            output: scan.take("output")
        )
        return (try? request.validate()) == nil ? nil : request
    }

    /// `exec` and `run`: options, ENV, and what follows ENV as ArgumentParser captures it (``LaunchRequest`` reads
    /// cfg's own options off its front).
    private static func launch(_ arguments: ArraySlice<String>, for name: String) -> LaunchRequest? {
        guard var scan = Scan(arguments, values: ["service"], flags: [], stopAfterPositional: true),
            let captured = scan.stopped, scan.positionals.count == 1
        else { return nil }
        return try? LaunchRequest(
            project: ProjectPath(directory: scan.take("C") ?? ".", environment: scan.positionals[0]),
            service: scan.take("service"),
            captured: Array(captured),
            for: name
        )
    }

    private static func keygen(_ arguments: ArraySlice<String>) -> KeygenRequest? {
        guard var scan = Scan(arguments, values: ["length", "profile", "exclude", "encoding"], flags: []),
            scan.stopped == nil, scan.positionals.count == 1, !scan.has("C"),
            let kind = KeygenRequest.Kind(rawValue: scan.positionals[0]),
            let profile = scan.take("profile").map(KeygenRequest.Profile.init(rawValue:)) ?? .strong
        else { return nil }
        var length: Int?
        if let text = scan.take("length") {
            guard let number = Int(text) else { return nil }
            length = number
        }
        let request = KeygenRequest(
            kind: kind,
            length: length,
            profile: profile,
            exclude: scan.take("exclude") ?? "",
            encoding: scan.take("encoding") ?? "hex"
        )
        return (try? request.validate()) == nil ? nil : request
    }

    /// The words of one command: its options' values (by long name, `C` for `-C`), its flags, its positional words,
    /// and, with `stopAfterPositional`, the words after the first positional one (`stopped`). Nil for a word it
    /// does not know.
    struct Scan {
        // Lists, not a set and a dictionary: a handful of words, and no generic hashed type to instantiate at
        // start (each first one costs a scan of the binary's conformances, 0.28 M instructions).
        var values: [(name: String, value: String)] = []
        var flags: [String] = []
        var positionals: [String] = []
        var stopped: ArraySlice<String>?

        init?(
            _ words: ArraySlice<String>,
            values valueNames: [String],
            flags flagNames: [String],
            stopAfterPositional: Bool = false
        ) {
            var rest = words
            while let word = rest.popFirst() {
                if word == "-C" {
                    guard let value = rest.popFirst(), Self.isValue(value),
                        add(value, as: "C")
                    else { return nil }
                } else if word.hasPrefix("--") {
                    let body = word.dropFirst(2)
                    let name = String(body.prefix { $0 != "=" })
                    let inline = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
                    if valueNames.contains(name) {
                        // ArgumentParser refuses an empty `--name=`, takes any other text after `=`.
                        guard inline != "", let value = inline ?? rest.popFirst(), inline != nil || Self.isValue(value),
                            add(value, as: name)
                        else { return nil }
                    } else if flagNames.contains(name), inline == nil, !flags.contains(name) {
                        flags.append(name)
                        continue
                    } else {
                        return nil
                    }
                } else if word.hasPrefix("-") {
                    return nil
                } else {
                    positionals.append(word)
                    if stopAfterPositional {
                        stopped = rest
                        return
                    }
                }
            }
        }

        /// The value of an option, taken so that each is read once.
        mutating func take(_ name: String) -> String? {
            guard let index = values.firstIndex(where: { $0.name == name }) else { return nil }
            return values.remove(at: index).value
        }

        /// Whether the option was given.
        func has(_ name: String) -> Bool {
            values.contains { $0.name == name }
        }

        /// Notes an option's value; false when the option was given already.
        private mutating func add(_ value: String, as name: String) -> Bool {
            guard !has(name) else { return false }
            values.append((name, value))
            return true
        }

        /// A word ArgumentParser takes as an option's value after it: one that does not start with `-`, or `-`.
        private static func isValue(_ word: String) -> Bool {
            !word.hasPrefix("-") || word == "-"
        }
    }
}
