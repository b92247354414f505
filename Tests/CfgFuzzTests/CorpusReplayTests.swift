import CfgFuzz
import Foundation
import Testing

/// One committed corpus file and the target it belongs to.
struct CorpusFile: Sendable, CustomTestStringConvertible {
    var target: String
    var path: String

    var testDescription: String { "\(target)/\(path.split(separator: "/").last ?? "")" }
}

/// Replays the committed fuzz corpora (`Tests/Fuzz/corpus/TARGET/*`) through the fuzz entry functions.
///
/// The seed inputs and every crash a fuzz run found live there; each must run to completion (an error thrown
/// inside the target is a correct answer to bad input, a crash fails the whole test run).
struct CorpusReplayTests {
    /// `Tests/Fuzz/corpus`, found from this file's path.
    static let corpusDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus").path

    /// The sub-folders of the corpus directory.
    static func folders() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpusDirectory)) ?? []).sorted()
    }

    /// Every file of every target's folder.
    static func files() -> [CorpusFile] {
        FuzzTarget.all.flatMap { target in
            let folder = "\(corpusDirectory)/\(target.name)"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            return names.sorted().map { CorpusFile(target: target.name, path: "\(folder)/\($0)") }
        }
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func everyTargetHasASeedCorpus(target: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(Self.corpusDirectory)/\(target)")) ?? []
        #expect(names.count >= 3, "Tests/Fuzz/corpus/\(target) needs a few valid and invalid seed inputs")
    }

    @Test func everyCorpusFolderBelongsToATarget() {
        let names = Set(FuzzTarget.all.map(\.name))
        #expect(Self.folders().filter { !names.contains($0) } == [])
    }

    @Test(arguments: files())
    func corpusFileRunsToCompletion(file: CorpusFile) async throws {
        let target = try #require(FuzzTarget.named(file.target))
        let data = try #require(FileManager.default.contents(atPath: file.path))
        await target.run(Array(data))
    }
}
