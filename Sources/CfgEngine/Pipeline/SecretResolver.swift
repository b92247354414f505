import CfgBackend
import CfgConfig
import CfgSecure
import CfgTemplate
import Logging

/// Fetches the secrets a run needs, each distinct request once, parses each payload once (``SecureJSON``) and turns
/// it into a template value.
///
/// A secret the backend does not have becomes an `.unresolved` value, so the template that uses it reports the
/// error at the position of the use. Any other backend failure (unreachable, wrong key, tampered store) stops
/// the whole run: nothing could be trusted.
struct SecretResolver {
    var environment: EnvironmentFile
    var backend: any SecretBackend
    var logger: Logger

    /// The request for a declared secret: its path and pinned version (a label word or a version id).
    static func request(for declaration: SecretDeclaration) -> SecretRequest {
        if declaration.dynamic { return SecretRequest(path: SecretPath(declaration.path), dynamic: true) }
        guard let version = declaration.version else { return SecretRequest(path: SecretPath(declaration.path)) }
        if let label = VersionLabel(rawValue: version) {
            return SecretRequest(path: SecretPath(declaration.path), version: .label(label))
        }
        return SecretRequest(path: SecretPath(declaration.path), version: .id(version))
    }

    /// Failure kinds that concern the backend as a whole rather than one secret.
    static let backendWideCodes: Set<BackendError.Code> = [
        .unreachable, .tls, .unavailable, .authenticationFailed, .throttled,
    ]

    /// The deepest JSON a secret may nest (the top-level object is level 1): what Foundation's `JSONDecoder`
    /// accepted when it read payloads, so the same documents are objects.
    static let maximumDepth = 512

    /// The fetched secrets of one run, each payload parsed once, for templates and for secret files alike.
    struct Resolution {
        /// The `secrets` map templates see: per declared name, a map, a string or an `.unresolved` value.
        var values: TemplateMap
        /// Per secret name, a reference the platform can resolve itself (an ARN), when the backend has one.
        var references: [String: DeliveryReference]
        /// The payload of each secret fetched, byte for byte.
        var payloads: [String: Secret]
        /// Each payload that is a JSON document, parsed (the secret files' keys are read from here).
        var documents: [String: SecureJSON]
    }

    /// Resolves the named secrets (undeclared names are left out: templates report them as undefined).
    func resolve(names: Set<String>) async throws(EngineError) -> Resolution {
        let declarations = environment.secrets.filter { names.contains($0.name) }
        let requests = declarations.map(Self.request(for:))
        logger.debug("fetching secrets", metadata: ["count": "\(Set(requests).count)", "backend": "\(backend.kind)"])
        let results = requests.isEmpty ? [:] : await backend.fetch(requests)

        var entries: [(key: String, value: TemplateValue)] = []
        var references: [String: DeliveryReference] = [:]
        var payloads: [String: Secret] = [:]
        var documents: [String: SecureJSON] = [:]
        var failures: [String] = []
        // A failure of the backend itself (unreachable, TLS, sealed, rejected credentials) is the same for every
        // secret: reported once, with how many more secrets it stopped.
        var backendWide: [BackendError.Code: [String]] = [:]
        for (declaration, request) in zip(declarations, requests) {
            switch results[request] {
            case .success(let version)?:
                let document = try? SecureJSON(parsing: version.payload, maxDepth: Self.maximumDepth)
                let value = TemplateValue(payload: version.payload, document: document, name: declaration.name)
                entries.append((declaration.name, value))
                references[declaration.name] = version.deliveryReference
                payloads[declaration.name] = version.payload
                documents[declaration.name] = document
            case .failure(let error)? where error.code == .notFound:
                let reason = "secret '\(declaration.name)' (\(request)) was not found in the \(backend.kind) backend"
                entries.append((declaration.name, .unresolved(reason: reason)))
            case .failure(let error)? where Self.backendWideCodes.contains(error.code):
                backendWide[error.code, default: []].append(error.description)
            case .failure(let error)?:
                // The backend's message names the store or path; one line per distinct failure.
                failures.append(error.description)
            case nil:
                failures.append("\(declaration.position): secret '\(declaration.name)' was not fetched")
            }
        }
        for messages in backendWide.values {
            guard let first = messages.first else { continue }
            let others = Set(messages).count - 1
            failures.append(
                first + (others > 0 ? " (the same for \(others) other secret\(others == 1 ? "" : "s"))" : "")
            )
        }
        if !failures.isEmpty {
            throw EngineError(.backend, Array(Set(failures)).sorted())
        }
        return Resolution(
            values: TemplateMap(entries),
            references: references,
            payloads: payloads,
            documents: documents
        )
    }
}
