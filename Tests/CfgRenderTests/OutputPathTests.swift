import CfgRender
import Testing

struct OutputPathTests {
    @Test(arguments: [
        ("airflow.env", "out/prod/airflow.env"),
        ("ecs/scheduler.json", "out/prod/ecs/scheduler.json"),
        ("./a//b/./c.env", "out/prod/a/b/c.env"),
        ("..x/y", "out/prod/..x/y"),
    ])
    func joinsRelativePaths(_ relative: String, _ expected: String) throws {
        #expect(try OutputPath.resolve(relative, in: "out/prod") == expected)
        #expect(try OutputPath.resolve(relative, in: "out/prod/") == expected)
    }

    @Test(arguments: ["", "/etc/passwd", "../x", "a/../../x", "a/..", "..", ".", "./", "a\0b"])
    func rejectsPathsThatEscape(_ relative: String) {
        #expect(throws: RenderError(.pathEscapes, "")) { try OutputPath.resolve(relative, in: "out/prod") }
    }

    @Test func errorNamesThePath() {
        #expect {
            try OutputPath.resolve("../../etc/cron.d/x", in: "out")
        } throws: { error in
            (error as? RenderError)?.description.contains("\"../../etc/cron.d/x\"") == true
        }
    }
}
