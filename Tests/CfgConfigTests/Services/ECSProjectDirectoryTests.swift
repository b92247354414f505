import Testing

@testable import CfgConfig

/// `ecs.project_dir`: where the image holds the project, which the rendered entrypoint passes to `cfg exec -C`.
struct ECSProjectDirectoryTests {
    private static func ecs(_ section: String) throws(ConfigError) -> ECSConfig {
        try EnvironmentFileLoader.parse(
            EnvironmentFixtures.minimal + section,
            file: "environments/dev.yaml",
            projectDirectory: "/project",
            defaultName: "dev"
        ).ecs
    }

    @Test func defaultIsWhereTheDockerfileCopiesTheProject() throws {
        #expect(try Self.ecs("ecs: { image: apache/airflow:3.1.3 }\n").projectDirectory == "/opt/cfg")
        #expect(ECSConfig().projectDirectory == ECSConfig.defaultProjectDirectory)
    }

    @Test(arguments: [
        ("/srv/airflow", "/srv/airflow"), ("/opt/cfg/", "/opt/cfg"), ("//opt//cfg", "/opt/cfg"), ("/", "/"),
        ("'/opt/my project'", "/opt/my project"),
    ])
    func anAbsolutePathIsReadAndWrittenOneWay(written: String, read: String) throws {
        #expect(try Self.ecs("ecs: { project_dir: \(written) }\n").projectDirectory == read)
    }

    @Test(arguments: ["opt/cfg", "./cfg", "/opt/../cfg", "/opt/./cfg", "\"/opt/c\\tfg\"", "''", "[/opt/cfg]", "~/cfg"])
    func anythingElseIsRefusedWithItsPosition(written: String) {
        let error = #expect(throws: ConfigError.self) { try Self.ecs("ecs:\n  project_dir: \(written)\n") }
        #expect(error?.code == .invalidValue)
        #expect(error?.position?.line == 3)
        #expect(error?.position?.column == 16)
        #expect(error?.description.contains("ecs.project_dir") == true)
    }
}
