import Testing

@testable import CfgConfig

/// `ecs.image_entrypoint`: the image's own ENTRYPOINT, which `cfg exec` becomes in a rendered task definition.
struct ECSImageEntrypointTests {
    private static func ecs(_ section: String) throws(ConfigError) -> ECSConfig {
        try EnvironmentFileLoader.parse(
            EnvironmentFixtures.minimal + section,
            file: "environments/dev.yaml",
            projectDirectory: "/project",
            defaultName: "dev"
        ).ecs
    }

    @Test func defaultIsUnsetSoTheOfficialImagesEntrypointApplies() throws {
        #expect(try Self.ecs("ecs: { image: apache/airflow:3.1.3 }\n").imageEntrypoint == nil)
        #expect(ECSConfig.officialImageEntrypoint == ["/usr/bin/dumb-init", "--", "/entrypoint"])
    }

    @Test func listAndEmptyListAreRead() throws {
        #expect(
            try Self.ecs("ecs: { image_entrypoint: [/usr/bin/tini, --] }\n").imageEntrypoint == ["/usr/bin/tini", "--"]
        )
        #expect(try Self.ecs("ecs: { image_entrypoint: [] }\n").imageEntrypoint == [])
    }

    @Test func aWordThatIsNotANonEmptyStringIsRefusedWithItsPosition() {
        let error = #expect(throws: ConfigError.self) { try Self.ecs("ecs: { image_entrypoint: [\"\"] }\n") }
        #expect(error?.position?.line == 2)
        let scalar = #expect(throws: ConfigError.self) { try Self.ecs("ecs: { image_entrypoint: /init }\n") }
        #expect(scalar?.position?.line == 2)
    }
}
