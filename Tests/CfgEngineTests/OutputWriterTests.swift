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

    @Test func theDefaultDirectoryIsOutEnvBelowTheRoot() {
        let writer = OutputWriter(root: "/p/./project/", components: ["out", "dev"])
        #expect(writer.root == "/p/project")
        #expect(writer.components == ["out", "dev"])
        #expect(writer.directory == "/p/project/out/dev")
        let explicit = OutputWriter(directory: "/p/x/../rendered/")
        #expect(explicit.root == "/p")
        #expect(explicit.components == ["rendered"])
    }

    // MARK: All or nothing (issue 11, defect 4)

    /// Four outputs, then a fifth whose temporary file cannot be created: its name plus `.NAME.tmp-…` is longer
    /// than a file name may be (a real failure of the file system, after four temporaries were written).
    static func set(_ version: String, fifth: String) -> [RenderedOutput] {
        (1...4).map {
            RenderedOutput(kind: .env, path: "d\($0)/f\($0).env", contents: "V=\(version)\n", secretKeys: [])
        }
            + [RenderedOutput(kind: .env, path: fifth, contents: "V=\(version)\n", secretKeys: [])]
    }

    /// Every entry below `directory`, relative, sorted.
    static func entries(_ directory: String) -> [String] {
        ((FileManager.default.subpaths(atPath: directory)) ?? []).sorted()
    }

    @Test func aFailureWhilePreparingReplacesNothingAndLeavesNoTemporary() async throws {
        try await TemporaryDirectory.with { directory in
            let out = directory + "/out"
            let writer = OutputWriter(directory: out)
            try writer.write(Array(Self.set("old", fifth: "e5.env").prefix(4)))
            let before = Self.entries(out)
            let canary = Canary.make()
            var failing = Self.set("new", fifth: "d5/" + String(repeating: "n", count: 240))
            failing[4].contents = "S=\(canary)\n"
            let error = #expect(throws: EngineError.self) { try writer.write(failing) }
            #expect(error?.code == .output)
            #expect(error?.problems.count == 1)
            #expect(error?.description.contains("no output was replaced") == true)
            Canary.assertAbsent(canary, in: [error?.description ?? ""])
            for index in 1...4 {
                let text = try String(contentsOfFile: out + "/d\(index)/f\(index).env", encoding: .utf8)
                #expect(text == "V=old\n")
            }
            // No temporary left, and the directory made for the fifth output removed again.
            #expect(Self.entries(out) == before)
        }
    }

    /// A file name may be 255 bytes and the temporary adds 22 (`.`, `.tmp-`, 16 hex digits): 233 is the longest
    /// output name that can be written; one more is one clear line naming the file.
    @Test func anOutputNameOf233BytesIsWrittenAnd234IsRefusedNamingTheFile() async throws {
        try await TemporaryDirectory.with { directory in
            let writer = OutputWriter(directory: directory + "/out")
            let longest = String(repeating: "n", count: 233)
            try writer.write([RenderedOutput(kind: .file, path: longest, contents: "x", secretKeys: [])])
            #expect(FileManager.default.fileExists(atPath: directory + "/out/" + longest))
            let past = String(repeating: "p", count: 234)
            let error = #expect(throws: EngineError.self) {
                try writer.write([RenderedOutput(kind: .file, path: past, contents: "x", secretKeys: [])])
            }
            #expect(
                error?.problems == [
                    "Could not create a temporary file for \"\(directory)/out/\(past)\": File name too long; no output "
                        + "was replaced."
                ]
            )
        }
    }

    @Test(arguments: [true, false])
    func aDirectoryInTheWayOfTheFifthOutputIsFoundBeforeAnythingIsWritten(checkOnly: Bool) async throws {
        try await TemporaryDirectory.with { directory in
            let out = directory + "/out"
            let writer = OutputWriter(directory: out)
            try writer.write(Array(Self.set("old", fifth: "e5.env").prefix(4)))
            try FileManager.default.createDirectory(atPath: out + "/e5.env", withIntermediateDirectories: true)
            let error = #expect(throws: EngineError.self) {
                if checkOnly {
                    try writer.verify(Self.set("new", fifth: "e5.env"))
                } else {
                    try writer.write(Self.set("new", fifth: "e5.env"))
                }
            }
            #expect(error?.code == .output)
            #expect(error?.problems == ["\"\(out)/e5.env\" is a directory where an output file must go; remove it."])
            for index in 1...4 {
                #expect(try String(contentsOfFile: out + "/d\(index)/f\(index).env", encoding: .utf8) == "V=old\n")
            }
        }
    }

    @Test func aFileWhereADirectoryMustGoIsFoundByTheCheck() async throws {
        try await TemporaryDirectory.with { directory in
            let out = directory + "/out"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: out + "/ecs", contents: Data("old".utf8))
            let outputs = [
                RenderedOutput(kind: .env, path: "a.env", contents: "A=1\n", secretKeys: []),
                RenderedOutput(kind: .ecsTaskDefinition, path: "ecs/s.json", contents: "{}", secretKeys: []),
                RenderedOutput(kind: .ecsTaskDefinition, path: "ecs/t.json", contents: "{}", secretKeys: []),
            ]
            let writer = OutputWriter(directory: out)
            let error = #expect(throws: EngineError.self) { try writer.verify(outputs) }
            // One line for the one problem, though two outputs meet it.
            #expect(
                error?.problems == [
                    "\"\(out)/ecs\" is a file where a directory must go; remove it or change the outputs' paths."
                ]
            )
            #expect(throws: EngineError.self) { try writer.write(outputs) }
            #expect(!FileManager.default.fileExists(atPath: out + "/a.env"))
        }
    }

    @Test func outputsThatClashWithEachOtherAreAValidationError() async throws {
        try await TemporaryDirectory.with { directory in
            let writer = OutputWriter(directory: directory + "/out")
            let error = #expect(throws: EngineError.self) {
                try writer.verify([
                    RenderedOutput(kind: .file, path: "a", contents: "", secretKeys: []),
                    RenderedOutput(kind: .file, path: "a/b", contents: "", secretKeys: []),
                ])
            }
            #expect(error?.code == .validation)
            #expect(error?.problems.first?.contains("\"a\" and \"a/b\" clash") == true)
        }
    }

    // MARK: Links and shared directories (issue 11, defect 11)

    @Test(arguments: ["out", "out/ecs"])
    func aSymbolicLinkToADirectoryIsRefused(_ link: String) async throws {
        try await TemporaryDirectory.with { directory in
            let elsewhere = directory + "/elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
            if link == "out" { try FileManager.default.removeItem(atPath: directory + "/out") }
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + link, withDestinationPath: elsewhere)
            let writer = OutputWriter(directory: directory + "/out")
            let outputs = [RenderedOutput(kind: .env, path: "ecs/s.json", contents: "{}", secretKeys: [])]
            for checkOnly in [true, false] {
                let error = #expect(throws: EngineError.self) {
                    if checkOnly { try writer.verify(outputs) } else { try writer.write(outputs) }
                }
                #expect(error?.code == .output)
                #expect(error?.problems.first?.hasPrefix("\"\(directory)/\(link)\" is a symbolic link") == true)
            }
            #expect(Self.entries(elsewhere).isEmpty)
        }
    }

    @Test func diffReadsAnExistingFileOf16MiBAndRefusesALargerOneWithoutEchoingIt() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
            let limit = 16 << 20
            FileManager.default.createFile(
                atPath: directory + "/out/at.env",
                contents: Data(repeating: 0x41, count: limit),
                attributes: [.posixPermissions: 0o600]
            )
            FileManager.default.createFile(
                atPath: directory + "/out/past.env",
                contents: Data(canary.utf8) + Data(repeating: 0x41, count: limit),
                attributes: [.posixPermissions: 0o600]
            )
            let writer = OutputWriter(directory: directory + "/out")
            let at = RenderedOutput(kind: .env, path: "at.env", contents: "A=1\n", secretKeys: [])
            let past = RenderedOutput(kind: .env, path: "past.env", contents: "A=1\n", secretKeys: [])
            #expect(try writer.existingContents([at]).first??.utf8.count == limit)
            let error = #expect(throws: EngineError.self) { try writer.existingContents([at, past]) }
            #expect(error?.code == .output)
            #expect(error?.problems.first?.contains("past.env\" is larger than 16 MiB") == true)
            Canary.assertAbsent(canary, in: [error?.description ?? ""])
        }
    }

    @Test func aSymbolicLinkWhereAnOutputGoesIsRefusedAndNotRead() async throws {
        try await TemporaryDirectory.with { directory in
            let canary = Canary.make()
            let target = directory + "/target"
            FileManager.default.createFile(atPath: target, contents: Data(canary.utf8))
            try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: directory + "/out/a.env", withDestinationPath: target)
            let writer = OutputWriter(directory: directory + "/out")
            let outputs = [RenderedOutput(kind: .env, path: "a.env", contents: "A=1\n", secretKeys: [])]
            let error = #expect(throws: EngineError.self) { try writer.existingContents(outputs) }
            #expect(error?.problems.first?.contains("is a symbolic link where an output file must go") == true)
            Canary.assertAbsent(canary, in: [error?.description ?? ""])
            #expect(throws: EngineError.self) { try writer.write(outputs) }
            #expect(try String(contentsOfFile: target, encoding: .utf8) == canary)
        }
    }

    @Test(arguments: ["out", "out/ecs"])
    func aDirectoryOthersCanWriteToIsRefused(_ shared: String) async throws {
        try await TemporaryDirectory.with { directory in
            try FileManager.default.createDirectory(atPath: directory + "/out/ecs", withIntermediateDirectories: true)
            chmod(directory + "/" + shared, 0o777)
            let writer = OutputWriter(directory: directory + "/out")
            let outputs = [RenderedOutput(kind: .env, path: "ecs/s.json", contents: "{}", secretKeys: [])]
            let error = #expect(throws: EngineError.self) { try writer.write(outputs) }
            #expect(error?.code == .output)
            #expect(
                error?.problems.first?.hasPrefix(
                    "Refusing to write outputs under \"\(directory)/\(shared)\": another user can change it"
                ) == true
            )
            #expect(error?.problems.first?.contains("mode 0777") == true)
            #expect(!FileManager.default.fileExists(atPath: directory + "/out/ecs/s.json"))
        }
    }

    @Test func aStickySharedRootIsAcceptedAsTmpIs() async throws {
        try await TemporaryDirectory.with { directory in
            chmod(directory, 0o1777)
            let writer = OutputWriter(directory: directory + "/out")
            try writer.write([RenderedOutput(kind: .env, path: "a.env", contents: "A=1\n", secretKeys: [])])
            #expect(FileManager.default.fileExists(atPath: directory + "/out/a.env"))
        }
    }

    // MARK: Stale temporaries (issue 11, defect 7)

    @Test func staleTemporariesOfAKilledRunAreRemovedAndNothingElse() async throws {
        try await TemporaryDirectory.with { directory in
            let out = directory + "/out"
            try FileManager.default.createDirectory(atPath: out + "/ecs", withIntermediateDirectories: true)
            let outside = directory + "/outside"
            FileManager.default.createFile(atPath: outside, contents: Data("keep".utf8))
            let stale = [
                ".a.env.tmp-0123456789abcdef", ".gone.env.tmp-fedcba9876543210", "ecs/.s.json.tmp-00aa11bb22cc33dd",
            ]
            for name in stale { FileManager.default.createFile(atPath: out + "/" + name, contents: Data("x".utf8)) }
            let kept = [
                ".a.env.tmp-0123", ".a.env.tmp-0123456789ABCDEF", "notes.tmp-0123456789abcdef", ".tmp-0123456789abcdef",
            ]
            for name in kept { FileManager.default.createFile(atPath: out + "/" + name, contents: Data("x".utf8)) }
            try FileManager.default.createSymbolicLink(
                atPath: out + "/.link.tmp-0123456789abcdef",
                withDestinationPath: outside
            )
            try FileManager.default.createDirectory(
                atPath: out + "/.dir.tmp-0123456789abcdef",
                withIntermediateDirectories: true
            )
            try OutputWriter(directory: out).write([
                RenderedOutput(kind: .env, path: "a.env", contents: "A=1\n", secretKeys: []),
                RenderedOutput(kind: .ecsTaskDefinition, path: "ecs/s.json", contents: "{}", secretKeys: []),
            ])
            let expected =
                (kept + [".dir.tmp-0123456789abcdef", ".link.tmp-0123456789abcdef", "a.env", "ecs", "ecs/s.json"])
            #expect(Self.entries(out) == expected.sorted())
            #expect(try String(contentsOfFile: outside, encoding: .utf8) == "keep")
        }
    }

    /// Writers of one directory take turns: after eight concurrent writes of a three-file set, the three files
    /// come from the same write.
    @Test func concurrentWritersOfOneDirectoryDoNotInterleave() async throws {
        try await TemporaryDirectory.with { directory in
            let out = directory + "/out"
            for round in 0..<5 {
                await withTaskGroup(of: Void.self) { group in
                    for writerNumber in 0..<8 {
                        group.addTask {
                            let value = "\(round)-\(writerNumber)"
                            let set = ["a.env", "b/b.env", "c/c.env"].map {
                                RenderedOutput(kind: .env, path: $0, contents: "V=\(value)\n", secretKeys: [])
                            }
                            try? await OutputWriter(directory: out).write(set)
                        }
                    }
                }
                let contents = try ["a.env", "b/b.env", "c/c.env"].map {
                    try String(contentsOfFile: out + "/" + $0, encoding: .utf8)
                }
                #expect(Set(contents).count == 1)
                #expect(Self.entries(out).allSatisfy { !$0.contains(".tmp-") })
            }
        }
    }
}
