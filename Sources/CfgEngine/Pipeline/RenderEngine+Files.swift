import CfgConfig
import CfgSecure
import CfgTemplate

extension RenderEngine {
    /// The contents of a service's secret files, in declaration order; each problem (a missing secret, a
    /// missing key, a template error) is added to the run's problems with the position of the file's `secret:` or
    /// `template:` value, never a value.
    func fileContents(_ declarations: [FileDeclaration], service: String?, run: inout RenderRun) -> [SecretFile] {
        var result: [SecretFile] = []
        for declaration in declarations {
            switch declaration.source {
            case .secret(let name, let key):
                guard let payload = run.secrets.payloads[name] else {
                    var reason = "secret '\(name)' was not fetched"
                    if case .unresolved(let why)? = run.secrets.values[name] { reason = why }
                    run.problems.add(
                        "\(declaration.sourcePosition): file '\(declaration.name)': \(reason)",
                        code: .unresolved
                    )
                    continue
                }
                guard let key else {
                    result.append(SecretFile(name: declaration.name, content: payload))
                    continue
                }
                switch Self.member(key, of: run.secrets.documents[name]) {
                case .success(let content):
                    result.append(SecretFile(name: declaration.name, content: content))
                case .failure(let problem):
                    run.problems.add(
                        "\(declaration.sourcePosition): file '\(declaration.name)': secret '\(name)' \(problem.text)",
                        code: .unresolved
                    )
                }
            case .template(let file):
                guard let text = run.text(of: RenderPlan.Evaluation(template: file.path, service: service)) else {
                    continue
                }
                // `text.text` is a Swift String holding secret values (not zeroable); it is copied into a Secret at
                // once and dropped.
                result.append(SecretFile(name: declaration.name, content: Secret(copying: text.text)))
            }
        }
        return result
    }

    /// Why a key cannot be taken from a secret (a sentence that follows the secret's name, without a value).
    struct MemberProblem: Error {
        var text: String
    }

    /// One top-level member of a JSON secret, straight from secure memory: a string unescaped, any other JSON
    /// value as its exact text in the secret.
    ///
    /// - Parameter document: the secret's one parse (``SecretResolver/Resolution/documents``); nil when it is not
    ///   JSON.
    static func member(_ key: String, of document: SecureJSON?) -> Result<Secret, MemberProblem> {
        guard let document, document.root.kind == .object else {
            return .failure(MemberProblem(text: "is not a JSON object, so it has no key '\(key)'"))
        }
        guard let member = document.root[key] else {
            return .failure(MemberProblem(text: "has no key '\(key)'"))
        }
        return .success(member.secretString() ?? member.rawBytes())
    }
}
