package import CfgBackend
package import CfgConfig
import CfgRender
import CfgSecure
import CfgTemplate
package import Logging

/// `cfg get`: one secret value (`NAME`, `NAME.KEY`, `secrets.NAME.KEY`) or one rendered variable
/// (`AIRFLOW__CORE__FERNET_KEY`, any name a settings template defines).
package struct ValueLookup: Sendable {
    package var environment: EnvironmentFile
    package var backend: any SecretBackend
    package var processEnvironment: [String: String]
    package var logger: Logger

    package init(
        environment: EnvironmentFile,
        backend: any SecretBackend,
        processEnvironment: [String: String],
        logger: Logger
    ) {
        self.environment = environment
        self.backend = backend
        self.processEnvironment = processEnvironment
        self.logger = logger
    }

    /// The value, exactly (a Swift string: it cannot be zeroed, see SECURITY.md).
    package func value(of reference: String, service: String?) async throws(EngineError) -> String {
        let secretName = reference.split(separator: ".").first.map(String.init) ?? reference
        if Self.isVariableName(reference), environment.secret(named: secretName) == nil {
            let engine = RenderEngine(
                environment: environment,
                backend: backend,
                processEnvironment: processEnvironment,
                logger: logger
            )
            let settings = try await engine.settings(service: service)
            guard let setting = settings.first(where: { $0.variable == reference }) else {
                let scope = service.map { "service '\($0)'" } ?? "the environment-wide settings"
                throw EngineError(.unresolved, "\(environment.file): no setting '\(reference)' in \(scope)")
            }
            return setting.value.text
        }
        var path = reference
        if path.hasPrefix("secrets.") { path.removeFirst("secrets.".count) }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard let name = parts.first, let declaration = environment.secret(named: name) else {
            throw EngineError(.unresolved, "\(environment.file): no secret named '\(parts.first ?? reference)'")
        }
        let request = SecretResolver.request(for: declaration)
        // The pipeline's own fetch and conversion, for one secret.
        let resolved = try await SecretResolver(environment: environment, backend: backend, logger: logger)
            .resolve(names: [name])
        guard let payload = resolved.payloads[name] else {
            if case .unresolved(let reason)? = resolved.values[name] { throw EngineError(.unresolved, reason) }
            throw EngineError(.backend, "\(declaration.position): secret '\(name)' was not fetched")
        }
        guard parts.count == 2 else { return payload.stringValue() ?? "" }
        let key = parts[1]
        guard case .map(let map)? = resolved.values[name], let value = map[key] else {
            throw EngineError(.unresolved, "secret '\(name)' (\(request)) has no key '\(key)'")
        }
        switch value {
        case .string(let text, _, _): return text
        case .integer(let number, _): return String(number)
        case .double(let number, _): return String(number)
        case .bool(let flag, _): return flag ? "true" : "false"
        default:
            throw EngineError(.validation, "secret '\(name)' key '\(key)' is not a scalar; print the whole secret")
        }
    }

    /// Upper-case names with letters, digits and underscores are variables; anything else is a secret reference.
    static func isVariableName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || ("A"..."Z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }
}
