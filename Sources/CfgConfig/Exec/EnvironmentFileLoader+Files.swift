import CfgSuggestion

extension EnvironmentFileLoader {
    /// The fields of one `files:` entry.
    static let fileFields = ["name", "secret", "template", "env"]

    /// Longest file name accepted: the kernel's 255 bytes less room for the temporary file's `.NAME.tmp-…` name.
    static let maximumFileNameBytes = 200

    /// `files:` (environment-wide or `services.NAME.files`): a list of `{ name, secret | template, env }`.
    ///
    /// Names are unique in one list, and so are the variables of `env`; `secret` names a declared secret, with
    /// an optional `.KEY` for one top-level key of a JSON secret (checked when the secret is read).
    static func parseFiles(_ node: ConfigNode, secrets: [SecretDeclaration]) throws(ConfigError) -> [FileDeclaration] {
        var result: [FileDeclaration] = []
        var variables: [String: ConfigPosition] = [:]
        for item in try node.list() {
            let fields = try item.mapping(allowed: fileFields)
            let nameNode = try fields.required("name")
            let name = try nameNode.nonEmptyString()
            try checkFileName(name, node: nameNode)
            if let previous = result.first(where: { $0.name == name }) {
                throw nameNode.error(
                    .duplicate,
                    "file \(shown(name, otherwise: "name")) in \(node.label) is already declared at \(previous.position)"
                )
            }
            let source: FileDeclaration.Source
            let sourcePosition: ConfigPosition
            switch (fields["secret"], fields["template"]) {
            case (let secretNode?, nil):
                source = try fileSecret(secretNode, secrets: secrets)
                sourcePosition = secretNode.position
            case (nil, let templateNode?):
                let template = TemplateFile(path: try templateNode.nonEmptyString(), position: templateNode.position)
                source = .template(template)
                sourcePosition = templateNode.position
            case (.some, .some):
                throw ConfigError(
                    .invalidValue,
                    "'secret' and 'template' in \(item.label) are mutually exclusive: a file holds one or the other",
                    at: fields.keyPosition("template") ?? item.position
                )
            case (nil, nil):
                throw ConfigError(
                    .missingField,
                    "missing field 'secret' or 'template' in \(item.label)",
                    at: item.position
                )
            }
            var declared: [FileVariable] = []
            for (variable, variableNode) in try fields["env"]?.stringOrList() ?? [] {
                guard isVariableName(variable) else {
                    throw variableNode.invalid(expected: "an environment variable name")
                }
                if let previous = variables[variable] {
                    throw variableNode.error(
                        .duplicate,
                        "variable \(variable) in \(node.label) already gets a file's path at \(previous)"
                    )
                }
                variables[variable] = variableNode.position
                declared.append(FileVariable(name: variable, position: variableNode.position))
            }
            result.append(
                FileDeclaration(
                    name: name,
                    source: source,
                    variables: declared,
                    position: item.position,
                    sourcePosition: sourcePosition
                )
            )
        }
        return result
    }

    /// `secret: NAME` or `secret: NAME.KEY`, NAME declared in `secrets`.
    private static func fileSecret(
        _ node: ConfigNode,
        secrets: [SecretDeclaration]
    ) throws(ConfigError) -> FileDeclaration.Source {
        let text = try node.nonEmptyString()
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts[0]
        let key = parts.count > 1 ? parts[1] : nil
        guard NamePattern.isIdentifier(name), key.map({ !$0.isEmpty }) ?? true else {
            throw node.invalid(expected: "a secret's name, or NAME.KEY for one key of a JSON secret")
        }
        guard secrets.contains(where: { $0.name == name }) else {
            let declared = secrets.isEmpty ? "none" : secrets.map(\.name).joined(separator: ", ")
            let suggestion =
                Suggestion.closest(to: name, among: secrets.map(\.name)).map { "did you mean '\($0)'? " } ?? ""
            throw node.error(
                .unknownReference,
                "secret \(shown(name, otherwise: "name")) in \(node.label) is not declared in 'secrets' "
                    + "(\(suggestion)declared: \(declared))"
            )
        }
        return .secret(name: name, key: key)
    }

    /// A file name is one path component: not empty, `.` or `..`, without `/` or control characters (NUL among
    /// them), at most ``maximumFileNameBytes`` bytes.
    private static func checkFileName(_ name: String, node: ConfigNode) throws(ConfigError) {
        let valid =
            name != "." && name != ".." && name.utf8.count <= maximumFileNameBytes
            && !name.unicodeScalars.contains { $0 == "/" || $0.properties.generalCategory == .control }
        guard valid else {
            throw node.error(
                .invalidValue,
                "\(node.label) must be a plain file name: no '/', not '.' or '..', no control character, at most "
                    + "\(maximumFileNameBytes) bytes"
            )
        }
    }

    /// A portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || first.isLetter && first.isASCII else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isLetter || $0.isNumber) && $0.isASCII }
    }
}
