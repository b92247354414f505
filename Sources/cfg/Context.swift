import CfgConfig
import CfgEngine
import Foundation
import Logging

/// What every environment command needs: the loaded environment, the process environment, a logger.
struct Context {
    var environment: Environment
    var processEnvironment: [String: String]
    var logger: Logger

    /// Loads the environment file; failures are configuration errors.
    static func load(_ options: ProjectOptions) throws(EngineError) -> Context {
        let processEnvironment = ProcessInfo.processInfo.environment
        let project = URL(
            fileURLWithPath: options.directory,
            relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        ).standardizedFileURL.path
        do {
            let environment = try EnvironmentLoader.load(options.environment, projectDirectory: project)
            return Context(
                environment: environment,
                processEnvironment: processEnvironment,
                logger: makeLogger(processEnvironment)
            )
        } catch {
            throw EngineError(.configuration, error.description)
        }
    }

    /// A logger to stderr at CFG_LOG_LEVEL (default warning). cfg logs references and paths, never values.
    static func makeLogger(_ environment: [String: String]) -> Logger {
        var logger = Logger(label: "cfg") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = environment["CFG_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }
}
