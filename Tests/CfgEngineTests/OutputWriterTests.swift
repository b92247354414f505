import CfgConfig
import CfgEngine
import CfgTestSupport
import Foundation
import Testing

struct OutputWriterTests {
    @Test func writesEveryFileWithMode0600() async throws {
        try await TemporaryDirectory.with { directory in
            let writer = OutputWriter(directory: directory + "/out")
            try writer.write([
                RenderedOutput(kind: .env, path: "a.env", contents: "A=1\n", secretKeys: []),
                RenderedOutput(kind: .ecsTaskDefinition, path: "ecs/s.json", contents: "{}", secretKeys: []),
            ])
            for path in ["/out/a.env", "/out/ecs/s.json"] {
                let attributes = try FileManager.default.attributesOfItem(atPath: directory + path)
                #expect((attributes[.posixPermissions] as? Int) == 0o600)
            }
            #expect(try String(contentsOfFile: directory + "/out/a.env", encoding: .utf8) == "A=1\n")
        }
    }

    @Test(arguments: ["../escape.env", "/etc/passwd", "a/../../b"])
    func refusesPathsOutsideTheDirectory(_ path: String) async throws {
        try await TemporaryDirectory.with { directory in
            let writer = OutputWriter(directory: directory + "/out")
            let good = RenderedOutput(kind: .env, path: "good.env", contents: "A=1\n", secretKeys: [])
            let bad = RenderedOutput(kind: .env, path: path, contents: "B=2\n", secretKeys: [])
            let error = #expect(throws: EngineError.self) { try writer.write([good, bad]) }
            #expect(error?.code == .validation)
            // Paths are all checked before anything is written.
            #expect(!FileManager.default.fileExists(atPath: directory + "/out/good.env"))
        }
    }
}
