import Foundation
import Synchronization
import Testing

@testable import CfgSecure

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Serialized because one test changes the process-wide umask.
@Suite(.serialized)
struct AtomicFileTests {
    @Test func writesContentWithMode0600() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("secrets.env")
        try AtomicFile.write(Array("A=1\n".utf8), to: path)
        #expect(try SecureFile.readBytes(path) == Array("A=1\n".utf8))
        #expect(try SecureFile.permissions(path) == 0o600)
        #expect(try directory.entries() == ["secrets.env"])
    }

    @Test func modeIsExactEvenWithAPermissiveUmask() throws {
        let directory = try TemporaryDirectory()
        let previous = umask(0)
        defer { umask(previous) }
        let path = directory.file("key")
        try AtomicFile.write(Secret(copying: canary), to: path)
        #expect(try SecureFile.permissions(path) == 0o600)
        try AtomicFile.write(Array("public".utf8), to: directory.file("public"), mode: 0o644)
        #expect(try SecureFile.permissions(directory.file("public")) == 0o644)
    }

    @Test func replacesAnExistingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("out.env")
        try AtomicFile.write(Array("old content that is longer".utf8), to: path, mode: 0o644)
        try AtomicFile.write(Secret(copying: "new"), to: path)
        #expect(try SecureFile.read(path).stringValue() == "new")
        #expect(try SecureFile.permissions(path) == 0o600)
        #expect(try directory.entries() == ["out.env"])
    }

    @Test func writesAnEmptyFile() throws {
        let directory = try TemporaryDirectory()
        try AtomicFile.write([UInt8](), to: directory.file("empty"))
        #expect(try SecureFile.readBytes(directory.file("empty")).isEmpty)
    }

    @Test func writesALargeFile() throws {
        let directory = try TemporaryDirectory()
        let content = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(content, to: directory.file("large"))
        #expect(try SecureFile.readBytes(directory.file("large")) == content)
        #expect(try SecureFile.read(directory.file("large")).withUnsafeBytes { Array($0) } == content)
    }

    @Test func missingDirectoryFailsWithNotFound() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("missing/out.env")
        let error = #expect(throws: FileError.self) {
            try AtomicFile.write(Secret(copying: canary), to: path)
        }
        #expect(error?.code == .notFound)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains(canary) == false)
        #expect(try directory.entries().isEmpty)
    }

    @Test func failureBeforeRenameLeavesTheTargetAndNoTemporaryFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("out.env")
        try AtomicFile.write(Array("original".utf8), to: path)
        let replacement = Secret(copying: canary)
        let error = #expect(throws: FileError.self) {
            try replacement.withUnsafeBytes { (buffer) throws(FileError) -> Void in
                try AtomicFile.write(buffer, to: path, mode: 0o600) { () throws(FileError) -> Void in
                    throw FileError(.io, "Injected failure.")
                }
            }
        }
        #expect(error?.code == .io)
        #expect(try SecureFile.readBytes(path) == Array("original".utf8))
        #expect(try directory.entries() == ["out.env"])
    }

    @Test func renameFailureLeavesTheTargetAndNoTemporaryFile() throws {
        let directory = try TemporaryDirectory()
        // The target is a non-empty directory, so rename(2) must fail.
        let target = directory.file("target")
        try AtomicFile.createDirectory(target)
        try AtomicFile.write(Array("inside".utf8), to: target + "/file")
        #expect(throws: FileError.self) {
            try AtomicFile.write(Secret(copying: canary), to: target)
        }
        #expect(try directory.entries() == ["target"])
        #expect(try SecureFile.readBytes(target + "/file") == Array("inside".utf8))
    }

    @Test(.enabled(if: geteuid() != 0, "root ignores directory permissions"))
    func readOnlyDirectoryLeavesTheExistingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("out.env")
        try AtomicFile.write(Array("original".utf8), to: path)
        chmod(directory.path, 0o500)
        defer { chmod(directory.path, 0o700) }
        let error = #expect(throws: FileError.self) {
            try AtomicFile.write(Array("new".utf8), to: path)
        }
        #expect(error?.code == .permissionDenied)
        #expect(try SecureFile.readBytes(path) == Array("original".utf8))
        #expect(try directory.entries() == ["out.env"])
    }

    @Test func createDirectoryMakesParentsWithMode0700() throws {
        let directory = try TemporaryDirectory()
        let nested = directory.file("a/b/c")
        try AtomicFile.createDirectory(nested)
        try AtomicFile.createDirectory(nested)
        #expect(try SecureFile.permissions(nested) == 0o700)
        #expect(try SecureFile.permissions(directory.file("a")) == 0o700)
        try AtomicFile.write(Array("x".utf8), to: nested + "/file")
        #expect(try SecureFile.readBytes(nested + "/file") == Array("x".utf8))
    }

    @Test func createDirectoryFailsWhenAFileIsInTheWay() throws {
        let directory = try TemporaryDirectory()
        try AtomicFile.write(Array("x".utf8), to: directory.file("file"))
        #expect(throws: FileError.self) {
            try AtomicFile.createDirectory(directory.file("file/sub"))
        }
        #expect(throws: FileError.self) {
            try AtomicFile.createDirectory(directory.file("file"))
        }
    }

    // MARK: Exclusive creation (issue 11, defect 1)

    @Test func createWritesAPrivateFileOnlyWhenNothingIsThere() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("dev.key")
        #expect(try AtomicFile.create(Secret(copying: "first"), at: path, mode: 0o600))
        #expect(try AtomicFile.create(Secret(copying: "second"), at: path, mode: 0o600) == false)
        #expect(try SecureFile.read(path) == Secret(copying: "first"))
        #expect(try SecureFile.permissions(path) == 0o600)
        #expect(try directory.entries() == ["dev.key"])
    }

    @Test func createDoesNotReplaceALinkOrFollowIt() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("dev.key")
        #expect(symlink(directory.file("absent-target"), path) == 0)
        #expect(try AtomicFile.create(Secret(copying: canary), at: path) == false)
        #expect(FileManager.default.fileExists(atPath: directory.file("absent-target")) == false)
        #expect(try directory.entries() == ["dev.key"])
    }

    @Test func concurrentCreatesHaveExactlyOneWinnerWhoseContentStays() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("dev.key")
        let winners = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            if (try? AtomicFile.create(Secret(copying: "key \(index)"), at: path)) == true {
                winners.withLock { $0.append(index) }
            }
        }
        let won = winners.withLock { $0 }
        let winner = try #require(won.first)
        #expect(won.count == 1)
        #expect(try SecureFile.read(path) == Secret(copying: "key \(winner)"))
        #expect(try directory.entries() == ["dev.key"])
    }

    @Test(arguments: [
        (".dev.store.tmp-0123456789abcdef", true),
        (".dev.store.tmp-0123456789ABCDEF", false),
        (".dev.store.tmp-0123456789abcde", false),
        (".dev.store.tmp-0123456789abcdef0", false),
        (".dev.store.tmp-0123456789abcdeg", false),
        (".prod.store.tmp-0123456789abcdef", false),
        ("dev.store.tmp-0123456789abcdef", false),
        ("dev.store", false),
    ])
    func temporaryNamesMatchOnlyTheFilesOwnPattern(name: String, matches: Bool) {
        #expect(AtomicFile.isTemporary(name, of: "/project/.cfg/dev.store") == matches)
    }

    @Test func writeUsesTheTemporaryPattern() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("dev.store")
        try AtomicFile.write(Array("old".utf8), to: path)
        var seen: [String] = []
        #expect(throws: FileError.self) {
            try Secret(copying: "new").withUnsafeBytes { (buffer) throws(FileError) -> Void in
                try AtomicFile.write(buffer, to: path, mode: 0o600) { () throws(FileError) -> Void in
                    let names = (try? directory.entries()) ?? []
                    seen = names
                    throw FileError(.io, "stop before the rename")
                }
            }
        }
        #expect(seen.filter { AtomicFile.isTemporary($0, of: path) }.count == 1)
    }
}
